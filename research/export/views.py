"""The research export's pages: ask (after re-authenticating), watch the progress, download;
the coordinator's register. Thin: a form, one service or selector, a template."""

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from research import services
from research.export import selectors
from research.export.forms import ExportRequestForm
from research.models import ExportStatus
from spheres.forms import post_data, submit
from spheres.navigation import for_roles


@for_roles("research:export_request")
@reauthentication_required(allow_get=True)
def export_request(request):
    """Asking for an export re-authenticates the person first (allauth keeps the POST and
    replays it once the password is confirmed)."""
    form = ExportRequestForm(post_data(request))
    done = submit(request, form, services.export_request, actor=request.user)
    if done:
        messages.success(request, _("Your export is being prepared."))
        return redirect("research:export_status", public_id=done.result.public_id)
    context = {
        "form": form,
        "exports": selectors.exports_of(request.user),
        "hours": settings.SPHERES_RESEARCH_EXPORT_HOURS,
    }
    return render(request, "research/export_request.html", context)


def _own_export(request, public_id):
    export = selectors.export_of(request.user, public_id)
    if export is None:
        raise Http404
    return export


@for_roles("research:export_request")
def export_status(request, public_id):
    export = _own_export(request, public_id)
    return render(request, "research/export_status.html", {"export": export})


@for_roles("research:export_request")
def export_progress(request, public_id):
    """Polled by static/js/research-export.js: counts and state only."""
    export = _own_export(request, public_id)
    ready = export.status == ExportStatus.DONE
    return JsonResponse(
        {
            "status": export.status,
            "rows_written": export.rows_written,
            "rows_total": export.rows_total,
            "percent": export.percent,
            "download_url": reverse("research:export_download", args=[export.public_id])
            if ready
            else "",
        }
    )


@for_roles("research:export_request")
def export_download(request, public_id):
    """The requester only, within the retention period; anyone else, or later: 404."""
    export = selectors.export_downloadable(request.user, public_id, timezone.now())
    if export is None:
        raise Http404
    path = services.export_download(export=export, actor=request.user)
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"spheres-research-{export.finished_at:%Y%m%d-%H%M}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@for_roles("research:export_register")
def export_register(request):
    return render(
        request, "research/export_register.html", {"exports": selectors.export_register()[:200]}
    )
