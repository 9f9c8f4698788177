"""The working day in Chromium (issue 10): a note conflict that keeps the colleague's change, a
departure handover that keeps the pair and reaches the successor, a caseload whose actions are
visible at 1366 px and on a 390 px phone, a navigation on one line for every role.

People sign in through their session cookie (the login form has its own journeys); elements are
found by names, data attributes and hrefs, and the few texts checked come from the catalogue."""

import datetime
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from tests.referrals.conftest import admit, make_participant, make_referral, screen  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def french(text) -> str:
    with translation.override("fr-ca"):
        return str(text)


def open_as(browser, app_url, user, viewport=DESKTOP):
    """A browser context signed in as `user` (a real session, made by Django's test client)."""
    client = Client()
    client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    context = browser.new_context(locale="fr-CA", viewport=viewport)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": app_url,
            }
        ]
    )
    return context, context.new_page()


def no_horizontal_scroll(page) -> bool:
    return page.evaluate(
        "document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth"
    )


def admitted_weeks_ago(participant, weeks):
    from followups.models import FollowUp

    participant.admitted_on = timezone.localdate() - datetime.timedelta(weeks=weeks)
    participant.save()
    FollowUp.objects.filter(participant=participant).update(
        period_started_at=timezone.now() - datetime.timedelta(weeks=weeks)
    )
    return participant


# --- 1. A note conflict keeps the colleague's change ---------------------------------------------


def test_resolving_a_note_conflict_keeps_the_colleagues_change(
    app_url,
    browser,
    personas,
    make_participant,  # noqa: F811
):
    from followups import services
    from followups.models import WeeklyNote
    from followups.rules import monday_of

    participant = admitted_weeks_ago(make_participant(), 6)
    week = monday_of(timezone.localdate()) - datetime.timedelta(days=7)
    services.note_save(
        participant=participant,
        actor=personas["worker_ccsmtl"],
        week=week,
        meetings=1,
        meetings_minutes=60,
        activities_summary="Rencontre au parc.",
        other_information="Rien de particulier.",
    )
    url = (
        f"{app_url}{reverse('followups:note_edit', args=[participant.public_id])}"
        f"?week={week.isoformat()}"
    )
    _ca, a = open_as(browser, app_url, personas["worker_codim"])
    _cb, b = open_as(browser, app_url, personas["worker_ccsmtl"])
    a.goto(url)
    b.goto(url)

    # A changes "other relevant information" and saves.
    a.locator("[name=other_information]").fill("Hébergement trouvé chez une tante.")
    a.locator("main form button[type=submit]").click()
    expect(a.locator(".alert-success")).to_be_visible()

    # B changes the summary and saves: the conflict screen lists every field that differs.
    b.locator("[name=activities_summary]").fill("Rencontre au parc, puis à la bibliothèque.")
    b.locator("main form button[type=submit]").click()
    conflict = b.locator("#conflict")
    expect(conflict).to_be_visible()
    expect(conflict.locator("tr[data-field=other_information]")).to_contain_text(
        "Hébergement trouvé chez une tante."
    )
    expect(conflict.locator("tr[data-field=activities_summary]")).to_be_visible()
    # The form now holds A's change; B's own change is kept.
    expect(b.locator("[name=other_information]")).to_have_value(
        "Hébergement trouvé chez une tante."
    )
    expect(b.locator("[name=activities_summary]")).to_have_value(
        "Rencontre au parc, puis à la bibliothèque."
    )

    # B saves again, as instructed: A's field survives.
    b.locator("main form button[type=submit]").click()
    expect(b.locator(".alert-success")).to_be_visible()
    note = WeeklyNote.objects.get(participant=participant)
    assert note.other_information == "Hébergement trouvé chez une tante."
    assert note.activities_summary == "Rencontre au parc, puis à la bibliothèque."


# --- 2. A departure keeps the pair and reaches the successor ----------------------------------


def test_a_handover_keeps_the_pair_shows_the_summary_and_tells_the_successor(
    app_url,
    browser,
    personas,
    make_participant,  # noqa: F811
):
    from referrals.models import Assignment
    from spheres.models import Notification

    departing, codim, ccsmtl = (
        personas["worker_enmarge"],
        personas["worker_codim"],
        personas["worker_ccsmtl"],
    )
    paired = make_participant(primary="worker_enmarge", second="worker_codim")
    _c, page = open_as(browser, app_url, personas["coordinator"])
    page.goto(f"{app_url}{reverse('followups:handover')}?worker={departing.pk}")
    key = paired.public_id.hex
    row = page.locator(f"fieldset[data-participant='{paired.youth_id}']")
    # The worker the participant knows is suggested: CODIM, already on the case...
    expect(row.locator(f"select[name=successor_{key}]")).to_have_value(str(codim.pk))
    # ...so a new second is needed to keep the pair; the coordinator picks CCSMTL.
    row.locator(f"select[name=second_{key}]").select_option(str(ccsmtl.pk))
    summary = "Appel conjoint prévu jeudi; elle préfère les textos."
    row.locator(f"[name=summary_{key}]").fill(summary)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()

    pair = set(
        Assignment.objects.filter(participant=paired, ended_at__isnull=True).values_list(
            "worker_id", "role"
        )
    )
    assert pair == {(codim.pk, "primary"), (ccsmtl.pk, "second")}

    # The successor sees the unread notice in the navigation, then the summary on the file.
    _s, successor = open_as(browser, app_url, codim)
    successor.goto(f"{app_url}/")
    expect(successor.locator("#notifications-link [data-unread]")).to_be_visible()
    successor.locator("#notifications-link").click()
    notice = successor.locator("li[data-kind=handover]")
    expect(notice).to_contain_text(french(Notification.Kind.HANDOVER.label))
    notice.get_by_role("link", name=paired.youth_id).click()
    expect(successor).to_have_url(
        f"{app_url}{reverse('referrals:participant_detail', args=[paired.public_id])}"
    )
    expect(successor.locator("#transition-summaries")).to_contain_text(summary)
    expect(successor.locator("#transition-summaries")).to_contain_text(departing.get_full_name())


# --- 6 and 7. Screens that fit ----------------------------------------------------------------


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366px", "390px"])
def test_the_caseloads_actions_are_visible_without_scrolling_sideways(
    app_url,
    browser,
    personas,
    make_participant,  # noqa: F811
    viewport,
):
    participants = [admitted_weeks_ago(make_participant(), 4) for _ in range(3)]
    _c, page = open_as(browser, app_url, personas["worker_ccsmtl"], viewport)
    page.goto(f"{app_url}{reverse('followups:caseload')}")
    assert no_horizontal_scroll(page)
    for participant in participants:
        row = page.locator(f"tr[data-participant='{participant.youth_id}']")
        note = row.locator(
            f"a[href='{reverse('followups:note_edit', args=[participant.public_id])}']"
        )
        expect(note).to_be_visible()
        expect(row.locator(".dropdown-toggle")).to_be_visible()
    row = page.locator(f"tr[data-participant='{participants[0].youth_id}']")
    # The first row's actions show on arrival, nothing cut at the right edge.
    first_note = row.locator(".btn-group")
    expect(first_note).to_be_in_viewport()
    box = first_note.bounding_box()
    assert box["x"] + box["width"] <= viewport["width"]
    row.locator(".dropdown-toggle").click()
    for name in ("attempt_add", "timeline"):
        href = reverse(f"followups:{name}", args=[participants[0].public_id])
        expect(row.locator(f".dropdown-menu a[href='{href}']")).to_be_visible()
    missed = reverse("followups:missed_meeting", args=[participants[0].public_id])
    expect(row.locator(f".dropdown-menu form[action='{missed}'] button")).to_be_visible()
    assert no_horizontal_scroll(page)


@pytest.mark.parametrize(
    "persona",
    ["coordinator", "worker_ccsmtl", "police", "steering", "researcher", "administrator"],
)
def test_the_navigation_fits_one_line_at_1366_px_and_collapses_on_a_phone(
    app_url, browser, personas, persona
):
    _c, page = open_as(browser, app_url, personas[persona])
    page.goto(f"{app_url}/")
    items = page.locator("#main-nav > ul > li")
    tops = {round(box["y"]) for box in (item.bounding_box() for item in items.all())}
    assert len(tops) == 1, tops  # every item on the same line
    brand = page.locator(".navbar-brand").bounding_box()
    language = page.locator(".language-switcher button").bounding_box()
    assert abs(language["y"] - brand["y"]) < brand["height"]
    assert no_horizontal_scroll(page)

    _p, phone = open_as(browser, app_url, personas[persona], PHONE)
    phone.goto(f"{app_url}/")
    expect(phone.locator(".language-switcher button")).to_be_visible()
    expect(phone.locator("#person-menu")).to_be_hidden()
    phone.locator(".navbar-toggler").click()
    expect(phone.locator("#person-menu")).to_be_visible()
    assert no_horizontal_scroll(phone)
    assert re.match(r"^fr", phone.locator("html").get_attribute("lang"))
