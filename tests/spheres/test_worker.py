"""A real Celery worker (filesystem broker by default, Redis in CI) runs the core's tasks."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from spheres import services
from spheres.celery import app
from spheres.models import Role


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_invitation_after_commit(personas, organisations):
    with start_worker(app, perform_ping_check=False, shutdown_timeout=20):
        user = services.user_invite(
            actor=personas["coordinator"],
            email="invitee@example.org",
            first_name="Alex",
            last_name="Gagnon",
            organisation=organisations["codim"],
            roles=[Role.YOUTH_WORKER],
        )
        assert wait_for(lambda: len(mail.outbox) == 1), "the worker never sent the invitation"
    [message] = mail.outbox
    assert message.to == [user.email]
    assert "/accounts/password/reset/key/" in message.body
    assert "Alex" not in message.body and "Gagnon" not in message.body
