"""Enrolment in two-factor authentication when it is required (SPHERES_REQUIRE_MFA), in a browser.

Signed in with a password only, a person reaches nothing but the MFA set-up pages; adding an
authenticator first asks for the password again (allauth: a sign-in is not a re-authentication).

1. The coordinator activates an authenticator app (TOTP): the secret is read from the page and the
   codes are computed by tests.spheres.test_auth.current_code, an RFC 6238 implementation
   independent of allauth; then signs in again with a wrong code, then the right one.
2. A worker adds a security key (WebAuthn) answered by Chromium's virtual authenticator (CDP), then
   signs in again with it. No console error: allauth's WebAuthn scripts run under our CSP
   (script-src 'self', no inline script).

Determinism of the codes: allauth checks a code against the current 30-second window only
(MFA_TOTP_TOLERANCE = 0) and, at sign-in, refuses a code already used in the last 30 seconds. A
code is therefore computed only when at least SPARE_SECONDS remain in its window (else the test
waits for the next window), so that it is still the current code when the server checks it.
Activation only checks the code (it does not spend it), so the sign-in that follows may be in the
same window: that is what a person would do, typing the code their app still shows.

Elements are found by URL, href, id and field name; the texts checked are looked up in the
catalogues (allauth owns their wording), in French as the browser asks for fr-CA.
"""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.spheres.test_auth import current_code

pytestmark = pytest.mark.django_db(transaction=True)

TOTP_PERIOD = 30
SPARE_SECONDS = 8
LOGOUT_BUTTON = 'header form[action$="/accounts/logout/"] button'


def french(text: str) -> str:
    with translation.override("fr-ca"):
        message = translation.gettext(text)
    assert message != text, f"the French catalogue should translate {text!r}"
    return message


@pytest.fixture
def mfa_required(settings):
    settings.SPHERES_REQUIRE_MFA = True
    return settings


def url(app_url: str, name: str) -> str:
    return f"{app_url}{reverse(name)}"


def sign_in(page, app_url, user):
    page.goto(url(app_url, "account_login"))
    page.locator("main [name=login]").fill(user.email)
    page.locator("main [name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def sign_out(page, app_url):
    page.locator("#person-menu").click()  # the person menu holds password, 2FA and sign-out
    page.locator(LOGOUT_BUTTON).click()
    expect(page).to_have_url(url(app_url, "account_login"))


def expect_home(page, app_url, user):
    expect(page).to_have_url(f"{app_url}/")
    expect(page.get_by_role("main").get_by_role("heading", level=1)).to_have_text(
        f"Bonjour, {user.first_name}"
    )


def expect_held_at_mfa_setup(page, app_url):
    """Without an authenticator, the home page (and anything else) sends to the MFA page."""
    for path in ("/", "/", reverse("invite")):
        page.goto(f"{app_url}{path}")
        expect(page).to_have_url(url(app_url, "mfa_index"))
        expect(page.get_by_role("heading", level=1)).to_have_text(
            french("Two-Factor Authentication")
        )


def confirm_password_then_reach(page, app_url, name):
    """allauth asks for the password again before adding an authenticator (a sign-in is not a
    re-authentication), then resumes where the person was going."""
    expect(page).to_have_url(re.compile(rf"^{re.escape(url(app_url, 'account_reauthenticate'))}\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text(french("Confirm Access"))
    page.locator("main [name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(url(app_url, name))


def code_with_time_to_spare(page, secret: str) -> str:
    """The code an authenticator app shows, computed when its window has SPARE_SECONDS left."""
    left = TOTP_PERIOD - time.time() % TOTP_PERIOD
    if left < SPARE_SECONDS:
        page.wait_for_timeout((left + 0.5) * 1000)
    return current_code(secret)


def test_coordinator_enrols_an_authenticator_app_then_signs_in_with_it(
    app_url, page, personas, console_errors, mfa_required
):
    coordinator = personas["coordinator"]

    sign_in(page, app_url, coordinator)
    expect(page).to_have_url(url(app_url, "mfa_index"))
    expect_held_at_mfa_setup(page, app_url)

    # The MFA page offers the authenticator app; its activation page shows the secret as text.
    page.locator(f'main a[href="{reverse("mfa_activate_totp")}"]').click()
    confirm_password_then_reach(page, app_url, "mfa_activate_totp")
    expect(page.get_by_role("heading", level=1)).to_have_text(french("Activate Authenticator App"))
    secret_field = page.locator("main #authenticator_secret")
    expect(secret_field).to_have_value(re.compile(r"^[A-Z2-7]{32}$"))  # 20 random bytes, base32
    secret = secret_field.input_value()
    # The QR code carries the same secret (its alt text), for the app to scan.
    expect(page.locator("main img")).to_have_attribute("alt", secret)

    page.locator("main [name=code]").fill(code_with_time_to_spare(page, secret))
    page.locator("main form button[type=submit]").click()

    # Activated: allauth generated the recovery codes and shows them once.
    expect(page).to_have_url(url(app_url, "mfa_view_recovery_codes"))
    expect(page.locator("main #recovery_codes")).to_be_visible()
    assert len(page.locator("main #recovery_codes").input_value().split()) == 10
    totp = Authenticator.objects.get(user=coordinator, type=Authenticator.Type.TOTP)
    assert secret not in str(totp.data), "the TOTP secret is stored encrypted"
    assert Authenticator.objects.filter(
        user=coordinator, type=Authenticator.Type.RECOVERY_CODES
    ).exists()

    # The home page opens now.
    page.goto(f"{app_url}/")
    expect_home(page, app_url, coordinator)

    # Sign out, sign in again: the password is not enough, the second step asks for a code.
    sign_out(page, app_url)
    sign_in(page, app_url, coordinator)
    expect(page).to_have_url(url(app_url, "mfa_authenticate"))
    expect(page.locator(LOGOUT_BUTTON)).to_have_count(0)
    # The password alone does not open the home page: allauth resumes the pending second step.
    page.goto(f"{app_url}/")
    expect(page).to_have_url(url(app_url, "mfa_authenticate"))

    # A wrong code (any code but the current one: no other window is accepted) is refused.
    right = code_with_time_to_spare(page, secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    code_form = page.locator(f'main form[action="{reverse("mfa_authenticate")}"]').first
    code_form.locator("[name=code]").fill(wrong)
    code_form.locator("button[type=submit]").click()
    expect(page).to_have_url(url(app_url, "mfa_authenticate"))
    expect(page.get_by_role("main")).to_contain_text(french("Incorrect code."))
    expect(page.locator(LOGOUT_BUTTON)).to_have_count(0)

    # The right code signs in.
    code_form = page.locator(f'main form[action="{reverse("mfa_authenticate")}"]').first
    code_form.locator("[name=code]").fill(code_with_time_to_spare(page, secret))
    code_form.locator("button[type=submit]").click()
    expect_home(page, app_url, coordinator)

    assert console_errors == []


def test_worker_enrols_a_security_key_then_signs_in_with_it(
    app_url, page, personas, console_errors, mfa_required
):
    # Production's origin check stays on: fido2 (>= 1.1) accepts http://localhost as an origin,
    # as browsers treat it as a secure context. MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True would
    # replace that check with "any origin", so the journey would no longer prove it.
    mfa_required.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
    worker = personas["worker_codim"]

    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator_id = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )["authenticatorId"]

    sign_in(page, app_url, worker)
    expect(page).to_have_url(url(app_url, "mfa_index"))
    expect_held_at_mfa_setup(page, app_url)

    page.locator(f'main a[href="{reverse("mfa_add_webauthn")}"]').click()
    confirm_password_then_reach(page, app_url, "mfa_add_webauthn")
    page.locator("main [name=name]").fill("Clé du bureau")
    # allauth's script asks the browser for a credential, the virtual key answers, the form posts.
    page.locator("main #mfa_webauthn_add").click()

    expect(page).to_have_url(url(app_url, "mfa_view_recovery_codes"))
    key = Authenticator.objects.get(user=worker, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Clé du bureau"
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert len(credentials["credentials"]) == 1
    sign_count = credentials["credentials"][0]["signCount"]

    page.goto(f"{app_url}/")
    expect_home(page, app_url, worker)

    # Sign out, sign in again: the second step offers the security key.
    sign_out(page, app_url)
    sign_in(page, app_url, worker)
    expect(page).to_have_url(url(app_url, "mfa_authenticate"))
    use_key = page.locator("main #mfa_webauthn_authenticate")
    expect(use_key).to_have_text(french("Use a security key"))
    use_key.click()
    expect_home(page, app_url, worker)
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert credentials["credentials"][0]["signCount"] > sign_count, "the key signed the sign-in"

    assert console_errors == []
