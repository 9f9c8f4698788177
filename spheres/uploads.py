"""Uploaded files (signed consent forms): bounded while they are received, checked by parsing
their content, and written to the private storage only once the row that refers to them is
committed.
"""

import io
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.db import transaction
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# Set on the request by LimitedUploadHandler: the field whose file went past the limit.
TOO_LARGE_ATTRIBUTE = "_spheres_upload_too_large"


class LimitedUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: stops reading the request as soon as a file goes past
    SPHERES_MAX_UPLOAD_BYTES (or its declared length already does), instead of receiving the
    whole body into a temporary file and refusing it afterwards. The fields sent before the file
    are kept, so the page can say why (see too_large_placeholder)."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request_length = content_length

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        self.received = 0
        slack = settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # the form's other fields
        if (self.request_length or 0) > settings.SPHERES_MAX_UPLOAD_BYTES + slack:
            self._refuse()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.SPHERES_MAX_UPLOAD_BYTES:
            self._refuse()
        return raw_data

    def file_complete(self, file_size):
        return None

    def _refuse(self):
        setattr(self.request, TOO_LARGE_ATTRIBUTE, self.field_name)
        # connection_reset: do not read (exhaust) the rest of the body either.
        raise StopUpload(connection_reset=True)


class TooLargeUpload(UploadedFile):
    """Stands for a file that was not received: its size says it is over the limit, so the
    form's own size check explains the refusal beside the field."""

    def __init__(self):
        super().__init__(
            file=io.BytesIO(b""),
            name="upload",
            content_type="application/octet-stream",
            size=settings.SPHERES_MAX_UPLOAD_BYTES + 1,
        )


def files_with_refusals(request):
    """request.FILES, plus a TooLargeUpload for a file the handler stopped receiving."""
    field = getattr(request, TOO_LARGE_ATTRIBUTE, None)
    if field is None:
        return request.FILES
    files = request.FILES.copy()
    files[field] = TooLargeUpload()
    return files


# --- Content checks ------------------------------------------------------------------------------


def _parses_as_pdf(upload) -> bool:
    from pypdf import PdfReader

    upload.seek(0)
    try:
        return len(PdfReader(upload, strict=False).pages) > 0
    except Exception:  # noqa: BLE001 - any parser failure means "not a PDF we accept"
        return False
    finally:
        upload.seek(0)


def _decodes_as_image(upload, expected_format: str) -> bool:
    from PIL import Image

    upload.seek(0)
    try:
        with Image.open(upload) as image:
            if image.format != expected_format:
                return False
            image.load()  # decodes every pixel: a truncated or forged body fails here
        return True
    except Exception:  # noqa: BLE001 - any decoder failure (or a decompression bomb)
        return False
    finally:
        upload.seek(0)


def check_content(upload, mime: str) -> None:
    """A PDF must parse with at least one page; an image must decode completely. The magic
    bytes alone let `%PDF` followed by an HTML page through."""
    if mime == "application/pdf":
        ok = _parses_as_pdf(upload)
    elif mime == "image/jpeg":
        ok = _decodes_as_image(upload, "JPEG")
    elif mime == "image/png":
        ok = _decodes_as_image(upload, "PNG")
    else:
        ok = False
    if not ok:
        raise ValidationError(
            {"scan": _("The file is damaged or is not really a PDF, JPEG or PNG file.")}
        )


# --- Storage -------------------------------------------------------------------------------------


def save_after_commit(*, instance, field_name: str, upload, **fields) -> None:
    """Write `upload` to the field's storage once the caller's transaction commits, then point
    the row at it (with `fields`, e.g. the content type). A refusal or a rollback — a concurrent
    duplicate, a later step that fails — leaves no file behind; until the file is written the
    row simply has none."""
    field = instance._meta.get_field(field_name)
    name = field.generate_filename(instance, upload.name)
    model, pk = type(instance), instance.pk

    def write():
        stored = field.storage.save(name, upload, max_length=field.max_length)
        model._default_manager.filter(pk=pk).update(**{field_name: stored}, **fields)
        logger.info("stored %s %s of %s #%s", field_name, stored, model._meta.label, pk)

    transaction.on_commit(write)
