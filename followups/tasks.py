"""Periodic follow-up jobs. Arguments are ids and counts only; e-mails carry no personal detail
(the names are in the app)."""

import datetime

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from followups import services
from followups.models import Notification
from spheres.models import User


@shared_task(acks_late=True)
def flag_unreachable_followups() -> int:
    return len(services.followups_mark_unreachable())


def _send(user: User, template: str, context: dict) -> None:
    parts = []
    for language in ("fr-ca", "en"):
        with translation.override(language):
            parts.append(render_to_string(f"followups/email/{template}.txt", context))
    with translation.override("fr-ca"):
        subject = render_to_string(f"followups/email/{template}_subject.txt", context).strip()
    send_mail(subject, "\n---\n\n".join(parts), None, [user.email])


@shared_task(acks_late=True)
def email_inactive_notice(user_id: int, count: int) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        _send(user, "inactive", {"count": count, "url": f"{settings.SPHERES_BASE_URL}/"})


@shared_task(acks_late=True)
def send_missing_notes_reminders() -> int:
    """Mondays: one message per worker with how many of their active follow-ups have no note
    for last week."""
    last_week = services.monday_of(timezone.localdate()) - datetime.timedelta(days=7)
    counts = services.missing_notes_counts(last_week)
    users = {u.pk: u for u in User.objects.filter(pk__in=counts, is_active=True)}
    with transaction.atomic():
        Notification.objects.bulk_create(
            [
                Notification(recipient_id=uid, kind=Notification.Kind.MISSING_NOTES, count=n)
                for uid, n in counts.items()
                if uid in users
            ]
        )
    for uid, n in counts.items():
        if uid in users:
            _send(
                users[uid],
                "missing_notes",
                {"count": n, "week": last_week, "url": f"{settings.SPHERES_BASE_URL}/caseload/"},
            )
    return len(users)
