"""A coordinator signs in, in French, sees the coordinator home, switches to English, signs out.

French texts are literal: the journey checks what a person reads, not what the catalogue says.
Only allauth's error message is looked up in the catalogues (its wording belongs to allauth).
"""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

WRONG_CREDENTIALS = "The email address and/or password you specified are not correct."


def expect_login_page(page, *, lang, heading):
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", re.compile(rf"^{lang}"))
    expect(page.get_by_role("heading", level=1, name=heading, exact=True)).to_be_visible()


def test_coordinator_signs_in_in_french_then_switches_to_english(
    app_url, page, personas, console_errors
):
    coordinator = personas["coordinator"]

    # Anonymous: the home page sends to the login page, in French (Accept-Language fr-CA).
    page.goto(f"{app_url}/")
    expect_login_page(page, lang="fr", heading="Se connecter")
    expect(page).to_have_title(re.compile(r"^Se connecter"))
    expect(page.get_by_role("navigation", name="Navigation principale")).to_be_visible()
    expect(page.get_by_role("link", name="Mot de passe oublié ?").first).to_be_visible()
    # The switcher offers only the other language, named in that language.
    switcher = page.get_by_role("banner").get_by_role("button")
    expect(switcher).to_have_count(1)
    expect(switcher).to_have_text("English")
    expect(switcher).to_have_attribute("lang", "en")

    page.get_by_label("Courriel").fill(coordinator.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()

    # The coordinator's home, still in French: one section per role, the invitation card.
    expect(page).to_have_url(f"{app_url}/")
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^fr"))
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(f"Bonjour, {coordinator.first_name}")
    coordinator_section = main.get_by_role("region", name="Coordination", exact=True)
    expect(
        coordinator_section.get_by_role("heading", level=2, name="Coordination", exact=True)
    ).to_be_visible()
    expect(main.get_by_role("region", name="Membre du Comité clinique", exact=True)).to_be_visible()
    invite_card = coordinator_section.get_by_role("link", name="Inviter une personne", exact=True)
    expect(invite_card).to_have_attribute("href", "/people/invite/")
    # Password, two-factor and sign-out sit in the person menu.
    person_menu = page.locator("#person-menu")
    expect(page.get_by_role("button", name="Se déconnecter", exact=True)).to_be_hidden()
    person_menu.click()
    expect(page.get_by_role("button", name="Se déconnecter", exact=True)).to_be_visible()
    person_menu.click()

    # Production cookie settings are kept: the session cookie is Secure, over http://localhost.
    session_cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    assert session_cookie["secure"] and session_cookie["httpOnly"]

    # Switch to English: same page, English texts.
    page.get_by_role("button", name="English", exact=True).click()
    expect(page).to_have_url(f"{app_url}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(f"Hello, {coordinator.first_name}")
    coordinator_section = main.get_by_role("region", name="Coordinator", exact=True)
    expect(
        coordinator_section.get_by_role("heading", level=2, name="Coordinator", exact=True)
    ).to_be_visible()
    expect(
        main.get_by_role("heading", level=2, name="Clinical Committee member", exact=True)
    ).to_be_visible()
    expect(
        coordinator_section.get_by_role("link", name="Invite a person", exact=True)
    ).to_be_visible()
    switcher = page.get_by_role("banner").get_by_role("button", name=re.compile("^(English|Fr)"))
    expect(switcher).to_have_count(1)
    expect(switcher).to_have_text("Français")
    expect(switcher).to_have_attribute("lang", re.compile(r"^fr"))

    # Sign out: back on the login page, still in English.
    page.locator("#person-menu").click()
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect_login_page(page, lang="en", heading="Sign in")
    expect(page.get_by_label("Email")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    assert console_errors == []


def test_wrong_password_shows_an_error_in_the_form_keyboard_only(
    app_url, page, personas, console_errors
):
    coordinator = personas["coordinator"]
    page.goto(f"{app_url}/accounts/login/")
    expect_login_page(page, lang="fr", heading="Se connecter")

    # Keyboard only: type the e-mail, Tab to the password, Enter to submit.
    page.get_by_label("Courriel").focus()
    page.keyboard.type(coordinator.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Mot de passe")).to_be_focused()
    page.keyboard.type("Not-the-right-password-1")
    page.keyboard.press("Enter")

    # Still on the login page, in French, with one error announced inside the login form.
    expect_login_page(page, lang="fr", heading="Se connecter")
    with translation.override("fr-ca"):
        message = translation.gettext(WRONG_CREDENTIALS)
    assert message != WRONG_CREDENTIALS, "allauth's French catalogue should translate this"
    expect(page.locator("main form").get_by_role("alert")).to_have_text(message)
    expect(page.get_by_role("alert")).to_have_count(1)
    expect(page.get_by_label("Courriel")).to_have_value(coordinator.email)
    expect(page.get_by_label("Mot de passe")).to_have_value("")
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)

    assert console_errors == []
