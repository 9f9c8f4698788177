"""State changes of the research app: the de-identified export's request, build, download and
purge, each recorded in the export register (ids, counts and the file's hash: no participant
data)."""

import datetime
import hashlib
import logging
import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from research.export import selectors
from research.export.workbook import ExportSpec, Summary, export_sections, write_workbook
from research.models import (
    EXPORT_OPEN_STATUSES,
    ExportEvent,
    ExportSource,
    ExportStatus,
    ResearchExport,
)
from spheres.models import Organisation, ReadLogEntry, Role, User
from spheres.selectors import roles_of
from spheres.services import read_log_record

logger = logging.getLogger(__name__)

# Who may ask for an export, in order of precedence for the register's "role".
EXPORT_ROLES = (Role.RESEARCHER, Role.COORDINATOR)
COMMAND_ROLE = "command_line"


def export_dir() -> Path:
    return Path(settings.PRIVATE_STORAGE_ROOT) / "research-exports"


def _tmp_dir() -> Path:
    path = export_dir() / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _check_period(start: datetime.date | None, end: datetime.date | None) -> None:
    if start and end and end < start:
        raise ValidationError(
            {"period_end": _("The end of the period is before its start.")}, code="period"
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _event(export: ResearchExport, kind: str, by: User | None = None) -> None:
    ExportEvent.objects.create(export=export, kind=kind, by=by)


@transaction.atomic
def export_request(
    *,
    actor: User,
    purpose: str,
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
    organisations: list[Organisation] | None = None,
) -> ResearchExport:
    """A researcher or the coordinator asks for the de-identified export (issue 13): a stated
    purpose is required, the period must be in order, and one request per person runs at a time
    (a second one is told to wait; nothing is built twice). The build is queued after commit."""
    role = next((r for r in EXPORT_ROLES if r in roles_of(actor)), None)
    if role is None:
        raise PermissionDenied
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": _("State the purpose of the export.")})
    _check_period(period_start, period_end)
    if selectors.export_open_for(actor) is not None:
        raise ValidationError(
            _("Your previous export is still being prepared: wait until it is ready."),
            code="running",
        )
    export = ResearchExport(
        source=ExportSource.WEB,
        requested_by=actor,
        requester_role=role,
        purpose=purpose,
        period_start=period_start,
        period_end=period_end,
    )
    export.full_clean()
    try:
        with transaction.atomic():
            export.save()
    except IntegrityError as exc:  # the same person asking twice at the same instant
        raise ValidationError(
            _("Your previous export is still being prepared: wait until it is ready."),
            code="running",
        ) from exc
    export.organisations.set(organisations or [])
    _event(export, ExportEvent.Kind.REQUESTED, actor)
    from research.tasks import research_export_build

    transaction.on_commit(lambda: research_export_build.delay(export.pk))
    return export


def _spec(export: ResearchExport) -> ExportSpec:
    return ExportSpec(
        on=timezone.localdate(),
        purpose=export.purpose,
        requester_role=export.requester_role,
        id_key=settings.SPHERES_RESEARCH_ID_KEY,
        k=settings.SPHERES_RESEARCH_K,
        max_suppression_percent=settings.SPHERES_RESEARCH_MAX_SUPPRESSION_PERCENT,
        salt=str(export.public_id),
        period_start=export.period_start,
        period_end=export.period_end,
        organisation_ids=list(export.organisations.values_list("pk", flat=True)),
    )


def _build(export: ResearchExport, target: Path, *, on_progress=None, on_total=None) -> Summary:
    """Write the workbook to a temporary file beside the target and move it into place only once
    complete: a crash leaves no partial file under the final name."""
    tmp_dir = _tmp_dir()
    part = tmp_dir / f"{export.public_id}.xlsx.part"
    summary = Summary()
    spec = _spec(export)
    try:
        sections = export_sections(spec, summary)
        if on_total is not None:
            on_total(summary.rows_total)
        write_workbook(part, sections, tmpdir=str(tmp_dir), progress=on_progress, summary=summary)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
    return summary


def _claim(export_id: int) -> ResearchExport | None:
    """Mark the export running (again, when a killed worker's task is delivered once more). A
    redelivery keeps the first start: the purge's stale delay counts from it, so a build that
    kills its worker at every delivery ends as failed instead of looping."""
    with transaction.atomic():
        export = (
            ResearchExport.objects.select_for_update()
            .filter(pk=export_id, status__in=EXPORT_OPEN_STATUSES)
            .first()
        )
        if export is None:
            return None
        export.status = ExportStatus.RUNNING
        export.started_at = export.started_at or timezone.now()
        export.rows_written = 0
        export.save(update_fields=["status", "started_at", "rows_written"])
        return export


def export_build(*, export_id: int) -> ResearchExport | None:
    """Build a requested export (the Celery task's body). Not one transaction: progress must be
    visible to the requester's page while rows are written, so each state change commits on its
    own; the file appears under its final name only when complete. A failure ends the request as
    failed (the register keeps the exception's class name only) and leaves no file."""
    export = _claim(export_id)
    if export is None:
        return None
    target = export_dir() / f"{export.public_id}.xlsx"
    queryset = ResearchExport.objects.filter(pk=export.pk)

    def on_progress(written: int) -> None:
        queryset.update(rows_written=written)

    def on_total(total: int) -> None:
        queryset.update(rows_total=total)

    try:
        summary = _build(export, target, on_progress=on_progress, on_total=on_total)
    except Exception as exc:
        target.unlink(missing_ok=True)
        with transaction.atomic():
            queryset.update(
                status=ExportStatus.FAILED, finished_at=timezone.now(), error=type(exc).__name__
            )
            _event(export, ExportEvent.Kind.FAILED)
        # The class name only: a message or traceback could carry data.
        logger.error("research export %s failed: %s", export.pk, type(exc).__name__)
        export.refresh_from_db()
        return export
    with transaction.atomic():
        now = timezone.now()
        export.status = ExportStatus.DONE
        export.finished_at = now
        export.expires_at = now + datetime.timedelta(hours=settings.SPHERES_RESEARCH_EXPORT_HOURS)
        export.row_counts = summary.row_counts | {"sheets": summary.sheet_names}
        export.deidentification = summary.deidentification
        export.rows_total = export.rows_written = sum(summary.row_counts.values())
        export.file_name = target.name
        export.file_sha256 = _sha256(target)
        export.file_size = target.stat().st_size
        export.full_clean()
        export.save()
        _event(export, ExportEvent.Kind.COMPLETED)
    return export


@transaction.atomic
def export_download(*, export: ResearchExport, actor: User) -> Path:
    """Only the requester downloads, within the retention period (the selector answers None
    otherwise, and the view 404). Recorded in the register and the read log (ids only)."""
    if export.requested_by_id != actor.pk:
        raise PermissionDenied
    path = export_dir() / export.file_name
    if not export.file_name or not path.is_file():
        raise PermissionDenied
    _event(export, ExportEvent.Kind.DOWNLOADED, actor)
    read_log_record(
        user=actor,
        action=ReadLogEntry.Action.DOWNLOAD,
        object_type="research_export",
        object_id=export.pk,
        view_name="research:export_download",
    )
    return path


def exports_purge(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The periodic job: delete files past their retention period (the register row stays,
    marked expired), end as failed the builds whose worker was killed, and clear temporary
    files left behind. Idempotent; a fixed number of queries plus one per file deleted."""
    now = now or timezone.now()
    deleted = 0
    for export in selectors.exports_to_purge(now):
        with transaction.atomic():
            if export.file_name:
                (export_dir() / export.file_name).unlink(missing_ok=True)
            ResearchExport.objects.filter(pk=export.pk).update(
                status=ExportStatus.EXPIRED, file_name=""
            )
            _event(export, ExportEvent.Kind.DELETED)
        deleted += 1
    cutoff = now - datetime.timedelta(minutes=settings.SPHERES_RESEARCH_EXPORT_STALE_MINUTES)
    failed = 0
    for export in selectors.exports_stale(cutoff):
        with transaction.atomic():
            ResearchExport.objects.filter(pk=export.pk).update(
                status=ExportStatus.FAILED, finished_at=now, error="WorkerLost"
            )
            _event(export, ExportEvent.Kind.FAILED)
        (export_dir() / "tmp" / f"{export.public_id}.xlsx.part").unlink(missing_ok=True)
        failed += 1
    tmp = export_dir() / "tmp"
    if tmp.is_dir():
        for leftover in tmp.iterdir():
            age = now.timestamp() - leftover.stat().st_mtime
            if age > settings.SPHERES_RESEARCH_EXPORT_STALE_MINUTES * 60:
                leftover.unlink(missing_ok=True)
    return {"deleted": deleted, "failed": failed}


def export_to_file(
    *,
    output: Path,
    purpose: str,
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
) -> ResearchExport:
    """The command line's export for the evaluation team's scripts: the same workbook, written
    to `output`, recorded in the register (source: command line, no person attached). Like
    export_build, not one transaction: the register row says "running" while the file is written,
    and "failed" if writing fails."""
    _check_period(period_start, period_end)
    purpose = (purpose or "").strip() or "command line export"
    with transaction.atomic():
        export = ResearchExport(
            source=ExportSource.COMMAND,
            requester_role=COMMAND_ROLE,
            purpose=purpose,
            period_start=period_start,
            period_end=period_end,
            status=ExportStatus.RUNNING,
            started_at=timezone.now(),
        )
        export.full_clean()
        export.save()
        _event(export, ExportEvent.Kind.REQUESTED)
    try:
        summary = _build(export, Path(output))
    except Exception as exc:
        with transaction.atomic():
            ResearchExport.objects.filter(pk=export.pk).update(
                status=ExportStatus.FAILED, finished_at=timezone.now(), error=type(exc).__name__
            )
            _event(export, ExportEvent.Kind.FAILED)
        raise
    with transaction.atomic():
        export.status = ExportStatus.DONE
        export.finished_at = timezone.now()
        export.row_counts = summary.row_counts | {"sheets": summary.sheet_names}
        export.deidentification = summary.deidentification
        export.rows_total = export.rows_written = sum(summary.row_counts.values())
        export.file_sha256 = _sha256(Path(output))
        export.file_size = Path(output).stat().st_size
        export.save()
        _event(export, ExportEvent.Kind.COMPLETED)
    return export
