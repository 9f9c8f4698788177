"""Departure of a youth worker (DOMAIN.md: Departure of a youth worker)."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from followups.models import Handover, HandoverItem
from referrals.access import is_coordinator
from referrals.models import Assignment, AssignmentRole
from referrals.services import assignment_set
from spheres.models import User


def _program_language(text) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


@transaction.atomic
def handover_perform(*, departing: User, actor: User, items) -> Handover:
    """DOMAIN.md (Departure of a youth worker): every follow-up of the departing worker — and
    every candidate assigned to them, not yet admitted — goes to a successor with a transition
    summary for the Clinical Committee, in one transaction that also moves the permissions.
    Notes the departing worker wrote stay theirs. The departing worker may already be gone
    (account deactivated): the coordinator hands over what they left."""
    if not is_coordinator(actor):
        raise PermissionDenied
    active = {
        a.pk: a
        for a in Assignment.objects.select_for_update().filter(
            worker=departing, ended_at__isnull=True
        )
    }
    covered = {assignment.pk for assignment, _s, _t in items}
    if covered != set(active):
        raise ValidationError(_("Every follow-up of the departing worker needs a successor."))
    errors = {}
    for assignment, successor, summary in items:
        key = assignment.case_key
        if successor.pk == departing.pk:
            errors[f"successor_{key}"] = _("Choose someone other than the departing worker.")
        if not summary.strip():
            errors[f"summary_{key}"] = _("A transition summary is required.")
    if errors:
        raise ValidationError(errors)
    handover = Handover.objects.create(departing=departing, performed_by=actor)
    for assignment, successor, summary in items:
        current = {
            a.role: a.worker
            for a in Assignment.objects.filter(
                referral_id=assignment.referral_id, ended_at__isnull=True
            ).select_related("worker")
        }
        role = assignment.role
        other = AssignmentRole.SECOND if role == AssignmentRole.PRIMARY else AssignmentRole.PRIMARY
        current[role] = successor
        if current.get(other) is not None and current[other].pk == successor.pk:
            current[other] = None  # the second worker steps up: the other slot is free
        if current.get(AssignmentRole.PRIMARY) is None:
            current[AssignmentRole.PRIMARY], current[AssignmentRole.SECOND] = (
                current.get(AssignmentRole.SECOND),
                None,
            )
        assignment_set(
            referral=assignment.referral,
            actor=actor,
            primary=current[AssignmentRole.PRIMARY],
            second=current.get(AssignmentRole.SECOND),
            # Stored text, in the program's language, whatever the coordinator's screen shows.
            reason=_program_language(gettext_lazy("Departure of a youth worker")),
            notify_referrer=False,
        )
        HandoverItem.objects.create(
            handover=handover,
            referral_id=assignment.referral_id,
            participant_id=assignment.participant_id,
            successor=successor,
            role=role,
            summary=summary.strip(),
        )
    return handover
