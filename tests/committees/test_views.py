"""Committee pages from the browser's side: creating a committee, seating members (an Extended
member without an account), scheduling, editing the agenda; others get 404."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from committees.models import AgendaItem, Committee, ItemKind, Meeting

pytestmark = pytest.mark.django_db


def test_the_coordinator_creates_a_committee_seats_members_and_schedules(login, personas):
    client = login(personas["coordinator"])
    response = client.post(
        reverse("committees:committee_create"),
        {"kind": "extended", "name": "Comité élargi", "presentations_per_worker": 1},
    )
    committee = Committee.objects.get()
    assert response.status_code == 302 and committee.default_duration_minutes == 90
    add = reverse("committees:member_add", args=[committee.pk])
    today = timezone.localdate().isoformat()
    assert (
        client.post(
            add, {"user": personas["worker_codim"].pk, "role": "titular", "starts_on": today}
        ).status_code
        == 302
    )
    response = client.post(
        add,
        {
            "external_name": "Intervenante de Laval",
            "external_organisation": "Organisme régional",
            "external_email": "laval@example.org",
            "role": "titular",
            "starts_on": today,
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("committees:committee_detail", args=[committee.pk])).content.decode()
    assert "Intervenante de Laval" in page and "sans compte" in page
    response = client.post(
        reverse("committees:meeting_create", args=[committee.pk]),
        {
            "day": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
            "start_time": "10:00",
            "frequency": "once",
            "count": "1",
        },
    )
    meeting = Meeting.objects.get()
    assert response["Location"] == reverse("committees:meeting_detail", args=[meeting.public_id])
    assert AgendaItem.objects.filter(meeting=meeting, kind=ItemKind.FIGURES).exists()


def test_only_the_coordinator_creates_committees(login, personas):
    client = login(personas["worker_ccsmtl"])
    assert client.get(reverse("committees:committee_create")).status_code == 404
    assert client.get(reverse("committees:committee_list")).status_code == 200


def test_the_coordinator_edits_the_agenda_from_the_meeting_screen(
    login, personas, clinical, meeting, make_participant
):
    client = login(personas["coordinator"])
    participant = make_participant()
    add = reverse("committees:item_add", args=[meeting.public_id])
    client.post(add, {"title": "Bilan de la formation"})
    client.post(add, {"title": "Calendrier des vacances"})
    client.post(add, {"youth_id": participant.youth_id})
    first, second = AgendaItem.objects.filter(meeting=meeting, kind=ItemKind.OTHER)
    case = AgendaItem.objects.get(meeting=meeting, participant=participant)
    assert case.kind == ItemKind.PRESENTATION and case.presenter == personas["worker_ccsmtl"]

    def action(item, name):
        url = reverse("committees:item_action", args=[meeting.public_id, item.pk, name])
        return client.post(url)

    assert action(second, "up").status_code == 302
    titles = list(
        AgendaItem.objects.filter(meeting=meeting, kind=ItemKind.OTHER).values_list(
            "title", flat=True
        )
    )
    assert titles == ["Calendrier des vacances", "Bilan de la formation"]
    action(first, "remove")
    page = client.get(reverse("committees:meeting_detail", args=[meeting.public_id]))
    assert (
        "Bilan de la formation"
        not in page.content.decode().split('id="agenda"')[1].split("<details")[0]
    )
    note = reverse("committees:item_note", args=[meeting.public_id, case.pk])
    assert client.post(note, {"note": "Présenter en premier.", "version": 1}).status_code == 302
    assert AgendaItem.objects.get(pk=case.pk).note == "Présenter en premier."
    assert client.post(add, {"youth_id": "#1999-99"}).status_code == 200  # unknown: refused


def test_the_meeting_buttons_refresh_invite_and_close(
    login, personas, clinical, meeting, make_participant, django_capture_on_commit_callbacks
):
    from followups import services as followup_services

    client = login(personas["coordinator"])
    participant = make_participant()
    followup_services.followup_set_status(
        participant=participant,
        actor=personas["coordinator"],
        to_status="inactive",
        reason="withdrawal",
    )
    response = client.post(reverse("committees:refresh", args=[meeting.public_id]))
    assert response.status_code == 302
    assert AgendaItem.objects.filter(
        meeting=meeting, kind=ItemKind.FOLLOWUP_INACTIVE, participant=participant
    ).exists()
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("committees:invite", args=[meeting.public_id]))
    assert response.status_code == 302
    assert len(queued) == clinical.members.count()
    response = client.post(reverse("committees:close", args=[meeting.public_id]))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.is_closed
    # Closed: the refresh is refused, on the meeting screen.
    response = client.post(reverse("committees:refresh", args=[meeting.public_id]))
    assert response.status_code == 200
    assert "Rien n’a été modifié" in response.content.decode()


def test_action_items_reopening_and_the_end_of_a_seat_from_the_pages(
    login, personas, clinical, meeting
):
    from committees.models import ActionItem, MeetingReopening

    client = login(personas["coordinator"])
    response = client.post(
        reverse("committees:action_add", args=[meeting.public_id]),
        {"title": "Envoyer le calendrier", "owner": personas["police"].pk, "due_on": ""},
    )
    assert response.status_code == 302
    assert ActionItem.objects.get().owner == personas["police"]
    client.post(reverse("committees:close", args=[meeting.public_id]))
    response = client.post(reverse("committees:reopen", args=[meeting.public_id]), {"reason": ""})
    assert response.status_code == 200 and not MeetingReopening.objects.exists()
    response = client.post(
        reverse("committees:reopen", args=[meeting.public_id]), {"reason": "Oubli."}
    )
    assert response.status_code == 302 and MeetingReopening.objects.get().reason == "Oubli."
    seat = clinical.members.get(user=personas["police"])
    response = client.post(
        reverse("committees:member_end", args=[clinical.pk, seat.pk]),
        {"ends_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    seat.refresh_from_db()
    assert seat.ends_on == timezone.localdate()


@pytest.mark.parametrize("typed", ["{id}", "{bare}", " {bare} ", "# {bare}", "{unpadded}"])
def test_a_case_is_added_by_its_youth_id_typed_with_or_without_the_hash(
    typed, login, personas, clinical, meeting, make_participant
):
    # The participant search finds "2025-04" as well as "#2025-04": the agenda takes both too,
    # rather than answer that no participant has this youth ID.
    client = login(personas["coordinator"])
    participant = make_participant()
    year, number = participant.youth_id.lstrip("#").split("-")
    youth_id = typed.format(
        id=participant.youth_id, bare=f"{year}-{number}", unpadded=f"{year}-{int(number)}"
    )
    response = client.post(
        reverse("committees:item_add", args=[meeting.public_id]), {"youth_id": youth_id}
    )
    assert response.status_code == 302
    assert AgendaItem.objects.filter(meeting=meeting, participant=participant).exists()


def test_each_items_minutes_field_is_named_for_its_item(
    login, personas, clinical, meeting, make_participant
):
    """A screen reader lists the fields by label: one "Procès-verbal" per item could not be told
    apart. Each label names its item by youth ID or topic, never by a name."""
    import re

    client = login(personas["coordinator"])
    participant = make_participant()
    add = reverse("committees:item_add", args=[meeting.public_id])
    client.post(add, {"title": "Bilan de la formation"})
    client.post(add, {"youth_id": participant.youth_id})
    page = client.get(reverse("committees:meeting_detail", args=[meeting.public_id]))
    labels = [
        re.sub(r"<[^>]+>", "", label).strip()
        for label in re.findall(r'<label[^>]*for="minutes-\d+"[^>]*>(.*?)</label>',
                                page.content.decode())
    ]  # fmt: skip
    assert len(labels) == len(set(labels)) >= 2, labels
    assert any(participant.youth_id in label for label in labels)
    assert any("Bilan de la formation" in label for label in labels)
    assert not any(participant.referral.last_name in label for label in labels)
