"""A researcher asks for the de-identified export: states a purpose, confirms their password
(allauth's reauthentication), watches the progress bar fill while a real Celery worker builds
the workbook, downloads it and finds the six sheets.

Elements are found by field name, element type and href; no wording is relied on."""

import re

import openpyxl
import pytest
from celery.contrib.testing.worker import start_worker
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.referrals.conftest import admit, make_referral, screen  # noqa: F401
from tests.research.export.conftest import research_participant  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

SHEETS = ["participants", "weekly_notes", "risk_assessments", "status_periods", "dictionary",
          "manifest"]  # fmt: skip


def test_researcher_asks_for_the_export_watches_it_build_and_downloads_it(
    app_url,
    page,
    personas,
    research_participant,  # noqa: F811
    console_errors,
    tmp_path,
):
    from research.models import ResearchExport
    from spheres.celery import app

    for _ in range(6):
        research_participant(notes=3)
    researcher = personas["researcher"]

    page.goto(f"{app_url}/")
    page.locator("[name=login]").fill(researcher.email)
    page.locator("[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    # From the home card to the request page.
    page.locator('main a[href="/research/export/"]').first.click()
    expect(page).to_have_url(f"{app_url}/research/export/")

    with start_worker(app, perform_ping_check=False, shutdown_timeout=30):
        page.locator("[name=purpose]").fill("Évaluation de l'implantation, vague 1")
        page.locator("main form button[type=submit]").click()
        # Asking re-authenticates first, then the request goes through.
        expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
        page.locator("[name=password]").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/research/export/[0-9a-f-]{36}/$"))

        download = page.locator("[data-export-download]")
        expect(download).to_be_visible(timeout=60_000)
    export = ResearchExport.objects.get()
    total = 6 + 18 + 6 + 6
    assert export.rows_total == total
    bar = page.locator("progress")
    expect(bar).to_have_attribute("max", str(total))
    assert bar.evaluate("el => el.value") == total
    expect(page.locator("[data-export-written]")).to_have_text(str(total))

    with page.expect_download() as info:
        download.click()
    path = tmp_path / "export.xlsx"
    info.value.save_as(path)
    workbook = openpyxl.load_workbook(path, read_only=True)
    assert workbook.sheetnames == SHEETS
    assert workbook["participants"].max_row == 7
    workbook.close()
    assert console_errors == []
