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
    chart: bool  # whether it has a chart, drawn on request (chart_svg)


def published_sections(scope: Scope):
    sections = []
    for title, tables in selectors.dashboard(scope):
        figures = []
        for table in tables:
            if isinstance(table, MeasureTable):
                shown = publish_measures(table, threshold=scope.threshold)
            else:
                shown = publish(table, threshold=scope.threshold)
            figures.append(Figure(shown, charts.drawable(shown)))
        sections.append((title, figures))
    return sections


# The figures stay as long as a page may wait before the browser asks for its chart images;
# a change of data makes a new key at once (the data version), so this is never staleness.
CACHE_SECONDS = 30 * 60


@dataclass
class Dashboard:
    key: str  # of the published figures in the cache; the charts are asked for by it
    sections: list


def _owner(scope: Scope) -> tuple:
    return (scope.level, scope.worker_id)


def versioned_key(*parts) -> str:
    """A cache key for figures computed from these parts: with the language and the data
    version (one cheap query), so a change of data or of language makes a new key."""
    text = "|".join(str(part) for part in (*parts, get_language(), selectors.data_version()))
    return hashlib.sha256(text.encode()).hexdigest()


def cached_sections(scope: Scope) -> Dashboard:
    """The published figures, cached per filters, viewer level, language and data version (one
    cheap query), so a change shows at once. The charts are not drawn here: pygal costs 10 to
    30 ms a chart, so each is an image the browser asks for (chart_svg), drawn from these
    cached figures (and kept per process by what it draws)."""
    key = versioned_key(
        scope.level,
        scope.worker_id,
        scope.start,
        scope.end,
        scope.organisations,
        scope.compare,
        scope.threshold,
        scope.as_of,
    )
    found = cache.get(_sections_key(key))
    if found is None:
        found = (_owner(scope), published_sections(scope))
        cache.set(_sections_key(key), found, CACHE_SECONDS)
    return Dashboard(key, found[1])


def _sections_key(key: str) -> str:
    # v2: (owner, sections) without the charts; the entries of before must not be read back.
    return "research:dashboard:v2:" + key


def chart_svg(key: str, figure: str, *, level: str, worker_id: int | None) -> bytes | None:
    """The SVG of one figure of the dashboard cached under `key`, for a viewer of this level
    (and worker, for a caseload): None if the figures are gone from the cache, are another
    viewer's, or the figure has no chart."""
    found = cache.get(_sections_key(key))
    if found is None or found[0] != (level, worker_id):
        return None
    shown = next(
        (f.published for _t, figs in found[1] for f in figs if f.published.key == figure), None
    )
    if shown is None or not charts.drawable(shown):
        return None
    return charts.drawn(shown)


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
