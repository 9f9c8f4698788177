import time

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _

SESSION_AUTH_AT = "spheres_auth_at"
SESSION_SEEN_AT = "spheres_seen_at"


class SessionLifetimeMiddleware:
    """Absolute session lifetime (12 h by default). The 30-minute idle limit is the session's own
    expiry (SESSION_COOKIE_AGE), renewed by activity — but the session is saved at most once per
    SPHERES_SESSION_RENEW_SECONDS (a minute), not on every request: the idle limit may fall up to
    a minute early, and most requests write nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(SESSION_AUTH_AT)
            now = int(time.time())
            if started is None:
                request.session[SESSION_AUTH_AT] = now
            elif now - started > settings.SPHERES_SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(request, _("Your session has expired. Please sign in again."))
                return redirect(settings.LOGIN_URL)
            if (
                now - request.session.get(SESSION_SEEN_AT, 0)
                >= settings.SPHERES_SESSION_RENEW_SECONDS
            ):
                request.session[SESSION_SEEN_AT] = now  # marks it modified: saved, expiry renewed
        return self.get_response(request)


# Where a signed-in person without an authenticator may still go under SPHERES_REQUIRE_MFA.
MFA_SETUP_ALLOWED = {
    "mfa_index",
    "mfa_activate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_list_webauthn",
    "mfa_add_webauthn",
    "account_reauthenticate",
    "account_logout",
    "set_language",
    "healthz",
}


class RequireMFAMiddleware:
    """allauth offers MFA but does not require it: in production every account must enrol
    before reaching anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.SPHERES_REQUIRE_MFA or not request.user.is_authenticated:
            return None
        match = request.resolver_match
        if match is not None and match.url_name in MFA_SETUP_ALLOWED:
            return None
        if is_mfa_enabled(request.user):
            return None
        return redirect("mfa_index")  # choose: authenticator app or security key


class NoStoreMiddleware:
    """Pages may show personal data: no browser or proxy may keep a copy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        patch_cache_control(response, no_store=True, private=True)
        return response
