"""State changes from referral to admission. Every function is atomic, validates before saving,
keeps history and updates derived permissions in the same transaction (DOMAIN.md: Referral and
admission; Consent and confidentiality)."""

import datetime
import re

import filetype
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from referrals import permissions
from referrals.models import (
    OPEN_STATUSES,
    Assignment,
    AssignmentRole,
    Consent,
    ConsentKind,
    InitialMeeting,
    Participant,
    RecruiterRiskAssessment,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    Screening,
    StageOfChange,
    YouthIdCounter,
    YouthProtectionReport,
)
from spheres import access, uploads
from spheres.models import Organisation, Role, User
from spheres.selectors import roles_of

MIN_AGE, MAX_AGE = 12, 24
MAX_SCAN_BYTES = 10 * 1024 * 1024
SCAN_TYPES = {"application/pdf", "image/jpeg", "image/png"}


def _require_coordinator(actor: User) -> None:
    if not access.is_coordinator(actor):
        raise PermissionDenied


def _require_write(actor: User, participant: Participant) -> None:
    if not access.may_change(actor, participant):
        raise PermissionDenied


def age_on(date_of_birth: datetime.date, on: datetime.date) -> int:
    return (
        on.year
        - date_of_birth.year
        - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    )


def normalise_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    return digits[-10:] if len(digits) >= 10 else digits


def _record_status(referral: Referral, to_status: str, actor: User, reason: str = "") -> None:
    from_status = referral.status
    referral.status = to_status
    referral.save(update_fields=["status", "updated_at"])
    ReferralStatusChange.objects.create(
        referral=referral,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        changed_by=actor,
    )


def _open_referral(referral: Referral) -> Referral:
    """Lock and re-read: the caller's copy may be stale. Closed referrals take no new steps."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status not in OPEN_STATUSES:
        raise ValidationError(
            _("This referral is closed (%(status)s).") % {"status": referral.get_status_display()}
        )
    return referral


# --- Intake ------------------------------------------------------------------------------------

REFERRAL_FIELDS = [
    "first_name", "last_name", "preferred_name", "date_of_birth", "gender_identity", "languages",
    "phone", "email", "other_contact", "residence_area", "care_setting", "legal_care",
    "legal_care_details", "reasons", "referrer_name", "referrer_organisation",
    "referrer_organisation_other", "referrer_contact", "referrer_email",
]  # fmt: skip


@transaction.atomic
def referral_create(*, submitted_by: User, **data) -> Referral:
    """Any partner staff member may refer a candidate; the referral lands in the coordinator's
    queue. The referrer then sees only its status, never the file."""
    if not roles_of(submitted_by):
        raise PermissionDenied
    unknown = set(data) - set(REFERRAL_FIELDS)
    if unknown:
        raise TypeError(f"unknown referral fields: {sorted(unknown)}")
    referral = Referral(submitted_by=submitted_by, **data)
    referral.phone_digits = normalise_phone(referral.phone)
    referral.full_clean()
    if referral.date_of_birth > timezone.localdate():
        raise ValidationError({"date_of_birth": _("The date of birth is in the future.")})
    referral.save()
    ReferralStatusChange.objects.create(
        referral=referral, from_status="", to_status=ReferralStatus.NEW, changed_by=submitted_by
    )
    return referral


@transaction.atomic
def referral_update_identity(*, referral: Referral, actor: User, **data) -> Referral:
    """Identity and contacts change over a follow-up (a new phone number...): the coordinator, or
    a worker who may change the participant's file, keeps them current. History is in the audit."""
    participant = Participant.objects.filter(referral=referral).first()
    if not (
        access.is_coordinator(actor) or (participant and access.may_change(actor, participant))
    ):
        raise PermissionDenied
    for name, value in data.items():
        if name not in REFERRAL_FIELDS:
            raise TypeError(name)
        setattr(referral, name, value)
    referral.phone_digits = normalise_phone(referral.phone)
    referral.full_clean()
    referral.save()
    return referral


ALLOWED_MANUAL_STATUSES = {
    ReferralStatus.SCREENING,
    ReferralStatus.AWAITING_COMMITTEE,
    ReferralStatus.REFLECTING,
    ReferralStatus.NOT_ADMITTED,
    ReferralStatus.REFERRED_ELSEWHERE,
}


@transaction.atomic
def referral_set_status(
    *, referral: Referral, to_status: str, actor: User, reason: str = ""
) -> Referral:
    """Decisions other than admission. "Not admitted" and "referred elsewhere" need a reason;
    admission goes through participant_admit; an admitted referral no longer changes here."""
    _require_coordinator(actor)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status == ReferralStatus.ADMITTED:
        raise ValidationError(_("This candidate is already admitted."))
    if to_status not in ALLOWED_MANUAL_STATUSES:
        raise ValidationError({"to_status": _("Use the admission form to admit a candidate.")})
    needs_reason = {ReferralStatus.NOT_ADMITTED, ReferralStatus.REFERRED_ELSEWHERE}
    if to_status in needs_reason and not reason.strip():
        raise ValidationError({"reason": _("Give the reason for this decision.")})
    if to_status != referral.status:
        _record_status(referral, to_status, actor, reason.strip())
    return referral


# --- Screening ---------------------------------------------------------------------------------

SCREENING_FIELDS = [
    "screened_on", "lives_in_area", "frequents_area", "recognises_harms", "stage_of_change",
    "precontemplation_exception_reason", "recruits_others", "recruiter_acknowledges", "notes",
]  # fmt: skip


@transaction.atomic
def screening_record(*, referral: Referral, actor: User, **data) -> Screening:
    _require_coordinator(actor)
    referral = _open_referral(referral)
    screening = Screening.objects.filter(referral=referral).first() or Screening(referral=referral)
    for name, value in data.items():
        if name not in SCREENING_FIELDS:
            raise TypeError(name)
        setattr(screening, name, value)
    screening.screened_by = actor
    if (
        screening.stage_of_change == StageOfChange.PRECONTEMPLATION
        and not screening.precontemplation_exception_reason.strip()
    ):
        raise ValidationError(
            {
                "precontemplation_exception_reason": _(
                    "Precontemplation can only be accepted as an exception: write the reason."
                )
            }
        )
    screening.full_clean()
    screening.save()
    if referral.status == ReferralStatus.NEW:
        _record_status(referral, ReferralStatus.SCREENING, actor)
    return screening


def admission_blockers(referral: Referral, on: datetime.date) -> list[str]:
    """Why this candidate cannot be admitted on this date (empty when admissible).
    The four criteria of DOMAIN.md, plus the Clinical Committee assessment for recruiters."""
    reasons = []
    age = age_on(referral.date_of_birth, on)
    if age < MIN_AGE or age > MAX_AGE:
        reasons.append(
            _("Aged %(age)s on %(date)s: the program admits people aged 12 to 24 inclusive.")
            % {"age": age, "date": on.isoformat()}
        )
    # Read it fresh: a cached reverse relation on the caller's copy may be stale.
    screening = Screening.objects.filter(referral_id=referral.pk).first()
    if screening is None:
        reasons.append(_("The screening has not been recorded."))
        return reasons
    if not (screening.lives_in_area or screening.frequents_area):
        reasons.append(_("Neither lives in nor frequents the service area."))
    if screening.stage_of_change == StageOfChange.PRECONTEMPLATION:
        if not screening.precontemplation_exception_reason.strip():
            reasons.append(_("Precontemplation needs a written exception reason."))
    elif not screening.recognises_harms:
        reasons.append(
            _("Does not recognise harms of selling sexual services in any area of life.")
        )
    if screening.recruits_others:
        if not screening.recruiter_acknowledges:
            reasons.append(_("Recruits others and has not acknowledged it and committed to stop."))
        latest = referral.risk_assessments.order_by("-decided_on", "-recorded_at").first()
        if latest is None:
            reasons.append(_("Recruits others: a Clinical Committee risk assessment is required."))
        elif latest.decision != RecruiterRiskAssessment.Decision.BENEFITS_OUTWEIGH:
            reasons.append(_("The Clinical Committee found that risks outweigh benefits."))
    return reasons


@transaction.atomic
def risk_assessment_record(*, referral: Referral, actor: User, **data) -> RecruiterRiskAssessment:
    _require_coordinator(actor)
    referral = _open_referral(referral)
    assessment = RecruiterRiskAssessment(referral=referral, recorded_by=actor, **data)
    assessment.full_clean()
    assessment.save()
    return assessment


@transaction.atomic
def initial_meeting_record(
    *, referral: Referral, actor: User, attendees: list[User] = (), **data
) -> InitialMeeting:
    _require_coordinator(actor)
    referral = _open_referral(referral)
    meeting = InitialMeeting(referral=referral, recorded_by=actor, **data)
    meeting.full_clean()
    meeting.save()
    meeting.attendees.set(attendees)
    if meeting.outcome == InitialMeeting.Outcome.REFLECTING and referral.status in {
        ReferralStatus.NEW,
        ReferralStatus.SCREENING,
        ReferralStatus.AWAITING_COMMITTEE,
    }:
        _record_status(
            referral, ReferralStatus.REFLECTING, actor, _("Initial meeting: reflecting.")
        )
    return meeting


# --- Admission ---------------------------------------------------------------------------------


def youth_id_allocate(year: int) -> tuple[int, str]:
    """Next `#YYYY-NN` for the year. The counter row is locked until the caller's transaction
    ends, so concurrent admissions are numbered one after the other and a number is never reused."""
    YouthIdCounter.objects.bulk_create([YouthIdCounter(year=year)], ignore_conflicts=True)
    counter = YouthIdCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number, f"#{year}-{counter.last_number:02d}"


def validate_scan(scan) -> str:
    """Signed forms: PDF, JPEG or PNG, at most 10 MB, type read from the content, not the name."""
    if scan.size > MAX_SCAN_BYTES:
        raise ValidationError({"scan": _("The file is larger than 10 MB.")})
    head = scan.read(262)
    scan.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in SCAN_TYPES:
        raise ValidationError({"scan": _("Only PDF, JPEG or PNG files are accepted.")})
    uploads.check_content(scan, kind.mime)
    return kind.mime


ADMISSION_CONSENT_FIELDS = {"given_on", "place", "form_version", "scan"}


@transaction.atomic
def participant_admit(
    *,
    referral: Referral,
    actor: User,
    admitted_on: datetime.date,
    consent_given_on: datetime.date,
    consent_place: str,
    consent_form_version: str,
    worker_declaration: bool,
    consent_scan=None,
) -> Participant:
    """Admission: the criteria hold on the admission date, the program consent is signed (with
    the worker's declaration of responsibility), and a youth ID is assigned."""
    _require_coordinator(actor)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if (
        referral.status == ReferralStatus.ADMITTED
        or Participant.objects.filter(referral=referral).exists()
    ):
        raise ValidationError(_("This candidate is already admitted."))
    if referral.status in {ReferralStatus.NOT_ADMITTED, ReferralStatus.REFERRED_ELSEWHERE}:
        raise ValidationError(_("This referral is closed; reopen it before admitting."))
    if admitted_on > timezone.localdate():
        raise ValidationError({"admitted_on": _("The admission date cannot be in the future.")})
    blockers = admission_blockers(referral, admitted_on)
    if blockers:
        raise ValidationError(blockers)
    errors = {}
    if not worker_declaration:
        errors["worker_declaration"] = _("The worker's declaration of responsibility is required.")
    if not consent_place.strip():
        errors["consent_place"] = _("Where was the form signed?")
    if errors:
        raise ValidationError(errors)
    number, youth_id = youth_id_allocate(admitted_on.year)
    participant = Participant(
        referral=referral,
        youth_id=youth_id,
        youth_id_year=admitted_on.year,
        youth_id_number=number,
        admitted_on=admitted_on,
        admitted_by=actor,
        no_group_activities=Screening.objects.get(referral_id=referral.pk).recruits_others,
    )
    participant.full_clean()
    participant.save()
    try:
        _consent_create(
            participant=participant,
            actor=actor,
            kind=ConsentKind.PROGRAM,
            given_on=consent_given_on,
            place=consent_place.strip(),
            form_version=consent_form_version,
            worker_declaration=worker_declaration,
            scan=consent_scan,
        )
    except ValidationError as exc:
        # Report on the admission form's own field names.
        raise ValidationError(
            {
                f"consent_{k}" if k in ADMISSION_CONSENT_FIELDS else k: v
                for k, v in exc.error_dict.items()
            }
        ) from exc
    _record_status(referral, ReferralStatus.ADMITTED, actor)
    from followups.services import followup_open

    followup_open(participant=participant, actor=actor)
    permissions.sync_permissions([participant.pk])
    return participant


# --- Assignment --------------------------------------------------------------------------------


def _check_worker(worker: User) -> None:
    if not worker.is_active or Role.YOUTH_WORKER not in roles_of(worker, fresh=True):
        raise ValidationError(
            {
                "worker": _("%(name)s is not an active youth worker of an active organisation.")
                % {"name": worker.get_full_name()}
            }
        )


@transaction.atomic
def assignment_set(
    *,
    participant: Participant,
    actor: User,
    primary: User,
    second: User | None = None,
    reason: str = "",
    committee_decision_ref: str = "",
    notify_referrer: bool = True,
) -> list[Assignment]:
    """Assign (or re-assign) the primary worker and an optional second worker. Called by the
    coordinator directly or from a Clinical Committee decision (committee_decision_ref)."""
    _require_coordinator(actor)
    if second is not None and second.pk == primary.pk:
        raise ValidationError({"second": _("The second worker must be a different person.")})
    for worker in filter(None, [primary, second]):
        _check_worker(worker)
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    now = timezone.now()
    wanted = {AssignmentRole.PRIMARY: primary, AssignmentRole.SECOND: second}
    active = {a.role: a for a in participant.assignments.filter(ended_at__isnull=True)}
    # End what changes first: the same worker may move from second to primary.
    for role, assignment in active.items():
        if wanted.get(role) is None or wanted[role].pk != assignment.worker_id:
            assignment.ended_at, assignment.ended_by, assignment.end_reason = now, actor, reason
            assignment.save(update_fields=["ended_at", "ended_by", "end_reason"])
    created = []
    for role, worker in wanted.items():
        if worker is None or (role in active and active[role].worker_id == worker.pk):
            continue
        created.append(
            Assignment.objects.create(
                participant=participant,
                worker=worker,
                role=role,
                assigned_by=actor,
                reason=reason,
                committee_decision_ref=committee_decision_ref,
                started_at=now,
            )
        )
    permissions.sync_permissions([participant.pk])
    if (
        notify_referrer
        and any(a.role == AssignmentRole.PRIMARY for a in created)
        and participant.referral.referrer_email
    ):
        from referrals.tasks import notify_referrer_of_assignment

        primary_id = next(a.pk for a in created if a.role == AssignmentRole.PRIMARY)
        transaction.on_commit(lambda: notify_referrer_of_assignment.delay(primary_id))
    return created


# --- Consents ----------------------------------------------------------------------------------


def _consent_create(
    *, participant, actor, kind, given_on, organisation=None, scan=None, **data
) -> Consent:
    consent = Consent(
        participant=participant,
        kind=kind,
        organisation=organisation,
        given_on=given_on,
        recorded_by=actor,
        **data,
    )
    if given_on and given_on > timezone.localdate():
        raise ValidationError({"given_on": _("The date cannot be in the future.")})
    scan_type = validate_scan(scan) if scan else ""
    consent.full_clean()
    try:
        with transaction.atomic():
            consent.save()
    except IntegrityError as exc:  # recorded by someone else at the same moment
        raise ValidationError(
            _("An active consent of this kind already exists; withdraw it first.")
        ) from exc
    if scan:
        # The file is written once the row is committed: a rollback leaves nothing on disk.
        uploads.save_after_commit(
            instance=consent, field_name="scan", upload=scan, scan_content_type=scan_type
        )
    return consent


@transaction.atomic
def consent_record(
    *, participant: Participant, actor: User, kind: str, given_on: datetime.date, **data
) -> Consent:
    """Program or research consent (sharing consent goes through sharing_set)."""
    _require_write(actor, participant)
    if kind not in {ConsentKind.PROGRAM, ConsentKind.RESEARCH}:
        raise ValidationError({"kind": _("Unknown consent.")})
    # Two people recording the same consent at once: the second waits here, then is told.
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if participant.consents.filter(kind=kind, withdrawn_on__isnull=True).exists():
        raise ValidationError(
            _("An active consent of this kind already exists; withdraw it first.")
        )
    if kind == ConsentKind.PROGRAM and not data.get("worker_declaration"):
        raise ValidationError(
            {"worker_declaration": _("The worker's declaration of responsibility is required.")}
        )
    consent = _consent_create(
        participant=participant, actor=actor, kind=kind, given_on=given_on, **data
    )
    if kind == ConsentKind.PROGRAM and participant.program_consent_withdrawn:
        participant.program_consent_withdrawn = False
        participant.save(update_fields=["program_consent_withdrawn"])
    permissions.sync_permissions([participant.pk])
    return consent


@transaction.atomic
def consent_withdraw(
    *, consent: Consent, actor: User, withdrawn_on: datetime.date | None = None, note: str = ""
) -> Consent:
    """Withdrawal at any time, without having to justify it: the note is optional. Withdrawing
    program consent keeps the file for the coordinator and assigned workers only."""
    participant = consent.participant
    _require_write(actor, participant)
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_on is not None:
        raise ValidationError(_("This consent is already withdrawn."))
    withdrawn_on = withdrawn_on or timezone.localdate()
    if withdrawn_on > timezone.localdate():
        raise ValidationError({"withdrawn_on": _("The date cannot be in the future.")})
    if withdrawn_on < consent.given_on:
        raise ValidationError({"withdrawn_on": _("The withdrawal is dated before the consent.")})
    consent.withdrawn_on = withdrawn_on
    consent.withdrawal_recorded_by = actor
    consent.withdrawal_note = note.strip()
    consent.save(update_fields=["withdrawn_on", "withdrawal_recorded_by", "withdrawal_note"])
    if consent.kind == ConsentKind.PROGRAM:
        participant.program_consent_withdrawn = True
        participant.save(update_fields=["program_consent_withdrawn"])
    permissions.sync_permissions([participant.pk])
    return consent


@transaction.atomic
def sharing_set(
    *,
    participant: Participant,
    actor: User,
    organisations: list[Organisation],
    given_on: datetime.date,
    note: str = "",
) -> None:
    """The organisations the participant agrees may see the file. Organisations dropped from the
    list have their consent withdrawn (and lose access) in the same transaction."""
    _require_write(actor, participant)
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    wanted = {o.pk: o for o in organisations}
    active = {
        c.organisation_id: c
        for c in participant.consents.filter(kind=ConsentKind.SHARING, withdrawn_on__isnull=True)
    }
    today = timezone.localdate()
    for org_id, consent in active.items():
        if org_id not in wanted:
            consent.withdrawn_on, consent.withdrawal_recorded_by = today, actor
            consent.withdrawal_note = note.strip()
            consent.save(
                update_fields=["withdrawn_on", "withdrawal_recorded_by", "withdrawal_note"]
            )
    for org_id, organisation in wanted.items():
        if org_id not in active:
            if not organisation.is_active:
                raise ValidationError({"organisations": _("This organisation is inactive.")})
            _consent_create(
                participant=participant,
                actor=actor,
                kind=ConsentKind.SHARING,
                organisation=organisation,
                given_on=given_on,
            )
    permissions.sync_permissions([participant.pk])


@transaction.atomic
def youth_protection_record(
    *, participant: Participant, actor: User, **data
) -> YouthProtectionReport:
    """For a minor, the file shows that the duty to report to the DYP was considered."""
    _require_write(actor, participant)
    report = YouthProtectionReport(participant=participant, recorded_by=actor, **data)
    if report.reported and not report.reported_on:
        raise ValidationError({"reported_on": _("Give the date of the report.")})
    report.full_clean()
    report.save()
    return report
