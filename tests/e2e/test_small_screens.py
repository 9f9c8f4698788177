"""Phones and keyboards (accessibility audit): the lists and the dashboard fit a 390 px phone
without scrolling sideways, the session's alert never hides the end of a form, and a keyboard
user sees where the focus is, on the navigation as on the form fields.

The demo showed each of these: the participant list and the referral queue scrolled sideways on a
phone (a badge that does not wrap, five columns), so did the whole dashboard (the hidden cells'
explanations escaped their scrolling table), whose tables a keyboard could not scroll; the
session-ended alert covered the note's last field and its save button; Bootstrap's own focus
styles replaced our focus outline with a ring barely visible on the navigation bar."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.test_accessibility import serious_violations
from tests.e2e.test_working_day import (
    DESKTOP,
    PHONE,
    admitted_weeks_ago,
    no_horizontal_scroll,
    open_as,
)
from tests.referrals.conftest import admit, make_participant, make_referral, screen  # noqa: F401
from tests.research.conftest import small_program  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

NAVBAR = (0x2B, 0x3A, 0x67)  # .bg-spheres
WHITE = (0xFF, 0xFF, 0xFF)


def contrast(a, b) -> float:
    def luminance(rgb):
        channels = []
        for c in rgb:
            c = c / 255
            channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def participant_with_badges(make_participant):  # noqa: F811
    from referrals.models import Participant

    participant = admitted_weeks_ago(make_participant(), 4)
    Participant.objects.filter(pk=participant.pk).update(
        no_group_activities=True, program_consent_withdrawn=True
    )
    return participant


def test_the_participant_list_and_the_referral_queue_fit_a_phone(
    app_url,
    browser,
    personas,
    make_participant,  # noqa: F811
    make_referral,  # noqa: F811
):
    participant = participant_with_badges(make_participant)
    make_referral(referrer_name="Marie-Christine Beauchemin-Lafontaine")
    _c, phone = open_as(browser, app_url, personas["coordinator"], PHONE)
    phone.goto(f"{app_url}{reverse('referrals:participant_list')}")
    expect(phone.get_by_role("link", name=participant.youth_id)).to_be_visible()
    assert no_horizontal_scroll(phone)
    phone.goto(f"{app_url}{reverse('referrals:referral_queue')}")
    assert no_horizontal_scroll(phone)
    assert serious_violations(phone) == []


def test_the_dashboard_fits_a_phone_and_its_tables_scroll_with_the_keyboard(
    app_url,
    browser,
    personas,
    small_program,  # noqa: F811
):
    _c, phone = open_as(browser, app_url, personas["worker_ccsmtl"], PHONE)
    phone.goto(f"{app_url}{reverse('research:dashboard')}?start=2025-01-01&end=2025-06-30")
    expect(phone.locator("details[open] .table-responsive").first).to_be_attached()
    assert no_horizontal_scroll(phone)
    assert serious_violations(phone) == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366px", "390px"])
def test_the_session_alerts_leave_the_end_of_the_note_form_reachable(
    app_url,
    browser,
    personas,
    make_participant,  # noqa: F811
    viewport,
):
    participant = admitted_weeks_ago(make_participant(), 4)
    _c, page = open_as(browser, app_url, personas["worker_ccsmtl"], viewport)
    page.goto(f"{app_url}{reverse('followups:note_edit', args=[participant.public_id])}")
    # What spheres.js does near the limit, then once the session has ended.
    for alert_id in ("session-warning", "session-ended"):
        page.evaluate(
            "id => { for (const a of document.querySelectorAll('.session-alert'))"
            " a.hidden = a.id !== id; }",
            alert_id,
        )
        page.evaluate("window.scrollTo(0, document.scrollingElement.scrollHeight)")
        alert = page.locator(f"#{alert_id}").bounding_box()
        for element in (
            page.locator("[name=other_workers_notes]"),
            page.locator("main form button[type=submit]"),
        ):
            box = element.bounding_box()
            assert box["y"] + box["height"] <= alert["y"], (alert_id, element)


def test_the_keyboard_focus_is_visible_on_the_navigation_and_the_form_fields(
    app_url,
    browser,
    personas,
    make_participant,  # noqa: F811
):
    participant = admitted_weeks_ago(make_participant(), 4)
    _c, page = open_as(browser, app_url, personas["worker_ccsmtl"])
    page.goto(f"{app_url}{reverse('followups:note_edit', args=[participant.public_id])}")

    def focus_ring():
        style = page.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor]; })()"
        )
        rgb = tuple(int(n) for n in style[2][style[2].index("(") + 1 : -1].split(",")[:3])
        return style[0], style[1], rgb

    # A navigation link on the dark bar, reached with Tab.
    page.locator(f"header a[href='{reverse('followups:caseload')}']").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    style, width, colour = focus_ring()
    assert style == "solid" and width >= 2
    assert contrast(colour, NAVBAR) >= 3
    # A form field and the save button on the white page.
    page.locator("[name=meetings]").focus()
    page.keyboard.press("Tab")
    for target in ("[name=meetings_duration]", "main form button[type=submit]"):
        page.locator(target).focus()
        style, width, colour = focus_ring()
        assert style == "solid" and width >= 2, target
        assert contrast(colour, WHITE) >= 3, target
