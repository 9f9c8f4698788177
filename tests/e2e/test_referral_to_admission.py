"""From referral to admission, then need-to-know access to the participant file.

The coordinator records a referral, screens it, admits the candidate and assigns workers from two
organisations; one of those workers signs in and finds the participant in their caseload; a worker
of a third organisation, without sharing consent, gets "not found" for the participant's URL.

The referral pages are not translated yet: elements are found by field name, id, href or by data
(names, youth ID), never by UI text, so the journey survives the French catalogue landing.
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
    expect(page.locator('form[action$="/accounts/logout/"] button')).to_be_visible()


def sign_out(page):
    page.locator('form[action$="/accounts/logout/"] button').click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_referral_to_admission_and_need_to_know_access(
    app_url, page, personas, organisations, faker, console_errors
):
    from referrals.models import Participant
    from spheres.models import ReadLogEntry

    coordinator = personas["coordinator"]
    worker_ccsmtl, worker_codim = personas["worker_ccsmtl"], personas["worker_codim"]
    worker_enmarge = personas["worker_enmarge"]
    today = timezone.localdate()
    first_name, last_name = faker.first_name(), faker.last_name()
    full_name = f"{first_name} {last_name}"
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

    reasons.fill("Exploitation sexuelle soupçonnée; fugues répétées du foyer.")
    submit(page)
    expect(page).to_have_url(re.compile(rf"{app_url}/referrals/{UUID}/$"))
    referral_url = page.url
    expect(main.get_by_role("heading", level=1)).to_contain_text(full_name)
    expect(main.locator('a[href$="/admit/"]')).to_have_count(0)

    # 2. Screening: in the area, recognises harms, contemplation → admissible.
    main.locator('a[href$="/screening/"]').click()
    expect(page).to_have_url(f"{referral_url}screening/")
    expect(page.locator("#id_screened_on")).to_have_value(today.isoformat())
    page.locator("[name=lives_in_area]").check()
    page.locator("[name=recognises_harms]").check()
    page.locator("[name=stage_of_change][value=contemplation]").check()
    submit(page)
    expect(page).to_have_url(referral_url)
    admit_link = main.locator('a[href$="/admit/"]')
    expect(admit_link).to_be_visible()

    # 3. Admission: dates prefilled with today, signed program consent with its scan.
    admit_link.click()
    expect(page).to_have_url(f"{referral_url}admit/")
    expect(page.locator("#id_admitted_on")).to_have_value(today.isoformat())
    expect(page.locator("#id_consent_given_on")).to_have_value(today.isoformat())
    page.locator("[name=consent_place]").fill("Bureau du CCSMTL")
    page.locator("[name=consent_form_version]").fill("2026-01")
    page.locator("[name=worker_declaration]").check()
    page.locator("[name=consent_scan]").set_input_files(
        {"name": "formulaire.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    submit(page)
    expect(page).to_have_url(re.compile(rf"{app_url}/participants/{UUID}/assign/$"))
    status = main.get_by_role("status")
    expect(status).to_contain_text(YOUTH_ID)
    youth_id = YOUTH_ID.search(status.inner_text()).group()

    # 4. Two workers from two organisations, then sharing with exactly those two organisations.
    page.locator("select[name=primary]").select_option(str(worker_ccsmtl.pk))
    page.locator("select[name=second]").select_option(str(worker_codim.pk))
    submit(page)
    expect(page).to_have_url(re.compile(rf"{app_url}/participants/{UUID}/$"))
    participant_url = page.url
    expect(main.get_by_role("heading", level=1)).to_contain_text(youth_id)
    expect(main).to_contain_text(worker_ccsmtl.get_full_name())
    expect(main).to_contain_text(worker_codim.get_full_name())

    main.locator('a[href$="/consents/sharing/"]').click()
    expect(page).to_have_url(f"{participant_url}consents/sharing/")
    expect(page.locator("#id_given_on")).to_have_value(today.isoformat())
    checkbox = 'input[name=organisations][value="{}"]'.format
    page.locator(checkbox(organisations["ccsmtl"].pk)).check()
    page.locator(checkbox(organisations["codim"].pk)).check()
    expect(page.locator(checkbox(organisations["enmarge"].pk))).not_to_be_checked()
    submit(page)
    expect(page).to_have_url(participant_url)

    # 5. The CODIM worker finds the participant in their caseload and opens the file.
    sign_out(page)
    sign_in(page, worker_codim)
    page.locator(f'header a[href="{reverse("followups:caseload")}"]').click()
    expect(page).to_have_url(f"{app_url}{reverse('followups:caseload')}")
    row = main.locator("table tbody tr", has=page.get_by_role("link", name=youth_id, exact=True))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(full_name)
    row.get_by_role("link", name=youth_id, exact=True).click()
    expect(page).to_have_url(participant_url)
    expect(main.get_by_role("heading", level=1)).to_contain_text(full_name)
    assert console_errors == []

    # 6. The En Marge worker (no sharing consent for En Marge): not found; the refusal is logged.
    sign_out(page)
    sign_in(page, worker_enmarge)
    response = page.goto(participant_url)
    assert response.status == 404
    expect(main.get_by_role("heading", level=1)).to_be_visible()
    for text in (page.content(), page.locator("body").inner_text()):
        assert full_name not in text
        assert youth_id not in text
    participant = Participant.objects.get(youth_id=youth_id)
    assert ReadLogEntry.objects.filter(
        user=worker_enmarge,
        action=ReadLogEntry.Action.DENIED,
        object_type="participant",
        object_id=participant.pk,
    ).exists()

    # 7. No console error, apart from Chromium's own report of the expected 404 document.
    expected_404 = f"the server responded with a status of 404 (Not Found) @ {participant_url}"
    assert [e for e in console_errors if not e.endswith(expected_404)] == []
