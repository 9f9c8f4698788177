"""A refused referral page records which referral was probed, as participant refusals do."""

import uuid

import pytest
from django.urls import reverse

from spheres.models import ReadLogEntry

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "view",
    ["referrals:referral_detail", "referrals:referral_screening", "referrals:referral_admit"],
)
def test_a_refused_referral_page_logs_the_referral_probed(make_referral, personas, login, view):
    referral = make_referral()
    worker = personas["worker_codim"]
    response = login(worker).get(reverse(view, args=[referral.public_id]))
    assert response.status_code == 404
    entry = ReadLogEntry.objects.get(user=worker)
    assert (entry.action, entry.object_type, entry.object_id, entry.view_name) == (
        ReadLogEntry.Action.DENIED,
        "referral",
        referral.pk,
        view.split(":")[1],
    )


def test_a_guessed_referral_that_does_not_exist_is_logged_without_an_id(personas, login):
    worker = personas["worker_codim"]
    response = login(worker).get(reverse("referrals:referral_detail", args=[uuid.uuid4()]))
    assert response.status_code == 404
    entry = ReadLogEntry.objects.get(user=worker)
    assert (entry.action, entry.object_id) == (ReadLogEntry.Action.DENIED, None)


def test_the_coordinators_view_is_logged_with_the_id(make_referral, personas, login):
    referral = make_referral()
    coordinator = personas["coordinator"]
    url = reverse("referrals:referral_detail", args=[referral.public_id])
    assert login(coordinator).get(url).status_code == 200
    entry = ReadLogEntry.objects.get(user=coordinator, object_type="referral")
    assert (entry.action, entry.object_id) == (ReadLogEntry.Action.VIEW, referral.pk)
