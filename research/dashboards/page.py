"""The dashboard as the viewer may see it: figures computed, published, charted."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from research import selectors
from research.dashboards import charts
from research.dashboards.scope import Scope
from research.dashboards.tables import MeasureTable, Published, publish, publish_measures


@dataclass
class Figure:
    published: Published
    chart: str | None  # data: URI of the SVG


def published_sections(scope: Scope, *, with_charts: bool = True):
    sections = []
    for title, tables in selectors.dashboard(scope):
        figures = []
        for table in tables:
            if isinstance(table, MeasureTable):
                shown = publish_measures(table, threshold=scope.threshold)
            else:
                shown = publish(table, threshold=scope.threshold)
            figures.append(Figure(shown, charts.data_uri(shown) if with_charts else None))
        sections.append((title, figures))
    return sections


CACHE_SECONDS = 15 * 60


def cached_sections(scope: Scope):
    """Charts cost about 20 ms each: the published figures are cached per filters, viewer
    level, language and data version (one cheap query), so a change shows at once."""
    key = "|".join(
        str(part)
        for part in (
            scope.level,
            scope.worker_id,
            scope.start,
            scope.end,
            scope.organisations,
            scope.compare,
            scope.threshold,
            scope.as_of,
            get_language(),
            selectors.data_version(),
        )
    )
    key = "research:dashboard:" + hashlib.sha256(key.encode()).hexdigest()
    sections = cache.get(key)
    if sections is None:
        sections = published_sections(scope)
        cache.set(key, sections, CACHE_SECONDS)
    return sections


def period_text(scope: Scope) -> str:
    text = _("Period: %(start)s to %(end)s") % {
        "start": date_format(scope.start, "j F Y"),
        "end": date_format(scope.end, "j F Y"),
    }
    if scope.compare:
        text += " — " + _("previous period: %(start)s to %(end)s") % {
            "start": date_format(scope.previous_start, "j F Y"),
            "end": date_format(scope.previous_end, "j F Y"),
        }
    return text


def suppression_notice(scope: Scope) -> str:
    return _(
        "Counts from 1 to %(below)s are shown as “< %(threshold)s”; a cell marked “x” is "
        "hidden so that such a count cannot be worked out from totals or neighbours. Medians "
        "and averages over fewer than %(threshold)s people are hidden."
    ) % {"below": scope.threshold - 1, "threshold": scope.threshold}
