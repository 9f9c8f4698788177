"""Departure of a youth worker (DOMAIN.md: Departure of a youth worker)."""

from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from followups.models import Handover, HandoverItem
from referrals.access import is_coordinator
from referrals.models import Assignment, AssignmentRole
from referrals.services import assignment_set
from spheres.models import Notification, Role, User
from spheres.selectors import people_with_role
from spheres.services import membership_revoke_roles, notifications_send

# What a departing worker gives back: the roles that open participant files.
DEPARTURE_ROLES = [Role.YOUTH_WORKER, Role.CLINICAL_COMMITTEE]


class HandoverChoice(NamedTuple):
    """One case of the departing worker (a follow-up, or a candidate not yet admitted): who takes
    their place, the transition summary, and, when the successor is already the case's other
    worker, the new second worker."""

    assignment: Assignment
    successor: User
    summary: str
    new_second: User | None = None


def _program_language(text) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def _pair_after(current: dict, choice: HandoverChoice, errors: dict, key: str):
    """(primary, second) once the successor takes the departing worker's place. A pair stays a
    pair: if the successor is already the other worker on the case, they become primary and the
    coordinator's new second takes the free place (docs/program.md: pairs from two organisations, so
    that a familiar worker can take over)."""
    role = choice.assignment.role
    other_role = AssignmentRole.SECOND if role == AssignmentRole.PRIMARY else AssignmentRole.PRIMARY
    other = current.get(other_role)
    new_second = choice.new_second
    if other is not None and other.pk == choice.successor.pk:
        if new_second is None:
            errors[f"second_{key}"] = _(
                "The successor already follows this participant: choose a new second worker "
                "so that the pair is kept."
            )
            return None
        return choice.successor, new_second
    slots = {role: choice.successor, other_role: other}
    if new_second is not None:
        if other is not None:
            errors[f"second_{key}"] = _(
                "This follow-up keeps its pair: a new second worker is only needed when the "
                "successor is already on the case."
            )
            return None
        slots[AssignmentRole.SECOND] = new_second
    return slots[AssignmentRole.PRIMARY], slots.get(AssignmentRole.SECOND)


def _counted(received: list[tuple[int, int | None, int]]) -> list[tuple[int, int | None, int]]:
    """A notice per participant received; candidates, who have no participant id yet, in one
    notice per successor with how many (otherwise identical items would merge into one)."""
    candidates: dict[int, int] = {}
    for uid, pid, _count in received:
        if pid is None:
            candidates[uid] = candidates.get(uid, 0) + 1
    return [item for item in received if item[1] is not None] + [
        (uid, None, n) for uid, n in candidates.items()
    ]


@transaction.atomic
def handover_perform(*, departing: User, actor: User, items) -> Handover:
    """DOMAIN.md (Departure of a youth worker): each follow-up of the departing worker — and
    each candidate assigned to them, not yet admitted — goes to a successor who takes the
    departing worker's place in the pair, with a transition summary for the Clinical Committee,
    in one transaction that also moves the permissions. Successors are told (a notice, and an
    e-mail that says how many). A worker with a large caseload is handed over in batches (the
    page shows HANDOVER_BATCH at a time): the batch moves whole or not at all. Once nothing is
    left, the departing worker returns their access: they lose their youth-worker and Clinical
    Committee roles, so nobody suggests or assigns them again. A candidate's referrer is told the
    successor's name (as on any assignment before admission). They may already be gone
    (account deactivated): the coordinator hands over what they left. Notes they wrote stay
    theirs."""
    if not is_coordinator(actor):
        raise PermissionDenied
    items = [HandoverChoice(*item) for item in items]
    active = set(
        Assignment.objects.select_for_update()
        .filter(worker=departing, ended_at__isnull=True)
        .values_list("pk", flat=True)
    )
    chosen = [choice.assignment.pk for choice in items]
    if not chosen:
        raise ValidationError(_("Choose a successor for at least one follow-up."))
    if len(set(chosen)) != len(chosen) or not set(chosen) <= active:
        # Another handover or reassignment moved some of them since the page was opened.
        raise ValidationError(
            _(
                "The departing worker's follow-ups changed since this page was opened: "
                "check the list and submit again."
            )
        )
    eligible = set(
        people_with_role(Role.YOUTH_WORKER).exclude(pk=departing.pk).values_list("pk", flat=True)
    )
    # The pairs as they stand, per case (a candidate's referral, or an admitted participant's).
    # A participant imported without a referral is a case of its own.
    current: dict[tuple, dict] = {choice.assignment.case: {} for choice in items}
    referral_ids = [c[1] for c in current if c[0] == "referral"]
    participant_ids = [c[1] for c in current if c[0] == "participant"]
    for a in Assignment.objects.filter(
        Q(referral_id__in=referral_ids)
        | Q(participant_id__in=participant_ids, referral__isnull=True),
        ended_at__isnull=True,
    ).select_related("worker"):
        current[a.case][a.role] = a.worker
    errors: dict = {}
    pairs = []
    for choice in items:
        key = choice.assignment.case_key
        if choice.successor.pk not in eligible:
            errors[f"successor_{key}"] = _(
                "Choose an active youth worker other than the departing worker."
            )
        if choice.new_second is not None and (
            choice.new_second.pk not in eligible or choice.new_second.pk == choice.successor.pk
        ):
            errors[f"second_{key}"] = _(
                "Choose an active youth worker other than the successor and the departing worker."
            )
        if not choice.summary.strip():
            errors[f"summary_{key}"] = _("A transition summary is required.")
        pairs.append(_pair_after(current[choice.assignment.case], choice, errors, key))
    if errors:
        raise ValidationError(errors)
    handover = Handover.objects.create(departing=departing, performed_by=actor)
    # Stored text, in the program's language, whatever the coordinator's screen shows.
    reason = _program_language(gettext_lazy("Departure of a youth worker"))
    received = []
    for choice, (primary, second) in zip(items, pairs, strict=True):
        assignment = choice.assignment
        case = (
            {"referral": assignment.referral}
            if assignment.referral_id
            else {"participant": assignment.participant}
        )
        assignment_set(
            **case,
            actor=actor,
            primary=primary,
            second=second,
            reason=reason,
            # A candidate not yet admitted: the referrer is told who the worker is before any
            # meeting, so they learn the successor's name. A participant's referrer is not
            # written to on a departure.
            notify_referrer=assignment.participant_id is None,
            notify_workers=False,
        )
        HandoverItem.objects.create(
            handover=handover,
            referral_id=assignment.referral_id,
            participant_id=assignment.participant_id,
            successor=choice.successor,
            role=assignment.role,
            summary=choice.summary.strip(),
        )
        received.append((choice.successor.pk, assignment.participant_id, 0))
        if choice.new_second is not None:
            received.append((choice.new_second.pk, assignment.participant_id, 0))
    if set(chosen) == active:  # the last batch: the departure is complete
        for membership in departing.memberships.filter(
            is_active=True, roles__role__in=DEPARTURE_ROLES
        ).distinct():
            membership_revoke_roles(membership=membership, roles=DEPARTURE_ROLES, actor=actor)
    notifications_send(
        kind=Notification.Kind.HANDOVER,
        items=_counted(received),
        email_template="followups/email/handover",
        email_context={"url": settings.SPHERES_BASE_URL + reverse("followups:notifications")},
    )
    return handover
