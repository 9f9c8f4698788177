"""A Steering Committee member prepares a meeting with the program dashboard.

She signs in (French), opens the dashboard from the navigation, chooses the period of January
to June 2025, reads the data table behind a chart, downloads the figures as an Excel workbook,
and prints the page. Small counts are hidden from her; no name or youth ID reaches her screen
or her download; axe finds no serious or critical accessibility violation; the page raises no
CSP error.
"""

import datetime
import re

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from playwright.sync_api import expect

from referrals import services as referral_services
from tests.conftest import PASSWORD
from tests.research.conftest import at, small_program  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def french(text: str) -> str:
    with translation.override("fr-ca"):
        return translation.gettext(text)


def sign_in(page, user):
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.locator("[name=login]").fill(user.email)
    page.locator("[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#person-menu")).to_be_visible()  # it holds password, 2FA and sign-out


def serious_violations(page):
    results = Axe().run(page)
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def test_a_steering_member_prepares_a_meeting_with_the_dashboard(
    app_url,
    page,
    personas,
    small_program,  # noqa: F811
    tmp_path,
    console_errors,
):
    from research.selectors import _outcomes  # the labels the page shows, in French

    steering = personas["steering"]
    # Eight more referrals in February and in June, still open: counts large enough to show.
    for day in [f"2025-02-{d:02d}" for d in range(2, 10)] + [
        f"2025-06-{d:02d}" for d in range(2, 10)
    ]:
        with time_machine.travel(at(day), tick=False):
            referral_services.referral_create(
                submitted_by=personas["coordinator"],
                first_name="Camille",
                last_name=f"Candidate{day}".replace("-", ""),
                date_of_birth=datetime.date(2009, 5, 1),
                reasons="Exploitation sexuelle soupçonnée.",
                referrer_name="Référente",
                referrer_contact="514-555-0000",
            )
    main = page.locator("main")
    page.goto(app_url + reverse("home"))
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^fr"))
    sign_in(page, steering)

    # 1. From the navigation to the dashboard (the last twelve months by default).
    page.locator(f'header a[href="{reverse("research:dashboard")}"]').click()
    expect(page).to_have_url(f"{app_url}{reverse('research:dashboard')}")
    expect(main.locator("h1")).to_have_text(french("Program dashboard"))

    # 2. Another period: January to June 2025, compared with the previous one.
    page.locator("[name=start]").fill("2025-01-01")
    page.locator("[name=end]").fill("2025-06-30")
    main.locator("form.dashboard-filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"start=2025-01-01&end=2025-06-30"))
    expect(main.locator(".dashboard-period")).to_contain_text("2025")
    expect(main.locator(".dashboard-notice")).to_be_visible()

    # 3. The chart of referrals by month, then its data table.
    figure = main.locator("#figure-referrals_by_month")
    chart = figure.locator("img.dashboard-chart")
    expect(chart).to_be_visible()
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(chart).to_have_attribute("alt", re.compile(".+"))
    table = figure.locator("details table")
    expect(table).to_be_hidden()
    figure.locator("details summary").click()
    expect(table).to_be_visible()
    with translation.override("fr-ca"):
        headers = [str(label) for label in _outcomes()]
    for header in headers:
        expect(table.locator("thead")).to_contain_text(header)
    expect(table.locator("tbody tr")).to_have_count(6)  # January to June
    # Six referrals: every count from 1 to 4 is hidden from a Steering member.
    expect(table.locator("tbody")).to_contain_text("< 5")
    # June's eight open referrals show; February's eight are hidden ("x") because they would
    # give away February's one admission through the month's total.
    still_open = 3
    expect(table.locator("tbody tr").nth(5).locator("td").nth(still_open)).to_have_text("8")
    expect(table.locator("tbody tr").nth(1).locator("td").nth(still_open)).to_contain_text("x")
    html = page.content()
    for key in ("a", "b", "c"):
        participant = small_program[key]
        assert participant.youth_id not in html
        assert participant.referral.last_name not in html

    # 4. Accessibility of the page as she reads it.
    assert serious_violations(page) == []

    # 5. The figures as an Excel workbook, the same suppression applied.
    with page.expect_download() as download_info:
        main.locator(f'.dashboard-actions a[href^="{reverse("research:dashboard_xlsx")}"]').click()
    path = tmp_path / "figures.xlsx"
    download_info.value.save_as(path)
    book = load_workbook(path, read_only=True)
    assert len(book.worksheets) > 10
    text = "\n".join(
        str(v)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for v in row
        if v is not None
    )
    assert "< 5" in text
    for key in ("a", "b", "c"):
        assert small_program[key].youth_id not in text
        assert small_program[key].referral.last_name not in text

    # 6. Printing: every data table opens, the filters and buttons leave the page.
    page.evaluate("window.print = () => {}")  # headless: the print dialog would not return
    main.locator("[data-print]").click()
    expect(main.locator("details.dashboard-data:not([open])")).to_have_count(0)
    page.emulate_media(media="print")
    expect(main.locator("form.dashboard-filters")).to_be_hidden()
    expect(main.locator(".dashboard-actions")).to_be_hidden()
    expect(page.locator("header")).to_be_hidden()
    expect(table).to_be_visible()
    pdf = page.pdf(path=str(tmp_path / "dashboard.pdf"), format="Letter")
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000

    assert console_errors == []
