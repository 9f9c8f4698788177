"""Signed consent forms: bounded while received, really parsed, private on disk, and never left
behind by a refusal or a rollback."""

import io
import stat
import threading

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIRequest
from django.db import connection, connections, transaction
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import Consent, ConsentKind
from tests.files import JPEG, PDF, PNG

pytestmark = pytest.mark.django_db


@pytest.fixture
def storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": None},
        },
    }
    return tmp_path


def stored_files(root):
    return sorted(p for p in root.rglob("*") if p.is_file())


def record(participant, actor, scan, **extra):
    return services.consent_record(
        participant=participant,
        actor=actor,
        kind=ConsentKind.RESEARCH,
        given_on=timezone.localdate(),
        form_version="R-1",
        scan=scan,
        **extra,
    )


def upload(content, name="formulaire.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type)


# --- Content -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "mime"),
    [(PDF, "f.pdf", "application/pdf"), (PNG, "f.png", "image/png"), (JPEG, "f.jpg", "image/jpeg")],
)
def test_real_pdfs_and_images_are_accepted(
    make_participant, personas, storage, content, name, mime, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        consent = record(make_participant(), personas["worker_ccsmtl"], upload(content, name, mime))
    consent.refresh_from_db()
    assert consent.scan_content_type == mime
    assert (storage / consent.scan.name).read_bytes() == content


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4\n<!doctype html><script>alert(1)</script>",  # a PDF header, then a web page
        PDF[: len(PDF) // 2],  # a truncated PDF
        PNG[:40],  # a PNG header and nothing that decodes
        JPEG[:30],
    ],
)
def test_a_file_that_only_starts_like_a_pdf_or_an_image_is_refused(
    make_participant, personas, storage, content
):
    participant = make_participant()
    with pytest.raises(ValidationError) as exc:
        record(participant, personas["worker_ccsmtl"], upload(content))
    assert "scan" in exc.value.error_dict
    assert not participant.consents.filter(kind=ConsentKind.RESEARCH).exists()
    assert stored_files(storage) == []


def test_stored_scans_are_readable_by_the_application_only(
    make_participant, personas, storage, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        consent = record(make_participant(), personas["worker_ccsmtl"], upload(PDF))
    consent.refresh_from_db()
    path = storage / consent.scan.name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


# --- Nothing left behind -------------------------------------------------------------------------


def test_a_rolled_back_consent_leaves_no_file_on_disk(
    make_participant, personas, storage, django_capture_on_commit_callbacks
):
    participant = make_participant()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        record(participant, personas["worker_ccsmtl"], upload(PDF))
        raise RuntimeError("a later step failed")
    assert stored_files(storage) == []
    assert not participant.consents.filter(kind=ConsentKind.RESEARCH).exists()


def test_a_second_consent_of_the_same_kind_is_a_message_and_no_file(
    make_participant, personas, storage, django_capture_on_commit_callbacks
):
    participant = make_participant()
    with django_capture_on_commit_callbacks(execute=True):
        record(participant, personas["worker_ccsmtl"], upload(PDF))
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        record(participant, personas["coordinator"], upload(PDF))
    assert participant.consents.filter(kind=ConsentKind.RESEARCH).count() == 1
    assert len(stored_files(storage)) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises all writers")
@pytest.mark.django_db(transaction=True)
def test_two_people_recording_the_same_consent_at_once(make_participant, personas, storage):
    participant = make_participant()
    barrier = threading.Barrier(2)
    saved, refused, errors = [], [], []

    def record_in_thread(actor):
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                saved.append(record(participant, actor, upload(PDF)))
        except ValidationError as exc:
            refused.append(exc)
        except Exception as exc:  # noqa: BLE001 - an IntegrityError here was the 500
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=record_in_thread, args=(personas[name],))
        for name in ("worker_ccsmtl", "coordinator")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert (len(saved), len(refused)) == (1, 1)
    assert Consent.objects.filter(participant=participant, kind=ConsentKind.RESEARCH).count() == 1
    assert len(stored_files(storage)) == 1


# --- Size ----------------------------------------------------------------------------------------


class CountingStream(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = super().readline(size)
        self.bytes_read += len(line)
        return line


def test_an_upload_stops_being_read_past_the_limit():
    limit = settings.SPHERES_MAX_UPLOAD_BYTES
    body = encode_multipart(
        BOUNDARY,
        {
            "csrfmiddlewaretoken": "x",
            "given_on": "2026-01-05",
            "scan": upload(PDF + b"0" * (6 * limit)),
        },
    )
    stream = CountingStream(body)
    request = WSGIRequest(
        {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/",
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
            "CONTENT_TYPE": MULTIPART_CONTENT,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": stream,
        }
    )
    assert request.POST["given_on"] == "2026-01-05"  # fields before the file are kept
    assert "scan" not in request.FILES
    assert stream.bytes_read < len(body) // 2  # not the whole body: it stopped early
    assert request._spheres_upload_too_large == "scan"


def test_an_oversized_scan_is_refused_beside_its_field(make_participant, personas, login, storage):
    participant = make_participant()
    big = upload(PDF + b"0" * settings.SPHERES_MAX_UPLOAD_BYTES)
    response = login(personas["worker_ccsmtl"]).post(
        reverse("referrals:consent_add", args=[participant.public_id, "research"]),
        {"given_on": timezone.localdate().isoformat(), "form_version": "R-1", "scan": big},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert response.context["form"].errors["scan"]
    assert not participant.consents.filter(kind=ConsentKind.RESEARCH).exists()
    assert stored_files(storage) == []
