"""Follow-ups: the status of each participant's follow-up and its history, weekly progress notes
(every column of the legacy workbook), contact attempts and risk assessments (DOMAIN.md:
Follow-ups; The weekly progress notes)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from referrals.models import Participant, Referral


class FollowUpStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ON_BREAK = "on_break", _("On break")
    INACTIVE = "inactive", _("Inactive")
    COMPLETED = "completed", _("Completed")


class InactiveReason(models.TextChoices):
    UNREACHABLE = "unreachable", _("Unreachable after contact attempts")
    WITHDRAWAL = "withdrawal", _("Voluntary withdrawal")
    NO_LONGER_BENEFITING = "no_benefit", _("No longer benefits from the program")
    NEEDS_NOT_MET = "needs_not_met", _("The program cannot meet the needs")
    OTHER_ENDS = "other_ends", _("Participation used for other ends")


class FollowUp(models.Model):
    """One per participant. Its status changes over time; reactivation, and the end of a break,
    open a new active period (period_started_at), from which failed contact attempts are counted
    again."""

    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="followup"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.ACTIVE
    )
    status_since = models.DateTimeField(default=timezone.now)
    period_started_at = models.DateTimeField(default=timezone.now)
    inactive_reason = models.CharField(
        _("reason"), max_length=20, choices=InactiveReason.choices, blank=True
    )
    break_terms = models.TextField(_("terms for resuming contact"), blank=True)
    break_resume_on = models.DateField(_("expected resume date"), null=True, blank=True)
    participant_view = models.TextField(_("the participant's own view"), blank=True)
    # Failed contact attempts since the last contact: kept by database triggers, never written
    # by the application (followups.failedcount).
    failed_since_contact = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            models.Index(fields=["status"], name="followup_status"),
            # The active follow-ups with failed attempts since their last contact (a few of
            # thousands): the home's "one attempt from inactive" and the inactivity job.
            models.Index(
                fields=["failed_since_contact"],
                condition=Q(status="active", failed_since_contact__gt=0),
                name="followup_failing",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=FollowUpStatus.values), name="followup_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="inactive") | ~Q(inactive_reason=""),
                name="followup_inactive_needs_reason",
            ),
        ]

    def __str__(self):
        return f"follow-up #{self.pk} ({self.status})"

    def save(self, *args, **kwargs):
        # The count is the triggers' alone: saving this object never writes back the copy it
        # read, which an attempt saved since may have made stale.
        if not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None:
                fields = [f.name for f in self._meta.concrete_fields if not f.primary_key]
            kwargs["update_fields"] = [f for f in fields if f != "failed_since_contact"]
        super().save(*args, **kwargs)


class FollowUpStatusChange(models.Model):
    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(max_length=10, choices=FollowUpStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=FollowUpStatus.choices)
    reason = models.CharField(max_length=20, choices=InactiveReason.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    # None when the inactivity job made the change.
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "pk"]
        indexes = [models.Index(fields=["followup", "changed_at"], name="followup_change_at")]

    def __str__(self):
        return f"{self.from_status or '-'} → {self.to_status}"


class Channel(models.TextChoices):
    """One vocabulary for how a worker reaches a participant: the note's "other communications"
    and the contact attempt's channel use subsets of it."""

    PHONE = "phone", _("Phone")
    TEXT = "text", _("Text message")
    MESSENGER = "messenger", _("Messenger")
    EMAIL = "email", _("E-mail")
    VIDEO = "video", _("Video")
    IN_PERSON = "in_person", _("In person")
    OTHER_WORKER = "other_worker", _("Through another worker")
    POLICE = "police", _("Through the police")
    OTHER = "other", _("Other")


# Communications other than face-to-face meetings, as the workbook's column lists them.
NOTE_CHANNELS = [
    Channel.PHONE,
    Channel.TEXT,
    Channel.MESSENGER,
    Channel.EMAIL,
    Channel.VIDEO,
    Channel.OTHER,
]
ATTEMPT_CHANNELS = [
    Channel.PHONE, Channel.TEXT, Channel.MESSENGER, Channel.EMAIL, Channel.IN_PERSON,
    Channel.OTHER_WORKER, Channel.POLICE,
]  # fmt: skip


class NoContactReason(models.TextChoices):
    NOT_SCHEDULED = "not_scheduled", _("Meeting/communication not scheduled")
    NO_NEWS = "no_news", _("No news")
    IMPOSSIBLE = "impossible", _("Impossible (e.g. closed therapy)")
    WITHDRAWAL = "withdrawal", _("Withdrawal from the project")
    OTHER = "other", _("Other reason")


class TargetedNeed(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency")
    STABILITY = "stability", _("Stability")
    PARTICIPATION = "participation", _("Participation")
    RECOVERY = "recovery", _("Recovery")
    RELATIONSHIP = "relationship", _("Relationship")


class Satisfaction(models.TextChoices):
    DISSATISFIED = "dissatisfied", _("Dissatisfied")
    SOMEWHAT = "somewhat", _("Somewhat satisfied")
    SATISFIED = "satisfied", _("Satisfied")
    VERY = "very", _("Very satisfied")


NOTE_FIELDS = [
    "meetings", "meetings_minutes", "other_channels", "no_contact_reason", "no_contact_other",
    "main_activity", "targeted_need", "worker_satisfaction", "participant_satisfaction",
    "activities_summary", "other_information", "other_workers_notes",
]  # fmt: skip


class WeeklyNote(models.Model):
    """One row of the legacy "Suivis" sheet: one note per participant per week (the Monday)."""

    # No index of its own: the unique (participant, week) constraint's index serves it.
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="weekly_notes", db_index=False
    )
    week = models.DateField(_("week of"))
    meetings = models.PositiveSmallIntegerField(_("face-to-face meetings"), default=0)
    meetings_minutes = models.PositiveIntegerField(_("total duration of the meetings"), default=0)
    other_channels = models.JSONField(_("other communications"), default=list, blank=True)
    no_contact_reason = models.CharField(
        _("no meeting or communication: why?"),
        max_length=20,
        choices=NoContactReason.choices,
        blank=True,
    )
    no_contact_other = models.CharField(_("other reason, specify"), max_length=300, blank=True)
    main_activity = models.CharField(_("main activity"), max_length=200, blank=True)
    targeted_need = models.CharField(
        _("targeted need"), max_length=20, choices=TargetedNeed.choices, blank=True
    )
    worker_satisfaction = models.CharField(
        _("worker's satisfaction"), max_length=20, choices=Satisfaction.choices, blank=True
    )
    participant_satisfaction = models.CharField(
        _("participant's satisfaction (as perceived)"),
        max_length=20,
        choices=Satisfaction.choices,
        blank=True,
    )
    activities_summary = models.TextField(_("summary of the week's activities"), blank=True)
    other_information = models.TextField(_("other relevant information"), blank=True)
    other_workers_notes = models.TextField(_("notes on the other workers on the case"), blank=True)
    # Indexed with the participant (Meta.indexes), not alone.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="weekly_notes",
        db_index=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # Optimistic locking: two people saving the same week never overwrite each other silently.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("weekly progress note")
        verbose_name_plural = _("weekly progress notes")
        ordering = ["-week"]
        # For the dashboard: the notes of a few weeks (the edges of a period, whose whole months
        # come from research.notemonths; the last weeks' missing notes), and the latest change
        # (its data version, read on every view). The participant rides along so "who has a note
        # for this week" (missing notes, the caseload's tab counts) is read from the index alone.
        indexes = [
            models.Index(fields=["week", "participant"], name="weeklynote_week_participant"),
            models.Index(fields=["updated_at"], name="weeklynote_updated_at"),
            # The last week with face-to-face meetings (the inactivity count), from the index alone.
            models.Index(
                fields=["participant", "week"], condition=Q(meetings__gt=0), name="weeklynote_met"
            ),
            # A worker's notes; and the notes per (author, participant) that the research export
            # counts before its first row, from the index alone (a third of the time).
            models.Index(fields=["author", "participant"], name="weeklynote_author_participant"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["participant", "week"], name="weeklynote_one_per_week"),
            models.CheckConstraint(
                condition=Q(meetings=0, meetings_minutes=0)
                | Q(meetings__gt=0, meetings_minutes__gt=0),
                name="weeklynote_meetings_and_duration_agree",
            ),
        ]

    def __str__(self):
        return f"note {self.week:%Y-%m-%d} #{self.pk}"


class AttemptOutcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    MESSAGE_LEFT = "message_left", _("Message left")
    OUT_OF_SERVICE = "out_of_service", _("Number out of service")
    REFUSED = "refused", _("Refused contact")
    NO_SHOW = "no_show", _("Missed meeting (no-show)")


# Attempts that count towards inactivity. Not the no-show: DOMAIN.md has the worker contact the
# person afterwards to ask why and set a new meeting, and those attempts are what count.
FAILED_OUTCOMES = [
    AttemptOutcome.NO_ANSWER,
    AttemptOutcome.MESSAGE_LEFT,
    AttemptOutcome.OUT_OF_SERVICE,
]


class ContactAttempt(models.Model):
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="contact_attempts"
    )
    at = models.DateTimeField(_("date and time"))
    channel = models.CharField(
        _("channel"), max_length=20, choices=[(c.value, c.label) for c in ATTEMPT_CHANNELS]
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=AttemptOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    # After a no-show: what the worker and the participant agreed so it does not recur.
    strategy = models.TextField(_("strategy agreed so it does not recur"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["participant", "at"], name="attempt_participant_at"),
            # The inactivity count's lookups (followups.failedcount), per
            # follow-up and read from the index alone: the last reached attempt, and the failed
            # attempts since then.
            models.Index(
                fields=["participant", "at"],
                condition=Q(outcome=AttemptOutcome.REACHED),
                name="attempt_reached",
            ),
            models.Index(
                fields=["participant", "at"],
                condition=Q(outcome__in=FAILED_OUTCOMES),
                name="attempt_failed",
            ),
        ]

    def __str__(self):
        return f"attempt #{self.pk} {self.outcome}"


class RiskLevel(models.TextChoices):
    RED = "red", _("Red (dangerous)")
    YELLOW = "yellow", _("Yellow (worrisome)")
    GREEN = "green", _("Green (safe)")
    NONE = "none", _("None (no selling of sexual services)")


class RiskAssessment(models.Model):
    """Risk level at admission (time 0) and at each self-report instrument administration."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="risk_assessments"
    )
    time_point = models.PositiveSmallIntegerField(_("time"), help_text=_("0 = admission"))
    instrument_done = models.BooleanField(_("questionnaires administered"), default=False)
    assessed_on = models.DateField(_("date"))
    level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["time_point"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "time_point"], name="risk_one_per_time_point"
            ),
        ]

    def __str__(self):
        return f"risk T{self.time_point} {self.level}"


class Handover(models.Model):
    """A youth worker's departure: their follow-ups moved to successors in one transaction."""

    departing = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="handovers_departed"
    )
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    performed_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"handover #{self.pk}"


class HandoverItem(models.Model):
    """One case moved: a participant's follow-up, or a candidate (referral) not yet admitted."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="items")
    # The referral and the participant files show their transition summaries, including those
    # written before admission (prefetched by name: referrals imports nothing from here). A
    # participant imported without a referral has items with `participant` only.
    referral = models.ForeignKey(
        Referral,
        on_delete=models.PROTECT,
        related_name="handover_items",
        null=True,
        blank=True,
    )
    participant = models.ForeignKey(
        Participant,
        on_delete=models.PROTECT,
        related_name="handover_items",
        null=True,
        blank=True,
    )
    successor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=10)
    summary = models.TextField(_("transition summary"))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(referral__isnull=False) | Q(participant__isnull=False),
                name="handoveritem_has_a_case",
            ),
        ]

    def __str__(self):
        return f"handover item #{self.pk}"


# --- Plans on the participant file -------------------------------------------------------------
# DOMAIN.md (Follow-ups; Consent and confidentiality): coaching starts with an evaluation of the
# five targeted needs, and the file holds a safety plan and a healthy-living (life) plan. Each
# change is a new row: the latest is current, the earlier ones are the history.


class NeedsEvaluation(models.Model):
    """The five targeted needs as evaluated on a date, a short note each (blank: not a need
    now). Evaluated at the start of the follow-up and whenever the needs change."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="needs_evaluations"
    )
    evaluated_on = models.DateField(_("evaluated on"))
    emergency = models.TextField(_("emergency"), blank=True)
    stability = models.TextField(_("stability"), blank=True)
    participation = models.TextField(_("participation"), blank=True)
    recovery = models.TextField(_("recovery"), blank=True)
    relationship = models.TextField(_("relationship"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("needs evaluation")
        verbose_name_plural = _("needs evaluations")
        ordering = ["-evaluated_on", "-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(emergency="", stability="", participation="", recovery="")
                | ~Q(relationship=""),
                name="needs_evaluation_says_something",
            ),
        ]

    def __str__(self):
        return f"needs {self.evaluated_on:%Y-%m-%d} #{self.pk}"

    def notes(self) -> list[tuple[str, str]]:
        """(need label, note) in the program's order."""
        return [(label, getattr(self, value)) for value, label in TargetedNeed.choices]


class SafetyPlan(models.Model):
    """One version of the safety plan: what to do and whom to reach in an emergency. Shown at
    the top of the file; each save keeps the earlier versions."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="safety_plans"
    )
    text = models.TextField(_("safety plan"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_on = models.DateField(_("last reviewed on"))
    next_review_on = models.DateField(_("next review"))
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("safety plan")
        verbose_name_plural = _("safety plans")
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_review_on__gt=models.F("reviewed_on")),
                name="safety_plan_next_review_after_review",
            ),
        ]

    def __str__(self):
        return f"safety plan #{self.pk}"


class GoalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    REACHED = "reached", _("Reached")
    DROPPED = "dropped", _("Dropped")


class LifePlanGoal(models.Model):
    """A goal of the healthy-living (life) plan, with its status and dates; status changes are
    kept in LifePlanGoalChange."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="life_plan_goals"
    )
    goal = models.CharField(_("goal"), max_length=300)
    status = models.CharField(
        _("status"), max_length=20, choices=GoalStatus.choices, default=GoalStatus.OPEN
    )
    set_on = models.DateField(_("set on"))
    target_on = models.DateField(_("target date"), null=True, blank=True)
    status_changed_on = models.DateField(_("status since"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("life-plan goal")
        verbose_name_plural = _("life-plan goals")
        ordering = ["set_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=GoalStatus.values), name="life_plan_goal_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(target_on__isnull=True) | Q(target_on__gte=models.F("set_on")),
                name="life_plan_goal_target_after_set",
            ),
        ]

    def __str__(self):
        return f"goal #{self.pk} ({self.status})"


class LifePlanGoalChange(models.Model):
    goal = models.ForeignKey(LifePlanGoal, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(max_length=20, choices=GoalStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=GoalStatus.choices)
    changed_on = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_on", "changed_at", "pk"]

    def __str__(self):
        return f"{self.from_status or '-'} → {self.to_status}"
