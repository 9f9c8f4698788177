"""allauth's e-mails (password reset…) leave the request: rendered and sent by the worker after
commit. Sending inside the request made a known address answer ~1 s slower than an unknown one
with a slow mail server, which told who has an account.

The task message carries the template name, the recipient's address id and a context reduced to
what the templates use: model instances become ids; the request, the site object and the raw
reset key (already inside the reset link) are left out.
"""

import datetime
import logging
from types import SimpleNamespace
from urllib.parse import urlparse

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils import translation
from django.utils.dateparse import parse_datetime

logger = logging.getLogger(__name__)

LEFT_OUT = {"request", "current_site", "email"}
# Redundant secrets: the reset link already contains them.
LEFT_OUT_WITH_LINK = {"key", "uid"}


def serialise(context: dict) -> dict:
    data = {}
    for name, value in context.items():
        if name in LEFT_OUT or (name in LEFT_OUT_WITH_LINK and "password_reset_url" in context):
            continue
        if isinstance(value, models.Model):
            data[name] = {"model": value._meta.label, "pk": value.pk}
        elif isinstance(value, datetime.datetime):
            data[name] = {"datetime": value.isoformat()}
        elif value is None or isinstance(value, str | int | float | bool):
            data[name] = value
        else:
            logger.warning("account e-mail context: %s left out (%s)", name, type(value).__name__)
    return data


def deserialise(data: dict) -> dict:
    context = {}
    for name, value in data.items():
        if isinstance(value, dict) and "model" in value:
            model = apps.get_model(value["model"])
            context[name] = model._default_manager.filter(pk=value["pk"]).first()
        elif isinstance(value, dict) and "datetime" in value:
            context[name] = parse_datetime(value["datetime"])
        else:
            context[name] = value
    return context


def site() -> SimpleNamespace:
    return SimpleNamespace(name="Sphères", domain=urlparse(settings.SPHERES_BASE_URL).netloc)


def queue(template_prefix: str, email: str, context: dict) -> None:
    """Queue the e-mail for after commit (at once outside a transaction)."""
    from allauth.account.models import EmailAddress

    from spheres.tasks import send_account_email

    address_id = (
        EmailAddress.objects.filter(email__iexact=email).values_list("pk", flat=True).first()
    )
    if address_id is None:
        return  # only accounts' own addresses receive mail (no unknown-account messages here)
    args = (template_prefix, address_id, serialise(context), translation.get_language())
    transaction.on_commit(lambda: send_account_email.delay(*args))


def render_and_send(
    template_prefix: str, address_id: int, data: dict, language: str | None
) -> None:
    from allauth.account.adapter import get_adapter
    from allauth.account.models import EmailAddress

    address = EmailAddress.objects.filter(pk=address_id, user__is_active=True).first()
    if address is None:
        return  # removed or deactivated meanwhile
    context = {**deserialise(data), "email": address.email, "current_site": site()}
    with translation.override(language or settings.LANGUAGE_CODE):
        message = get_adapter().render_mail(template_prefix, address.email, context)
    message.send()
