"""Decisions that act: taken at a Clinical Committee meeting and carried out at once through the
existing services of referrals and followups, inside the meeting's transaction, and linked by
foreign key to the row they created. A refusal by the service changes nothing, the decision
included (DOMAIN.md: the Clinical Committee decides admissions, assignments and the recruiter's
risk assessment)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from committees.models import AgendaItem, Decision, DecisionKind, Meeting
from committees.rules import DECISIONS_FOR
from committees.services._common import open_meeting, require_coordinator
from followups.models import FollowUpStatus, FollowUpStatusChange
from followups.services import followup_set_status
from referrals.models import AssignmentRole, ReferralStatusChange
from referrals.services import (
    assignment_set,
    participant_admit,
    recruiter_risk_assessment_record,
    referral_set_status,
)
from spheres.models import User


def _assign(meeting, item, actor, data) -> dict:
    """Workers for a participant, or — before admission — for the candidate of a referral item:
    the same service (the referrer is told who the primary worker is)."""
    case = {"participant": item.participant} if item.participant_id else {"referral": item.referral}
    created = assignment_set(
        actor=actor, committee_decision_ref=f"meeting:{meeting.public_id}", **case, **data
    )
    if not created:
        raise ValidationError(_("These workers already follow this person."))
    primary = next((a for a in created if a.role == AssignmentRole.PRIMARY), None)
    second = next((a for a in created if a.role == AssignmentRole.SECOND), None)
    return {"assignment": primary or second, "second_assignment": second if primary else None}


def _recruiter(meeting, item, actor, data) -> dict:
    data.setdefault("decided_on", timezone.localdate(meeting.starts_at))
    assessment = recruiter_risk_assessment_record(referral=item.referral, actor=actor, **data)
    return {"risk_assessment": assessment}


def _admit(meeting, item, actor, data) -> dict:
    return {"admitted": participant_admit(referral=item.referral, actor=actor, **data)}


def _reactivate(meeting, item, actor, data) -> dict:
    followup = followup_set_status(
        participant=item.participant,
        actor=actor,
        to_status=FollowUpStatus.ACTIVE,
        note=data.get("note", ""),
    )
    change = FollowUpStatusChange.objects.filter(followup=followup).order_by("-pk").first()
    return {"followup_change": change}


def _referral_status(meeting, item, actor, data) -> dict:
    before = ReferralStatusChange.objects.filter(referral=item.referral).order_by("-pk").first()
    referral_set_status(referral=item.referral, actor=actor, **data)
    change = ReferralStatusChange.objects.filter(referral=item.referral).order_by("-pk").first()
    if change is None or (before is not None and change.pk == before.pk):
        raise ValidationError({"to_status": _("The referral already has this status.")})
    return {"referral_change": change}


ACTS = {
    DecisionKind.ASSIGN_CANDIDATE: _assign,
    DecisionKind.ASSIGN_WORKERS: _assign,
    DecisionKind.RECRUITER_ASSESSMENT: _recruiter,
    DecisionKind.ADMIT: _admit,
    DecisionKind.REACTIVATE: _reactivate,
    DecisionKind.REFERRAL_STATUS: _referral_status,
}


@transaction.atomic
def decision_record(
    *, meeting: Meeting, item: AgendaItem, actor: User, kind: str, **data
) -> Decision:
    """Carry out a decision on an agenda item and record it with the meeting. The meeting row is
    locked first: the service below runs in the meeting's transaction, and if it refuses (or
    anything after it fails) nothing of it stays."""
    require_coordinator(actor)
    meeting = open_meeting(meeting)
    if not meeting.committee.is_clinical:
        raise ValidationError(_("Only the Clinical Committee decides on individual cases."))
    item = (
        AgendaItem.objects.select_for_update(of=("self",))
        .select_related("participant__referral", "referral")
        .filter(pk=item.pk, meeting=meeting, removed_at__isnull=True)
        .first()
    )
    if item is None:
        raise ValidationError(_("This item is not on this meeting's agenda."))
    if kind not in DECISIONS_FOR.get(item.kind, []):
        raise ValidationError(_("This decision does not apply to this item."))
    links = ACTS[kind](meeting, item, actor, dict(data))
    decision = Decision(meeting=meeting, item=item, kind=kind, recorded_by=actor, **links)
    decision.full_clean()
    decision.save()
    item.handled_at, item.handled_by = timezone.now(), actor
    item.save(update_fields=["handled_at", "handled_by"])
    return decision
