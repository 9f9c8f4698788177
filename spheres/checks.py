"""Deployment checks of our own (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def development_mode_is_off(app_configs, **kwargs):
    """Development mode brings public demo passwords, default secrets and plain http."""
    if settings.SPHERES_DEMO:
        return [
            Error(
                "SPHERES_DEMO is on: development mode (default secrets, optional MFA, plain "
                "http, demo accounts) must never run on a deployment.",
                hint="Set SPHERES_DEMO=0 (and DJANGO_DEBUG=0).",
                id="spheres.E001",
            )
        ]
    return []
