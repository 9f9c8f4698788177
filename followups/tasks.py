"""Periodic follow-up jobs. Arguments are ids and counts only; e-mails carry no personal detail
(the names are in the app)."""

import datetime

from celery import shared_task
from django.utils import timezone

from followups import services
from followups.rules import monday_of


@shared_task(acks_late=True)
def flag_unreachable_followups() -> int:
    return len(services.followups_mark_unreachable())


@shared_task(acks_late=True)
def send_missing_notes_reminders() -> int:
    """Mondays: one notice and one message per worker with how many of their active follow-ups
    have no note for last week (Monday to Sunday, Montréal time); once per worker and week."""
    last_week = monday_of(timezone.localdate()) - datetime.timedelta(days=7)
    return len(services.missing_notes_remind(week=last_week))
