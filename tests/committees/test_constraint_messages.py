"""A refusal by a database constraint reaches the person as a sentence in their language, not as
"Constraint … is violated" (the forms validate the model, constraints included)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from committees.models import Committee, CommitteeMember
from referrals.models import YouthProtectionReport

pytestmark = pytest.mark.django_db


def refused(response, sentence: str) -> None:
    html = response.content.decode()
    assert response.status_code == 200
    assert sentence in html
    assert "contrainte" not in html.lower() and "constraint" not in html.lower()


def test_a_committee_of_zero_minutes_is_refused_with_a_sentence(login, personas):
    client = login(personas["coordinator"])
    response = client.post(
        reverse("committees:committee_create"),
        {"kind": "extended", "name": "Comité élargi", "presentations_per_worker": 1,
         "default_duration_minutes": 0},
    )  # fmt: skip
    refused(response, "Une rencontre dure au moins une minute.")
    assert not Committee.objects.exists()


def test_a_seat_ending_before_it_starts_is_refused_with_a_sentence(login, personas):
    client = login(personas["coordinator"])
    client.post(
        reverse("committees:committee_create"),
        {"kind": "extended", "name": "Comité élargi", "presentations_per_worker": 1},
    )
    committee = Committee.objects.get()
    today = timezone.localdate()
    response = client.post(
        reverse("committees:member_add", args=[committee.pk]),
        {"user": personas["worker_codim"].pk, "role": "titular", "starts_on": today.isoformat(),
         "ends_on": (today - datetime.timedelta(days=3)).isoformat()},
    )  # fmt: skip
    refused(response, "Un siège ne peut pas se terminer avant de commencer.")
    assert not CommitteeMember.objects.filter(user=personas["worker_codim"]).exists()


def test_a_report_to_youth_protection_without_its_date_is_refused_with_a_sentence(
    make_participant, personas, login
):
    participant = make_participant()
    response = login(personas["coordinator"]).post(
        reverse("referrals:youth_protection", args=[participant.public_id]),
        {"considered_on": timezone.localdate().isoformat(), "reported": "on"},
    )
    refused(response, "Indiquez la date du signalement.")
    assert not YouthProtectionReport.objects.exists()
