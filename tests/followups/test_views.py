"""Follow-up pages: who may open what, the weekly note from the page, the caseload, the status, the
timeline, the notifications, and query budgets."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from followups import services
from followups.models import (
    AttemptOutcome,
    ContactAttempt,
    FollowUp,
    FollowUpStatus,
    WeeklyNote,
)
from followups.rules import monday_of
from referrals import services as referral_services
from spheres.models import Notification, ReadLogEntry

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def this_monday():
    return monday_of(TODAY())


def admitted_weeks_ago(participant, weeks):
    """Move the admission (and the start of the active period) back to a Monday `weeks` ago."""
    monday = this_monday() - datetime.timedelta(weeks=weeks)
    participant.admitted_on = monday
    participant.save()
    FollowUp.objects.filter(participant=participant).update(
        period_started_at=timezone.now() - datetime.timedelta(weeks=weeks)
    )
    return participant


@pytest.fixture
def case(make_participant):
    """Followed by worker_ccsmtl (primary) and worker_codim (second), admitted eight weeks ago."""
    return admitted_weeks_ago(make_participant(), 8)


@pytest.fixture
def shared_only(make_participant):
    """Followed by worker_ccsmtl alone; CODIM is named in the sharing consent."""
    return admitted_weeks_ago(make_participant(share_with=("ccsmtl", "codim"), second=None), 8)


def attempt(participant, actor, outcome, minutes_ago):
    return services.contact_attempt_record(
        participant=participant,
        actor=actor,
        at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        channel="phone",
        outcome=outcome,
    )


def in_french(message):
    with translation.override("fr-ca"):
        return escape(gettext(message))


def data_types(html):
    return re.findall(r'data-type="([a-z]+)"', html)


# --- Access ------------------------------------------------------------------------------------


def pages(participant):
    pid = participant.public_id
    return {
        "read": [("get", reverse("followups:timeline", args=[pid]))],
        "write": [
            ("get", reverse("followups:note_edit", args=[pid])),
            ("get", reverse("followups:attempt_add", args=[pid])),
            ("post", reverse("followups:missed_meeting", args=[pid])),
            ("get", reverse("followups:status_change", args=[pid])),
            ("get", reverse("followups:risk_add", args=[pid])),
        ],
    }


def denied_count(user):
    return ReadLogEntry.objects.filter(user=user, action=ReadLogEntry.Action.DENIED).count()


@pytest.mark.parametrize("persona", ["coordinator", "worker_ccsmtl", "worker_codim"])
def test_assigned_workers_and_the_coordinator_open_every_page(case, personas, login, persona):
    client = login(personas[persona])
    for kind in ("read", "write"):
        for method, url in pages(case)[kind]:
            response = getattr(client, method)(url)
            assert response.status_code == (302 if method == "post" else 200), (persona, url)
    assert ContactAttempt.objects.filter(
        participant=case, outcome=AttemptOutcome.NO_SHOW, recorded_by=personas[persona]
    ).exists()


def test_a_worker_of_a_consented_organisation_reads_the_timeline_but_writes_nothing(
    shared_only, personas, login
):
    worker = personas["worker_codim"]
    client = login(worker)
    response = client.get(reverse("followups:timeline", args=[shared_only.public_id]))
    assert response.status_code == 200
    assert response.context["may_change"] is False
    assert (
        reverse("followups:note_edit", args=[shared_only.public_id])
        not in response.content.decode()
    )
    for method, url in pages(shared_only)["write"]:
        before = denied_count(worker)
        assert getattr(client, method)(url).status_code == 404, url
        assert denied_count(worker) == before + 1, url
    assert not ContactAttempt.objects.exists()


@pytest.mark.parametrize(
    "persona", ["worker_enmarge", "police", "steering", "researcher", "administrator"]
)
def test_people_without_access_get_404_everywhere_and_are_logged(case, personas, login, persona):
    user = personas[persona]
    client = login(user)
    for kind in ("read", "write"):
        for method, url in pages(case)[kind]:
            before = denied_count(user)
            response = getattr(client, method)(url)
            assert response.status_code == 404, (persona, url)
            assert case.youth_id.encode() not in response.content
            assert case.referral.last_name.encode() not in response.content
            assert denied_count(user) == before + 1, (persona, url)
    entry = ReadLogEntry.objects.filter(user=user).latest("at")
    assert (entry.object_type, entry.object_id) == ("participant", case.pk)
    # Writes through the pages were refused too.
    response = client.post(
        reverse("followups:attempt_add", args=[case.public_id]),
        {"at": "2024-01-01T10:00", "channel": "phone", "outcome": "no_answer"},
    )
    assert response.status_code == 404
    assert not ContactAttempt.objects.exists()


# --- The weekly note from the page -------------------------------------------------------------


def note_url(participant, week=None):
    url = reverse("followups:note_edit", args=[participant.public_id])
    return f"{url}?week={week.isoformat()}" if week else url


def note_post(**overrides):
    data = {
        "week": (this_monday() - datetime.timedelta(days=5)).isoformat(),  # last Wednesday
        "meetings": "0",
        "meetings_duration": "",
        "no_contact_reason": "",
        "no_contact_other": "",
        "main_activity": "",
        "targeted_need": "",
        "worker_satisfaction": "",
        "participant_satisfaction": "",
        "activities_summary": "",
        "other_information": "",
        "other_workers_notes": "",
        "version": "",
    }
    data.update(overrides)
    return data


def test_a_note_typed_on_a_wednesday_is_filed_under_its_monday(case, personas, login):
    wednesday = this_monday() - datetime.timedelta(days=5)
    assert wednesday.weekday() == 2
    response = login(personas["worker_ccsmtl"]).post(
        note_url(case),
        note_post(
            week=wednesday.isoformat(),
            meetings="1",
            meetings_duration="1h30",
            other_channels=["text", "messenger"],
            targeted_need="stability",
            activities_summary="Récréatif : marche au parc, pour créer le lien.",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("followups:caseload")
    note = WeeklyNote.objects.get(participant=case)
    assert note.week == wednesday - datetime.timedelta(days=2)
    assert (note.meetings, note.meetings_minutes) == (1, 90)
    assert note.other_channels == ["text", "messenger"]
    assert (note.author, note.version) == (personas["worker_ccsmtl"], 1)


def test_a_refused_note_keeps_what_was_typed_and_shows_the_error_beside_the_field(
    case, personas, login
):
    summary = "Rencontre au café, discussion sur le retour à l'école."
    response = login(personas["worker_ccsmtl"]).post(
        note_url(case), note_post(meetings="2", meetings_duration="", activities_summary=summary)
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["form"].errors["meetings_duration"]
    # The error sits beside the duration field, which is marked invalid for assistive technology.
    assert 'id="id_meetings_duration_error"' in html
    duration_input = re.search(r"<input[^>]*name=\"meetings_duration\"[^>]*>", html).group(0)
    assert 'aria-invalid="true"' in duration_input
    assert in_french("Give the total duration of the meetings.") in html
    assert escape(summary) in html
    assert re.search(r'name="meetings"[^>]*value="2"|value="2"[^>]*name="meetings"', html)
    assert not WeeklyNote.objects.exists()


def test_an_unreadable_duration_is_refused_beside_the_field(case, personas, login):
    response = login(personas["worker_ccsmtl"]).post(
        note_url(case), note_post(meetings="1", meetings_duration="une heure")
    )
    assert response.status_code == 200
    assert 'id="id_meetings_duration_error"' in response.content.decode()
    assert 'value="une heure"' in response.content.decode()
    assert not WeeklyNote.objects.exists()


def test_no_meeting_and_no_communication_needs_a_reason_in_french(case, personas, login):
    response = login(personas["worker_ccsmtl"]).post(note_url(case), note_post())
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr-ca">' in html
    assert response.context["form"].errors["no_contact_reason"]
    assert 'id="id_no_contact_reason_error"' in html
    assert in_french("No meeting and no communication this week: say why.") in html
    assert not WeeklyNote.objects.exists()


def test_other_reason_text_without_the_other_reason_is_refused_beside_it(case, personas, login):
    # A week with a meeting, and text left in "Other reason, specify" (typed before the meeting
    # count was corrected): the note contradicts itself, in the timeline and the notes export.
    response = login(personas["worker_ccsmtl"]).post(
        note_url(case),
        note_post(meetings="1", meetings_duration="1h", no_contact_other="Hospitalisée"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["no_contact_other"]
    assert not WeeklyNote.objects.exists()


def test_a_note_for_someone_elses_participant_is_404(case, personas, login):
    client = login(personas["worker_enmarge"])
    assert client.get(note_url(case)).status_code == 404
    response = client.post(note_url(case), note_post(no_contact_reason="no_news"))
    assert response.status_code == 404
    assert not WeeklyNote.objects.exists()


def test_a_concurrent_save_is_never_silently_overwritten(case, personas, login):
    week = this_monday() - datetime.timedelta(days=7)
    first = login(personas["worker_ccsmtl"])
    assert (
        first.post(
            note_url(case, week),
            note_post(week=week.isoformat(), no_contact_reason="no_news"),
        ).status_code
        == 302
    )
    # The first worker opens the form again: it carries the version it was opened with.
    form_html = first.get(note_url(case, week)).content.decode()
    assert re.search(r'<input type="hidden" name="version" value="1"', form_html)

    # Meanwhile, the second worker saves the same week.
    other = Client()
    other.force_login(
        personas["worker_codim"], backend="allauth.account.auth_backends.AuthenticationBackend"
    )
    assert (
        other.post(
            note_url(case, week),
            note_post(
                week=week.isoformat(),
                meetings="1",
                meetings_duration="45",
                activities_summary="Version de l'autre intervenante.",
                version="1",
            ),
        ).status_code
        == 302
    )

    mine = "Mon texte à moi, écrit pendant une heure."
    stale = note_post(
        week=week.isoformat(),
        meetings="2",
        meetings_duration="2h",
        activities_summary=mine,
        version="1",
    )
    response = first.post(note_url(case, week), stale)
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        in_french(
            "Someone else saved the note of this week while you were writing. "
            "Your text is kept below: compare and save again."
        )
        in html
    )
    assert re.search(
        r"<textarea[^>]*name=\"activities_summary\"[^>]*>\s*" + re.escape(escape(mine)), html
    )
    assert "Version de l&#x27;autre intervenante." in html  # what the other person saved
    assert re.search(r'<input type="hidden" name="version" value="2"', html)
    note = WeeklyNote.objects.get(participant=case)
    assert (note.version, note.meetings_minutes, note.updated_by) == (
        2,
        45,
        personas["worker_codim"],
    )

    # Having compared, the first worker saves again with the version now shown: it goes through.
    response = first.post(note_url(case, week), {**stale, "version": "2"})
    assert response.status_code == 302
    note.refresh_from_db()
    assert (note.version, note.meetings, note.meetings_minutes, note.activities_summary) == (
        3,
        2,
        120,
        mine,
    )
    assert note.author == personas["worker_ccsmtl"]


# --- The caseload ------------------------------------------------------------------------------


def row_of(html, participant):
    (row,) = re.findall(
        rf'<tr data-participant="{re.escape(participant.youth_id)}">(.*?)</tr>', html, re.S
    )
    return row


def cell(html, participant, column):
    """The text of one cell of the participant's caseload row (by its data-col)."""
    row = row_of(html, participant)
    match = re.search(rf'<td data-col="{column}"[^>]*>(.*?)</td>', row, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def test_a_missed_meeting_is_one_click_from_the_caseload(case, shared_only, personas, login):
    client = login(personas["worker_ccsmtl"])
    html = client.get(reverse("followups:caseload")).content.decode()
    for participant in (case, shared_only):
        action = reverse("followups:missed_meeting", args=[participant.public_id])
        assert re.search(rf'<form method="post" action="{re.escape(action)}"', html)
    response = client.post(reverse("followups:missed_meeting", args=[case.public_id]))
    assert response.status_code == 302 and response["Location"] == reverse("followups:caseload")
    attempt = ContactAttempt.objects.get(participant=case)
    assert (attempt.outcome, attempt.channel) == (AttemptOutcome.NO_SHOW, "in_person")
    assert attempt.recorded_by == personas["worker_ccsmtl"]
    assert client.get(reverse("followups:missed_meeting", args=[case.public_id])).status_code == 405


def test_the_caseload_shows_each_follow_ups_state(case, personas, login):
    worker = personas["worker_ccsmtl"]
    client = login(worker)
    url = reverse("followups:caseload")

    def shown(column):
        return cell(client.get(url, **EN).content.decode(), case, column)

    assert [shown(c) for c in ("status", "last_contact", "failed", "notes", "risk")] == [
        "Active",
        "—",
        "—",
        "8 weeks without a note",
        "—",
    ]

    attempt(case, worker, AttemptOutcome.NO_ANSWER, 50)
    last_one = attempt(case, worker, AttemptOutcome.MESSAGE_LEFT, 40)
    when = timezone.localtime(last_one.at).strftime("%Y-%m-%d %H:%M")
    assert shown("failed") == f"{when} Message left 2 since the last contact"
    assert shown("last_contact") == "—"  # a failed attempt is not a contact

    reached = attempt(case, worker, AttemptOutcome.REACHED, 30)  # resets the count
    reached_at = timezone.localtime(reached.at).strftime("%Y-%m-%d %H:%M")
    assert shown("last_contact") == f"{reached_at} reached"
    assert shown("failed") == f"{when} Message left"  # still shown, apart
    attempt(case, worker, AttemptOutcome.NO_SHOW, 20)  # not a failed contact by itself
    assert shown("failed") == f"{when} Message left"
    assert shown("last_contact") == f"{reached_at} reached"  # nor a contact
    after = attempt(case, worker, AttemptOutcome.NO_ANSWER, 10)  # the attempt afterwards is
    after_at = timezone.localtime(after.at).strftime("%Y-%m-%d %H:%M")
    assert shown("failed") == f"{after_at} No answer 1 since the last contact"

    services.note_save(
        participant=case,
        actor=worker,
        week=this_monday() - datetime.timedelta(weeks=3),
        no_contact_reason="no_news",
    )
    assert shown("notes") == "2 weeks without a note"
    services.note_save(participant=case, actor=worker, week=this_monday(), other_channels=["text"])
    assert shown("notes") == "This week's note written"

    services.risk_assessment_record(
        participant=case, actor=worker, time_point=0, assessed_on=TODAY(), level="yellow"
    )
    assert shown("risk") == "Yellow (worrisome)"

    resume = TODAY() + datetime.timedelta(days=21)
    services.followup_set_status(
        participant=case,
        actor=worker,
        to_status=FollowUpStatus.ON_BREAK,
        break_terms="Elle rappelle après ses examens.",
        break_resume_on=resume,
    )
    assert shown("status") == f"On break until {resume.isoformat()}"


def test_a_week_with_meetings_counts_as_the_last_contact(case, personas, login):
    worker = personas["worker_ccsmtl"]
    client = login(worker)
    url = reverse("followups:caseload")
    attempt(case, worker, AttemptOutcome.REACHED, 60 * 24 * 21)  # three weeks ago
    last_week = this_monday() - datetime.timedelta(weeks=1)
    services.note_save(
        participant=case, actor=worker, week=last_week, meetings=2, meetings_minutes=90
    )
    html = client.get(url, **EN).content.decode()
    assert cell(html, case, "last_contact") == f"week of {last_week.isoformat()} meeting"
    # A later reached attempt is later still; failed attempts never count as contact.
    attempt(case, worker, AttemptOutcome.NO_ANSWER, 20)
    html = client.get(url, **EN).content.decode()
    assert cell(html, case, "last_contact") == f"week of {last_week.isoformat()} meeting"
    reached = attempt(case, worker, AttemptOutcome.REACHED, 10)
    html = client.get(url, **EN).content.decode()
    when = timezone.localtime(reached.at).strftime("%Y-%m-%d %H:%M")
    assert cell(html, case, "last_contact") == f"{when} reached"


def test_the_caseload_shows_labels_in_french_by_default(case, personas, login):
    worker = personas["worker_ccsmtl"]
    attempt(case, worker, AttemptOutcome.NO_ANSWER, 10)
    services.risk_assessment_record(
        participant=case, actor=worker, time_point=0, assessed_on=TODAY(), level="red"
    )
    html = login(worker).get(reverse("followups:caseload")).content.decode()
    with translation.override("fr-ca"):
        level = gettext("Red (dangerous)")
        outcome = gettext("No answer")
    assert outcome in cell(html, case, "failed") and cell(html, case, "risk") == level
    assert "no_answer" not in cell(html, case, "failed")  # never the stored code


def test_the_caseload_marks_admitted_recruiters(
    make_referral, screen, admit, personas, organisations, login
):
    from referrals.models import RecruiterRiskAssessment

    coordinator = personas["coordinator"]
    referral = make_referral()
    screen(referral, recruits_others=True, recruiter_acknowledges=True)
    referral_services.recruiter_risk_assessment_record(
        referral=referral,
        actor=coordinator,
        delinquent_profile="-",
        network_involvement="-",
        benefits_versus_risks="-",
        decision=RecruiterRiskAssessment.Decision.BENEFITS_OUTWEIGH,
        decided_on=TODAY(),
    )
    recruiter = admit(referral)
    referral_services.assignment_set(
        participant=recruiter, actor=coordinator, primary=personas["worker_ccsmtl"]
    )
    other = make_referral()
    screen(other)
    plain = admit(other)
    referral_services.assignment_set(
        participant=plain, actor=coordinator, primary=personas["worker_ccsmtl"]
    )
    html = login(personas["worker_ccsmtl"]).get(reverse("followups:caseload")).content.decode()
    assert "marker-no-contact" in row_of(html, recruiter)
    assert "marker-no-contact" not in row_of(html, plain)


def test_the_caseload_is_for_youth_workers(personas, login):
    for persona in ("police", "steering", "researcher", "administrator"):
        assert login(personas[persona]).get(reverse("followups:caseload")).status_code == 404


@pytest.mark.parametrize("persona", ["coordinator", "worker_ccsmtl"])
def test_the_note_forms_breadcrumb_links_only_to_pages_the_person_may_open(
    case, personas, login, persona
):
    # The coordinator has no caseload: a "My caseload" link on the note form led to a 404.
    client = login(personas[persona])
    html = client.get(reverse("followups:note_edit", args=[case.public_id])).content.decode()
    breadcrumb = re.search(r'<ol class="breadcrumb">(.*?)</ol>', html, re.S).group(1)
    for href in re.findall(r'href="([^"]+)"', breadcrumb):
        assert client.get(href).status_code == 200, (persona, href)
    assert (reverse("followups:caseload") in breadcrumb) == (persona == "worker_ccsmtl")


# --- Status from the page ----------------------------------------------------------------------


def test_the_coordinator_makes_a_follow_up_inactive_then_reactivates_it(case, personas, login):
    client = login(personas["coordinator"])
    url = reverse("followups:status_change", args=[case.public_id])
    response = client.post(url, {"to_status": "inactive", "reason": ""}, **EN)
    assert response.status_code == 200  # inactive needs a reason
    assert response.context["form"].errors["reason"]
    assert FollowUp.objects.get(participant=case).status == FollowUpStatus.ACTIVE

    response = client.post(
        url, {"to_status": "inactive", "reason": "withdrawal", "note": "Retrait volontaire."}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("followups:timeline", args=[case.public_id])
    followup = FollowUp.objects.get(participant=case)
    assert (followup.status, followup.inactive_reason) == ("inactive", "withdrawal")

    assert client.post(url, {"to_status": "active"}).status_code == 302
    followup.refresh_from_db()
    assert (followup.status, followup.inactive_reason) == ("active", "")

    html = client.get(reverse("followups:timeline", args=[case.public_id]), **EN).content.decode()
    statuses = re.findall(r'<li[^>]*data-type="status">(.*?)</li>', html, re.S)
    assert len(statuses) == 3  # opened at admission, inactive, reactivated
    assert "Inactive (Voluntary withdrawal) — Retrait volontaire." in statuses[1]
    assert personas["coordinator"].get_full_name() in statuses[0]


# --- The timeline ------------------------------------------------------------------------------


def test_the_timeline_shows_everything_and_filters_by_type(case, personas, login):
    worker = personas["worker_ccsmtl"]
    services.note_save(
        participant=case,
        actor=worker,
        week=this_monday() - datetime.timedelta(weeks=1),
        meetings=1,
        meetings_minutes=60,
        activities_summary="Culturel : visite au musée.",
    )
    attempt(case, worker, AttemptOutcome.NO_ANSWER, 30)
    attempt(case, worker, AttemptOutcome.REACHED, 10)
    services.risk_assessment_record(
        participant=case, actor=worker, time_point=0, assessed_on=TODAY(), level="green"
    )
    services.followup_set_status(
        participant=case, actor=worker, to_status="on_break", break_terms="Pause d'un mois."
    )
    services.needs_evaluate(
        participant=case, actor=worker, evaluated_on=TODAY(), stability="Logement à trouver."
    )
    services.safety_plan_save(
        participant=case,
        actor=worker,
        text="Appeler la ligne d'urgence.",
        reviewed_on=TODAY(),
        next_review_on=TODAY() + datetime.timedelta(days=30),
    )
    goal = services.life_plan_goal_add(
        participant=case, actor=worker, goal="Retour aux études", set_on=TODAY()
    )
    services.life_plan_goal_update(
        participant=case, actor=worker, goal=goal, status="in_progress", changed_on=TODAY()
    )
    client = login(worker)
    url = reverse("followups:timeline", args=[case.public_id])
    html = client.get(url, **EN).content.decode()
    assert set(data_types(html)) == {
        "notes",
        "attempts",
        "status",
        "risk",
        "plans",
        "assignments",
        "consents",
    }
    # Plan changes: the needs evaluation, the safety plan's revision, the goal set then moved.
    assert data_types(html).count("plans") == 4
    assert "Needs evaluation</strong> — Stability" in html
    assert "Safety plan revised" in html
    assert "Appeler la ligne" not in html  # the plan itself stays on the plans page
    assert "New life-plan goal</strong> — Retour aux études — Open" in html
    assert "Retour aux études — Open → In progress" in html
    assert "Culturel : visite au musée." in html and "Green (safe)" in html
    assert data_types(html).count("assignments") == 2  # the pair
    # program, its research-use clause, sharing with CCSMTL and CODIM
    assert data_types(html).count("consents") == 4

    response = client.get(url, {"type": "attempts"})
    assert data_types(response.content.decode()) == ["attempts", "attempts"]
    assert response.context["selected"] == ["attempts"]
    two = data_types(client.get(url, {"type": ["notes", "risk"]}).content.decode())
    assert sorted(two) == ["notes", "risk"]
    # An unknown type is ignored rather than hiding everything.
    assert len(data_types(client.get(url, {"type": "bogus"}).content.decode())) == len(
        data_types(html)
    )


# --- Query budgets -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [10, 120])
def test_the_caseload_stays_within_the_query_budget(
    size, bulk_participants, personas, login, django_assert_max_num_queries
):
    worker = personas["worker_ccsmtl"]
    participants = bulk_participants(size)
    now = timezone.now()
    FollowUp.objects.filter(participant__in=participants).update(
        period_started_at=now - datetime.timedelta(days=30)
    )
    ContactAttempt.objects.bulk_create(
        [
            ContactAttempt(
                participant=p,
                at=now - datetime.timedelta(minutes=m),
                channel="phone",
                outcome=outcome,
                recorded_by=worker,
            )
            for p in participants
            for m, outcome in ((30, "reached"), (20, "no_answer"), (10, "no_show"))
        ]
    )
    WeeklyNote.objects.bulk_create(
        [
            WeeklyNote(
                participant=p,
                week=this_monday() - datetime.timedelta(weeks=1),
                no_contact_reason="no_news",
                author=worker,
            )
            for p in participants
        ]
    )
    client = login(worker)
    client.get(reverse("followups:caseload"))  # once-per-process lookups out of the way
    with django_assert_max_num_queries(14):
        response = client.get(reverse("followups:caseload"))
    assert response.status_code == 200
    rows = response.context["participants"]
    # One page, whatever the caseload: the page's cost does not grow with it.
    assert len(rows) == min(size, 50)
    assert response.context["counts"]["all"] == size
    # The no-show is not a failed attempt by itself: the attempt after it is.
    assert {(p.failed_since_contact, p.last_failed_outcome) for p in rows} == {(1, "no_answer")}
    assert {p.last_contact["kind"] for p in rows} == {"reached"}
    html = response.content.decode()
    assert html.count("<tr data-participant=") == min(size, 50)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("followups:caseload"), {"view": "failed", "page": "2"})
    assert response.context["counts"]["failed"] == size
    # Page 2 of 120 holds 50; with 10 there is no page 2, so the last page (the 10) shows.
    assert len(response.context["participants"]) == min(size, 50)
    assert response.context["page"].number == (2 if size > 50 else 1)


@pytest.mark.parametrize("size", [5, 100])
def test_the_timeline_stays_within_the_query_budget(
    size, case, personas, login, django_assert_max_num_queries
):
    worker = personas["worker_ccsmtl"]
    now = timezone.now()
    WeeklyNote.objects.bulk_create(
        [
            WeeklyNote(
                participant=case,
                week=this_monday() - datetime.timedelta(weeks=i),
                meetings=1,
                meetings_minutes=60,
                author=personas["worker_ccsmtl" if i % 2 else "worker_codim"],
            )
            for i in range(size)
        ]
    )
    ContactAttempt.objects.bulk_create(
        [
            ContactAttempt(
                participant=case,
                at=now - datetime.timedelta(hours=i),
                channel="phone",
                outcome="no_answer",
                recorded_by=worker,
            )
            for i in range(size)
        ]
    )
    client = login(worker)
    url = reverse("followups:timeline", args=[case.public_id])
    client.get(url)  # once-per-process lookups (content types, the session's start) out of the way
    with django_assert_max_num_queries(15):
        response = client.get(url)
    assert response.status_code == 200
    types = data_types(response.content.decode())
    assert (types.count("notes"), types.count("attempts")) == (size, size)


# --- Notifications -----------------------------------------------------------------------------


def test_the_inactive_notice_is_listed_then_marked_read(make_participant, personas, login):
    # Shared with CCSMTL only: the CODIM worker sees the file only while assigned.
    participant = admitted_weeks_ago(make_participant(share_with=("ccsmtl",)), 4)
    worker = personas["worker_ccsmtl"]
    for minutes in (30, 20):
        attempt(participant, worker, AttemptOutcome.NO_ANSWER, minutes)
    assert services.followups_mark_unreachable() == [participant.followup.pk]

    client = login(worker)
    response = client.get(reverse("followups:notifications"), **EN)
    html = response.content.decode()
    assert "A follow-up became inactive (unreachable)" in html
    url = reverse("followups:timeline", args=[participant.public_id])
    link = f'<a href="{url}">{participant.youth_id}</a>'
    assert link in html
    assert participant.referral.last_name not in html  # the youth ID, never the name
    assert "fw-semibold" in html  # shown as new
    # Viewing marks nothing (a link from another site must not clear alerts); the button does.
    assert Notification.objects.filter(recipient=worker, read_at__isnull=True).exists()
    assert client.post(reverse("followups:notifications_mark_read")).status_code == 302
    assert not Notification.objects.filter(recipient=worker, read_at__isnull=True).exists()
    assert "fw-semibold" not in client.get(reverse("followups:notifications")).content.decode()

    # The CODIM worker leaves the case: the notice stays, but without the link to the file.
    referral_services.assignment_set(
        participant=participant, actor=personas["coordinator"], primary=worker, second=None
    )
    html = login(personas["worker_codim"]).get(reverse("followups:notifications")).content.decode()
    # Two notices: the assignment and the inactivity; neither links to the file any more.
    assert Notification.objects.filter(recipient=personas["worker_codim"]).count() == 2
    assert html.count('class="list-group-item') == 2
    assert participant.youth_id not in html
    assert reverse("followups:timeline", args=[participant.public_id]) not in html


def test_notifications_are_personal(make_participant, personas, login):
    participant = admitted_weeks_ago(make_participant(), 4)
    for minutes in (30, 20):
        attempt(participant, personas["worker_ccsmtl"], AttemptOutcome.NO_ANSWER, minutes)
    services.followups_mark_unreachable()
    html = (
        login(personas["worker_enmarge"]).get(reverse("followups:notifications")).content.decode()
    )
    assert participant.youth_id not in html
    inactive = Notification.objects.filter(kind=Notification.Kind.INACTIVE)
    assert inactive.filter(read_at__isnull=True).count() == 3  # nobody else's read


def test_moving_the_form_to_a_week_that_has_a_note_is_refused_beside_the_week(
    make_participant, personas, login
):
    import datetime

    from django.utils import timezone

    from followups import services as fs
    from followups.models import WeeklyNote

    participant = make_participant()
    participant.admitted_on = timezone.localdate() - datetime.timedelta(days=60)
    participant.save()
    last_week = monday_of(timezone.localdate()) - datetime.timedelta(days=7)
    fs.note_save(
        participant=participant,
        actor=personas["worker_ccsmtl"],
        week=last_week,
        no_contact_reason="no_news",
    )
    response = login(personas["worker_ccsmtl"]).post(
        reverse("followups:note_edit", args=[participant.public_id]),
        {
            "week": last_week.isoformat(),
            "meetings": 0,
            "no_contact_reason": "not_scheduled",
            "activities_summary": "texte gardé",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["week"]
    assert "texte gardé" in response.content.decode()
    assert WeeklyNote.objects.get().no_contact_reason == "no_news"


def test_saving_a_weekly_note_costs_a_fixed_small_number_of_queries(
    case, personas, login, django_assert_max_num_queries
):
    """Note saves are the busiest write (a worker's week), nine queries for a new note: session,
    person, roles, the file through the policy, its read-log row, then begin, insert, audit row
    and commit (no lookup before the insert, no savepoint, no second permission query)."""
    from django.contrib.contenttypes.models import ContentType

    client = login(personas["worker_ccsmtl"])
    client.get(reverse("home"))  # the session exists, as in a working day
    ContentType.objects.get_for_model(WeeklyNote)  # cached per process after the first save
    url = reverse("followups:note_edit", args=[case.public_id])
    data = {"week": this_monday().isoformat(), "meetings": 1, "meetings_duration": "1h"}
    with django_assert_max_num_queries(9):
        response = client.post(url, data)
    assert response.status_code == 302
    assert WeeklyNote.objects.filter(participant=case, week=this_monday()).exists()
    # An edit locks the note first (the version the form was opened with must still be it), and
    # the audit log reads the saved row to write what changed.
    with django_assert_max_num_queries(11):
        response = client.post(url, {**data, "meetings_duration": "1h30", "version": 1})
    assert response.status_code == 302
    note = WeeklyNote.objects.get(participant=case, week=this_monday())
    assert (note.version, note.meetings_minutes) == (2, 90)


def test_an_attempt_saved_without_choosing_its_outcome_is_refused(case, personas, login):
    """The outcome is not chosen in advance: a save without a look recorded a contact (the first
    choice, reached) that hides a person nobody could reach."""
    client = login(personas["worker_ccsmtl"])
    url = reverse("followups:attempt_add", args=[case.public_id])
    page = client.get(url).content.decode()
    select = re.search(r'<select name="outcome".*?</select>', page, re.S).group(0)
    assert re.search(r'<option value="" selected>', select)
    response = client.post(url, {"at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                                 "channel": "phone", "outcome": "", "note": "Appel"})  # fmt: skip
    assert response.status_code == 200
    assert response.context["form"].errors["outcome"]
    assert 'value="Appel"' in response.content.decode() or "Appel</textarea>" in (
        response.content.decode()
    )
    assert not ContactAttempt.objects.filter(participant=case).exists()
