"""Reading notifications is safe; marking them read is a POST of the person's own."""

import pytest
from django.urls import reverse

from spheres import services
from spheres.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def notices(personas):
    worker, other = personas["worker_ccsmtl"], personas["worker_codim"]
    Notification.objects.bulk_create(
        [
            Notification(recipient=worker, kind=Notification.Kind.MISSING_NOTES, count=2),
            Notification(recipient=other, kind=Notification.Kind.MISSING_NOTES, count=1),
        ]
    )
    return worker, other


def unread(user):
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def test_opening_the_notifications_page_marks_nothing_read(login, notices):
    worker, _other = notices
    client = login(worker)
    for _ in range(2):  # e.g. a link on another site, followed twice
        response = client.get(reverse("followups:notifications"))
        assert response.status_code == 200
    assert unread(worker) == 1
    assert reverse("followups:notifications_mark_read") in response.content.decode()


def test_marking_read_takes_a_post_and_touches_only_ones_own(login, notices):
    worker, other = notices
    client = login(worker)
    assert client.get(reverse("followups:notifications_mark_read")).status_code == 405
    assert unread(worker) == 1
    response = client.post(reverse("followups:notifications_mark_read"))
    assert response.status_code == 302
    assert (unread(worker), unread(other)) == (0, 1)


def test_the_service_counts_what_it_marked(notices):
    worker, _other = notices
    assert services.notifications_mark_read(user=worker) == 1
    assert services.notifications_mark_read(user=worker) == 0
