"""Login rate limits behind the reverse proxy: keyed on the real client address, and on the
account and address, so that an attacker elsewhere cannot lock an account's owner out."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.spheres.test_settings import PRODUCTION_ENV, run_manage

pytestmark = pytest.mark.django_db

ATTACKER, OWNER = "203.0.113.9", "198.51.100.7"


@pytest.fixture
def behind_proxy(settings):
    # docker-compose: one proxy in front of gunicorn, which appends the client's address to
    # X-Forwarded-For; every request reaches Django from the proxy's own address.
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = None


def through_proxy(client, user, *, client_address, password=PASSWORD, sent_header=None):
    """A login POST as the proxy forwards it: the client's own X-Forwarded-For (if any, possibly
    forged) with the client's real address appended by the proxy."""
    forwarded = f"{sent_header}, {client_address}" if sent_header else client_address
    client.cookies.clear()
    return client.post(
        reverse("account_login"),
        {"login": user.email, "password": password},
        REMOTE_ADDR="172.18.0.1",  # the proxy
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def signed_in(client) -> bool:
    return SESSION_KEY in client.session


def test_failures_from_an_attackers_address_do_not_lock_the_owner_out(
    client, personas, behind_proxy
):
    coordinator = personas["coordinator"]
    start = timezone.now()
    for i in range(5):  # spaced out, so the account-wide slow-down does not interfere
        with time_machine.travel(start + timedelta(seconds=31 * i), tick=False):
            through_proxy(client, coordinator, client_address=ATTACKER, password="wrong-guess-1")
            assert not signed_in(client)
    later = start + timedelta(seconds=31 * 5)
    with time_machine.travel(later, tick=False):
        # The attacker's address is locked out of this account, even with the right password…
        through_proxy(client, coordinator, client_address=ATTACKER)
        assert not signed_in(client)
        # …while the owner signs in from elsewhere.
        response = through_proxy(client, coordinator, client_address=OWNER)
        assert response.status_code == 302
        assert signed_in(client)


def test_a_forged_forwarded_for_header_counts_against_the_senders_real_address(
    client, personas, behind_proxy
):
    coordinator = personas["coordinator"]
    start = timezone.now()
    for i in range(5):
        with time_machine.travel(start + timedelta(seconds=31 * i), tick=False):
            # The attacker claims to be the owner's address, then a different one each time.
            forged = OWNER if i == 0 else f"192.0.2.{i}"
            through_proxy(
                client,
                coordinator,
                client_address=ATTACKER,
                password="wrong-guess-1",
                sent_header=forged,
            )
    with time_machine.travel(start + timedelta(seconds=31 * 5), tick=False):
        through_proxy(client, coordinator, client_address=ATTACKER, sent_header="192.0.2.200")
        assert not signed_in(client)  # forging the header did not escape the limit
        through_proxy(client, coordinator, client_address=OWNER)
        assert signed_in(client)  # nor did it lock the owner's real address


def test_ten_failures_from_one_address_do_not_block_everyone_elses_logins(
    client, personas, behind_proxy
):
    accounts = [p for name, p in personas.items() if name != "coordinator"]
    with time_machine.travel(timezone.now(), tick=False):
        for i in range(10):
            through_proxy(
                client, accounts[i % len(accounts)], client_address=ATTACKER, password="nope-1"
            )
        through_proxy(client, personas["coordinator"], client_address=ATTACKER)
        assert not signed_in(client)  # that address is done for the minute
        through_proxy(client, personas["coordinator"], client_address=OWNER)
        assert signed_in(client)


def test_the_account_as_a_whole_is_slowed_down_not_locked(client, personas, behind_proxy):
    coordinator = personas["coordinator"]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for i in range(3):  # three addresses, three failures in a few seconds
            through_proxy(
                client, coordinator, client_address=f"203.0.113.{10 + i}", password="nope-1"
            )
        response = through_proxy(client, coordinator, client_address=OWNER)
        assert not signed_in(client)
        assert response.context["form"].errors["__all__"] == [
            "Plusieurs tentatives de connexion à ce compte ont échoué : attendez une demi-minute, "
            "puis réessayez."
        ]
    with time_machine.travel(start + timedelta(seconds=31), tick=False):
        through_proxy(client, coordinator, client_address=OWNER)
        assert signed_in(client)


def test_without_a_trusted_proxy_the_forwarded_for_header_is_ignored(client, personas):
    # Default (direct connections): a client cannot pick its address by sending the header.
    coordinator = personas["coordinator"]
    start = timezone.now()
    for i in range(5):
        with time_machine.travel(start + timedelta(seconds=31 * i), tick=False):
            client.post(
                reverse("account_login"),
                {"login": coordinator.email, "password": "nope-1"},
                REMOTE_ADDR=ATTACKER,
                HTTP_X_FORWARDED_FOR=f"192.0.2.{i}",
            )
    with time_machine.travel(start + timedelta(seconds=31 * 5), tick=False):
        client.post(
            reverse("account_login"),
            {"login": coordinator.email, "password": PASSWORD},
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR="192.0.2.99",
        )
        assert not signed_in(client)


# --- Configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DJANGO_BEHIND_TLS_PROXY": "1"}, "DJANGO_BEHIND_TLS_PROXY=1 needs"),
        ({"SPHERES_TRUSTED_PROXY_COUNT": "one"}, "SPHERES_TRUSTED_PROXY_COUNT must be an integer"),
        ({"SPHERES_TRUSTED_PROXY_COUNT": "-1"}, "SPHERES_TRUSTED_PROXY_COUNT must be 0 or more"),
        (
            {"SPHERES_TRUSTED_CLIENT_IP_HEADER": "X-Real-IP: 1"},
            "SPHERES_TRUSTED_CLIENT_IP_HEADER must be a header name",
        ),
        (
            {"SPHERES_TRUSTED_PROXY_COUNT": "1", "SPHERES_TRUSTED_CLIENT_IP_HEADER": "X-Real-IP"},
            "not both",
        ),
    ],
)
def test_a_bad_proxy_configuration_stops_the_start(overrides, message):
    result = run_manage("check", env_overrides={**PRODUCTION_ENV, **overrides})
    assert result.returncode != 0
    assert message in result.stderr


def test_the_proxy_configuration_reaches_allauth():
    result = run_manage(
        "shell",
        "-c",
        "from allauth import app_settings as a; "
        "print(a.TRUSTED_PROXY_COUNT, a.TRUSTED_CLIENT_IP_HEADER)",
        env_overrides={
            **PRODUCTION_ENV,
            "DJANGO_BEHIND_TLS_PROXY": "1",
            "SPHERES_TRUSTED_PROXY_COUNT": "1",
        },
    )
    assert result.stdout.strip().splitlines()[-1] == "1 None", result.stderr
