from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from spheres import role_grants, selectors, services
from spheres.celery import app as celery_app
from spheres.forms import InviteForm, add_service_errors
from spheres.models import Role
from spheres.navigation import HOME_CARDS
from spheres.selectors import roles_of


def home(request):
    roles = roles_of(request.user)
    sections = [
        {"role": Role(role).label, "cards": HOME_CARDS[role]}
        for role in Role.values
        if role in roles
    ]
    to_decide = (
        selectors.role_grants_to_decide(request.user).count()
        if roles & {Role.COORDINATOR, Role.STEERING_COMMITTEE}
        else 0
    )
    return render(request, "spheres/home.html", {"sections": sections, "to_decide": to_decide})


def invite(request):
    roles = roles_of(request.user)
    if not (roles & {Role.COORDINATOR, Role.ADMINISTRATOR} or request.user.is_superuser):
        raise PermissionDenied
    form = InviteForm(request.POST if request.method == "POST" else None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_invite(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Invitation sent."))
            if any(
                role_grants.needs_confirmation(request.user, r) for r in form.cleaned_data["roles"]
            ):
                messages.info(request, _("Roles that open files take effect once confirmed."))
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
