"""Program figures on the Steering Committee's agenda: the dashboard's program level, small
counts hidden whoever reads it, never a name or a youth ID."""

import datetime
import re

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from committees import services as committee_services
from committees.models import AgendaItem, CommitteeKind, ItemKind
from referrals import services
from research.agenda import agenda_figures, agenda_period
from tests.research.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def steering_meetings(personas):
    """A Steering Committee that met on 2 April 2025 and meets again on 2 July 2025."""
    coordinator = personas["coordinator"]
    with time_machine.travel(at("2025-03-01"), tick=False):
        committee = committee_services.committee_create(
            actor=coordinator, kind=CommitteeKind.STEERING, name="Comité directeur"
        )
        for key in ("coordinator", "steering"):
            committee_services.member_add(
                committee=committee,
                actor=coordinator,
                user=personas[key],
                starts_on=datetime.date(2025, 3, 1),
            )
    meetings = []
    with time_machine.travel(at("2025-06-20"), tick=False):
        for day in ("2025-04-02", "2025-07-02"):
            (meeting,) = committee_services.meeting_schedule(
                committee=committee,
                actor=coordinator,
                day=datetime.date.fromisoformat(day),
                start_time=datetime.time(9, 30),
            )
            meetings.append(meeting)
    return meetings


def figures_of(meeting) -> dict[str, str]:
    with translation.override("en"), time_machine.travel(at("2025-06-20"), tick=False):
        return dict(agenda_figures(meeting=meeting))


def test_the_period_runs_from_the_previous_meeting_to_the_eve_of_this_one(steering_meetings):
    first, second = steering_meetings
    assert agenda_period(second) == (datetime.date(2025, 4, 2), datetime.date(2025, 7, 1))
    # A first meeting looks back three months.
    assert agenda_period(first) == (datetime.date(2025, 1, 2), datetime.date(2025, 4, 1))


def test_small_counts_are_hidden_on_the_agenda_even_for_the_coordinator(
    small_program, steering_meetings
):
    # April to June 2025: E (referred elsewhere) and F (still open) — two referrals.
    figures = figures_of(steering_meetings[1])
    assert figures["Period"] == "2 April 2025 to 1 July 2025"
    assert figures["Referrals received"] == "< 5"
    labels = list(figures)
    assert "Follow-ups at the end of the period — Active" in labels
    assert "Changes of status during the period — Reactivations" in labels
    assert "Dropout — 3 months" in labels
    for label, value in figures.items():
        if label == "Period":
            continue
        # Every count of this small program is 0, "< 5" or hidden ("x"), shares included.
        assert not re.search(r"(?<![<\d.,])\b[1-4]\b(?!\s*%)", value), (label, value)


def test_counts_of_five_or_more_are_shown(personas, organisations, faker, steering_meetings):
    for day in ("2025-04-10", "2025-04-11", "2025-05-02", "2025-05-20", "2025-06-03", "2025-06-04"):
        with time_machine.travel(at(day), tick=False):
            services.referral_create(
                submitted_by=personas["coordinator"],
                first_name=faker.first_name(),
                last_name=faker.last_name(),
                date_of_birth=datetime.date(2009, 5, 1),
                gender_identity="femme",
                reasons="Exploitation sexuelle soupçonnée.",
                referrer_name=faker.name(),
                referrer_contact="514-555-0000",
                referrer_organisation=organisations["ccsmtl"],
            )
    figures = figures_of(steering_meetings[1])
    assert figures["Referrals received"] == "6"
    (still_open,) = [v for k, v in figures.items() if k.startswith("Referrals of the period")
                     and "open" in k.lower()]  # fmt: skip
    assert still_open.startswith("6 (")


def test_the_steering_agenda_shows_the_figures_without_names(
    small_program, steering_meetings, login, personas
):
    meeting = steering_meetings[1]
    with time_machine.travel(at("2025-06-20"), tick=False):
        committee_services.agenda_refresh(meeting=meeting)
        assert AgendaItem.objects.filter(meeting=meeting, kind=ItemKind.FIGURES).exists()
        client = login(personas["steering"])
        html = client.get(reverse("committees:meeting_detail", args=[meeting.public_id])).content
        printed = client.get(
            reverse("committees:print", args=[meeting.public_id, "agenda"])
        ).content
    for page in (html.decode(), printed.decode()):
        assert "Références reçues" in page
        assert "Program figures will appear" not in page
        assert "apparaîtront ici" not in page
        for participant in (small_program["a"], small_program["b"], small_program["c"]):
            assert participant.youth_id not in page
            assert participant.referral.last_name not in page


def sql(queries) -> list[str]:
    return [
        q["sql"][:100]
        for q in queries
        if "spheres_cache" not in q["sql"] and "SAVEPOINT" not in q["sql"]
    ]


@pytest.mark.parametrize("extra", [0, 8])
def test_the_steering_agenda_costs_a_fixed_number_of_queries(
    extra, small_program, steering_meetings, login, personas, faker, organisations
):
    for n in range(extra):
        services.referral_create(
            submitted_by=personas["coordinator"],
            first_name=faker.first_name(),
            last_name=faker.last_name(),
            date_of_birth=datetime.date(2009, 5, 1),
            reasons="Exploitation sexuelle soupçonnée.",
            referrer_name=faker.name(),
            referrer_contact="514-555-0000",
            referrer_organisation=organisations["codim" if n % 2 else "ccsmtl"],
        )
    meeting = steering_meetings[1]
    client = login(personas["steering"])
    url = reverse("committees:meeting_detail", args=[meeting.public_id])
    cache.clear()
    with CaptureQueriesContext(connection) as uncached:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as cached:
        assert client.get(url).status_code == 200
    # The agenda page's budget (under 20) holds even when the figures are not cached yet.
    # Queries of the embedded default's database cache are left out (production caches in
    # Redis), as are savepoints, which are bookkeeping.
    assert len(sql(uncached)) < 20, sql(uncached)
    assert len(sql(cached)) < len(sql(uncached))
