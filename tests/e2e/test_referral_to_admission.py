"""From referral to admission in the program's order, then need-to-know access to the file.

The coordinator records a referral and screens it, then assigns two workers from two
organisations to the candidate: the referrer is told the primary worker's name and contact, and
nothing else. One assigned worker signs in, finds the candidate among their caseload's candidates
and records the initial meeting; a worker of a third organisation gets "not found" for the
referral. The coordinator admits the candidate (program consent as the form has it): the
assignment carries over to the participant file with its history. The assigned worker finds the
participant in the caseload; the third organisation's worker still gets "not found".

Elements are found by field name, id, href or by data (names, youth ID), never by UI text, so
the journey does not depend on the wording of either language.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.files import PDF

pytestmark = pytest.mark.django_db(transaction=True)

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
YOUTH_ID = re.compile(r"#\d{4}-\d{2}")
# A small real PDF: the server parses the content, whatever the name says.


def years_ago(today: datetime.date, years: int, *, days: int = 0) -> datetime.date:
    try:
        anniversary = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        anniversary = today.replace(year=today.year - years, day=28)
    return anniversary - datetime.timedelta(days=days)


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


@pytest.fixture
def eager_celery():
    """The referrer's notice, queued on commit, runs in-process into mail.outbox."""
    from spheres.celery import app

    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False


def test_referral_to_admission_and_need_to_know_access(
    app_url, page, personas, organisations, faker, eager_celery, console_errors
):
    from django.core import mail

    from referrals.models import Participant, Referral
    from spheres.models import ReadLogEntry

    coordinator = personas["coordinator"]
    worker_ccsmtl, worker_codim = personas["worker_ccsmtl"], personas["worker_codim"]
    worker_enmarge = personas["worker_enmarge"]
    today = timezone.localdate()
    first_name, last_name = faker.first_name(), faker.last_name()
    full_name = f"{first_name} {last_name}"
    reasons_text = "Exploitation sexuelle soupçonnée; fugues répétées du foyer."
    main = page.locator("main")

    # 1. The coordinator signs in (French UI) and records a referral from the queue.
    page.goto(app_url + reverse("account_login"))
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^fr"))
    sign_in(page, coordinator)
    page.locator(f'header a[href="{reverse("referrals:referral_queue")}"]').click()
    expect(page).to_have_url(f"{app_url}{reverse('referrals:referral_queue')}")
    main.locator(f'a[href="{reverse("referrals:referral_create")}"]').click()
    expect(page).to_have_url(f"{app_url}{reverse('referrals:referral_create')}")

    page.locator("[name=first_name]").fill(first_name)
    page.locator("[name=last_name]").fill(last_name)
    page.locator("[name=date_of_birth]").fill(years_ago(today, 17, days=40).isoformat())
    page.locator("[name=gender_identity]").fill("Femme")
    page.locator("[name=languages]").fill("Français, créole")
    page.locator("[name=phone]").fill(faker.phone_number())
    page.locator("[name=residence_area]").fill("Centre-Sud")
    page.locator("[name=care_setting]").select_option("group_home")
    page.locator("[name=legal_care]").select_option("youth_protection")
    page.locator("[name=referrer_name]").fill(faker.name())
    page.locator("[name=referrer_contact]").fill("514 555-0199, poste 12")
    page.locator("[name=referrer_email]").fill("intervenante@example.org")
    # Reasons left empty: the error sits beside the field, focus lands on it, input is kept.
    submit(page)
    expect(page).to_have_url(f"{app_url}{reverse('referrals:referral_create')}")
    reasons = page.locator("#id_reasons")
    expect(reasons).to_have_attribute("aria-invalid", "true")
    expect(reasons).to_have_attribute("aria-describedby", re.compile(r"\bid_reasons_error\b"))
    reasons_group = main.locator("form > div", has=reasons)
    expect(reasons_group.locator("#id_reasons_error")).to_be_visible()
    expect(reasons).to_be_focused()
    expect(page.locator("[aria-invalid=true]")).to_have_count(1)
    expect(page.locator("#id_first_name")).to_have_value(first_name)
    expect(page.locator("#id_care_setting")).to_have_value("group_home")

    reasons.fill(reasons_text)
    submit(page)
    expect(page).to_have_url(re.compile(rf"{app_url}/referrals/{UUID}/$"))
    referral_url = page.url
    expect(main.get_by_role("heading", level=1)).to_contain_text(full_name)
    expect(main.locator('a[href$="/admit/"]')).to_have_count(0)
    expect(main.locator('a[href$="/assign/"]')).to_have_count(0)  # screening comes first

    # 2. Screening: in the area, recognises harms, contemplation → admissible.
    main.locator('a[href$="/screening/"]').click()
    expect(page).to_have_url(f"{referral_url}screening/")
    expect(page.locator("#id_screened_on")).to_have_value(today.isoformat())
    page.locator("[name=lives_in_area]").check()
    page.locator("[name=recognises_harms]").check()
    page.locator("[name=stage_of_change][value=contemplation]").check()
    submit(page)
    expect(page).to_have_url(referral_url)
    expect(main.locator('a[href$="/admit/"]')).to_be_visible()

    # 3. Before any meeting, the coordinator assigns a pair from two organisations; the
    #    referrer is told who the primary worker is, and nothing about the person.
    main.locator('a[href$="/assign/"]').click()
    expect(page).to_have_url(f"{referral_url}assign/")
    page.locator("select[name=primary]").select_option(str(worker_ccsmtl.pk))
    page.locator("select[name=second]").select_option(str(worker_codim.pk))
    submit(page)
    expect(page).to_have_url(referral_url)
    expect(main).to_contain_text(worker_ccsmtl.get_full_name())
    expect(main).to_contain_text(worker_codim.get_full_name())
    [notice] = [m for m in mail.outbox if m.to == ["intervenante@example.org"]]
    assert worker_ccsmtl.get_full_name() in notice.body and worker_ccsmtl.email in notice.body
    for secret in (first_name, last_name, reasons_text):
        assert secret not in notice.body and secret not in notice.subject

    # 4. The CODIM worker finds the candidate, sees what the meeting needs (not the screening)
    #    and records the initial meeting they held with their colleague.
    sign_out(page)
    sign_in(page, worker_codim)
    page.locator(f'header a[href="{reverse("followups:caseload")}"]').click()
    candidate_link = main.locator(f'a[href="{referral_url.removeprefix(app_url)}"]')
    expect(candidate_link).to_have_count(1)
    candidate_link.click()
    expect(page).to_have_url(referral_url)
    expect(main.get_by_role("heading", level=1)).to_contain_text(full_name)
    expect(main).to_contain_text(reasons_text)
    expect(main.locator('a[href$="/screening/"]')).to_have_count(0)
    expect(main.locator('a[href$="/admit/"]')).to_have_count(0)
    main.locator('a[href$="/meeting/"]').click()
    expect(page).to_have_url(f"{referral_url}meeting/")
    expect(page.locator(f'input[name=attendees][value="{worker_ccsmtl.pk}"]')).to_be_checked()
    expect(page.locator(f'input[name=attendees][value="{worker_codim.pk}"]')).to_be_checked()
    page.locator("[name=mode][value=in_person]").check()
    page.locator("[name=outcome][value=admitted_now]").check()
    page.locator("[name=notes]").fill("Souhaite s'engager; rencontre au café du quartier.")
    submit(page)
    expect(page).to_have_url(referral_url)
    referral = Referral.objects.get(public_id=referral_url.rstrip("/").rsplit("/", 1)[1])
    assert referral.initial_meetings.get().recorded_by == worker_codim

    # 5. The En Marge worker is not assigned: the referral is "not found" for them.
    sign_out(page)
    sign_in(page, worker_enmarge)
    response = page.goto(referral_url)
    assert response.status == 404
    assert full_name not in page.content()

    # 6. Admission: the program consent as the form has it (the declaration signed by the
    #    primary worker, prefilled), with its scan.
    page.goto(app_url + reverse("home"))
    sign_out(page)
    sign_in(page, coordinator)
    page.goto(f"{referral_url}admit/")
    expect(page.locator("#id_admitted_on")).to_have_value(today.isoformat())
    expect(page.locator("#id_consent_given_on")).to_have_value(today.isoformat())
    expect(page.locator("#id_declaration_signed_by")).to_have_value(str(worker_ccsmtl.pk))
    page.locator("[name=consent_place]").fill("Bureau du CCSMTL")
    page.locator("[name=consent_form_version]").fill("2026-01")
    page.locator("[name=research_use][value=agreed]").check()
    page.locator("[name=copy_given]").check()
    # Confidentiality not ticked: refused beside the field, nothing saved, the rest kept.
    page.locator("[name=consent_scan]").set_input_files(
        {"name": "formulaire.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    submit(page)
    expect(page).to_have_url(f"{referral_url}admit/")
    expect(page.locator("#id_confidentiality_explained_error")).to_be_visible()
    expect(page.locator("#id_consent_place")).to_have_value("Bureau du CCSMTL")
    assert not Participant.objects.exists()
    page.locator("[name=confidentiality_explained]").check()
    page.locator("[name=consent_scan]").set_input_files(
        {"name": "formulaire.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    submit(page)
    # The workers carried over: straight to the file, with the assignment history.
    expect(page).to_have_url(re.compile(rf"{app_url}/participants/{UUID}/$"))
    participant_url = page.url
    status = main.get_by_role("status")
    expect(status).to_contain_text(YOUTH_ID)
    youth_id = YOUTH_ID.search(status.inner_text()).group()
    expect(main.get_by_role("heading", level=1)).to_contain_text(youth_id)
    expect(main.locator("#assign-h + ul")).to_contain_text(worker_ccsmtl.get_full_name())
    expect(main.locator("#assign-h + ul")).to_contain_text(worker_codim.get_full_name())
    expect(main.locator("#safety-plan")).to_be_visible()
    participant = Participant.objects.get(youth_id=youth_id)
    assert participant.assignments.filter(ended_at__isnull=True).count() == 2

    main.locator('a[href$="/consents/sharing/"]').click()
    expect(page).to_have_url(f"{participant_url}consents/sharing/")
    expect(page.locator("#id_given_on")).to_have_value(today.isoformat())
    checkbox = 'input[name=organisations][value="{}"]'.format
    page.locator(checkbox(organisations["ccsmtl"].pk)).check()
    page.locator(checkbox(organisations["codim"].pk)).check()
    expect(page.locator(checkbox(organisations["enmarge"].pk))).not_to_be_checked()
    submit(page)
    expect(page).to_have_url(participant_url)

    # 7. The CODIM worker finds the participant in their caseload and opens the file; the
    #    candidate has left their list of candidates.
    sign_out(page)
    sign_in(page, worker_codim)
    page.locator(f'header a[href="{reverse("followups:caseload")}"]').click()
    expect(page).to_have_url(f"{app_url}{reverse('followups:caseload')}")
    expect(main.locator(f'a[href="{referral_url.removeprefix(app_url)}"]')).to_have_count(0)
    row = main.locator("table tbody tr", has=page.get_by_role("link", name=youth_id, exact=True))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(full_name)
    row.get_by_role("link", name=youth_id, exact=True).click()
    expect(page).to_have_url(participant_url)
    expect(main.get_by_role("heading", level=1)).to_contain_text(full_name)

    # 8. The En Marge worker (no sharing consent for En Marge): not found; the refusal is logged.
    sign_out(page)
    sign_in(page, worker_enmarge)
    response = page.goto(participant_url)
    assert response.status == 404
    expect(main.get_by_role("heading", level=1)).to_be_visible()
    for text in (page.content(), page.locator("body").inner_text()):
        assert full_name not in text
        assert youth_id not in text
    assert ReadLogEntry.objects.filter(
        user=worker_enmarge,
        action=ReadLogEntry.Action.DENIED,
        object_type="participant",
        object_id=participant.pk,
    ).exists()

    # 9. No console error, apart from Chromium's own report of the expected 404 documents.
    expected_404 = "the server responded with a status of 404 (Not Found) @ "
    allowed = (f"{expected_404}{referral_url}", f"{expected_404}{participant_url}")
    assert [e for e in console_errors if not e.endswith(allowed)] == []
