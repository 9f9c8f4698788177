"""Assignment of a primary and a second youth worker (DOMAIN.md: pairs from two organisations)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from referrals import permissions
from referrals.access import require_coordinator
from referrals.models import Assignment, AssignmentRole, Participant
from referrals.tasks import notify_referrer_of_assignment
from spheres.models import Notification, Role, User
from spheres.selectors import roles_of
from spheres.services import notifications_send


def _check_worker(worker: User) -> None:
    if not worker.is_active or Role.YOUTH_WORKER not in roles_of(worker, fresh=True):
        raise ValidationError(
            {
                "worker": _("%(name)s is not an active youth worker of an active organisation.")
                % {"name": worker.get_full_name()}
            }
        )


def _notify_assigned(created: list[Assignment], participant: Participant, actor: User) -> None:
    notifications_send(
        kind=Notification.Kind.ASSIGNED,
        items=[(a.worker_id, participant.pk, 0) for a in created if a.worker_id != actor.pk],
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
    notify_workers: bool = True,
) -> list[Assignment]:
    """Assign (or re-assign) the primary worker and an optional second worker. Called by the
    coordinator directly or from a Clinical Committee decision (committee_decision_ref). Newly
    assigned workers get a notice (a handover sends its own instead)."""
    require_coordinator(actor)
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
    if notify_workers:
        _notify_assigned(created, participant, actor)
    if (
        notify_referrer
        and any(a.role == AssignmentRole.PRIMARY for a in created)
        and participant.referral.referrer_email
    ):
        primary_id = next(a.pk for a in created if a.role == AssignmentRole.PRIMARY)
        transaction.on_commit(lambda: notify_referrer_of_assignment.delay(primary_id))
    return created
