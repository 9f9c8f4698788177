"""Intake, screening, the recruiter's risk assessment and the initial meeting (DOMAIN.md:
Referral and admission)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from referrals.access import (
    is_coordinator,
    may_change,
    require_coordinator,
    require_referral_access,
)
from referrals.models import (
    ALLOWED_MANUAL_STATUSES,
    CANDIDATE_FIELDS,
    CLOSED_STATUSES,
    REFERRAL_FIELDS,
    SCREENING_FIELDS,
    InitialMeeting,
    Participant,
    RecruiterRiskAssessment,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    Screening,
    StageOfChange,
)
from referrals.rules import normalise_phone, referral_search_text
from referrals.services._common import _open_referral, _record_status
from referrals.services.assignments import assignments_end_on_closing
from spheres.models import Notification, Role, User
from spheres.selectors import people_with_role, roles_of
from spheres.services import notifications_send


def _refuse_future_birth(date_of_birth) -> None:
    if date_of_birth and date_of_birth > timezone.localdate():
        raise ValidationError({"date_of_birth": _("The date of birth is in the future.")})


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
    referral.search_text = referral_search_text(referral)
    referral.full_clean()
    _refuse_future_birth(referral.date_of_birth)
    referral.save()
    ReferralStatusChange.objects.create(
        referral=referral, from_status="", to_status=ReferralStatus.NEW, changed_by=submitted_by
    )
    return referral


@transaction.atomic
def referral_submit(*, submitted_by: User, **candidate) -> Referral:
    """A partner staff member refers a candidate: they are the referrer, reached at their
    account's address, on behalf of their (first active) organisation."""
    unknown = set(candidate) - set(CANDIDATE_FIELDS)
    if unknown:
        raise TypeError(f"unknown candidate fields: {sorted(unknown)}")
    membership = (
        submitted_by.memberships.filter(is_active=True).select_related("organisation").first()
    )
    referral = referral_create(
        submitted_by=submitted_by,
        referrer_name=submitted_by.get_full_name(),
        referrer_organisation=membership.organisation if membership else None,
        referrer_contact=submitted_by.email,
        referrer_email=submitted_by.email,
        **candidate,
    )
    # The coordinator hears of it at once (a notice with no name: the queue shows the rest).
    coordinators = people_with_role(Role.COORDINATOR).exclude(pk=submitted_by.pk)
    notifications_send(
        kind=Notification.Kind.REFERRAL,
        items=[(uid, None, 0) for uid in coordinators.values_list("pk", flat=True)],
    )
    return referral


@transaction.atomic
def referral_update_identity(*, referral: Referral, actor: User, **data) -> Referral:
    """Identity and contacts change over a follow-up (a new phone number...): the coordinator, or
    a worker who may change the participant's file, keeps them current. History is in the audit."""
    participant = Participant.objects.filter(referral=referral).first()
    if not (is_coordinator(actor) or (participant and may_change(actor, participant))):
        raise PermissionDenied
    for name, value in data.items():
        if name not in REFERRAL_FIELDS:
            raise TypeError(name)
        setattr(referral, name, value)
    _refuse_future_birth(referral.date_of_birth)
    referral.phone_digits = normalise_phone(referral.phone)
    referral.search_text = referral_search_text(referral)
    referral.full_clean()
    referral.save()
    if participant is not None:
        # The participant carries its own copy of the identity the figures read.
        participant.date_of_birth = referral.date_of_birth
        participant.gender_identity = referral.gender_identity
        participant.save(update_fields=["date_of_birth", "gender_identity"])
    return referral


@transaction.atomic
def participant_update_identity(
    *, participant: Participant, actor: User, date_of_birth, gender_identity: str
) -> Participant:
    """A participant imported from a legacy workbook has no referral: the identity the file
    needs (date of birth, gender) is corrected on the participant itself. The coordinator or a
    worker who may change the file; history is in the audit."""
    if participant.referral_id is not None:
        raise ValidationError(_("This participant's identity is updated on the referral."))
    if not (is_coordinator(actor) or may_change(actor, participant)):
        raise PermissionDenied
    if date_of_birth > timezone.localdate():
        raise ValidationError({"date_of_birth": _("The date cannot be in the future.")})
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    participant.date_of_birth = date_of_birth
    participant.gender_identity = gender_identity.strip()
    participant.full_clean()
    participant.save(update_fields=["date_of_birth", "gender_identity"])
    return participant


@transaction.atomic
def referral_correct(*, referral: Referral, actor: User, **data) -> Referral:
    """Before admission, the coordinator corrects what the referral says (a misspelt name, the
    wrong date of birth, the referrer's contact). The audit log keeps every version: who, when,
    before and after. After admission, identity is updated from the participant's file."""
    require_coordinator(actor)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status == ReferralStatus.ADMITTED:
        raise ValidationError(
            _("This candidate is admitted: update identity and contacts from the file.")
        )
    unknown = set(data) - set(REFERRAL_FIELDS)
    if unknown:
        raise TypeError(f"unknown referral fields: {sorted(unknown)}")
    for name, value in data.items():
        setattr(referral, name, value)
    _refuse_future_birth(referral.date_of_birth)
    referral.phone_digits = normalise_phone(referral.phone)
    referral.search_text = referral_search_text(referral)
    referral.full_clean()
    referral.save()
    return referral


@transaction.atomic
def referral_set_status(
    *, referral: Referral, to_status: str, actor: User, reason: str = ""
) -> Referral:
    """Decisions other than admission. "Not admitted" and "referred elsewhere" need a reason and
    end the workers' assignments to the candidate (and so their access to the referral);
    admission goes through participant_admit; an admitted referral no longer changes here."""
    require_coordinator(actor)
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
    if to_status in CLOSED_STATUSES:
        assignments_end_on_closing(referral=referral, actor=actor)
    return referral


@transaction.atomic
def screening_record(*, referral: Referral, actor: User, **data) -> Screening:
    require_coordinator(actor)
    referral = _open_referral(referral)
    screening = Screening.objects.filter(referral=referral).first() or Screening(referral=referral)
    for name, value in data.items():
        if name not in SCREENING_FIELDS:
            raise TypeError(name)
        setattr(screening, name, value)
    screening.screened_by = actor
    if screening.screened_on and screening.screened_on > timezone.localdate():
        raise ValidationError({"screened_on": _("The date cannot be in the future.")})
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


@transaction.atomic
def recruiter_risk_assessment_record(
    *, referral: Referral, actor: User, **data
) -> RecruiterRiskAssessment:
    require_coordinator(actor)
    referral = _open_referral(referral)
    assessment = RecruiterRiskAssessment(referral=referral, recorded_by=actor, **data)
    assessment.full_clean()
    assessment.save()
    return assessment


@transaction.atomic
def initial_meeting_record(
    *, referral: Referral, actor: User, attendees: list[User] = (), **data
) -> InitialMeeting:
    """DOMAIN.md: the initial meeting is held by the assigned worker (or the pair), so the
    coordinator or a worker assigned to the candidate records it; nobody else. "Takes time to
    reflect" moves the referral to reflecting."""
    require_referral_access(actor, referral)
    referral = _open_referral(referral)
    meeting = InitialMeeting(referral=referral, recorded_by=actor, **data)
    if meeting.met_on and meeting.met_on > timezone.localdate():
        raise ValidationError({"met_on": _("The meeting cannot be in the future.")})
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
