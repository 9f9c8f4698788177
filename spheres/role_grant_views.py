"""The confirmation page of roles that open participant files (spheres.role_grants)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from spheres import role_grants, selectors
from spheres.models import Role, RoleGrant

DECIDERS = {Role.COORDINATOR, Role.STEERING_COMMITTEE}


def _require_decider(request):
    if not selectors.roles_of(request.user) & DECIDERS:
        raise Http404


def role_grant_list(request):
    _require_decider(request)
    return render(
        request,
        "spheres/role_grants.html",
        {
            "to_decide": selectors.role_grants_to_decide(request.user),
            "history": selectors.role_grant_history(),
        },
    )


@require_POST
def role_grant_decide(request, pk, decision):
    _require_decider(request)
    grant = get_object_or_404(RoleGrant, pk=pk)
    service = {"confirm": role_grants.role_grant_confirm, "refuse": role_grants.role_grant_refuse}
    if decision not in service:
        raise Http404
    try:
        service[decision](grant=grant, actor=request.user)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Role confirmed.") if decision == "confirm" else _("Request refused.")
        )
    return redirect("role_grants")
