# Dashboard aggregates, the anonymised research export and the legacy workbook import.
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from referrals.models import Participant
from research.notemonths import columns as notemonth_columns
from spheres.models import Organisation

# --- De-identified research export (issue 13) ----------------------------------------------------


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being built")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Deleted after the retention period")


EXPORT_OPEN_STATUSES = [ExportStatus.QUEUED, ExportStatus.RUNNING]


class ExportSource(models.TextChoices):
    WEB = "web", _("Web page")
    COMMAND = "command", _("Command line")


class ResearchExport(models.Model):
    """One entry of the export register: who asked, when, why, with which filters, what was
    written (row counts, file hash). Never participant data: the file itself lives on private
    storage for SPHERES_RESEARCH_EXPORT_HOURS, then is deleted; this row stays."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(max_length=10, choices=ExportSource.choices)
    # None for the command line (the evaluation team's scripts run on the server).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="research_exports",
        null=True,
        blank=True,
    )
    requester_role = models.CharField(_("requester's role"), max_length=30)
    purpose = models.TextField(_("purpose"))
    period_start = models.DateField(_("from"), null=True, blank=True)
    period_end = models.DateField(_("to"), null=True, blank=True)
    organisations = models.ManyToManyField(
        Organisation, verbose_name=_("organisations"), blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    # {"participants": n, "weekly_notes": n, ...} and what de-identification did (levels, k,
    # suppressed count): counts and codes only.
    row_counts = models.JSONField(default=dict, blank=True)
    deidentification = models.JSONField(default=dict, blank=True)
    file_name = models.CharField(max_length=200, blank=True, editable=False)
    file_sha256 = models.CharField(_("file hash (SHA-256)"), max_length=64, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    # The exception's class name only: a message could carry data.
    error = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("research export")
        verbose_name_plural = _("research exports")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # One running request per person: a second one waits (nothing is built twice).
            models.UniqueConstraint(
                fields=["requested_by"],
                condition=Q(status__in=["queued", "running"], requested_by__isnull=False),
                name="research_export_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_start__lte=models.F("period_end")),
                name="research_export_period_in_order",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed", "expired"]),
                name="research_export_status_valid",
            ),
        ]

    def __str__(self):
        return f"research export #{self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(100, self.rows_written * 100 // self.rows_total)


class ExportEvent(models.Model):
    """What happened to an export, in order: requested, completed, failed, downloaded, deleted."""

    class Kind(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")
        DOWNLOADED = "downloaded", _("Downloaded")
        DELETED = "deleted", _("File deleted")

    export = models.ForeignKey(ResearchExport, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.kind} #{self.export_id}"


# --- Legacy workbook import (issue 14) ----------------------------------------------------------


class LegacyImportStatus(models.TextChoices):
    PREVIEWING = "previewing", _("Being checked")
    PREVIEWED = "previewed", _("Checked: waiting for confirmation")
    IMPORTING = "importing", _("Being imported")
    DONE = "done", _("Imported")
    REFUSED = "refused", _("Not imported")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired without confirmation")


LEGACY_RUNNING = [LegacyImportStatus.PREVIEWING, LegacyImportStatus.IMPORTING]


class LegacyImport(models.Model):
    """A worker's progress-notes workbook the coordinator brought in from the browser: uploaded
    to private storage, checked (a dry run: the preview), then imported on confirmation. The
    file is deleted once imported, refused, or expired; this row keeps counts and the problems
    found (sheet, cell, reason: no participant data beyond youth IDs)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("youth worker"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    update = models.BooleanField(_("replace the notes that differ"), default=False)
    skip_bad_rows = models.BooleanField(_("skip the rows that cannot be imported"), default=False)
    status = models.CharField(
        max_length=12, choices=LegacyImportStatus.choices, default=LegacyImportStatus.PREVIEWING
    )
    file_name = models.CharField(max_length=200, blank=True, editable=False)
    file_size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    preview = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    # The exception's class name only: a message could carry data.
    error = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in LegacyImportStatus]),
                name="legacy_import_status_valid",
            ),
        ]

    def __str__(self):
        return f"legacy import #{self.pk} ({self.status})"


# --- Dashboard summary (research.notemonths) -----------------------------------------------------


class NoteMonth(models.Model):
    """The weekly notes of one participant in one month (the month of the note's Monday),
    counted by measure. Written only by database triggers on the notes (research.notemonths):
    never by the application, so it cannot drift from the notes."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    for _name in notemonth_columns():
        vars()[_name] = models.IntegerField(default=0)
    del _name

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "month"], name="notemonth_one_per_month")
        ]

    def __str__(self):
        return f"notes {self.month:%Y-%m} #{self.participant_id}"


class NoteActivity(models.Model):
    """The weekly notes of one participant in one month with the same main activity (free
    text, lower case, without surrounding spaces), counted. Written only by the triggers that
    keep NoteMonth (research.notemonths)."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    activity = models.TextField()
    weeks = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # Activity first: the dashboard asks, per activity, for the first few participants.
            models.UniqueConstraint(
                fields=["activity", "participant", "month"], name="noteactivity_one_per_activity"
            )
        ]

    def __str__(self):
        return f"activity {self.month:%Y-%m} #{self.participant_id}"
