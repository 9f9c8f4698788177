import time

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _stamp_login_time(sender, request, user, **kwargs):
    """Start of the absolute session lifetime (see SessionLifetimeMiddleware)."""
    from spheres.middleware import SESSION_AUTH_AT

    if request is not None and hasattr(request, "session"):
        request.session[SESSION_AUTH_AT] = int(time.time())


def _verify_email_on_reset(sender, request, user, **kwargs):
    from spheres import services

    services.user_mark_email_verified(user=user)


class SpheresConfig(AppConfig):
    name = "spheres"
    verbose_name = _("Sphères")

    def ready(self):
        from allauth.account.signals import password_reset
        from auditlog.registry import auditlog
        from django.contrib.auth.signals import user_logged_in

        from spheres import checks  # noqa: F401 - registers the deployment checks
        from spheres.models import Membership, MembershipRole, Organisation, RoleGrant, User

        # Audit: who changed which account, membership or organisation, and what changed.
        auditlog.register(User, exclude_fields=["password", "last_login"])
        auditlog.register(Organisation)
        auditlog.register(Membership)
        auditlog.register(MembershipRole)
        auditlog.register(RoleGrant)

        user_logged_in.connect(_stamp_login_time, dispatch_uid="spheres_stamp_login_time")
        password_reset.connect(_verify_email_on_reset, dispatch_uid="spheres_verify_on_reset")
