"""Assignment of a primary and a second youth worker, to a candidate from screening on and to the
participant after admission (DOMAIN.md: Referral and admission — the Clinical Committee, or the
coordinator directly, decides who follows the candidate, and the referrer is told who before any
meeting; workers often work in pairs from two organisations)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from referrals import permissions
from referrals.access import require_coordinator
from referrals.models import (
    CLOSED_STATUSES,
    Assignment,
    AssignmentRole,
    Participant,
    Referral,
    ReferralStatus,
)
from referrals.tasks import notify_referrer_of_assignment
from spheres.models import Notification, Role, User
from spheres.selectors import roles_of
from spheres.services import notifications_send


def _check_worker(worker: User, field: str) -> None:
    if not worker.is_active or Role.YOUTH_WORKER not in roles_of(worker, fresh=True):
        raise ValidationError(
            {
                field: _("%(name)s is not an active youth worker of an active organisation.")
                % {"name": worker.get_full_name()}
            }
        )


def _notify_assigned(
    created: list[Assignment], participant: Participant | None, actor: User
) -> None:
    """A notice to each newly assigned worker (a candidate's has no participant yet)."""
    notifications_send(
        kind=Notification.Kind.ASSIGNED,
        items=[
            (a.worker_id, participant.pk if participant else None, 0)
            for a in created
            if a.worker_id != actor.pk
        ],
    )


def _case(
    referral: Referral | None, participant: Participant | None
) -> tuple[Referral | None, Participant | None]:
    """The case's referral (locked) and participant. A participant imported without a referral
    is a case of its own: its participant row is locked instead."""
    if (referral is None) == (participant is None):
        raise TypeError("give the referral or the participant, not both")
    if referral is None and participant.referral_id is None:
        # Locked: two assignments of the same case are made one after the other.
        return None, Participant.objects.select_for_update().get(pk=participant.pk)
    referral_id = referral.pk if referral is not None else participant.referral_id
    referral = Referral.objects.select_for_update().get(pk=referral_id)
    if referral.status in CLOSED_STATUSES:
        raise ValidationError(
            _("This referral is closed (%(status)s): reopen it before assigning a worker.")
            % {"status": referral.get_status_display()}
        )
    if referral.status == ReferralStatus.NEW:
        raise ValidationError(_("Record the screening before assigning a worker."))
    return referral, Participant.objects.filter(referral=referral).first()


@transaction.atomic
def assignment_set(
    *,
    actor: User,
    primary: User,
    second: User | None = None,
    referral: Referral | None = None,
    participant: Participant | None = None,
    reason: str = "",
    committee_decision_ref: str = "",
    notify_referrer: bool = True,
    notify_workers: bool = True,
) -> list[Assignment]:
    """Assign (or re-assign) the primary worker and an optional second worker of a case: a
    candidate's referral from screening on (before the initial meeting), or an admitted
    participant. Called by the coordinator directly or from a Clinical Committee decision
    (committee_decision_ref). Refused on a referral closed as not admitted or referred
    elsewhere, and for anyone who is not an active youth worker of an active organisation.
    Newly assigned workers get a notice (a handover sends its own instead). The referrer is
    told the new primary worker's name and contact, nothing of the case."""
    require_coordinator(actor)
    referral, participant = _case(referral, participant)
    if second is not None and second.pk == primary.pk:
        raise ValidationError({"second": _("The second worker must be a different person.")})
    _check_worker(primary, "primary")
    if second is not None:
        _check_worker(second, "second")
    now = timezone.now()
    wanted = {AssignmentRole.PRIMARY: primary, AssignmentRole.SECOND: second}
    rows = referral.assignments if referral is not None else participant.assignments
    active = {a.role: a for a in rows.filter(ended_at__isnull=True)}
    # End what changes first: the same worker may move from second to primary.
    for role, assignment in active.items():
        if wanted.get(role) is None or wanted[role].pk != assignment.worker_id:
            assignment.ended_at, assignment.ended_by, assignment.end_reason = now, actor, reason
            assignment.save(update_fields=["ended_at", "ended_by", "end_reason"])
    created = []
    for role, worker in wanted.items():
        if worker is None or (role in active and active[role].worker_id == worker.pk):
            continue
        assignment = Assignment(
            referral=referral,
            participant=participant,
            worker=worker,
            role=role,
            assigned_by=actor,
            reason=reason,
            committee_decision_ref=committee_decision_ref,
            started_at=now,
        )
        assignment.full_clean()
        assignment.save()
        created.append(assignment)
    if participant is not None:
        permissions.sync_permissions([participant.pk])
    if notify_workers:
        _notify_assigned(created, participant, actor)
    new_primary = next((a for a in created if a.role == AssignmentRole.PRIMARY), None)
    if (
        notify_referrer
        and new_primary is not None
        and referral is not None
        and referral.referrer_email
    ):
        transaction.on_commit(lambda: notify_referrer_of_assignment.delay(new_primary.pk))
    return created


def assignments_end_on_closing(*, referral: Referral, actor: User) -> int:
    """A referral closed as not admitted or referred elsewhere ends its workers' assignments,
    and with them their access to the referral (called inside referral_set_status)."""
    with translation.override(settings.LANGUAGE_CODE):  # stored in the program's language
        reason = _("Referral closed: %(status)s") % {
            "status": ReferralStatus(referral.status).label
        }
    return Assignment.objects.filter(referral=referral, ended_at__isnull=True).update(
        ended_at=timezone.now(), ended_by=actor, end_reason=reason
    )
