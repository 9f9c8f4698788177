"""Committee tasks run end to end by a real Celery worker on the configured broker (kombu's
filesystem transport by default, Redis in CI): the scheduled agenda refresh, and the invitation
e-mailed with its calendar file."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.db import transaction

from committees import services
from committees.models import AgendaItem, ItemKind
from followups import services as followup_services
from followups.models import FollowUpStatus, InactiveReason
from spheres.celery import app


def invitations():
    # The assignment also told the referrer who the worker is: that message is not ours here.
    return [m for m in mail.outbox if m.to != ["referent@example.org"]]


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.2)
    return condition()


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_refreshes_agendas_and_sends_the_invitation(
    personas, clinical, schedule, make_participant
):
    meeting = schedule(clinical)[0]
    participant = make_participant()
    followup_services.followup_set_status(
        participant=participant,
        actor=personas["coordinator"],
        to_status=FollowUpStatus.INACTIVE,
        reason=InactiveReason.WITHDRAWAL,
    )
    mail.outbox.clear()
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-committee-agendas"]
    with start_worker(app, perform_ping_check=False, shutdown_timeout=20):
        app.send_task(entry["task"])  # what beat sends, by its scheduled name
        assert wait_for(
            lambda: AgendaItem.objects.filter(
                meeting=meeting, kind=ItemKind.FOLLOWUP_INACTIVE
            ).exists()
        )
        with transaction.atomic():
            invited = services.invitations_send(meeting=meeting, actor=personas["coordinator"])
        assert wait_for(lambda: len(invitations()) == invited)
    assert sorted(m.to[0] for m in invitations()) == sorted(
        m.user.email for m in clinical.members.select_related("user")
    )
    message = invitations()[0]
    assert message.attachments[0][2] == "text/calendar"
    assert participant.youth_id not in message.body
    assert participant.referral.last_name not in message.body
