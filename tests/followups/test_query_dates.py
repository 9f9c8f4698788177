"""A bad date in the address gives a message, never an error page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from followups.rules import monday_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("week", ["2026-02-30", "2026-13-01", "2026-00-10", "lundi", "2026-1-1x"])
def test_a_bad_week_in_the_address_shows_this_week_with_a_message(
    login, personas, make_participant, week
):
    participant = make_participant()
    url = reverse("followups:note_edit", args=[participant.public_id])
    response = login(personas["worker_ccsmtl"]).get(url, {"week": week}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    this_week = monday_of(timezone.localdate())
    assert response.context["week"] == this_week
    [message] = [str(m) for m in response.context["messages"]]
    assert message == (
        "The date in the address is not a valid date (YYYY-MM-DD): "
        f"{this_week.isoformat()} is shown."
    )


def test_a_good_week_in_the_address_opens_that_week(login, personas, make_participant):
    participant = make_participant()
    url = reverse("followups:note_edit", args=[participant.public_id])
    this_week = monday_of(timezone.localdate())
    response = login(personas["worker_ccsmtl"]).get(url, {"week": this_week.isoformat()})
    assert response.status_code == 200
    assert response.context["week"] == this_week
    assert not list(response.context["messages"])
