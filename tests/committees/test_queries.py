"""The agenda page and its documents cost a fixed number of SQL queries whatever the size of the
agenda (many follow-ups made inactive by the job, case presentations by rotation)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from committees.models import AgendaItem, ItemKind
from followups.models import AttemptOutcome, Channel, ContactAttempt, FollowUp
from followups.services import followups_mark_unreachable

pytestmark = pytest.mark.django_db

BUDGET = 20


def inactive_agenda(n, bulk_participants, personas, schedule, clinical):
    """n participants made inactive by the job, then next week's agenda prepared."""
    participants = bulk_participants(n)
    ids = [p.pk for p in participants]
    FollowUp.objects.filter(participant_id__in=ids).update(
        period_started_at=timezone.now() - datetime.timedelta(days=2)
    )
    now = timezone.now()
    ContactAttempt.objects.bulk_create(
        [
            ContactAttempt(
                participant_id=pid,
                at=now - datetime.timedelta(hours=hours),
                channel=Channel.PHONE,
                outcome=AttemptOutcome.NO_ANSWER,
                recorded_by=personas["worker_ccsmtl"],
            )
            for pid in ids
            for hours in (5, 3)
        ]
    )
    assert len(followups_mark_unreachable(threshold=2)) == n
    meeting = schedule(clinical)[0]
    assert AgendaItem.objects.filter(meeting=meeting, kind=ItemKind.FOLLOWUP_INACTIVE).count() == n
    return meeting


@pytest.mark.parametrize("n", [3, 40])
@pytest.mark.parametrize("who", ["coordinator", "worker_ccsmtl", "police"])
def test_the_agenda_page_stays_within_its_query_budget(
    n, who, login, personas, clinical, bulk_participants, schedule
):
    meeting = inactive_agenda(n, bulk_participants, personas, schedule, clinical)
    client = login(personas[who])
    url = reverse("committees:meeting_detail", args=[meeting.public_id])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(queries) < BUDGET, [q["sql"][:120] for q in queries]
    html = response.content.decode()
    youth_ids = [
        p
        for p in AgendaItem.objects.filter(meeting=meeting).values_list(
            "participant__youth_id", flat=True
        )
        if p
    ]
    assert all(y in html for y in youth_ids)


@pytest.mark.parametrize("n", [3, 40])
def test_the_printed_minutes_stay_within_the_query_budget(
    n, login, personas, clinical, bulk_participants, schedule
):
    meeting = inactive_agenda(n, bulk_participants, personas, schedule, clinical)
    client = login(personas["coordinator"])
    for name in ("committees:print", "committees:pdf"):
        url = reverse(name, args=[meeting.public_id, "minutes"])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert len(queries) < BUDGET, name
