"""A week of follow-up, then the inactivity job and a reactivation.

A worker signs in, writes this week's note for one participant with the duration typed as "1h30",
logs two failed contact attempts for another participant; the job runs; the coordinator sees that
follow-up inactive and reactivates it.

Elements are found by field name, value, href or by data (youth IDs, people's names); the few texts
checked (status labels, "automatic") are looked up in the application's own French catalogue, so
the journey survives rewording.
"""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.referrals.conftest import admit, make_participant, make_referral, screen  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def submit(page):
    page.locator("main form button[type=submit]").click()


def sign_in(page, user):
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.locator("[name=login]").fill(user.email)
    page.locator("[name=password]").fill(PASSWORD)
    submit(page)
    expect(page.locator("#person-menu")).to_be_visible()


def sign_out(page):
    page.locator("#person-menu").click()  # the person menu holds password, 2FA and sign-out
    page.locator('form[action$="/accounts/logout/"] button').click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def french(text) -> str:
    with translation.override("fr-ca"):
        return str(text)


@pytest.fixture
def eager_celery():
    """Tasks queued on commit (the referrer's notice at assignment, the inactivity notices) run
    in-process into mail.outbox instead of piling up on the broker for another test's worker."""
    from spheres.celery import app

    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False


def test_weekly_note_failed_attempts_job_and_reactivation(
    app_url,
    page,
    personas,
    make_participant,  # noqa: F811
    settings,
    eager_celery,
    console_errors,
):
    from followups.models import (
        FollowUp,
        FollowUpStatus,
        FollowUpStatusChange,
        InactiveReason,
        WeeklyNote,
    )
    from followups.rules import monday_of
    from followups.tasks import flag_unreachable_followups
    from referrals.models import Participant

    settings.SPHERES_INACTIVITY_FAILED_ATTEMPTS = 2
    coordinator, worker = personas["coordinator"], personas["worker_ccsmtl"]
    a, b = make_participant(), make_participant()
    # Admitted a month ago, in an active period that started yesterday: this week is after the
    # admission, and attempts prefilled with "now" (minute precision) fall inside the period.
    for participant in (a, b):
        Participant.objects.filter(pk=participant.pk).update(
            admitted_on=timezone.localdate() - datetime.timedelta(days=30)
        )
        FollowUp.objects.filter(participant=participant).update(
            period_started_at=timezone.now() - datetime.timedelta(days=1)
        )
    status_changes_before = FollowUpStatusChange.objects.filter(followup__participant=b).count()
    this_week = monday_of(timezone.localdate())
    main = page.locator("main")
    caseload_url = f"{app_url}{reverse('followups:caseload')}"

    def caseload_row(participant):
        # The inner locator is matched inside each row: it starts from the page, not from main.
        link = page.get_by_role("link", name=participant.youth_id, exact=True)
        row = main.locator("table tbody tr", has=link)
        expect(row).to_have_count(1)
        return row

    # 1. The worker signs in (French UI) and opens the caseload.
    page.goto(app_url + reverse("account_login"))
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^fr"))
    sign_in(page, worker)
    page.locator(f'header a[href="{reverse("followups:caseload")}"]').click()
    expect(page).to_have_url(caseload_url)

    # 2. This week's note for A, the duration typed as "1h30".
    caseload_row(a).locator(
        f'a[href="{reverse("followups:note_edit", args=[a.public_id])}"]'
    ).click()
    expect(page).to_have_url(re.compile(rf"{reverse('followups:note_edit', args=[a.public_id])}$"))
    expect(page.locator("[name=week]")).to_have_value(this_week.isoformat())
    page.locator("[name=meetings]").fill("1")
    page.locator("[name=meetings_duration]").fill("1h30")
    page.locator("input[name=other_channels][value=text]").check()
    page.locator("select[name=targeted_need]").select_option("stability")
    page.locator("[name=activities_summary]").fill(
        "Rencontre au café; discussion sur le retour à l'école."
    )
    submit(page)
    expect(page).to_have_url(caseload_url)
    expect(main.locator(".alert-success")).to_contain_text(this_week.isoformat())
    note = WeeklyNote.objects.get(participant=a)
    assert (note.week, note.meetings, note.meetings_minutes) == (this_week, 1, 90)
    assert note.other_channels == ["text"]
    assert note.targeted_need == "stability"

    # 3. Two failed attempts for B: a call, no answer, at the prefilled date and time.
    attempt_href = reverse("followups:attempt_add", args=[b.public_id])
    for _ in range(2):
        caseload_row(b).locator(".dropdown-toggle").click()  # the row's other actions
        caseload_row(b).locator(f'a[href="{attempt_href}"]').click()
        expect(page).to_have_url(f"{app_url}{attempt_href}")
        expect(page.locator("[name=at]")).not_to_have_value("")
        page.locator("select[name=channel]").select_option("phone")
        page.locator("select[name=outcome]").select_option("no_answer")
        submit(page)
        expect(page).to_have_url(caseload_url)
        expect(main.locator(".alert-success")).to_contain_text(b.youth_id)
    # Failed attempts since the last contact (or the start of the period), beside the last one.
    expect(caseload_row(b).locator("[data-col=failed] .badge")).to_have_text(re.compile(r"^2 "))
    expect(caseload_row(a).locator("[data-col=failed] .badge")).to_have_count(0)
    # The second attempt left none before inactivity: the page said so.
    expect(main.locator(".alert-warning")).to_contain_text(b.youth_id)

    # 4. The job runs: B's follow-up becomes inactive; its workers and the coordinator are told.
    mail.outbox.clear()
    assert flag_unreachable_followups() == 1
    followup = FollowUp.objects.get(participant=b)
    assert (followup.status, followup.inactive_reason) == ("inactive", "unreachable")
    assert FollowUp.objects.get(participant=a).status == "active"
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        p.email for p in (coordinator, worker, personas["worker_codim"])
    )

    # 5. The coordinator finds B's timeline through the participant list and the file.
    sign_out(page)
    sign_in(page, coordinator)
    page.locator(f'header a[href="{reverse("referrals:participant_list")}"]').click()
    expect(page).to_have_url(f"{app_url}{reverse('referrals:participant_list')}")
    main.get_by_role("link", name=b.youth_id, exact=True).click()
    expect(page).to_have_url(
        f"{app_url}{reverse('referrals:participant_detail', args=[b.public_id])}"
    )
    timeline_url = f"{app_url}{reverse('followups:timeline', args=[b.public_id])}"
    main.locator(f'a[href="{reverse("followups:timeline", args=[b.public_id])}"]').click()
    expect(page).to_have_url(timeline_url)
    badge = main.locator("h1 ~ .badge")
    expect(badge).to_have_text(french(FollowUpStatus.INACTIVE.label))
    statuses = main.locator("[data-type=status]")
    expect(statuses).to_have_count(status_changes_before + 1)
    # Newest first: the job's change, unreachable, made by no one.
    expect(statuses.first).to_contain_text(french(FollowUpStatus.INACTIVE.label))
    expect(statuses.first).to_contain_text(french(InactiveReason.UNREACHABLE.label))
    expect(statuses.first).to_contain_text(f"({french(translation.gettext_lazy('automatic'))})")

    # 6. Reactivation.
    main.locator(f'a[href="{reverse("followups:status_change", args=[b.public_id])}"]').click()
    expect(page).to_have_url(f"{app_url}{reverse('followups:status_change', args=[b.public_id])}")
    page.locator("input[name=to_status][value=active]").check()
    submit(page)
    expect(page).to_have_url(timeline_url)
    expect(main.locator(".alert-success")).to_be_visible()
    followup.refresh_from_db()
    assert (followup.status, followup.inactive_reason) == ("active", "")
    assert followup.period_started_at > timezone.now() - datetime.timedelta(minutes=5)
    expect(badge).to_have_text(french(FollowUpStatus.ACTIVE.label))
    expect(statuses).to_have_count(status_changes_before + 2)
    expect(statuses.first).to_contain_text(french(FollowUpStatus.ACTIVE.label))
    expect(statuses.first).to_contain_text(coordinator.get_full_name())
    expect(statuses.nth(1)).to_contain_text(french(translation.gettext_lazy("automatic")))
    assert [
        c.to_status
        for c in FollowUpStatusChange.objects.filter(followup=followup).order_by("changed_at", "pk")
    ][-2:] == ["inactive", "active"]

    assert console_errors == []
