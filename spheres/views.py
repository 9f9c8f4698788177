from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from spheres import rules, selectors, services
from spheres.celery import app as celery_app
from spheres.forms import InviteForm, post_data, submit
from spheres.models import Role
from spheres.navigation import COMMON_CARDS, EVERYONE, HOME_CARDS, HOME_PANELS, for_roles
from spheres.selectors import roles_of


def home(request):
    """Per role: what the apps above put there (figures that need attention, each linking to its
    list; lists to act on), then the role's pages."""
    roles = roles_of(request.user)
    sections = [
        {
            "role": Role(role).label,
            "cards": HOME_CARDS.get(role, []),
            "panels": _panels(request, role),
        }
        for role in Role.values
        if role in roles
    ]
    to_decide = (
        selectors.role_grants_to_decide(request.user).count()
        if roles & {Role.COORDINATOR, Role.STEERING_COMMITTEE}
        else 0
    )
    context = {
        "sections": sections,
        "to_decide": to_decide,
        "panels": _panels(request, EVERYONE),
        "common": COMMON_CARDS if roles else [],
    }
    return render(request, "spheres/home.html", context)


def _panels(request, role: str) -> list[tuple[str, dict]]:
    shown = []
    for panel in HOME_PANELS.get(role, []):
        context = panel.context(request.user)
        if context is not None:
            shown.append((panel.template, context))
    return shown


@for_roles("invite", refuse=PermissionDenied, superuser=True)
def invite(request):
    form = InviteForm(post_data(request), actor=request.user)
    if submit(request, form, services.user_invite, actor=request.user):
        messages.success(request, _("Invitation sent."))
        if any(rules.needs_confirmation(request.user, r) for r in form.cleaned_data["roles"]):
            messages.info(request, _("Roles that open files take effect once confirmed."))
        return redirect("invite")
    return render(request, "spheres/invite.html", {"form": form})


@for_roles("role_grants")
def role_grant_list(request):
    context = {
        "to_decide": selectors.role_grants_to_decide(request.user),
        "history": selectors.role_grant_history(),
    }
    return render(request, "spheres/role_grants.html", context)


@require_POST
@for_roles("role_grants")
def role_grant_decide(request, pk, decision):
    """Only a request this person may decide exists for them (404 otherwise, as for a guess)."""
    grant = selectors.role_grants_to_decide(request.user).filter(pk=pk).first()
    service = {"confirm": services.role_grant_confirm, "refuse": services.role_grant_refuse}
    if grant is None or decision not in service:
        raise Http404
    form = forms.Form(request.POST)
    if submit(request, form, service[decision], grant=grant, actor=request.user):
        confirmed = decision == "confirm"
        messages.success(request, _("Role confirmed.") if confirmed else _("Request refused."))
    else:
        messages.error(request, " ".join(form.non_field_errors()))
    return redirect("role_grants")


@require_GET
def session_keepalive(request):
    """Asked by the page while someone types in a form (static/js/spheres.js): the request
    itself renews the idle limit (SessionLifetimeMiddleware), so a long note is not lost to it.
    Signed out, it answers as any page does: a redirect to the login page."""
    return HttpResponse(status=204)


@login_not_required
@require_GET
def healthz(request):
    """Liveness for docker-compose: the database and the broker answer. Reveals nothing else."""
    status = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status["database"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        status["database"] = "error"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
        status["broker"] = "ok"
    except Exception:  # noqa: BLE001
        status["broker"] = "error"
    healthy = all(v == "ok" for v in status.values())
    return JsonResponse(status, status=200 if healthy else 503)
