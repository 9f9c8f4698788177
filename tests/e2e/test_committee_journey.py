"""The Clinical Committee, in French, from the coordinator's home page to the printed minutes.

Next week's meeting was scheduled (its agenda prepared at once); then the inactivity job made a
follow-up inactive and the agenda job refreshed the agenda. The coordinator opens the agenda from
the home page: it already lists the pending referral (by referral number) and the follow-up made
inactive by the job (by youth ID). She records police news on the inactive follow-up, decides
from the agenda who will follow the pending candidate and reassigns the participant's workers
(both carried out at once by the assignment service), writes the minutes, downloads the minutes
as a PDF and finds no name in them.

Elements are found by names, data attributes, hrefs and data (youth ID, referral number); the
few texts checked come from the application's own French catalogue.
"""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.conftest import PASSWORD
from tests.referrals.conftest import admit, make_participant, make_referral, screen  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def french(text) -> str:
    with translation.override("fr-ca"):
        return str(text)


@pytest.fixture
def eager_celery():
    from spheres.celery import app

    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False


def test_coordinator_prepares_decides_and_prints_the_clinical_committee(
    app_url,
    page,
    personas,
    make_participant,  # noqa: F811
    make_referral,  # noqa: F811
    screen,  # noqa: F811
    settings,
    eager_celery,
    console_errors,
):
    from committees import services as committee_services
    from committees.models import Committee, Decision, DecisionKind, ItemKind, ItemNews
    from committees.rules import referral_number
    from committees.tasks import refresh_agendas
    from followups import services as followup_services
    from followups.models import AttemptOutcome, Channel, FollowUp, InactiveReason
    from followups.tasks import flag_unreachable_followups
    from referrals import services as referral_services
    from referrals.models import Assignment, ReferralStatus

    coordinator = personas["coordinator"]
    committee = committee_services.committee_create(
        actor=coordinator, kind="clinical", name="Comité clinique", default_place="Salle 3"
    )
    Committee.objects.filter(pk=committee.pk).update(presentations_per_worker=0)
    since = timezone.localdate() - datetime.timedelta(days=30)
    for key in ("coordinator", "worker_ccsmtl", "worker_codim", "police"):
        committee_services.member_add(
            committee=committee, actor=coordinator, user=personas[key], starts_on=since
        )
    candidate = make_referral()
    screen(candidate)
    referral_services.referral_set_status(
        referral=candidate, to_status=ReferralStatus.AWAITING_COMMITTEE, actor=coordinator
    )
    participant = make_participant()
    FollowUp.objects.filter(participant=participant).update(
        period_started_at=timezone.now() - datetime.timedelta(days=1)
    )
    meeting = committee_services.meeting_schedule(
        committee=committee,
        actor=coordinator,
        day=timezone.localdate() + datetime.timedelta(days=7),
        start_time=datetime.time(9, 30),
    )[0]
    # The worker's two failed attempts; the jobs run (inactivity, then the agendas).
    settings.SPHERES_INACTIVITY_FAILED_ATTEMPTS = 2
    for hours in (6, 2):
        followup_services.contact_attempt_record(
            participant=participant,
            actor=personas["worker_ccsmtl"],
            channel=Channel.PHONE,
            outcome=AttemptOutcome.NO_ANSWER,
            at=timezone.now() - datetime.timedelta(hours=hours),
        )
    assert flag_unreachable_followups() == 1
    assert refresh_agendas() == 1

    main = page.locator("main")
    meeting_path = reverse("committees:meeting_detail", args=[meeting.public_id])
    names = [
        participant.referral.first_name,
        participant.referral.last_name,
        candidate.first_name,
        candidate.last_name,
    ]

    # 1. The coordinator signs in (French) and opens next week's agenda from her home page.
    page.goto(app_url + reverse("account_login"))
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^fr"))
    page.locator("[name=login]").fill(coordinator.email)
    page.locator("[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{app_url}/")
    main.locator(f'[data-panel=meetings] a[href="{meeting_path}"]').click()
    expect(page).to_have_url(f"{app_url}{meeting_path}")

    awaiting = main.locator(f'[data-section="{ItemKind.REFERRAL_AWAITING}"]')
    expect(awaiting.locator(".identifier")).to_have_text(referral_number(candidate.pk))
    inactive = main.locator(f'[data-section="{ItemKind.FOLLOWUP_INACTIVE}"] li.agenda-item')
    expect(inactive).to_have_count(1)
    expect(inactive.locator(".identifier")).to_have_text(participant.youth_id)
    expect(inactive).to_contain_text(french(InactiveReason.UNREACHABLE.label))
    expect(inactive).to_contain_text(f"({french(translation.gettext_lazy('automatic'))})")

    # 2. Police news on the inactive follow-up.
    inactive.locator("select[name=source]").select_option("police")
    inactive.locator("textarea[name=text]").fill("Vue au centre-ville mardi, semble aller bien.")
    inactive.locator(".news-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(meeting_path)}#item-\d+$"))
    expect(main.locator(".alert-success")).to_be_visible()
    expect(inactive.locator(".news")).to_contain_text("Vue au centre-ville mardi")
    assert ItemNews.objects.get().source == "police"

    # 3. The committee decides who follows the pending candidate (before the initial meeting).
    awaiting.locator(f'a[data-decision="{DecisionKind.ASSIGN_CANDIDATE}"]').click()
    form = awaiting.locator("form.decision-form")
    expect(form).to_be_visible()
    form.locator("select[name=primary]").select_option(str(personas["worker_ccsmtl"].pk))
    form.locator("button[type=submit]").click()
    expect(main.locator(".alert-success")).to_be_visible()
    expect(awaiting.locator(".decision")).to_contain_text(personas["worker_ccsmtl"].get_full_name())
    chosen = Decision.objects.get(kind=DecisionKind.ASSIGN_CANDIDATE)
    assert chosen.assignment == Assignment.objects.get(
        referral=candidate, participant__isnull=True, role="primary", ended_at__isnull=True
    )

    # 4. The committee reassigns the participant's workers, from the agenda.
    inactive.locator(f'a[data-decision="{DecisionKind.ASSIGN_WORKERS}"]').click()
    form = inactive.locator("form.decision-form")
    expect(form).to_be_visible()
    form.locator("select[name=primary]").select_option(str(personas["worker_codim"].pk))
    form.locator("select[name=second]").select_option(str(personas["worker_ccsmtl"].pk))
    form.locator("textarea[name=reason]").fill("Relance par une intervenante connue.")
    form.locator("button[type=submit]").click()
    expect(main.locator(".alert-success")).to_be_visible()
    expect(inactive.locator(".decision")).to_contain_text(personas["worker_codim"].get_full_name())
    decision = Decision.objects.get(kind=DecisionKind.ASSIGN_WORKERS)
    assert decision.assignment == Assignment.objects.get(
        participant=participant, role="primary", ended_at__isnull=True
    )
    assert decision.assignment.worker == personas["worker_codim"]

    # 5. The minutes of that item.
    inactive.locator("textarea[name=minutes]").fill(
        "Réattribution décidée; la police transmettra toute nouvelle."
    )
    inactive.locator(".minutes-form button[type=submit]").click()
    expect(main.locator(".alert-success")).to_be_visible()
    expect(inactive.locator("textarea[name=minutes]")).to_have_value(
        "Réattribution décidée; la police transmettra toute nouvelle."
    )

    # 6. The minutes as a PDF: identifiers, decisions and minutes; no name.
    with page.expect_download() as download:
        main.locator("a[data-document=minutes-pdf]").click()
    content = open(download.value.path(), "rb").read()  # noqa: SIM115
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert participant.youth_id in text
    assert referral_number(candidate.pk) in text
    assert "Réattribution décidée" in text
    assert "Vue au centre-ville mardi" in text
    for name in names:
        assert name not in text, name
    assert participant.referral.date_of_birth.isoformat() not in text

    assert console_errors == []
