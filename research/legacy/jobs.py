"""The coordinator's page around the import service: the upload kept on private storage, the
preview (a dry run) and the import itself run by Celery, progress written beside the upload,
the file deleted once imported, refused or expired."""

import datetime
import json
import logging
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from referrals.access import is_active_youth_worker, is_coordinator
from research.legacy import workbook
from research.legacy.services import workbook_import
from research.models import LEGACY_RUNNING, LegacyImport, LegacyImportStatus
from spheres.models import User

logger = logging.getLogger(__name__)


def upload_dir() -> Path:
    return Path(settings.PRIVATE_STORAGE_ROOT) / "legacy-imports"


def upload_path(legacy: LegacyImport) -> Path:
    return upload_dir() / legacy.file_name


def progress_path(legacy: LegacyImport) -> Path:
    # Beside the upload, not in the database or a database cache: the import's transaction
    # (rolled back in a dry run) must not hide or undo it.
    return upload_dir() / f"{legacy.public_id.hex}.progress"


def progress_of(legacy: LegacyImport) -> dict:
    """Sheets done and in all: from the running job, or from its report once finished."""
    if legacy.status not in LEGACY_RUNNING:
        sheets = len((legacy.result or legacy.preview).get("sheets", []))
        return {"done": sheets, "total": sheets}
    try:
        return json.loads(progress_path(legacy).read_text())
    except (OSError, ValueError):
        return {"done": 0, "total": 0}


def _progress(legacy: LegacyImport):
    path = progress_path(legacy)

    def report(done: int, total: int) -> None:
        part = path.with_suffix(".part")
        part.write_text(json.dumps({"done": done, "total": total}))
        os.replace(part, path)

    return report


@transaction.atomic
def legacy_upload(
    *, actor: User, upload, worker: User, update: bool = False, skip_bad_rows: bool = False
) -> LegacyImport:
    """Keep the uploaded workbook privately (0600, an opaque name) and queue its preview."""
    if not is_coordinator(actor):
        raise PermissionDenied
    if upload.size > workbook.max_bytes():
        raise ValidationError(
            {
                "workbook": _("The file is larger than %(mb)s MB.")
                % {"mb": workbook.max_bytes() // (1024 * 1024)}
            }
        )
    if not is_active_youth_worker(worker):
        raise ValidationError({"worker": _("Choose an active youth worker.")})
    legacy = LegacyImport(
        requested_by=actor,
        worker=worker,
        update=update,
        skip_bad_rows=skip_bad_rows,
        file_size=upload.size,
        expires_at=timezone.now() + datetime.timedelta(hours=settings.SPHERES_LEGACY_IMPORT_HOURS),
    )
    legacy.file_name = f"{legacy.public_id.hex}.xlsx"
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = upload_path(legacy)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        legacy.save()
    except BaseException:
        target.unlink(missing_ok=True)  # a workbook full of names, and no record of it
        raise
    from research.tasks import legacy_import_preview

    language = translation.get_language()
    transaction.on_commit(lambda: legacy_import_preview.delay(legacy.pk, language))
    return legacy


def _finish(legacy: LegacyImport, status: str, *, keep_file: bool) -> None:
    legacy.status = status
    legacy.finished_at = timezone.now()
    legacy.save(update_fields=["status", "finished_at", "preview", "result", "error"])
    progress_path(legacy).unlink(missing_ok=True)
    if not keep_file:
        upload_path(legacy).unlink(missing_ok=True)


def _run_job(legacy_id: int, *, expected: str, dry_run: bool) -> LegacyImport | None:
    """The preview's or the import's run (Celery): the import with the upload, its report kept
    on the record, or, if it fails, the request ended as failed and its file deleted. The log
    names the failure's class only: its message could quote a cell of the workbook."""
    legacy = LegacyImport.objects.select_related("worker", "requested_by").get(pk=legacy_id)
    if legacy.status != expected:
        return None
    try:
        report = workbook_import(
            path=upload_path(legacy),
            worker=legacy.worker,
            actor=legacy.requested_by,
            dry_run=dry_run,
            update=legacy.update,
            skip_bad_rows=legacy.skip_bad_rows,
            progress=_progress(legacy),
        ).as_dict()
    except Exception as exc:
        legacy.error = type(exc).__name__
        logger.error(
            "legacy import %s: %s failed: %s",
            legacy.pk,
            "preview" if dry_run else "import",
            legacy.error,
        )
        _finish(legacy, LegacyImportStatus.FAILED, keep_file=False)
        return None
    if dry_run:
        legacy.preview = report
    else:
        legacy.result = report
    return legacy


def legacy_preview_run(*, legacy_id: int) -> None:
    """The dry run behind the preview: what would be created, updated, skipped, and every
    problem with its sheet and cell. A workbook with problems ends here, file deleted."""
    legacy = _run_job(legacy_id, expected=LegacyImportStatus.PREVIEWING, dry_run=True)
    if legacy is not None:
        refused = bool(legacy.preview["problems"])
        status = LegacyImportStatus.REFUSED if refused else LegacyImportStatus.PREVIEWED
        _finish(legacy, status, keep_file=not refused)


@transaction.atomic
def legacy_confirm(*, legacy: LegacyImport, actor: User) -> LegacyImport:
    """The coordinator confirms what the preview showed: the import is queued."""
    if not is_coordinator(actor) or legacy.requested_by_id != actor.pk:
        raise PermissionDenied
    legacy = LegacyImport.objects.select_for_update().get(pk=legacy.pk)
    if legacy.status != LegacyImportStatus.PREVIEWED or legacy.expires_at <= timezone.now():
        raise ValidationError(_("This workbook cannot be imported any more: upload it again."))
    legacy.status = LegacyImportStatus.IMPORTING
    legacy.save(update_fields=["status"])
    from research.tasks import legacy_import_run

    language = translation.get_language()
    transaction.on_commit(lambda: legacy_import_run.delay(legacy.pk, language))
    return legacy


def legacy_import_execute(*, legacy_id: int) -> None:
    """The import itself, one transaction; the file is deleted whatever happens."""
    legacy = _run_job(legacy_id, expected=LegacyImportStatus.IMPORTING, dry_run=False)
    if legacy is not None:
        saved = legacy.result["saved"]
        status = LegacyImportStatus.DONE if saved else LegacyImportStatus.REFUSED
        _finish(legacy, status, keep_file=False)


def legacy_imports_purge() -> int:
    """Uploads never confirmed are deleted once expired (Celery beat); a check or an import
    still running then had its worker killed: it ends as failed (its transaction never
    committed, so nothing was saved) and its file goes too."""
    now = timezone.now()
    ended = 0
    for legacy in LegacyImport.objects.filter(
        status__in=[LegacyImportStatus.PREVIEWED, *LEGACY_RUNNING], expires_at__lte=now
    ):
        expired = legacy.status == LegacyImportStatus.PREVIEWED
        legacy.status = LegacyImportStatus.EXPIRED if expired else LegacyImportStatus.FAILED
        legacy.finished_at = now
        legacy.save(update_fields=["status", "finished_at"])
        upload_path(legacy).unlink(missing_ok=True)
        progress_path(legacy).unlink(missing_ok=True)
        ended += 1
    _orphans_delete(now - ORPHAN_AFTER)
    return ended


# An upload is written before its record commits: older than this without a record, its
# transaction was rolled back.
ORPHAN_AFTER = datetime.timedelta(hours=1)


def _orphans_delete(before: datetime.datetime) -> None:
    """Files of the upload folder that no import record names (an upload whose transaction
    was rolled back after the file was written), last written before `before`."""
    folder = upload_dir()
    if not folder.is_dir():
        return
    found = {}
    for path in folder.iterdir():
        try:
            key = uuid.UUID(hex=path.name.split(".", 1)[0])
        except ValueError:
            continue  # not ours
        if path.stat().st_mtime < before.timestamp():
            found.setdefault(key, []).append(path)
    known = set(
        LegacyImport.objects.filter(public_id__in=list(found)).values_list("public_id", flat=True)
    )
    for key, paths in found.items():
        if key not in known:
            for path in paths:
                path.unlink(missing_ok=True)
                logger.info("legacy import: an upload without its record deleted")
