"""Referral intake to admission: candidates, screening, decisions, participants, youth IDs,
assignments and consents (DOMAIN.md: Referral and admission; Consent and confidentiality)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from spheres.models import Organisation


class CareSetting(models.TextChoices):
    FAMILY = "family", _("Family")
    AUTONOMOUS = "autonomous", _("Autonomous")
    GROUP_HOME = "group_home", _("Group home")
    REHABILITATION_UNIT = "rehabilitation_unit", _("Rehabilitation unit")
    HALFWAY_HOUSE = "halfway_house", _("Halfway house")
    FOSTER_FAMILY = "foster_family", _("Foster family")
    SHELTER = "shelter", _("Shelter")
    STREET = "street", _("Street / no fixed address")
    OTHER = "other", _("Other")


class LegalCare(models.TextChoices):
    NONE = "none", _("None")
    YOUTH_PROTECTION = "youth_protection", _("Youth Protection Act measures")
    YOUTH_CRIMINAL_JUSTICE = "youth_criminal_justice", _("Youth criminal justice")
    ADULT_JUSTICE = "adult_justice", _("Adult criminal justice")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class ReferralStatus(models.TextChoices):
    NEW = "new", _("New")
    SCREENING = "screening", _("Screening")
    AWAITING_COMMITTEE = "awaiting_committee", _("Awaiting Clinical Committee")
    REFLECTING = "reflecting", _("Reflecting")
    ADMITTED = "admitted", _("Admitted")
    NOT_ADMITTED = "not_admitted", _("Not admitted")
    REFERRED_ELSEWHERE = "referred_elsewhere", _("Referred elsewhere")


OPEN_STATUSES = [
    ReferralStatus.NEW,
    ReferralStatus.SCREENING,
    ReferralStatus.AWAITING_COMMITTEE,
    ReferralStatus.REFLECTING,
]

# Decisions that close a referral without admission; the queue's "closed" view lists them.
CLOSED_STATUSES = [ReferralStatus.NOT_ADMITTED, ReferralStatus.REFERRED_ELSEWHERE]

# Decisions the coordinator records by hand (admission has its own form and service).
ALLOWED_MANUAL_STATUSES = {
    ReferralStatus.SCREENING,
    ReferralStatus.AWAITING_COMMITTEE,
    ReferralStatus.REFLECTING,
    ReferralStatus.NOT_ADMITTED,
    ReferralStatus.REFERRED_ELSEWHERE,
}

# One field list per concept: the services accept these, the forms show them.
CANDIDATE_FIELDS = [
    "first_name", "last_name", "preferred_name", "date_of_birth", "gender_identity", "languages",
    "phone", "email", "other_contact", "residence_area", "care_setting", "legal_care",
    "legal_care_details", "reasons",
]  # fmt: skip
REFERRER_FIELDS = [
    "referrer_name", "referrer_organisation", "referrer_organisation_other", "referrer_contact",
    "referrer_email",
]  # fmt: skip
REFERRAL_FIELDS = CANDIDATE_FIELDS + REFERRER_FIELDS
SCREENING_FIELDS = [
    "screened_on", "lives_in_area", "frequents_area", "recognises_harms", "stage_of_change",
    "precontemplation_exception_reason", "recruits_others", "recruiter_acknowledges", "notes",
]  # fmt: skip


class StageOfChange(models.TextChoices):
    PRECONTEMPLATION = "precontemplation", _("Precontemplation")
    CONTEMPLATION = "contemplation", _("Contemplation")
    PREPARATION = "preparation", _("Preparation")
    ACTION = "action", _("Action")
    MAINTENANCE = "maintenance", _("Maintenance")


class Referral(models.Model):
    """A candidate proposed to the program, with who referred them. Identity lives here and is
    carried into the participant file at admission."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.NEW
    )
    # The candidate
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    preferred_name = models.CharField(_("preferred name"), max_length=100, blank=True)
    date_of_birth = models.DateField(_("date of birth"))
    gender_identity = models.CharField(_("gender identity"), max_length=100, blank=True)
    languages = models.CharField(_("language(s) spoken"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_digits = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    # Names without accents or case (referrals.rules.search_key), kept by the services and the
    # bulk path: the participant search finds "Zoé" when "zoe" is typed, on any database.
    search_text = models.CharField(max_length=320, blank=True, editable=False)
    email = models.EmailField(_("e-mail"), blank=True)
    other_contact = models.CharField(_("other contact"), max_length=200, blank=True)
    residence_area = models.CharField(_("area of residence"), max_length=200, blank=True)
    care_setting = models.CharField(
        _("living or care setting"), max_length=30, choices=CareSetting.choices, blank=True
    )
    legal_care = models.CharField(
        _("legal care"), max_length=30, choices=LegalCare.choices, default=LegalCare.UNKNOWN
    )
    legal_care_details = models.CharField(_("legal care details"), max_length=300, blank=True)
    reasons = models.TextField(_("reasons for referral"))
    # The referrer
    referrer_name = models.CharField(_("referrer's name"), max_length=200)
    referrer_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("referrer's organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    referrer_organisation_other = models.CharField(
        _("referrer's organisation (outside the program)"), max_length=200, blank=True
    )
    referrer_contact = models.CharField(_("how to reach the referrer"), max_length=200)
    referrer_email = models.EmailField(_("referrer's e-mail"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_submitted"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="referral_status_created"),
            models.Index(
                fields=["last_name", "first_name", "date_of_birth"], name="referral_name_dob"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReferralStatus.values), name="referral_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def display_name(self) -> str:
        if self.preferred_name:
            return f"{self.preferred_name} ({self.first_name} {self.last_name})"
        return f"{self.first_name} {self.last_name}"


class ReferralStatusChange(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ReferralStatus.choices)
    reason = models.TextField(_("reason"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.from_status or '-'} → {self.to_status}"


class Screening(models.Model):
    """The coordinator's check of the four admission criteria (one per referral, updatable)."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="screening")
    screened_on = models.DateField(_("screening date"))
    lives_in_area = models.BooleanField(_("lives in the service area"), default=False)
    frequents_area = models.BooleanField(
        _("frequents the service area (friends, family, services, selling sex there)"),
        default=False,
    )
    recognises_harms = models.BooleanField(
        _("recognises harms of selling sexual services in at least one area of life"),
        default=False,
    )
    stage_of_change = models.CharField(
        _("stage of change"), max_length=20, choices=StageOfChange.choices
    )
    precontemplation_exception_reason = models.TextField(
        _("reason for the precontemplation exception"), blank=True
    )
    recruits_others = models.BooleanField(
        _("also recruits others for sexual exploitation"), default=False
    )
    recruiter_acknowledges = models.BooleanField(
        _("acknowledges it and commits to stop"), default=False
    )
    notes = models.TextField(_("notes"), blank=True)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(stage_of_change="precontemplation")
                | ~Q(precontemplation_exception_reason=""),
                name="screening_precontemplation_needs_reason",
            ),
        ]

    def __str__(self):
        return f"screening #{self.pk}"


class RecruiterRiskAssessment(models.Model):
    """Clinical Committee assessment required before admitting a candidate who recruits others."""

    class Decision(models.TextChoices):
        BENEFITS_OUTWEIGH = "admissible", _("Benefits outweigh risks: may be admitted")
        RISKS_OUTWEIGH = "not_admissible", _("Risks outweigh benefits: not admitted")

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="risk_assessments"
    )
    delinquent_profile = models.TextField(_("delinquent profile"))
    network_involvement = models.TextField(_("involvement in a criminal network"))
    benefits_versus_risks = models.TextField(_("benefits versus risks"))
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    decided_on = models.DateField(_("Clinical Committee date"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at"]

    def __str__(self):
        return f"risk assessment #{self.pk}"


class InitialMeeting(models.Model):
    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        PHONE = "phone", _("Phone")
        VIDEO = "video", _("Video")

    class Outcome(models.TextChoices):
        ADMITTED_NOW = "admitted_now", _("Wishes to join now")
        REFLECTING = "reflecting", _("Takes time to reflect")
        DECLINED = "declined", _("Declined")

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="initial_meetings"
    )
    met_on = models.DateField(_("date"))
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("workers present"), related_name="+", blank=True
    )
    others_present = models.CharField(_("others present"), max_length=200, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["met_on", "pk"]

    def __str__(self):
        return f"initial meeting #{self.pk}"


class YouthIdCounter(models.Model):
    """Last sequence number used per admission year. Locked row by row: never reused."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last_number}"


class Participant(models.Model):
    """An admitted candidate. Every read goes through referrals.access (object permissions).

    The identity the program needs for its figures (date of birth, gender) is copied from the
    referral at admission and lives here, so a participant brought in from a legacy workbook,
    who never had a referral, is a participant like any other."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # None for a participant imported from a legacy workbook (no referral ever existed).
    referral = models.OneToOneField(
        Referral, on_delete=models.PROTECT, related_name="participant", null=True, blank=True
    )
    date_of_birth = models.DateField(_("date of birth"))
    gender_identity = models.CharField(_("gender identity"), max_length=100, blank=True)
    youth_id = models.CharField(_("youth ID"), max_length=12, unique=True)
    youth_id_year = models.PositiveIntegerField()
    youth_id_number = models.PositiveIntegerField()
    admitted_on = models.DateField(_("admission date"))
    admitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # DOMAIN rule 4: an admitted recruiter is never placed in activities with other participants.
    no_group_activities = models.BooleanField(
        _("no activity with other participants"), default=False
    )
    program_consent_withdrawn = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Brought in from a worker's legacy workbook: the consents it never held are to be confirmed
    # by the coordinator (nothing is invented); the marker stays until then.
    imported_at = models.DateTimeField(null=True, blank=True, editable=False)
    consent_confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    consent_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["youth_id_year", "youth_id_number"]
        default_permissions = ("view", "change")
        constraints = [
            models.UniqueConstraint(
                fields=["youth_id_year", "youth_id_number"], name="participant_youth_id_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["imported_at"],
                condition=Q(imported_at__isnull=False, consent_confirmed_at__isnull=True),
                name="participant_import_unconfirmed",
            ),
        ]

    def __str__(self):
        return self.youth_id

    @property
    def display_name(self) -> str:
        """The name from the referral; an imported participant has none (youth ID only)."""
        return self.referral.display_name if self.referral_id else ""

    @property
    def consent_to_confirm(self) -> bool:
        return self.imported_at is not None and self.consent_confirmed_at is None


class ParticipantUserObjectPermission(UserObjectPermissionBase):
    """Direct foreign-key permission rows (fast joins on list pages; see guardian's docs)."""

    content_object = models.ForeignKey(Participant, on_delete=models.CASCADE)


class ParticipantGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Participant, on_delete=models.CASCADE)


class AssignmentRole(models.TextChoices):
    PRIMARY = "primary", _("Primary worker")
    SECOND = "second", _("Second worker")


class Assignment(models.Model):
    """A youth worker assigned to a candidate, from screening on, before the initial meeting
    (DOMAIN.md: the referrer is told who the worker is before any meeting). The row belongs to
    the referral; at admission it is linked to the participant as well, so the history carries
    over. A participant's assignments are those with `participant` set. A participant imported
    without a referral has assignments with `participant` only."""

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="assignments", null=True, blank=True
    )
    participant = models.ForeignKey(
        Participant,
        on_delete=models.CASCADE,
        related_name="assignments",
        null=True,
        blank=True,
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(_("role"), max_length=10, choices=AssignmentRole.choices)
    started_at = models.DateTimeField(default=timezone.now)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)
    # Set when the assignment comes from a Clinical Committee decision (committees issue).
    committee_decision_ref = models.CharField(max_length=100, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    end_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "role"],
                condition=Q(ended_at__isnull=True),
                name="assignment_one_active_per_role",
            ),
            models.UniqueConstraint(
                fields=["referral", "worker"],
                condition=Q(ended_at__isnull=True),
                name="assignment_worker_once_per_referral",
            ),
            # The same rules for a participant who has no referral (imported).
            models.UniqueConstraint(
                fields=["participant", "role"],
                condition=Q(ended_at__isnull=True, referral__isnull=True),
                name="assignment_one_active_per_role_no_referral",
            ),
            models.UniqueConstraint(
                fields=["participant", "worker"],
                condition=Q(ended_at__isnull=True, referral__isnull=True),
                name="assignment_worker_once_no_referral",
            ),
            models.CheckConstraint(
                condition=Q(referral__isnull=False) | Q(participant__isnull=False),
                name="assignment_has_a_case",
            ),
        ]
        indexes = [models.Index(fields=["worker", "ended_at"], name="assignment_worker_active")]

    def __str__(self):
        return f"{self.get_role_display()} #{self.pk}"

    @property
    def case_key(self) -> str:
        """A stable, opaque key for forms: the participant's public id once admitted, else the
        referral's (needs both relations loaded)."""
        return (self.participant or self.referral).public_id.hex

    @property
    def case(self) -> tuple[str, int]:
        """Which case the row belongs to: the referral's (candidates and participants admitted
        from a referral) or the participant's (imported, no referral)."""
        if self.referral_id:
            return ("referral", self.referral_id)
        return ("participant", self.participant_id)

    @property
    def display_name(self) -> str:
        return self.referral.display_name if self.referral_id else ""


def consent_scan_path(instance, filename):
    # Opaque name: nothing about the person in the storage path.
    return f"consents/{uuid.uuid4().hex}"


class ConsentKind(models.TextChoices):
    PROGRAM = "program", _("Program consent")
    SHARING = "sharing", _("Information sharing")
    # The clause of the program consent form agreeing to the anonymous use of the information
    # for research (the de-identified export rests on it); withdrawable on its own.
    RESEARCH_USE = "research_use", _("Research use of the information (program form clause)")
    # The research team's own form: self-report questionnaires at times 1 and 2, interviews.
    RESEARCH = "research", _("Research study consent (questionnaires and interviews)")


class ResearchClause(models.TextChoices):
    """What the signed program form says of the research-use clause."""

    AGREED = "agreed", _("Agreed")
    STRUCK_OUT = "struck_out", _("Struck out (declined)")
    # Program consents recorded before the clause was asked for (see migration 0004).
    NOT_RECORDED = "not_recorded", _("Not recorded")


class Consent(models.Model):
    """A consent record. Withdrawal keeps the row (date, who recorded it, optional note).

    A program consent also records, as the form has them: the research-use clause (agreed or
    struck out), the worker who signed the declaration of responsibility, whether a signed copy
    was given to the participant and whether confidentiality and information sharing were
    explained. Rows recorded before these were asked keep them empty (None / not recorded)."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(_("kind"), max_length=20, choices=ConsentKind.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    given_on = models.DateField(_("date signed"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    form_version = models.CharField(_("form version"), max_length=40, blank=True)
    worker_declaration = models.BooleanField(
        _("the worker signed the declaration of responsibility"), default=False
    )
    declaration_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("worker who signed the declaration of responsibility"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    research_clause = models.CharField(
        _("research-use clause"), max_length=20, choices=ResearchClause.choices, blank=True
    )
    copy_given = models.BooleanField(
        _("a signed copy was given to the participant"), null=True, blank=True
    )
    confidentiality_explained = models.BooleanField(
        _("confidentiality and information sharing were explained"), null=True, blank=True
    )
    scan = models.FileField(_("scan of the signed form"), upload_to=consent_scan_path, blank=True)
    scan_content_type = models.CharField(max_length=50, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawal_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    withdrawal_note = models.TextField(_("note (optional)"), blank=True)

    class Meta:
        ordering = ["given_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="sharing", organisation__isnull=False)
                | (~Q(kind="sharing") & Q(organisation__isnull=True)),
                name="consent_sharing_names_an_organisation",
            ),
            models.UniqueConstraint(
                fields=["participant", "kind"],
                condition=Q(withdrawn_on__isnull=True, organisation__isnull=True),
                name="consent_one_active_per_kind",
            ),
            models.UniqueConstraint(
                fields=["participant", "organisation"],
                condition=Q(withdrawn_on__isnull=True, kind="sharing"),
                name="consent_one_active_sharing_per_organisation",
            ),
            models.CheckConstraint(
                condition=(Q(kind="program") & ~Q(research_clause=""))
                | (~Q(kind="program") & Q(research_clause="")),
                name="consent_research_clause_on_program_consent",
            ),
            models.CheckConstraint(
                condition=Q(declaration_signed_by__isnull=True) | Q(worker_declaration=True),
                name="consent_signer_means_declaration",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None


class YouthProtectionReport(models.Model):
    """For a minor, the duty to report to the DYP (Youth Protection Act s. 38(d), 39.1)."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="youth_protection_reports"
    )
    considered_on = models.DateField(_("duty considered on"))
    reported = models.BooleanField(_("reported to the DYP"), default=False)
    reported_on = models.DateField(_("reported on"), null=True, blank=True)
    reported_by = models.CharField(_("reported by"), max_length=200, blank=True)
    reference = models.CharField(_("DYP reference"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["considered_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reported=False) | Q(reported_on__isnull=False),
                name="dyp_report_needs_date",
                violation_error_message=_("Give the date of the report."),
            ),
        ]

    def __str__(self):
        return f"DYP #{self.pk}"
