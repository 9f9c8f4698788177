"""What needs attention, at a glance (issue 10, items 3 and 4): the home pages' figures and the
lists behind them, the notices, and the warning one attempt before inactivity."""

import datetime
import re
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from followups import selectors, services
from followups.models import AttemptOutcome, FollowUpStatus
from referrals import services as referral_services
from spheres import services as core_services
from spheres.models import Notification
from tests.followups.test_views import EN, admitted_weeks_ago, attempt, this_monday

pytestmark = pytest.mark.django_db


def tally(html: str, href: str) -> int:
    """The figure of the home-page card that links to `href`."""
    match = re.search(
        rf'<a href="{re.escape(href)}"[^>]*><span[^>]*class="[^"]*tally-count[^"]*">(\d+)</span>',
        html.replace("&amp;", "&"),
    )
    assert match, f"no figure links to {href}"
    return int(match.group(1))


@pytest.fixture
def three(make_participant):
    return [admitted_weeks_ago(make_participant(), 6) for _ in range(3)]


def test_the_coordinators_home_counts_what_needs_attention_and_links_to_it(
    three, make_referral, screen, admit, personas, login, settings
):
    counts_what_needs_attention(three, make_referral, screen, admit, personas, login, settings)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a second connection needs one")
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_coordinators_figures_are_read_side_by_side(
    three, make_referral, screen, admit, personas, login, settings, monkeypatch
):
    """As a web request runs them (no transaction around the request): the same figures, two
    connections sharing the reads."""
    threads = []
    for name in ("one_attempt_from_inactive", "missing_notes_by_worker", "attention_followups"):
        read = getattr(selectors, name)

        def noted(*args, read=read, **kwargs):
            threads.append(threading.current_thread().name)
            return read(*args, **kwargs)

        monkeypatch.setattr(selectors, name, noted)
    counts_what_needs_attention(three, make_referral, screen, admit, personas, login, settings)
    assert "side-by-side" in threads


def counts_what_needs_attention(three, make_referral, screen, admit, personas, login, settings):
    settings.SPHERES_INACTIVITY_FAILED_ATTEMPTS = 2
    worker, coordinator = personas["worker_ccsmtl"], personas["coordinator"]
    a, b, c = three
    attempt(a, worker, AttemptOutcome.NO_ANSWER, 30)  # one attempt from inactive
    for minutes in (30, 20):
        attempt(b, worker, AttemptOutcome.NO_ANSWER, minutes)
    services.followups_mark_unreachable()  # b: inactive this week
    referral_services.assignment_set(
        participant=c, actor=coordinator, primary=personas["worker_codim"]
    )
    core_services.user_deactivate(user=personas["worker_codim"])  # c: nobody active on it
    make_referral()  # new
    unassigned = make_referral()
    screen(unassigned)
    unassigned = admit(unassigned)  # admitted, not assigned yet

    html = login(coordinator).get(reverse("home"), **EN).content.decode()
    attention = reverse("followups:attention")
    queue = reverse("referrals:referral_queue")
    assert tally(html, f"{attention}?list=one_attempt_left") == 1
    assert tally(html, f"{attention}?list=inactive_this_week") == 1
    # c (deactivated worker) and the participant whose assignment ended.
    assert tally(html, f"{attention}?list=without_worker") == 2
    assert tally(html, f"{queue}?status=new") == 1
    assert tally(html, reverse("referrals:participant_list") + "?unassigned=1") == 1
    # Last week's notes: a, c and the unassigned one are active, followed and without a note;
    # the by-worker rows name the workers.
    assert tally(html, f"{attention}?list=missing_notes") == 2
    assert worker.get_full_name() in html

    client = login(coordinator)
    for kind, expected in (
        ("one_attempt_left", {a}),
        ("inactive_this_week", {b}),
        ("without_worker", {c, unassigned}),
        ("missing_notes", {a, c}),
    ):
        response = client.get(attention, {"list": kind})
        assert response.status_code == 200
        assert {p.pk for p in response.context["participants"]} == {p.pk for p in expected}
    response = client.get(attention, {"list": "missing_notes", "worker": worker.pk})
    assert {p.pk for p in response.context["participants"]} == {a.pk}
    assert client.get(attention, {"list": "bogus"}).status_code == 404


@pytest.mark.parametrize("persona", ["worker_ccsmtl", "police", "steering"])
def test_the_attention_lists_are_the_coordinators(personas, login, persona):
    url = reverse("followups:attention") + "?list=without_worker"
    assert login(personas[persona]).get(url).status_code == 404


def test_a_workers_home_counts_notes_to_write_failed_attempts_breaks_and_new_cases(
    three, personas, login
):
    worker = personas["worker_ccsmtl"]
    a, b, c = three
    services.note_save(participant=a, actor=worker, week=this_monday(), other_channels=["text"])
    attempt(b, worker, AttemptOutcome.NO_ANSWER, 30)
    services.followup_set_status(
        participant=c,
        actor=worker,
        to_status=FollowUpStatus.ON_BREAK,
        break_terms="Elle rappelle lundi.",
        break_resume_on=timezone.localdate() + datetime.timedelta(days=3),
    )
    client = login(worker)
    html = client.get(reverse("home"), **EN).content.decode()
    caseload = reverse("followups:caseload")
    assert tally(html, f"{caseload}?view=note_due") == 1  # b (a wrote it; c is on a break)
    assert tally(html, f"{caseload}?view=failed") == 1
    assert tally(html, f"{caseload}?view=break_ending") == 1
    assert tally(html, f"{caseload}?view=new") == 3  # assigned today
    for view, expected in (("note_due", {b}), ("failed", {b}), ("break_ending", {c})):
        response = client.get(caseload, {"view": view})
        assert {p.pk for p in response.context["participants"]} == {p.pk for p in expected}


def test_new_assignments_and_partner_referrals_are_notified(
    make_participant, make_referral, personas, login
):
    participant = make_participant()
    assigned = set(
        Notification.objects.filter(kind=Notification.Kind.ASSIGNED).values_list(
            "recipient_id", "participant_id"
        )
    )
    assert assigned == {
        (personas["worker_ccsmtl"].pk, participant.pk),
        (personas["worker_codim"].pk, participant.pk),
    }
    # The coordinator's own intake notifies nobody; a partner's referral tells the coordinator.
    make_referral()
    assert not Notification.objects.filter(kind=Notification.Kind.REFERRAL).exists()
    referral_services.referral_submit(
        submitted_by=personas["police"],
        first_name="Zoé",
        last_name="Lévesque",
        date_of_birth=datetime.date(2010, 1, 1),
        reasons="Vue à la gare.",
    )
    notices = Notification.objects.filter(kind=Notification.Kind.REFERRAL)
    assert list(notices.values_list("recipient_id", "participant_id")) == [
        (personas["coordinator"].pk, None)
    ]
    html = login(personas["coordinator"]).get(reverse("followups:notifications")).content
    assert b"Z\xc3\xa9" not in html  # no name in the notice
    assert f"{reverse('referrals:referral_queue')}?status=new".encode() in html


def test_the_navigation_shows_the_unread_count(make_participant, personas, login):
    make_participant()
    client = login(personas["worker_codim"])
    html = client.get(reverse("home")).content.decode()
    assert re.search(r'<span class="badge[^"]*" data-unread="1">1', html)
    Notification.objects.update(read_at=timezone.now())
    assert "data-unread" not in client.get(reverse("home")).content.decode()


def test_the_page_warns_one_attempt_before_inactivity(make_participant, personas, login, settings):
    settings.SPHERES_INACTIVITY_FAILED_ATTEMPTS = 2
    participant = admitted_weeks_ago(make_participant(), 4)
    client = login(personas["worker_ccsmtl"])
    url = reverse("followups:attempt_add", args=[participant.public_id])
    at = (timezone.localtime() - datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    data = {"at": at, "channel": "phone", "outcome": "no_answer"}
    response = client.post(url, data, follow=True, **EN)
    messages = [str(m) for m in response.context["messages"]]
    assert any("one more failed attempt" in m for m in messages)
    assert selectors.attempts_before_inactive(participant) == 1
    # A missed meeting is not a failed attempt by itself: still one to go.
    client.post(reverse("followups:missed_meeting", args=[participant.public_id]))
    assert selectors.attempts_before_inactive(participant) == 1
    # The failed attempt after it: the next check makes it inactive, and the page says so.
    later = (timezone.localtime() - datetime.timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {**data, "at": later}, follow=True, **EN)
    messages = [str(m) for m in response.context["messages"]]
    assert any("becomes inactive at the next check" in m for m in messages)
    # A reached attempt starts afresh: no warning.
    response = client.post(url, {**data, "outcome": "reached"}, follow=True, **EN)
    assert not any("inactive" in str(m) for m in response.context["messages"])
