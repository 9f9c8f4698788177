"""Program dashboards: one page of figures, their charts (images) and their Excel download. Thin:
the level of detail comes from the viewer's role, the figures from research.selectors."""

import re

from csp.constants import NONE, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from research.dashboards import excel
from research.dashboards.page import (
    cached_sections,
    chart_svg,
    period_text,
    suppression_notice,
)
from research.dashboards.scope import Level, Scope, level_of
from research.forms import DashboardFilterForm


def _scope(request):
    level = level_of(request.user)
    if level is None:
        raise PermissionDenied
    form = DashboardFilterForm(request.GET or None, with_organisations=level != Level.CASELOAD)
    if form.is_bound and not form.is_valid():
        return form, None
    start, end, organisations, compare = form.period()
    scope = Scope(
        start=start,
        end=end,
        level=level,
        organisations=organisations if level != Level.CASELOAD else (),
        worker_id=request.user.pk if level == Level.CASELOAD else None,
        compare=compare,
    )
    return form, scope


@require_GET
def dashboard(request):
    form, scope = _scope(request)
    context = {"form": form, "scope": scope, "levels": Level}
    if scope is not None:
        dashboard = cached_sections(scope)
        context |= {
            "sections": dashboard.sections,
            "dashboard_key": dashboard.key,
            "period": period_text(scope),
            "notice": suppression_notice(scope),
            "query": request.GET.urlencode(),
        }
    return render(request, "research/dashboard.html", context, status=200 if scope else 400)


@require_GET
def dashboard_xlsx(request):
    """Every figure (or ?figure=key alone) as sheets, suppressed exactly as on screen."""
    form, scope = _scope(request)
    if scope is None:
        return render(request, "research/dashboard.html", {"form": form}, status=400)
    figures = [f.published for _t, figs in cached_sections(scope).sections for f in figs]
    wanted = request.GET.get("figure")
    if wanted:
        figures = [f for f in figures if f.key == wanted]
        if not figures:
            raise Http404
    content = excel.workbook(figures, period=period_text(scope), notice=suppression_notice(scope))
    name = f"spheres-{wanted or 'dashboard'}-{timezone.localdate():%Y-%m-%d}.xlsx"
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


CHARTS_KEY = re.compile(r"[0-9a-f]{64}")  # research.dashboards.page.cached_sections


# The SVG is shown as an image (never run as a document): its own <style> is all it needs.
@csp_replace({"default-src": [NONE], "style-src": [UNSAFE_INLINE], "script-src": [NONE]})
@require_GET
def dashboard_chart(request, key, figure):
    """One chart of a dashboard the viewer just opened, drawn from its cached figures; only
    for a viewer of the same level (and the same worker, for a caseload)."""
    level = level_of(request.user)
    if level is None:
        raise PermissionDenied
    if not CHARTS_KEY.fullmatch(key):
        raise Http404
    worker_id = request.user.pk if level == Level.CASELOAD else None
    content = chart_svg(key, figure, level=level, worker_id=worker_id)
    if content is None:
        raise Http404
    return HttpResponse(content, content_type="image/svg+xml")
