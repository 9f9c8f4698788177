"""The set-based inactivity rule and the Monday reminder (DOMAIN.md: Follow-ups)."""

import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from followups.models import FollowUp, FollowUpStatus, FollowUpStatusChange, InactiveReason
from followups.selectors import (
    missing_notes_counts,
    missing_notes_reminded,
    unreachable_candidates,
)
from referrals.models import Assignment
from spheres.models import Notification, Role, User
from spheres.selectors import people_with_role
from spheres.services import notifications_send


@transaction.atomic
def followups_mark_unreachable(*, threshold: int | None = None) -> list[int]:
    """DOMAIN.md: after the first failed contact the worker tries at most two more times; if the
    person still cannot be reached, the follow-up becomes inactive. What counts is defined once,
    in followups.failedcount (kept per follow-up by triggers): a reached attempt or a week whose
    note records face-to-face meetings is a contact (the count starts afresh), a no-show is not a
    failed attempt by itself. Set-based and idempotent:
    a fixed number of queries whatever the number of follow-ups; rows locked by a concurrent run
    are skipped (it is handling them), and a second run finds nothing left to do. Follow-ups on an
    agreed break are never touched (only active ones are candidates)."""
    threshold = threshold or settings.SPHERES_INACTIVITY_FAILED_ATTEMPTS
    # The kept count is read on the locked row itself (PostgreSQL checks the condition again
    # after the lock): a contact saved meanwhile is seen, no first read is needed.
    locked = list(
        unreachable_candidates(threshold)
        .select_for_update(skip_locked=True)
        .values_list("pk", "participant_id")
    )
    if not locked:
        return []
    now = timezone.now()
    followup_ids = [pk for pk, _pid in locked]
    participant_ids = [pid for _pk, pid in locked]
    FollowUp.objects.filter(pk__in=followup_ids, status=FollowUpStatus.ACTIVE).update(
        status=FollowUpStatus.INACTIVE, status_since=now, inactive_reason=InactiveReason.UNREACHABLE
    )
    FollowUpStatusChange.objects.bulk_create(
        [
            FollowUpStatusChange(
                followup_id=pk,
                from_status=FollowUpStatus.ACTIVE,
                to_status=FollowUpStatus.INACTIVE,
                reason=InactiveReason.UNREACHABLE,
                changed_at=now,
            )
            for pk in followup_ids
        ]
    )
    # The Clinical Committee's agenda pulls these changes (selectors.followups_made_inactive):
    # nothing is written for it here.
    recipients = set(
        Assignment.objects.filter(
            participant_id__in=participant_ids, ended_at__isnull=True
        ).values_list("worker_id", "participant_id")
    )
    coordinators = list(people_with_role(Role.COORDINATOR).values_list("pk", flat=True))
    recipients |= {(uid, pid) for pid in participant_ids for uid in coordinators}
    notifications_send(
        kind=Notification.Kind.INACTIVE,
        items=[(uid, pid, 0) for uid, pid in recipients],
        email_template="followups/email/inactive",
        email_context={"url": f"{settings.SPHERES_BASE_URL}/"},
    )
    return followup_ids


@transaction.atomic
def missing_notes_remind(*, week: datetime.date) -> dict[int, int]:
    """Monday: each youth worker with active follow-ups lacking the note of `week` gets a notice
    with how many, and an e-mail after commit (the count and a link, never a name). Only active
    follow-ups count: one on a break, completed, or ended by the withdrawal of the program
    consent gets no reminder. Once per worker and week: a second run (the task delivered again,
    or run by hand) reminds nobody twice; concurrent runs wait on the workers' rows. Returns
    {worker id: count} of the workers reminded by this run."""
    counts = missing_notes_counts(week)
    active = set(
        User.objects.select_for_update()
        .filter(pk__in=counts, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    active -= missing_notes_reminded(week, active)
    counts = {uid: n for uid, n in counts.items() if uid in active}
    notifications_send(
        kind=Notification.Kind.MISSING_NOTES,
        items=[(uid, None, n) for uid, n in counts.items()],
        email_template="followups/email/missing_notes",
        email_context={
            "week": week.isoformat(),
            "url": settings.SPHERES_BASE_URL + reverse("followups:caseload"),
        },
    )
    return counts
