"""A long note is not lost to the idle limit: while someone types, the page keeps the session
(static/js/spheres.js); a typed form left alone warns before the limit and says so once the
session has ended. The limit is shortened to seconds here (the live server shares settings)."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from followups.rules import monday_of
from tests.e2e.test_working_day import admitted_weeks_ago, open_as
from tests.referrals.conftest import admit, make_participant, make_referral, screen  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

IDLE = 12  # seconds: the page asks every 2 s of typing, warns at 10 s, checks at 12 s


@pytest.fixture
def note_page(settings, app_url, browser, personas, make_participant):  # noqa: F811
    """The weekly note form of a participant of the worker's, in Chromium, sessions of IDLE
    seconds: (participant, page)."""
    settings.SESSION_COOKIE_AGE = IDLE
    settings.SPHERES_SESSION_RENEW_SECONDS = 1
    participant = admitted_weeks_ago(make_participant(), 4)
    context, page = open_as(browser, app_url, personas["worker_ccsmtl"])
    page.goto(app_url + reverse("followups:note_edit", args=[participant.public_id]))
    yield participant, page
    context.close()


def test_typing_for_longer_than_the_idle_limit_keeps_the_note(note_page):
    from followups.models import WeeklyNote

    participant, page = note_page
    page.locator("[name=meetings]").fill("1")
    page.locator("[name=meetings_duration]").fill("1h")
    summary = page.locator("[name=activities_summary]")
    summary.click()
    text = "Rencontre au parc, discussion sur le logement et les études. " * 2
    page.keyboard.type(text, delay=2.5 * IDLE * 1000 / len(text))  # 2.5 idle limits of typing
    page.get_by_role("button", name="Enregistrer la note").click()
    expect(page).not_to_have_url(re.compile(reverse("account_login")))
    note = WeeklyNote.objects.get(participant=participant, week=monday_of(timezone.localdate()))
    assert note.activities_summary == text.strip()


def test_a_typed_form_left_alone_warns_then_says_it_was_not_saved(note_page):
    from followups.models import WeeklyNote

    participant, page = note_page
    warning, ended = page.locator("#session-warning"), page.locator("#session-ended")
    expect(warning).to_be_hidden()
    page.locator("[name=activities_summary]").fill("Début de note")
    page.locator("[name=activities_summary]").press("End")  # an input event, as typing gives
    page.keyboard.type(".")
    expect(warning).to_be_visible(timeout=2 * IDLE * 1000)
    expect(ended).to_be_visible(timeout=2 * IDLE * 1000)
    expect(warning).to_be_hidden()
    # What was typed is still on the page, and nothing was saved.
    expect(page.locator("[name=activities_summary]")).to_have_value("Début de note.")
    assert not WeeklyNote.objects.filter(participant=participant).exists()


def test_staying_signed_in_from_the_warning_keeps_the_session(note_page):
    from followups.models import WeeklyNote

    participant, page = note_page
    page.locator("[name=meetings]").fill("1")
    page.locator("[name=meetings_duration]").fill("1h")
    warning = page.locator("#session-warning")
    expect(warning).to_be_visible(timeout=2 * IDLE * 1000)
    page.locator("#session-stay").click()
    expect(warning).to_be_hidden()
    page.wait_for_timeout(IDLE * 1000 // 2)  # past the limit the warning announced
    expect(page.locator("#session-ended")).to_be_hidden()
    page.get_by_role("button", name="Enregistrer la note").click()
    expect(page).not_to_have_url(re.compile(reverse("account_login")))
    assert WeeklyNote.objects.filter(participant=participant).exists()
