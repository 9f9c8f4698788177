"""Account e-mails (password reset) are rendered and sent by the worker after commit, never
inside the request: a known address answers as fast as an unknown one."""

import re
from urllib.parse import urlparse

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.urls import reverse

from spheres import tasks
from spheres.celery import app
from tests.spheres.test_worker import wait_for

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/accounts/password/reset/key/\S+")


def test_the_reset_request_sends_nothing_itself_and_queues_ids_and_the_link(
    client, personas, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(tasks.send_account_email, "delay", lambda *args: queued.append(args))
    worker = personas["worker_codim"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("account_reset_password"), {"email": worker.email})
    assert response.status_code == 302
    assert mail.outbox == []  # nothing rendered or sent while the person waits
    for callback in callbacks:
        callback()
    [(template, address_id, context, language)] = queued
    assert template == "account/email/password_reset_key"
    assert isinstance(address_id, int)
    assert context["user"] == {"model": "spheres.User", "pk": worker.pk}
    assert set(context) == {"user", "password_reset_url"}  # no raw key, no request, no name
    for secret in (worker.first_name, worker.last_name, worker.email):
        assert secret not in str(context)

    tasks.send_account_email(template, address_id, context, language)  # what the worker runs
    [message] = mail.outbox
    assert message.to == [worker.email]
    link = LINK.search(message.body).group()
    assert link == context["password_reset_url"]
    assert message.subject.startswith("[Sphères]")
    assert client.get(urlparse(link).path).status_code in (200, 302)  # the link works


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_reset_link(client, personas):
    worker = personas["worker_codim"]
    with start_worker(app, perform_ping_check=False, shutdown_timeout=20):
        response = client.post(reverse("account_reset_password"), {"email": worker.email})
        assert response.status_code == 302
        assert wait_for(lambda: len(mail.outbox) == 1), "the worker never sent the reset e-mail"
    [message] = mail.outbox
    assert message.to == [worker.email]
    assert LINK.search(message.body)
