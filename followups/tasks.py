"""Periodic follow-up jobs. Arguments are ids and counts only; e-mails carry no personal detail
(the names are in the app)."""

import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from followups import services
from followups.rules import monday_of
from spheres.models import User
from spheres.tasks import send_to_user


@shared_task(acks_late=True)
def flag_unreachable_followups() -> int:
    return len(services.followups_mark_unreachable())


@shared_task(acks_late=True)
def send_missing_notes_reminders() -> int:
    """Mondays: one notice and one message per worker with how many of their active follow-ups
    have no note for last week."""
    last_week = monday_of(timezone.localdate()) - datetime.timedelta(days=7)
    counts = services.missing_notes_remind(week=last_week)
    for user in User.objects.filter(pk__in=counts):
        send_to_user(
            user,
            "followups/email/missing_notes",
            {
                "count": counts[user.pk],
                "week": last_week,
                "url": f"{settings.SPHERES_BASE_URL}/caseload/",
            },
        )
    return len(counts)
