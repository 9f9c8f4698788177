"""A participant found to recruit others after admission (or imported from a workbook that says
nothing of it) is marked by the coordinator, on the Clinical Committee's assessment: never placed
in activities with other participants. The mark shows on the file, the list and the caseload;
it is lifted only by the coordinator; every change is in the audit log."""

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from referrals import services
from referrals.models import Participant

pytestmark = pytest.mark.django_db

MARKED = "Aucune activité avec d’autres participant·es"


def mark_url(participant):
    return reverse("referrals:group_activities", args=[participant.public_id])


def test_the_coordinator_marks_then_lifts_the_mark_from_the_file(make_participant, personas, login):
    participant = make_participant()
    assert not participant.no_group_activities
    client = login(personas["coordinator"])
    detail = reverse("referrals:participant_detail", args=[participant.public_id])
    assert mark_url(participant) in client.get(detail).content.decode()

    response = client.post(mark_url(participant), {"marked": "1"}, follow=True)
    participant.refresh_from_db()
    assert participant.no_group_activities
    page = response.content.decode()
    assert f"{participant.youth_id} est marqué·e" in page
    assert MARKED in page  # the badge
    listed = client.get(reverse("referrals:participant_list"), {"marker": "1"})
    assert [p.pk for p in listed.context["participants"]] == [participant.pk]
    worker = Client()
    worker.force_login(personas["worker_ccsmtl"])
    assert MARKED in worker.get(reverse("followups:caseload")).content.decode()

    client.post(mark_url(participant), {"marked": "0"})
    participant.refresh_from_db()
    assert not participant.no_group_activities
    changes = [
        (entry.actor, entry.changes_dict["no_group_activities"])
        for entry in LogEntry.objects.get_for_object(participant).order_by("timestamp")
        if entry.action == LogEntry.Action.UPDATE and "no_group_activities" in entry.changes_dict
    ]
    coordinator = personas["coordinator"]
    assert changes == [(coordinator, ["False", "True"]), (coordinator, ["True", "False"])]


def test_marking_twice_is_refused_with_a_message(make_participant, personas, login):
    participant = make_participant()
    client = login(personas["coordinator"])
    client.post(mark_url(participant), {"marked": "1"})
    response = client.post(mark_url(participant), {"marked": "1"}, follow=True)
    assert "Cette personne participante est déjà marquée." in response.content.decode()
    with pytest.raises(ValidationError):
        services.participant_group_activities_set(
            participant=participant, actor=personas["coordinator"], marked=True
        )


def test_only_the_coordinator_marks_or_lifts(make_participant, personas, login):
    participant = make_participant()
    worker = personas["worker_ccsmtl"]  # assigned: may change the file, not this
    with pytest.raises(PermissionDenied):
        services.participant_group_activities_set(
            participant=participant, actor=worker, marked=True
        )
    client = login(worker)
    detail = reverse("referrals:participant_detail", args=[participant.public_id])
    assert mark_url(participant) not in client.get(detail).content.decode()
    assert client.post(mark_url(participant), {"marked": "1"}).status_code in (403, 404)
    assert client.get(mark_url(participant)).status_code == 404
    assert not Participant.objects.get(pk=participant.pk).no_group_activities
