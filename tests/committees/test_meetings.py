"""Meetings: series, attendance with substitutes, minutes that never overwrite each other, the
recorded reopening of a closed meeting, the calendar invitation, members and the home page."""

import datetime
import functools

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from committees import services
from committees.models import (
    ActionStatus,
    AgendaItem,
    AttendanceStatus,
    CommitteeKind,
    ItemKind,
    Meeting,
    MeetingReopening,
    MemberRole,
)
from committees.rules import add_months

pytestmark = pytest.mark.django_db


# --- Scheduling ------------------------------------------------------------------------------


def test_a_series_starting_in_the_past_is_refused(personas, clinical):
    with pytest.raises(ValidationError) as refused:
        services.meeting_schedule(
            committee=clinical,
            actor=personas["coordinator"],
            day=timezone.localdate() - datetime.timedelta(days=1),
            start_time=datetime.time(9, 30),
            frequency="weekly",
            count=4,
        )
    assert "day" in refused.value.error_dict
    assert not Meeting.objects.exists()


def test_once_with_a_number_of_meetings_is_refused_by_the_service_itself(personas, clinical):
    with pytest.raises(ValidationError) as refused:
        services.meeting_schedule(
            committee=clinical,
            actor=personas["coordinator"],
            day=timezone.localdate() + datetime.timedelta(days=7),
            start_time=datetime.time(9, 30),
            count=3,
        )
    assert "count" in refused.value.error_dict
    assert not Meeting.objects.exists()


def test_the_series_form_shows_the_refusal_beside_the_date(login, personas, clinical):
    response = login(personas["coordinator"]).post(
        reverse("committees:meeting_create", args=[clinical.pk]),
        {
            "day": (timezone.localdate() - datetime.timedelta(days=7)).isoformat(),
            "start_time": "09:30",
            "frequency": "weekly",
            "count": "4",
        },
    )
    assert response.status_code == 200
    assert "Une série ne peut pas commencer dans le passé." in response.content.decode()
    assert not Meeting.objects.exists()


def _schedule_form(client, committee, frequency, count):
    return client.post(
        reverse("committees:meeting_create", args=[committee.pk]),
        {
            "day": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
            "start_time": "09:30",
            "frequency": frequency,
            "count": str(count),
        },
    )


def test_once_with_a_number_of_meetings_is_refused_not_cut_to_one(login, personas, clinical):
    response = _schedule_form(login(personas["coordinator"]), clinical, "once", 4)
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "Une seule rencontre : choisissez une répétition, ou indiquez 1 comme nombre de rencontres."
        in html
    )
    assert 'name="count" value="4"' in html  # what was typed stays
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(("frequency", "count"), [("weekly", 3), ("once", 1)])
def test_the_form_schedules_as_many_meetings_as_asked(login, personas, clinical, frequency,
                                                      count):  # fmt: skip
    response = _schedule_form(login(personas["coordinator"]), clinical, frequency, count)
    assert response.status_code == 302
    assert Meeting.objects.filter(committee=clinical).count() == count


@pytest.mark.parametrize(
    ("day", "start", "frequency", "count"),
    [
        ("9999-12-20", "09:30", "weekly", "3"),
        ("9999-12-31", "23:30", "once", "1"),
        ("0001-01-01", "00:00", "once", "1"),
    ],
)
def test_a_meeting_at_the_ends_of_the_calendar_is_refused_beside_the_date(
    login, personas, clinical, day, start, frequency, count
):
    """A typo in the year (9999 overflowed the dates past the meeting: a 500)."""
    response = login(personas["coordinator"]).post(
        reverse("committees:meeting_create", args=[clinical.pk]),
        {"day": day, "start_time": start, "frequency": frequency, "count": count},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["day"]
    assert not Meeting.objects.exists()


def test_a_meeting_within_reach_of_today_is_scheduled_and_beyond_it_refused(personas, clinical):
    today = timezone.localdate()
    for day, allowed in [
        (add_months(today, 24), True),
        (add_months(today, 24) + datetime.timedelta(days=1), False),
        (add_months(today, -120), True),
        (add_months(today, -120) - datetime.timedelta(days=1), False),
    ]:
        schedule = functools.partial(
            services.meeting_schedule,
            committee=clinical,
            actor=personas["coordinator"],
            day=day,
            start_time=datetime.time(9, 30),
        )
        if allowed:
            assert len(schedule()) == 1
        else:
            with pytest.raises(ValidationError) as refused:
                schedule()
            assert "day" in refused.value.message_dict


def test_a_weekly_series_is_one_week_apart_at_the_same_local_time(personas, clinical, schedule):
    meetings = schedule(clinical, frequency="weekly", count=4, duration_minutes=120)
    starts = [timezone.localtime(m.starts_at) for m in meetings]
    assert [s.date() - starts[0].date() for s in starts] == [
        datetime.timedelta(weeks=i) for i in range(4)
    ]
    assert {(s.hour, s.minute) for s in starts} == {(9, 30)}
    assert {m.ends_at - m.starts_at for m in meetings} == {datetime.timedelta(minutes=120)}
    assert len({m.series_id for m in meetings}) == 1
    assert all(m.place == "CCSMTL, salle 3" for m in meetings)  # the committee's usual place


def test_a_quarterly_series_keeps_the_day_of_the_month(personas, steering):
    day = timezone.localdate() + datetime.timedelta(days=10)
    meetings = services.meeting_schedule(
        committee=steering,
        actor=personas["coordinator"],
        day=day,
        start_time=datetime.time(13, 0),
        frequency="quarterly",
        count=4,
    )
    months = [timezone.localtime(m.starts_at).month for m in meetings]
    assert months == [((day.month - 1 + 3 * i) % 12) + 1 for i in range(4)]


# --- Members and attendance -----------------------------------------------------------------


def test_only_the_extended_committee_has_members_without_an_account(personas, clinical):
    with pytest.raises(ValidationError):
        services.member_add(
            committee=clinical,
            actor=personas["coordinator"],
            external_name="Quelqu'un",
            external_email="q@example.org",
            starts_on=timezone.localdate(),
        )
    extended = services.committee_create(
        actor=personas["coordinator"], kind=CommitteeKind.EXTENDED, name="Comité élargi"
    )
    member = services.member_add(
        committee=extended,
        actor=personas["coordinator"],
        external_name="Intervenante régionale",
        external_organisation="Maison des jeunes",
        external_email="regionale@example.org",
        starts_on=timezone.localdate(),
    )
    assert (member.name, member.email) == ("Intervenante régionale", "regionale@example.org")


def test_a_substitute_attends_for_a_titular_member(personas, clinical, meeting):
    members = {m.user_id: m for m in clinical.members.all()}
    titular = members[personas["worker_codim"].pk]
    substitute = members[personas["worker_enmarge"].pk]
    assert substitute.role == MemberRole.SUBSTITUTE
    rows = [
        (members[personas["coordinator"].pk], AttendanceStatus.PRESENT, None),
        (titular, AttendanceStatus.EXCUSED, None),
        (substitute, AttendanceStatus.PRESENT, titular),
        (members[personas["police"].pk], AttendanceStatus.ABSENT, None),
    ]
    services.attendance_record(meeting=meeting, actor=personas["coordinator"], rows=rows)
    replaced = meeting.attendances.get(member=substitute)
    assert replaced.replaces == titular

    # A titular member cannot be replaced while present, nor replace someone.
    rows[1] = (titular, AttendanceStatus.PRESENT, None)
    with pytest.raises(ValidationError):
        services.attendance_record(meeting=meeting, actor=personas["coordinator"], rows=rows)
    assert meeting.attendances.get(member=substitute).replaces == titular  # unchanged


def test_the_attendance_page_records_who_replaced_whom(login, personas, clinical, meeting):
    members = {m.user_id: m for m in clinical.members.all()}
    substitute = members[personas["worker_enmarge"].pk]
    titular = members[personas["worker_ccsmtl"].pk]
    data = {f"status_{m.pk}": "present" for m in members.values()}
    data[f"status_{titular.pk}"] = "excused"
    data[f"replaces_{substitute.pk}"] = str(titular.pk)
    client = login(personas["coordinator"])
    response = client.post(reverse("committees:attendance", args=[meeting.public_id]), data)
    assert response.status_code == 302
    assert meeting.attendances.get(member=substitute).replaces == titular
    page = client.get(reverse("committees:meeting_detail", args=[meeting.public_id]))
    assert f"remplace {titular.name}" in page.content.decode()


# --- Minutes ---------------------------------------------------------------------------------


def test_two_people_writing_the_minutes_never_overwrite_each_other(
    login, personas, clinical, meeting
):
    item = services.item_add(meeting=meeting, actor=personas["coordinator"], title="Varia")
    url = reverse("committees:item_minutes", args=[meeting.public_id, item.pk])
    coordinator, worker = login(personas["coordinator"]), None
    # Both opened the agenda at version 1; the coordinator saves first.
    assert coordinator.post(url, {"minutes": "Version A", "version": 1}).status_code == 302
    from django.test import Client

    worker = Client()
    worker.force_login(
        personas["worker_ccsmtl"], backend="allauth.account.auth_backends.AuthenticationBackend"
    )
    response = worker.post(url, {"minutes": "Version B", "version": 1})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Une autre personne a enregistré ce point" in html
    assert "Version B" in html  # what they typed is kept
    assert "Version A" in html  # and what the other saved is shown
    item.refresh_from_db()
    assert (item.minutes, item.version) == ("Version A", 2)


def test_editing_the_minutes_of_a_closed_meeting_needs_a_recorded_reopening(
    personas, clinical, meeting
):
    coordinator = personas["coordinator"]
    item = services.item_add(meeting=meeting, actor=coordinator, title="Varia")
    services.meeting_close(meeting=meeting, actor=coordinator)
    with pytest.raises(ValidationError):
        services.minutes_save(item=item, actor=coordinator, minutes="Ajout", version=1)
    with pytest.raises(ValidationError):
        services.meeting_reopen(meeting=meeting, actor=coordinator, reason="  ")

    services.meeting_reopen(meeting=meeting, actor=coordinator, reason="Correction d'une date.")

    reopening = MeetingReopening.objects.get(meeting=meeting)
    assert reopening.reopened_by == coordinator and reopening.reason == "Correction d'une date."
    services.minutes_save(item=item, actor=coordinator, minutes="Ajout", version=1)
    assert AgendaItem.objects.get(pk=item.pk).minutes == "Ajout"


def test_a_member_who_may_not_see_the_participant_cannot_write_about_them(
    personas, clinical, make_participant, schedule
):
    from django.core.exceptions import PermissionDenied

    make_participant(second=None)
    meeting = schedule(clinical)[0]
    item = AgendaItem.objects.get(meeting=meeting, kind=ItemKind.PRESENTATION)
    with pytest.raises(PermissionDenied):
        services.minutes_save(item=item, actor=personas["police"], minutes="Rien.", version=1)
    services.minutes_save(item=item, actor=personas["worker_codim"], minutes="Rien.", version=1)


def test_the_case_presentation_follows_the_four_processes_and_refuses_names(
    login, personas, clinical, make_participant, schedule
):
    participant = make_participant(second=None)
    meeting = schedule(clinical)[0]
    item = AgendaItem.objects.get(meeting=meeting, kind=ItemKind.PRESENTATION)
    worker = login(personas["worker_ccsmtl"])
    url = reverse("committees:presentation", args=[meeting.public_id, item.pk])
    fields = {
        "status_summary": "Suivi actif.",
        "priority_issues": "Logement.",
        "challenges": "Rendez-vous manqués.",
        "successes": "Retour aux études.",
        "engaging": "Rencontres au café.",
        "focusing": "Se loger.",
        "evoking": "Questions ouvertes.",
        "planning": f"Accompagner {participant.referral.first_name} à l'OMH.",
    }
    response = worker.post(url, fields)
    assert response.status_code == 200  # the name is refused beside "planning"
    assert not hasattr(AgendaItem.objects.get(pk=item.pk), "presentation")
    fields["planning"] = "Accompagnement à l'OMH."
    assert worker.post(url, fields).status_code == 302
    record = AgendaItem.objects.get(pk=item.pk).presentation
    assert (record.engaging, record.planning) == ("Rencontres au café.", "Accompagnement à l'OMH.")
    # The police member (no sharing consent) cannot open it.
    assert login(personas["police"]).get(url).status_code == 404


# --- Calendar, e-mail and home ---------------------------------------------------------------


def test_the_calendar_invitation_holds_the_meeting_and_nothing_about_anyone(
    login, personas, clinical, make_participant, schedule
):
    participant = make_participant(second=None)
    meeting = schedule(clinical)[0]
    response = login(personas["police"]).get(
        reverse("committees:calendar", args=[meeting.public_id])
    )
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == clinical.name
    assert event.decoded("DTSTART") == meeting.starts_at
    assert str(event["LOCATION"]) == "CCSMTL, salle 3"
    text = response.content.decode()
    assert participant.youth_id not in text and participant.referral.last_name not in text
    assert "ATTENDEE" not in text


def test_members_find_their_meetings_and_action_items_on_the_home_page(
    login, personas, clinical, meeting
):
    action = services.action_create(
        meeting=meeting,
        actor=personas["coordinator"],
        title="Réserver la salle du comité",
        owner=personas["worker_codim"],
        due_on=timezone.localdate() + datetime.timedelta(days=3),
    )
    client = login(personas["worker_codim"])
    html = client.get(reverse("home")).content.decode()
    assert reverse("committees:meeting_detail", args=[meeting.public_id]) in html
    assert "Réserver la salle du comité" in html

    response = client.post(
        reverse("committees:action_status", args=[action.pk]), {"status": "done", "next": "home"}
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    assert "Réserver la salle du comité" not in client.get(reverse("home")).content.decode()

    # Someone on no committee sees no committee panel.
    html = login(personas["researcher"]).get(reverse("home")).content.decode()
    assert "committees-home-h" not in html


def test_someone_else_cannot_close_an_action_item(personas, clinical, meeting):
    from django.core.exceptions import PermissionDenied

    action = services.action_create(
        meeting=meeting,
        actor=personas["coordinator"],
        title="Appeler le CLSC",
        owner=personas["worker_codim"],
    )
    with pytest.raises(PermissionDenied):
        services.action_set_status(
            action=action, actor=personas["worker_ccsmtl"], status=ActionStatus.DONE
        )


def test_an_action_item_that_names_a_person_on_the_agenda_is_refused(
    personas, clinical, make_participant, schedule
):
    participant = make_participant(second=None)
    meeting = schedule(clinical)[0]
    with pytest.raises(ValidationError) as refused:
        services.action_create(
            meeting=meeting,
            actor=personas["coordinator"],
            title=f"Appeler la mère de {participant.referral.last_name.upper()}",
            owner=personas["worker_ccsmtl"],
        )
    assert "title" in refused.value.error_dict
    services.action_create(
        meeting=meeting,
        actor=personas["coordinator"],
        title=f"Appeler la mère de {participant.youth_id}",
        owner=personas["worker_ccsmtl"],
    )


def test_the_coordinators_minutes_or_annotation_on_a_steering_topic_never_name_a_youth(
    personas, steering, make_participant, schedule, login
):
    """A Steering agenda is about no one, so the names of the people on it catch nothing: the
    coordinator's minutes and annotations of its items are checked against every youth the
    program knows, as its topics and action items are, and the printed minutes stay free of
    names."""
    participant = make_participant()
    coordinator = personas["coordinator"]
    meeting = schedule(steering)[0]
    item = services.item_add(meeting=meeting, actor=coordinator, title="Bilan du trimestre")
    named = f"Départ de {participant.referral.first_name} {participant.referral.last_name}."
    with pytest.raises(ValidationError) as refused:
        services.minutes_save(item=item, actor=coordinator, minutes=named, version=item.version)
    assert "minutes" in refused.value.error_dict
    with pytest.raises(ValidationError) as refused:
        services.item_annotate(item=item, actor=coordinator, note=named, version=item.version)
    assert "note" in refused.value.error_dict
    services.minutes_save(
        item=item, actor=coordinator, minutes=f"Départ de {participant.youth_id}.", version=1
    )
    page = login(coordinator).get(reverse("committees:print", args=[meeting.public_id, "minutes"]))
    text = page.content.decode()
    assert participant.youth_id in text and participant.referral.last_name not in text


def test_a_steering_action_or_topic_naming_any_youth_of_the_program_is_refused(
    personas, steering, make_participant, make_referral, schedule
):
    """A Steering agenda is about no one, and its invitation e-mail carries the action items and
    topics to members without an account: a youth's name is refused even though no one on that
    agenda has it."""
    participant = make_participant()
    candidate = make_referral()
    meeting = schedule(steering)[0]
    coordinator = personas["coordinator"]
    with pytest.raises(ValidationError) as refused:
        services.action_create(
            meeting=meeting,
            actor=coordinator,
            title=f"Suivi du dossier {participant.referral.last_name}",
            owner=coordinator,
        )
    assert "title" in refused.value.error_dict
    with pytest.raises(ValidationError) as refused:
        services.item_add(
            meeting=meeting, actor=coordinator, title="Varia", note=f"Cas de {candidate.first_name}"
        )
    assert "note" in refused.value.error_dict
    services.action_create(
        meeting=meeting, actor=coordinator, title="Préparer le bilan annuel", owner=coordinator
    )
