"""axe-core finds no serious or critical violation on the main pages of every role (issue 10,
item 13). axe-core comes from the axe-playwright-python package (its bundled axe.min.js), injected
by Playwright: nothing is fetched from the network, nothing is copied into the repository."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.test_working_day import DESKTOP, PHONE, admitted_weeks_ago, open_as
from tests.referrals.conftest import admit, make_participant, make_referral, screen  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Axe()
BLOCKING = {"serious", "critical"}


def serious_violations(page) -> list[str]:
    results = AXE.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


@pytest.fixture
def program(make_participant, make_referral, personas):  # noqa: F811
    """A small program: participants in every state the pages show, a referral, notices."""
    from followups import services

    worker = personas["worker_ccsmtl"]
    followed = admitted_weeks_ago(make_participant(), 6)
    failing = admitted_weeks_ago(make_participant(), 6)
    for minutes in (40, 30):
        services.contact_attempt_record(
            participant=failing,
            actor=worker,
            at=timezone.now() - datetime.timedelta(minutes=minutes),
            channel="phone",
            outcome="no_answer",
        )
    services.note_save(
        participant=followed,
        actor=worker,
        week=timezone.localdate() - datetime.timedelta(days=7),
        meetings=1,
        meetings_minutes=60,
        activities_summary="Rencontre au parc.",
    )
    recruiter_free = make_referral()
    return {"followed": followed, "failing": failing, "referral": recruiter_free}


def pages(program, personas):
    followed, referral = program["followed"], program["referral"]
    pid = followed.public_id
    return {
        "coordinator": [
            reverse("home"),
            reverse("referrals:referral_queue"),
            reverse("referrals:referral_detail", args=[referral.public_id]),
            reverse("referrals:participant_list"),
            reverse("referrals:participant_detail", args=[pid]),
            reverse("followups:attention") + "?list=one_attempt_left",
            reverse("followups:handover") + f"?worker={personas['worker_codim'].pk}",
            reverse("followups:notifications"),
        ],
        "worker_ccsmtl": [
            reverse("home"),
            reverse("followups:caseload"),
            reverse("followups:timeline", args=[pid]),
            reverse("followups:note_edit", args=[pid]),
            reverse("followups:attempt_add", args=[pid]),
        ],
        "police": [reverse("home"), reverse("referrals:participant_list")],
        "steering": [reverse("home"), reverse("referrals:referral_submit")],
        "researcher": [reverse("home"), reverse("referrals:my_referrals")],
        "administrator": [reverse("home"), reverse("invite")],
    }


@pytest.mark.parametrize(
    "persona",
    ["coordinator", "worker_ccsmtl", "police", "steering", "researcher", "administrator"],
)
def test_the_main_pages_of_every_role_have_no_serious_violation(
    app_url, browser, personas, program, persona
):
    _c, page = open_as(browser, app_url, personas[persona])
    found = {}
    for path in pages(program, personas)[persona]:
        response = page.goto(f"{app_url}{path}")
        assert response.status == 200, path
        violations = serious_violations(page)
        if violations:
            found[path] = violations
    assert found == {}


def test_the_sign_in_page_and_the_phone_caseload_have_no_serious_violation(
    app_url, browser, page, personas, program
):
    page.goto(f"{app_url}{reverse('account_login')}")
    assert serious_violations(page) == []
    _c, phone = open_as(browser, app_url, personas["worker_ccsmtl"], PHONE)
    phone.goto(f"{app_url}{reverse('followups:caseload')}")
    assert serious_violations(phone) == []
    # An open menu (the row's other actions, the missed meeting among them) too.
    _d, desktop = open_as(browser, app_url, personas["worker_ccsmtl"], DESKTOP)
    desktop.goto(f"{app_url}{reverse('followups:caseload')}")
    row = desktop.locator(f"tr[data-participant='{program['failing'].youth_id}']")
    row.locator(".dropdown-toggle").click()
    expect(row.locator(".dropdown-menu")).to_be_visible()
    assert serious_violations(desktop) == []


def test_the_check_does_report_a_contrast_problem(page):
    """The counterpart: the same check fails on text at 1.1:1, as the old language button was."""
    page.set_content(
        '<!DOCTYPE html><html lang="fr"><head><title>t</title></head><body><main>'
        '<button style="color:#f8f9fa;background:#ffffff">English</button></main></body></html>'
    )
    assert any(v.startswith("color-contrast (serious)") for v in serious_violations(page))
