"""Celery tasks of the core. Arguments are ids only: a task message never carries personal data."""

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from spheres.models import User


def invitation_url(user: User) -> str:
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    return f"{settings.SPHERES_BASE_URL}{path}"


def send_to_user(user: User, template: str, context: dict) -> None:
    """One e-mail in both languages (fr-CA first): `template`.txt and `template`_subject.txt.
    Callers pass counts and links only; the names stay in the application."""
    parts = []
    for language in ("fr-ca", "en"):
        with translation.override(language):
            parts.append(render_to_string(f"{template}.txt", context))
    with translation.override("fr-ca"):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
    send_mail(subject, "\n---\n\n".join(parts), None, [user.email])


@shared_task(acks_late=True)
def email_user(user_id: int, template: str, context: dict) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        send_to_user(user, template, context)


@shared_task(acks_late=True)
def send_invitation(user_id: int) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.has_usable_password():
        return  # deactivated meanwhile, or the password was already chosen: nothing to send
    context = {"url": invitation_url(user), "days": settings.PASSWORD_RESET_TIMEOUT // 86400}
    parts = []
    for language in ("fr-ca", "en"):  # we do not know the person's language yet: both
        with translation.override(language):
            parts.append(render_to_string("spheres/email/invitation.txt", context))
    with translation.override("fr-ca"):
        subject = render_to_string("spheres/email/invitation_subject.txt").strip()
    send_mail(subject, "\n\n---\n\n".join(parts), None, [user.email])


@shared_task(acks_late=True)
def send_role_grant_notice(grant_id: int, recipient_ids: list[int], status: str = "") -> None:
    """A role that opens participant files was requested or granted: the role, the organisation
    and a link to the confirmation page; the person's name is only shown there. `status` is the
    grant's when the notice was queued: decided since (a slow queue), a request is still told
    as a request, and a grant as a grant."""
    from spheres.models import RoleGrant

    grant = RoleGrant.objects.select_related("organisation").filter(pk=grant_id).first()
    if grant is None:
        return
    status = status or grant.status  # a notice queued before `status` was passed
    context = {
        "grant": grant,
        "pending": status == RoleGrant.Status.PENDING,
        "confirmed": status == RoleGrant.Status.CONFIRMED,
        "url": f"{settings.SPHERES_BASE_URL}{reverse('role_grants')}",
    }
    parts = []
    for language in ("fr-ca", "en"):
        with translation.override(language):
            parts.append(render_to_string("spheres/email/role_grant.txt", context))
    with translation.override("fr-ca"):
        subject = render_to_string("spheres/email/role_grant_subject.txt", context).strip()
    for user in User.objects.filter(pk__in=recipient_ids, is_active=True):
        send_mail(subject, "\n---\n\n".join(parts), None, [user.email])


@shared_task(acks_late=True)
def send_account_email(
    template_prefix: str, address_id: int, context: dict, language: str | None = None
) -> None:
    """allauth's account e-mails (password reset…), rendered here rather than in the request."""
    from spheres.account_mail import render_and_send

    render_and_send(template_prefix, address_id, context, language)
