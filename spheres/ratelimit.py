"""Login rate limits that an attacker cannot turn against an account's owner.

Behind the reverse proxy every request comes from the proxy's address, so allauth must be told
how to find the client's (ALLAUTH_TRUSTED_PROXY_COUNT or ALLAUTH_TRUSTED_CLIENT_IP_HEADER, from
the environment). Failed logins are then counted per client address, per account *and* address
(a lockout that only concerns the address that failed), and per account as a whole with a short
window: a slow-down, never a lockout of the owner signing in from elsewhere.

This module is imported by the settings: nothing here may import Django models at import time.
"""

import re

from django.core.exceptions import ImproperlyConfigured

# An HTTP header name (RFC 9110 token), e.g. X-Real-IP or CF-Connecting-IP.
_HEADER = re.compile(r"^[A-Za-z0-9-]+$")

ACCOUNT_ACTION = "login_failed_account"


def client_ip_settings(
    *, proxy_count: int, client_ip_header: str, behind_proxy: bool
) -> tuple[int, str | None]:
    """(ALLAUTH_TRUSTED_PROXY_COUNT, ALLAUTH_TRUSTED_CLIENT_IP_HEADER), validated.

    Behind the TLS proxy one of them is required: without it every client would share the
    proxy's address and ten failed logins from anyone would block everybody's."""
    header = client_ip_header.strip()
    if proxy_count < 0:
        raise ImproperlyConfigured("SPHERES_TRUSTED_PROXY_COUNT must be 0 or more.")
    if header and not _HEADER.match(header):
        raise ImproperlyConfigured(
            f"SPHERES_TRUSTED_CLIENT_IP_HEADER must be a header name such as X-Real-IP, "
            f"not {header!r}."
        )
    if header and proxy_count:
        raise ImproperlyConfigured(
            "Set SPHERES_TRUSTED_PROXY_COUNT or SPHERES_TRUSTED_CLIENT_IP_HEADER, not both."
        )
    if behind_proxy and not (header or proxy_count):
        raise ImproperlyConfigured(
            "DJANGO_BEHIND_TLS_PROXY=1 needs SPHERES_TRUSTED_PROXY_COUNT (the number of proxies "
            "that append to X-Forwarded-For, usually 1) or SPHERES_TRUSTED_CLIENT_IP_HEADER: "
            "otherwise every client has the proxy's address for the login rate limits."
        )
    return proxy_count, header or None


def account_of(credentials: dict) -> str:
    return (credentials.get("email") or credentials.get("username") or "").strip().lower()


def account_and_address_key(request, credentials: dict) -> str:
    """The key of allauth's per-key `login_failed` limit: the account and the client address."""
    from allauth.account.adapter import get_adapter

    return f"{account_of(credentials)}|{get_adapter().get_client_ip(request)}"


def account_is_slowed_down(request, credentials: dict) -> bool:
    """True while the account as a whole has had too many recent failures (from anywhere)."""
    from allauth.core import ratelimit

    account = account_of(credentials)
    if not account:
        return False
    return not ratelimit.consume(request, action=ACCOUNT_ACTION, key=account, dry_run=True)


def record_account_failure(request, credentials: dict) -> None:
    from allauth.core import ratelimit

    account = account_of(credentials)
    if account:
        ratelimit.consume(request, action=ACCOUNT_ACTION, key=account)
