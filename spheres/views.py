from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from spheres import services
from spheres.celery import app as celery_app
from spheres.forms import InviteForm, post_data, submit
from spheres.models import Role
from spheres.navigation import HOME_CARDS, HOME_PANELS, for_roles
from spheres.selectors import roles_of


def home(request):
    roles = roles_of(request.user)
    sections = [
        {"role": Role(role).label, "cards": HOME_CARDS[role]}
        for role in Role.values
        if role in roles
    ]
    panels = [p for p in (panel(request) for panel in HOME_PANELS) if p]
    return render(request, "spheres/home.html", {"sections": sections, "panels": panels})


@for_roles("invite", refuse=PermissionDenied, superuser=True)
def invite(request):
    form = InviteForm(post_data(request), actor=request.user)
    if submit(request, form, services.user_invite, actor=request.user):
        messages.success(request, _("Invitation sent."))
        return redirect("invite")
    return render(request, "spheres/invite.html", {"form": form})


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
