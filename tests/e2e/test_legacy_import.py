"""The coordinator brings a worker's progress-notes workbook in from the browser: uploads a
workbook generated here, watches the check finish, reads the preview (per sheet, the
instructions sheet skipped), confirms, watches the import finish, and finds the participant,
marked as imported, on the participant list and on the home page. A real Celery worker runs
the tasks.

Elements are found by field name, element type, data attributes and href; no wording is relied
on."""

import datetime
import random
import re

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone
from playwright.sync_api import expect

from followups.rules import monday_of
from research.legacy import demo
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_coordinator_imports_a_workbook_and_finds_the_participant(
    app_url, page, personas, console_errors, tmp_path
):
    from spheres.celery import app

    coordinator, worker = personas["coordinator"], personas["worker_ccsmtl"]
    today = timezone.localdate()
    last = monday_of(today) - datetime.timedelta(weeks=1)
    path = tmp_path / "notes-antoine.xlsx"
    demo.write_workbook(
        path,
        [
            demo.SheetSpec(
                name=f"J{n + 1}" if n else "J",
                youth_id=f"#2023-{40 + n}",
                entry=(today - datetime.timedelta(days=200)).replace(day=1),
                weeks=demo.generated_weeks(
                    last - datetime.timedelta(weeks=19), 20, random.Random(n)
                ),
            )
            for n in range(3)
        ],
    )

    page.goto(f"{app_url}/")
    page.locator("[name=login]").fill(coordinator.email)
    page.locator("[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    # From the navigation's menu to the import page.
    page.goto(f"{app_url}/research/import/")
    expect(page.locator("nav a[href='/research/import/']")).to_have_count(1)

    with start_worker(app, perform_ping_check=False, shutdown_timeout=30):
        page.locator("[name=workbook]").set_input_files(str(path))
        page.locator("[name=worker]").select_option(str(worker.pk))
        page.locator("main form button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/research/import/[0-9a-f-]{36}/$"))
        # The check runs; the page shows the preview once it is done.
        summary = page.locator("[data-legacy-summary]")
        expect(summary).to_be_visible(timeout=60_000)
        expect(summary.locator("tbody tr")).to_have_count(3)
        expect(summary).to_contain_text("#2023-40")
        expect(page.locator("[data-legacy-problems]")).to_have_count(0)

        page.locator("main form button[name=confirm]").click()
        done = page.locator("[data-legacy-done-message]")
        expect(done).to_be_visible(timeout=60_000)
    expect(page.locator("tfoot")).to_contain_text("60")

    done.locator("a[href='/participants/']").click()
    expect(page.locator("main table")).to_contain_text("#2023-41")
    page.goto(f"{app_url}/")
    expect(page.locator("#imported-to-confirm")).to_contain_text("#2023-42")
    assert console_errors == []
