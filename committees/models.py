"""Committees: members, meetings, the agenda the system prepares, case presentations, decisions
that act through the services below, action items and minutes (DOMAIN.md: Committees).

Items on an agenda point at what they are about through foreign keys to the lower apps' rows
(a referral, a participant, the status change that made a follow-up inactive, a handover item);
nothing below ever points up here."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from followups.models import FollowUpStatusChange, HandoverItem
from referrals.models import (
    Assignment,
    Participant,
    RecruiterRiskAssessment,
    Referral,
    ReferralStatusChange,
)
from spheres.models import Organisation


class CommitteeKind(models.TextChoices):
    CLINICAL = "clinical", _("Clinical Committee")
    STEERING = "steering", _("Steering Committee")
    JOINT = "joint", _("Joint Committee")
    EXTENDED = "extended", _("Extended Committee")


class Committee(models.Model):
    """One committee of the program. Only a Clinical Committee discusses individual cases; the
    documents of every other kind carry no nominative data at all."""

    kind = models.CharField(_("kind"), max_length=10, choices=CommitteeKind.choices)
    name = models.CharField(_("name"), max_length=200, unique=True)
    default_duration_minutes = models.PositiveSmallIntegerField(
        _("usual length (minutes)"), default=150
    )
    default_place = models.CharField(_("usual place"), max_length=200, blank=True)
    default_video_link = models.URLField(_("usual video link"), blank=True)
    presentations_per_worker = models.PositiveSmallIntegerField(
        _("case presentations per worker and meeting"),
        default=1,
        help_text=_("Clinical Committee: how many follow-ups each worker presents, by rotation."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("committee")
        verbose_name_plural = _("committees")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CommitteeKind.values), name="committee_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(default_duration_minutes__gt=0),
                name="committee_duration_positive",
                violation_error_message=_("A meeting lasts at least one minute."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_clinical(self) -> bool:
        return self.kind == CommitteeKind.CLINICAL


class MemberRole(models.TextChoices):
    TITULAR = "titular", _("Titular")
    SUBSTITUTE = "substitute", _("Substitute")


class CommitteeMember(models.Model):
    """A seat on a committee for a period: a person with an account, or (Extended Committee) a
    person of another regional organisation who has none and receives agendas by e-mail."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="committee_seats",
        null=True,
        blank=True,
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation represented"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    external_name = models.CharField(_("name (no account)"), max_length=200, blank=True)
    external_organisation = models.CharField(
        _("organisation (no account)"), max_length=200, blank=True
    )
    external_email = models.EmailField(_("e-mail (no account)"), blank=True)
    role = models.CharField(
        _("seat"), max_length=10, choices=MemberRole.choices, default=MemberRole.TITULAR
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        ordering = ["role", "starts_on", "pk"]
        indexes = [models.Index(fields=["user", "ends_on"], name="committee_member_user")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(external_name=""))
                | (Q(user__isnull=True) & ~Q(external_name="") & ~Q(external_email="")),
                name="committee_member_account_or_external",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="committee_member_period_ordered",
                violation_error_message=_("A seat cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return f"member #{self.pk}"

    @property
    def name(self) -> str:
        return self.user.get_full_name() if self.user_id else self.external_name

    @property
    def organisation_label(self) -> str:
        return self.organisation.short_name if self.organisation_id else self.external_organisation

    @property
    def email(self) -> str:
        return self.user.email if self.user_id else self.external_email

    def is_current(self, on) -> bool:
        return self.starts_on <= on and (self.ends_on is None or self.ends_on >= on)


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    QUARTERLY = "quarterly", _("Quarterly")


class MeetingSeries(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="series")
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"series #{self.pk}"


class Meeting(models.Model):
    """One meeting. Its agenda is prepared when it is created and refreshed until it starts;
    closing it freezes the minutes until an explicit, recorded reopening."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="meetings")
    series = models.ForeignKey(
        MeetingSeries, on_delete=models.SET_NULL, related_name="meetings", null=True, blank=True
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_link = models.URLField(_("video link"), blank=True)
    agenda_refreshed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["committee", "starts_at"], name="meeting_committee_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"meeting #{self.pk}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def has_started(self, now=None) -> bool:
        return self.starts_at <= (now or timezone.now())


class MeetingReopening(models.Model):
    """Editing the minutes of a closed meeting needs an explicit reopening, kept here."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="reopenings")
    reason = models.TextField(_("reason"))
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reopened_at = models.DateTimeField(default=timezone.now)
    previously_closed_at = models.DateTimeField()

    class Meta:
        ordering = ["reopened_at", "pk"]

    def __str__(self):
        return f"reopening #{self.pk}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    EXCUSED = "excused", _("Excused")
    ABSENT = "absent", _("Absent")


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    member = models.ForeignKey(
        CommitteeMember, on_delete=models.PROTECT, related_name="attendances"
    )
    status = models.CharField(_("attendance"), max_length=10, choices=AttendanceStatus.choices)
    # A substitute present in place of a titular member.
    replaces = models.ForeignKey(
        CommitteeMember,
        verbose_name=_("replaces"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once"),
            models.UniqueConstraint(
                fields=["meeting", "replaces"],
                condition=Q(replaces__isnull=False),
                name="attendance_one_substitute_per_seat",
            ),
            models.CheckConstraint(
                condition=Q(replaces__isnull=True) | ~Q(replaces=F("member")),
                name="attendance_not_replacing_oneself",
            ),
            models.CheckConstraint(
                condition=Q(replaces__isnull=True) | Q(status="present"),
                name="attendance_substitute_is_present",
            ),
        ]

    def __str__(self):
        return f"attendance #{self.pk}"


class ItemKind(models.TextChoices):
    """The agenda's sections, in the order the agenda shows them."""

    REFERRAL_AWAITING = "referral_awaiting", _("Referrals awaiting a decision")
    REFERRAL_REFLECTING = (
        "referral_reflecting",
        _("Candidates reflecting after the initial meeting"),
    )
    RECRUITER_ASSESSMENT = "recruiter_assessment", _("Recruiter risk assessments to carry out")
    FOLLOWUP_INACTIVE = "followup_inactive", _("Follow-ups made inactive since the last meeting")
    WITHOUT_WORKER = "without_worker", _("Follow-ups without an active worker")
    BREAK_ENDING = "break_ending", _("Breaks ending before the next meeting")
    HANDOVER = "handover", _("Departure handovers since the last meeting")
    PRESENTATION = "presentation", _("Case presentations")
    FIGURES = "figures", _("Program figures")
    ACTION_ITEM = "action_item", _("Action items from earlier meetings")
    OTHER = "other", _("Other business")


class AgendaItem(models.Model):
    """One line of an agenda. An item pulled from a source carries `source_key` (ids only, e.g.
    "inactive:42"): a source appears once per agenda, and an item the coordinator removed stays
    (removed_at) so that the next refresh does not bring it back."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("section"), max_length=30, choices=ItemKind.choices)
    source_key = models.CharField(max_length=80, blank=True)
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(_("title"), max_length=200, blank=True)
    note = models.TextField(_("annotation"), blank=True)
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    status_change = models.ForeignKey(
        FollowUpStatusChange, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    handover_item = models.ForeignKey(
        HandoverItem, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    action_item = models.ForeignKey(
        "ActionItem", on_delete=models.CASCADE, related_name="agenda_items", null=True, blank=True
    )
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    minutes = models.TextField(_("minutes"), blank=True)
    # Optimistic locking: two people writing the minutes never overwrite each other silently.
    version = models.PositiveIntegerField(default=1)
    minutes_updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    minutes_updated_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["source_key"], name="agenda_item_source")]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "source_key"],
                condition=~Q(source_key=""),
                name="agenda_item_source_once",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ItemKind.values), name="agenda_item_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind="other") | ~Q(title=""), name="agenda_item_other_has_title"
            ),
        ]

    def __str__(self):
        return f"agenda item #{self.pk}"


class NewsSource(models.TextChoices):
    POLICE = "police", _("Police")
    PARTNER = "partner", _("Partner organisation")
    OTHER = "other", _("Other")


class ItemNews(models.Model):
    """What police members or others know of a person whose follow-up became inactive."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="news")
    source = models.CharField(_("from"), max_length=10, choices=NewsSource.choices)
    text = models.TextField(_("news"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("news")
        verbose_name_plural = _("news")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"news #{self.pk}"


PRESENTATION_FIELDS = [
    "status_summary", "priority_issues", "challenges", "successes",
    "engaging", "focusing", "evoking", "planning",
]  # fmt: skip


class CasePresentation(models.Model):
    """A case presented at the Clinical Committee, as the program presents cases: status, priority
    issues, challenges, successes, and the four motivational-interviewing processes."""

    item = models.OneToOneField(AgendaItem, on_delete=models.CASCADE, related_name="presentation")
    status_summary = models.TextField(_("status"), blank=True)
    priority_issues = models.TextField(_("priority issues"), blank=True)
    challenges = models.TextField(_("challenges"), blank=True)
    successes = models.TextField(_("successes"), blank=True)
    engaging = models.TextField(
        _("engaging"), blank=True, help_text=_("Strategies used to build trust.")
    )
    focusing = models.TextField(_("focusing"), blank=True, help_text=_("The shared goal."))
    evoking = models.TextField(
        _("evoking"), blank=True, help_text=_("Strategies used to bring out change talk.")
    )
    planning = models.TextField(
        _("planning"), blank=True, help_text=_("Means used to support the change.")
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("case presentation")
        verbose_name_plural = _("case presentations")

    def __str__(self):
        return f"presentation #{self.pk}"


class DecisionKind(models.TextChoices):
    ASSIGN_CANDIDATE = "assign_candidate", _("Assign workers to the candidate")
    ASSIGN_WORKERS = "assign_workers", _("Assign or reassign the participant's workers")
    RECRUITER_ASSESSMENT = "recruiter_assessment", _("Recruiter risk assessment")
    ADMIT = "admit", _("Admission")
    REACTIVATE = "reactivate", _("Reactivation of the follow-up")
    REFERRAL_STATUS = "referral_status", _("Decision on the referral")


class Decision(models.Model):
    """A decision taken in a meeting and carried out at once through the lower app's service,
    linked by foreign key to the row it created: no free-text reference."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    item = models.ForeignKey(
        AgendaItem, on_delete=models.PROTECT, related_name="decisions", null=True, blank=True
    )
    kind = models.CharField(_("decision"), max_length=30, choices=DecisionKind.choices)
    assignment = models.ForeignKey(
        Assignment, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    second_assignment = models.ForeignKey(
        Assignment, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    risk_assessment = models.ForeignKey(
        RecruiterRiskAssessment, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    admitted = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    followup_change = models.ForeignKey(
        FollowUpStatusChange, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    referral_change = models.ForeignKey(
        ReferralStatusChange, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=["assign_workers", "assign_candidate"], assignment__isnull=False
                )
                | Q(kind="recruiter_assessment", risk_assessment__isnull=False)
                | Q(kind="admit", admitted__isnull=False)
                | Q(kind="reactivate", followup_change__isnull=False)
                | Q(kind="referral_status", referral_change__isnull=False),
                name="decision_linked_to_what_it_changed",
            ),
        ]

    def __str__(self):
        return f"decision #{self.pk}"


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class ActionItem(models.Model):
    """Something someone will do after a meeting. Open ones roll over to the next meetings'
    agendas until done; owners see theirs on their home page."""

    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="actions")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="actions")
    title = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="committee_actions",
    )
    due_on = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = [F("due_on").asc(nulls_last=True), "pk"]
        indexes = [
            models.Index(fields=["owner", "status"], name="action_owner_status"),
            models.Index(fields=["committee", "status"], name="action_committee_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ActionStatus.values), name="action_status_valid"
            ),
        ]

    def __str__(self):
        return f"action #{self.pk}"
