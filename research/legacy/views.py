"""The coordinator's legacy import pages: upload, preview (a dry run), confirm, progress.
Thin: a form, one service or selector, a template; the progress is polled by
static/js/legacy-import.js (no inline script under the CSP)."""

from django import forms
from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from referrals.models import Participant
from research.legacy import jobs
from research.legacy.forms import LegacyUploadForm
from research.models import LEGACY_RUNNING, LegacyImport
from spheres import services as core_services
from spheres.forms import post_data, post_files, submit
from spheres.navigation import for_roles

RECENT = 20


@for_roles("research:legacy_import")
def legacy_import(request):
    form = LegacyUploadForm(post_data(request), post_files(request))
    done = submit(request, form, jobs.legacy_upload, actor=request.user)
    if done:
        return redirect("research:legacy_status", public_id=done.result.public_id)
    recent = (
        LegacyImport.objects.filter(requested_by=request.user)
        .select_related("worker")
        .order_by("-created_at")[:RECENT]
    )
    return render(request, "research/legacy_import.html", {"form": form, "imports": recent})


def _own(request, public_id) -> LegacyImport:
    legacy = (
        LegacyImport.objects.filter(public_id=public_id, requested_by=request.user)
        .select_related("worker")
        .first()
    )
    if legacy is None:
        raise Http404
    return legacy


@for_roles("research:legacy_import")
def legacy_status(request, public_id):
    """The preview once checked (counts per sheet, every problem with sheet!cell), the
    confirmation, then the result."""
    legacy = _own(request, public_id)
    form = forms.Form(post_data(request))
    if submit(request, form, jobs.legacy_confirm, legacy=legacy, actor=request.user):
        messages.success(request, _("The import has started."))
        return redirect("research:legacy_status", public_id=legacy.public_id)
    report = legacy.result or legacy.preview
    # The report lists youth IDs: the files of the program it names are read-logged, as on any
    # list page (a youth ID of a sheet not yet imported names no file).
    youth_ids = [s["youth_id"] for s in (report or {}).get("sheets", []) if s.get("youth_id")]
    if youth_ids:
        core_services.read_log_record_listed(
            user=request.user,
            object_type="participant",
            object_ids=Participant.objects.filter(youth_id__in=youth_ids).values_list(
                "pk", flat=True
            ),
            view_name="legacy_status",
        )
    context = {
        "legacy": legacy,
        "running": legacy.status in LEGACY_RUNNING,
        "report": report,
        "progress": jobs.progress_of(legacy),
        "form": form,
    }
    return render(request, "research/legacy_status.html", context)


@for_roles("research:legacy_import")
def legacy_progress(request, public_id):
    """Polled while the check or the import runs: sheets done, state. Nothing else."""
    legacy = _own(request, public_id)
    progress = jobs.progress_of(legacy)
    return JsonResponse(
        {
            "status": legacy.status,
            "running": legacy.status in LEGACY_RUNNING,
            "done": progress["done"],
            "total": progress["total"],
        }
    )
