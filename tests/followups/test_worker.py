"""The scheduled inactivity job, run end to end by a real Celery worker on the configured broker
(kombu's filesystem transport by default, Redis in CI)."""

import datetime
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.utils import timezone

from followups import services
from followups.models import FollowUp
from spheres.celery import app


def notices():
    # The assignment also told the referrer who the worker is: that message is not ours here.
    return [m for m in mail.outbox if m.to != ["referent@example.org"]]


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_scheduled_inactivity_job(make_participant, personas):
    participant = make_participant()
    FollowUp.objects.filter(participant=participant).update(
        period_started_at=timezone.now() - datetime.timedelta(days=30)
    )
    for minutes in (30, 10):
        services.contact_attempt_record(
            participant=participant,
            actor=personas["worker_ccsmtl"],
            at=timezone.now() - datetime.timedelta(minutes=minutes),
            channel="phone",
            outcome="no_answer",
        )
    entry = settings.CELERY_BEAT_SCHEDULE["flag-unreachable-followups"]
    with start_worker(app, perform_ping_check=False, shutdown_timeout=20):
        app.send_task(entry["task"])  # what beat sends, by its scheduled name
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if (
                FollowUp.objects.get(participant=participant).status == "inactive"
                and len(notices()) == 3
            ):
                break
            time.sleep(0.2)
    followup = FollowUp.objects.get(participant=participant)
    assert (followup.status, followup.inactive_reason) == ("inactive", "unreachable")
    assert sorted(m.to[0] for m in notices()) == sorted(
        p.email
        for p in (personas["coordinator"], personas["worker_ccsmtl"], personas["worker_codim"])
    )
