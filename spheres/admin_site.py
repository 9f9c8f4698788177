from django.contrib import admin
from django.contrib.admin.apps import SimpleAdminConfig
from django.contrib.admin.checks import check_admin_app, check_dependencies
from django.core import checks
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _


class SpheresAdminSite(admin.AdminSite):
    site_header = _("Sphères administration")
    site_title = _("Sphères administration")
    index_title = _("Organisations and accounts")

    def has_permission(self, request):
        # Imported here: this module loads with the admin app, before the models are ready.
        from spheres.models import Role
        from spheres.selectors import roles_of

        user = request.user
        return bool(
            user.is_active
            and user.is_staff
            and (user.is_superuser or Role.ADMINISTRATOR in roles_of(user))
        )

    # The admin's own password form has no rate limit (allauth's has, and asks for the current
    # password under its limits): send both admin password pages there.
    def password_change(self, request, extra_context=None):
        return redirect("account_change_password")

    def password_change_done(self, request, extra_context=None):
        return redirect("account_change_password")


def _check_admin_app(app_configs, **kwargs):
    # The system checks see every registration, whichever of them runs first.
    admin.autodiscover()
    return check_admin_app(app_configs, **kwargs)


class SpheresAdminConfig(SimpleAdminConfig):
    """The admin's modules are found when the URLconf loads (spheres/urls.py) or the system
    checks run, not at start-up: through django-import-export's admin they bring openpyxl,
    numpy, Pillow and lxml (some 35 MB), which a Celery worker or a command that serves no page
    never needs."""

    default_site = "spheres.admin_site.SpheresAdminSite"

    def ready(self):
        checks.register(check_dependencies, checks.Tags.admin)
        checks.register(_check_admin_app, checks.Tags.admin)
