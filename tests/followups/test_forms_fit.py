"""Forms that fit the working day (issue 10, item 9): no pre-selected blank radio, the screening's
rule as a sentence beside its field, the meeting date pre-filled, a note with meetings and a
"no meeting" reason refused, a long week confirmed, decimal hours understood."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from followups.models import WeeklyNote
from followups.rules import parse_duration
from referrals.models import Screening
from tests.followups.test_views import admitted_weeks_ago, note_post, note_url

pytestmark = pytest.mark.django_db
FR = {"HTTP_ACCEPT_LANGUAGE": "fr-ca"}


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [("1,5 h", 90), ("1.5 h", 90), ("1,5h", 90), ("1.5", 90), ("2,25 heures", 135), ("1h30", 90)],
)
def test_decimal_hours_are_understood(typed, minutes):
    assert parse_duration(typed) == minutes


@pytest.mark.parametrize("view", ["referral_screening", "referral_risk", "referral_meeting"])
def test_no_radio_button_is_blank_or_ticked_in_advance(make_referral, personas, login, view):
    referral = make_referral()
    html = (
        login(personas["coordinator"])
        .get(reverse(f"referrals:{view}", args=[referral.public_id]))
        .content.decode()
    )
    radios = re.findall(r'<input type="radio"[^>]*>', html)
    assert radios
    assert not [r for r in radios if 'value=""' in r]
    assert not [r for r in radios if " checked" in r]
    assert "---------" not in html


def test_the_screening_rule_is_a_sentence_beside_its_field(make_referral, personas, login):
    referral = make_referral()
    response = login(personas["coordinator"]).post(
        reverse("referrals:referral_screening", args=[referral.public_id]),
        {
            "screened_on": timezone.localdate().isoformat(),
            "lives_in_area": "on",
            "recognises_harms": "on",
            "stage_of_change": "precontemplation",
            "precontemplation_exception_reason": "",
        },
        **FR,
    )
    assert response.status_code == 200
    form = response.context["form"]
    with translation.override("fr-ca"):
        expected = gettext(
            "Precontemplation can only be accepted as an exception: write the reason."
        )
    assert expected.startswith("La précontemplation")
    assert form.errors["precontemplation_exception_reason"] == [expected]
    assert not form.non_field_errors()
    html = response.content.decode()
    assert "contrainte" not in html.lower()
    assert not Screening.objects.exists()


def test_the_initial_meeting_date_is_pre_filled(make_referral, screen, personas, login):
    referral = make_referral()
    screen(referral)
    html = (
        login(personas["coordinator"])
        .get(reverse("referrals:referral_meeting", args=[referral.public_id]))
        .content.decode()
    )
    assert re.search(rf'name="met_on" value="{timezone.localdate().isoformat()}"', html)


@pytest.fixture
def case(make_participant):
    return admitted_weeks_ago(make_participant(), 8)


def test_a_note_with_meetings_and_a_no_meeting_reason_is_refused(case, personas, login):
    response = login(personas["worker_ccsmtl"]).post(
        note_url(case),
        note_post(meetings="1", meetings_duration="1h", no_contact_reason="no_news"),
        **FR,
    )
    assert response.status_code == 200
    assert response.context["form"].errors["no_contact_reason"]
    assert not WeeklyNote.objects.exists()


def test_a_week_over_twenty_hours_asks_for_confirmation(case, personas, login):
    client = login(personas["worker_ccsmtl"])
    data = note_post(meetings="3", meetings_duration="21h")
    response = client.post(note_url(case), data, **FR)
    assert response.status_code == 200
    assert response.context["form"].errors["meetings_duration"]
    html = response.content.decode()
    assert re.search(r'<input type="checkbox" name="confirm_long_duration"', html)
    assert not WeeklyNote.objects.exists()

    response = client.post(note_url(case), {**data, "confirm_long_duration": "on"})
    assert response.status_code == 302
    assert WeeklyNote.objects.get().meetings_minutes == 21 * 60
    # Under the limit nothing is asked.
    week = (timezone.localdate() - datetime.timedelta(days=14)).isoformat()
    response = client.post(
        note_url(case), note_post(week=week, meetings="2", meetings_duration="1,5 h")
    )
    assert response.status_code == 302
    assert WeeklyNote.objects.filter(meetings_minutes=90).count() == 1
