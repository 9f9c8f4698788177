"""Sign-in, MFA, sessions and deny-by-default."""

import base64
import hashlib
import hmac
import struct
import time
from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from spheres import services
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def current_code(secret: str) -> str:
    """RFC 6238 computed here, independently of allauth: what an authenticator app shows."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def sign_in(client, user, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": user.email, "password": password})


def enrol_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


# --- MFA ---------------------------------------------------------------------------------------


def test_without_mfa_a_user_reaches_only_mfa_setup_when_required(client, personas, settings):
    settings.SPHERES_REQUIRE_MFA = True
    sign_in(client, personas["coordinator"])
    for name in ("home", "invite", "admin:index"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_index")
    assert client.get(reverse("mfa_activate_totp")).status_code in (200, 302)
    # Setting up MFA may ask to confirm the password first; that page is reachable too.
    response = client.get(reverse("mfa_activate_totp"))
    if response.status_code == 302:
        assert reverse("account_reauthenticate") in response["Location"]
        assert client.get(response["Location"]).status_code == 200


def test_without_the_setting_mfa_is_optional(client, personas, settings):
    settings.SPHERES_REQUIRE_MFA = False
    sign_in(client, personas["coordinator"])
    assert client.get(reverse("home")).status_code == 200


def test_an_enrolled_user_signs_in_with_a_code_and_reaches_home(client, personas, settings):
    settings.SPHERES_REQUIRE_MFA = True
    user = personas["coordinator"]
    secret = enrol_totp(user)
    response = sign_in(client, user)
    assert response["Location"] == reverse("mfa_authenticate")
    assert SESSION_KEY not in client.session  # not signed in before the second factor
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_the_same_totp_code_is_refused_the_second_time(client, personas):
    user = personas["coordinator"]
    secret = enrol_totp(user)
    code = current_code(secret)
    with time_machine.travel(timezone.now(), tick=False):
        sign_in(client, user)
        assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
        client.post(reverse("account_logout"))
        sign_in(client, user)
        response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 200  # the form again, with an error
    assert SESSION_KEY not in client.session
    assert response.context["form"].errors


def test_the_stored_totp_secret_is_not_in_clear(personas):
    user = personas["coordinator"]
    secret = enrol_totp(user)
    stored = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"]
    assert secret not in stored
    assert TOTP(Authenticator.objects.get(user=user)).validate_code(current_code(secret))


# --- Sign-in -----------------------------------------------------------------------------------


def test_login_is_rate_limited_per_account(client, personas):
    user = personas["worker_codim"]
    for _ in range(5):
        response = sign_in(client, user, password="wrong-password-123")
        assert SESSION_KEY not in client.session
    response = sign_in(client, user)  # the right password, too late
    assert SESSION_KEY not in client.session
    assert response.status_code in (200, 429)


def test_a_failed_login_says_the_same_for_unknown_and_known_accounts(client, personas):
    known = sign_in(client, personas["worker_codim"], password="wrong-password-123")
    unknown = client.post(
        reverse("account_login"), {"login": "nobody@example.org", "password": "x"}
    )
    assert known.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()


def test_password_reset_does_not_reveal_whether_an_account_exists(
    client, personas, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from spheres.celery import app

    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            known = client.post(
                reverse("account_reset_password"), {"email": personas["worker_codim"].email}
            )
            unknown = client.post(
                reverse("account_reset_password"), {"email": "nobody@example.org"}
            )
    finally:
        app.conf.task_always_eager = False
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert [m.to for m in mail.outbox] == [[personas["worker_codim"].email]]


def test_there_is_no_public_sign_up(client):
    response = client.post(
        reverse("account_signup"), {"email": "new@example.org", "password1": "A-long-passphrase-99"}
    )
    assert b"new@example.org" not in response.content
    from spheres.models import User

    assert not User.objects.filter(email="new@example.org").exists()


def test_weak_passwords_are_refused(client, personas):
    user = personas["worker_codim"]
    client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "12345678", "password2": "12345678"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["password1"]


# --- Sessions ----------------------------------------------------------------------------------


def test_an_idle_session_expires_after_30_minutes(client, personas):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, personas["coordinator"])
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert client.get(reverse("home")).status_code == 200  # activity renews the session
    with time_machine.travel(start + timedelta(minutes=29 + 31), tick=False):
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_page_asked_while_someone_types_keeps_the_session_and_only_for_them(client, personas):
    """static/js/spheres.js asks it every few minutes of typing: a note written over 40 minutes
    is saved, not lost to the idle limit. Signed out, it answers with the login redirect the
    script reads as "session ended"."""
    keepalive = reverse("session_keepalive")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, personas["worker_ccsmtl"])
        page = client.get(reverse("home")).content.decode()
        assert f'data-keepalive-url="{keepalive}"' in page
        assert 'data-session-idle="1800"' in page
    for minutes in (5, 10, 15, 20, 25, 30, 35, 40):  # typing, no page asked
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get(keepalive).status_code == 204
    with time_machine.travel(start + timedelta(minutes=44), tick=False):
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + timedelta(minutes=44 + 31), tick=False):
        response = client.get(keepalive)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_active_session_still_ends_after_12_hours(client, personas):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, personas["coordinator"])
    for minutes in range(20, 12 * 60, 20):  # never idle for more than 20 minutes
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + timedelta(hours=12, minutes=5), tick=False):
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_deactivated_users_open_session_stops_working(client, personas):
    user = personas["worker_codim"]
    sign_in(client, user)
    assert client.get(reverse("home")).status_code == 200
    services.user_deactivate(user=user, actor=personas["administrator"])
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert SESSION_KEY not in client.session or client.get(reverse("home")).status_code == 302


# --- Deny by default ---------------------------------------------------------------------------

# Pages an anonymous person must reach: signing in, recovering access, health, language.
PUBLIC = {
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_confirm_email",
    "account_email_verification_sent",
    "account_inactive",
    "mfa_authenticate",
    "mfa_reauthenticate",
    "mfa_trust",
    "account_login_code_confirm",
    "account_confirm_login_code",
    "account_request_login_code",
    "account_confirm_password_reset_code",
    "account_verify_phone",
    "account_email_verification_code",
    "healthz",
    "set_language",
}
SAMPLE_KWARGS = ("1", "x", "spheres")


def walk(resolver, prefix="", converters=None):
    """(qualified name, pattern, converters of the pattern and of the includes above it)."""
    converters = converters or {}
    for pattern in resolver.url_patterns:
        here = {**converters, **getattr(pattern.pattern, "converters", {})}
        if isinstance(pattern, URLResolver):
            ns = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from walk(pattern, ns, here)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{prefix}{pattern.name}", pattern, here


CONVERTER_SAMPLES = {
    "IntConverter": "1",
    "UUIDConverter": "00000000-0000-4000-8000-000000000000",
    "StringConverter": "program",
    "SlugConverter": "x",
    "PathConverter": "x",
}


def sample_url(name, pattern, converters):
    keys = list(pattern.pattern.regex.groupindex)
    if converters:
        return reverse(
            name, kwargs={k: CONVERTER_SAMPLES[type(c).__name__] for k, c in converters.items()}
        )
    for sample in SAMPLE_KWARGS:
        try:
            return reverse(name, kwargs={k: sample for k in keys})
        except Exception:  # noqa: BLE001, S112 - try the next sample value
            continue
    return None


def test_anonymous_requests_to_every_url_are_sent_to_login(client):
    checked, unreachable = 0, []
    for name, pattern, converters in walk(get_resolver()):
        if name in PUBLIC:
            continue
        url = sample_url(name, pattern, converters)
        if url is None:
            unreachable.append(name)
            continue
        response = client.get(url, follow=True)
        assert response.redirect_chain, f"{name} ({url}) answered an anonymous request"
        final = response.redirect_chain[-1][0]
        assert final.split("?")[0] == reverse("account_login"), f"{name} -> {final}"
        checked += 1
    assert checked > 20
    assert unreachable == []


def test_the_admin_is_for_administrators_only(login, personas):
    assert login(personas["administrator"]).get(reverse("admin:index")).status_code == 200
    response = login(personas["coordinator"]).get(reverse("admin:index"), follow=True)
    assert response.status_code == 403


def test_the_admin_login_goes_through_allauth(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_session_is_written_at_most_once_a_minute(client, personas):
    from django.contrib.sessions.models import Session

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, personas["coordinator"])
        client.get(reverse("home"))
        expiry = Session.objects.get().expire_date
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        client.get(reverse("home"))
    assert Session.objects.get().expire_date == expiry  # 30 s later: nothing written
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        client.get(reverse("home"))
    assert Session.objects.get().expire_date > expiry  # a minute later, activity renews it
