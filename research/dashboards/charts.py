"""Server-rendered SVG charts (pygal), served as images (research.views.dashboard_chart).

Why an image: pygal's SVG carries a <style> element and a <script> element. Inline in the page,
our Content-Security-Policy (no inline script or style) would block both. As an <img>, the SVG
is a separate document that never runs scripts and keeps its own styles, so it draws and
prints the same everywhere. js=[] keeps pygal from linking its tooltip script from the internet.
Every chart sits beside its data table (the accessible alternative), and hidden counts are gaps.
Each image is a request of its own, after the page: drawing costs 10 to 30 ms a chart.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import threading
from collections import OrderedDict

from django.utils.translation import get_language

from research.dashboards.tables import Published

# Colours distinguishable in print and by most colour-blind readers (Okabe-Ito palette).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def _style():
    from pygal.style import Style

    return Style(
        background="white",
        plot_background="white",
        foreground="#212529",
        foreground_strong="#212529",
        foreground_subtle="#6c757d",
        colors=PALETTE,
        font_family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
        label_font_size=12,
        major_label_font_size=12,
        legend_font_size=12,
        value_font_size=11,
        title_font_size=14,
    )


# pygal is imported when the first chart is drawn, not with the dashboard: the agenda figures
# (registered at start-up) and the processes that never draw (Celery workers, commands) would
# otherwise carry it.
KINDS = {
    "bar": "Bar",
    "stacked": "StackedBar",
    "hbar": "HorizontalBar",
    "hbar_stacked": "HorizontalStackedBar",
    "line": "Line",
    "stacked_by_column": "StackedBar",
}


LEGEND_LONGEST = 44  # characters of a legend, then "…" (the full name is in the table)
LEGEND_ROW = 18  # pygal's spacing between legend rows: 1.5 × the legend's 12 px


STACKED = {"stacked", "hbar_stacked", "stacked_by_column"}


def _count_ticks(published: Published) -> list[int] | None:
    """Whole-number ticks on the value axis when every value is a count (pygal would mark 0.1,
    0.2… up to a count of 1); None for measures (medians, averages)."""
    series = [list(values) for _name, values in published.series]
    values = [v for values in series for v in values if v is not None]
    if not values or any(not float(v).is_integer() for v in values):
        return None
    if published.chart == "stacked_by_column":
        top = max(sum(v or 0 for v in values) for values in series)
    elif published.chart in STACKED:
        top = max(sum(values[i] or 0 for values in series) for i in range(len(series[0])))
    else:
        top = max(values)
    step = next(s for s in _steps() if top <= 10 * s)
    return list(range(0, math.ceil(top / step) * step + 1, step))


def _steps():
    for power in itertools.count():
        for base in (1, 2, 5):
            yield base * 10**power


def drawable(published: Published) -> bool:
    """Whether the figure has something to draw (decided without drawing it)."""
    if not published.chart or published.withheld or not published.series:
        return False
    values = [v for _name, series in published.series for v in series if v is not None]
    return bool(values) and any(values)


def content_key(published: Published) -> str:
    """What the chart depends on, hashed: the same figure draws the same chart, whatever the
    data version (most figures do not change when a note is saved)."""
    drawn = (
        published.chart,
        [str(label) for label in published.x_labels],
        [(str(name), list(values)) for name, values in published.series],
        get_language(),
    )
    return hashlib.sha256(repr(drawn).encode()).hexdigest()


def svg(published: Published) -> bytes | None:
    """The chart's SVG, or None when there is nothing to draw."""
    if not drawable(published):
        return None
    import pygal

    names = (
        published.x_labels
        if published.chart == "stacked_by_column"
        else [name for name, _series in published.series]
    )
    legends = len(names)
    horizontal = published.chart.startswith("hbar")
    # The labels along the axis: a chart stacked by column runs its series along it.
    along = (
        [name for name, _series in published.series]
        if published.chart == "stacked_by_column"
        else published.x_labels
    )
    # Legends start under the plot and share its width (about 7 px a character): three side by
    # side for short names, two for longer ones (cut at LEGEND_LONGEST), and beside a
    # horizontal chart's long row labels one per line.
    longest = max(len(str(name)) for name in names)
    columns = 1 if horizontal else 3 if longest <= 28 else 2
    ticks = _count_ticks(published)
    chart = getattr(pygal, KINDS[published.chart])(
        style=_style(),
        js=[],
        disable_xml_declaration=True,
        width=760,
        height=320
        if not horizontal
        else 120 + 28 * len(published.x_labels) + LEGEND_ROW * (legends - 1),
        legend_at_bottom=True,
        legend_at_bottom_columns=columns,
        # pygal leaves room for legends // columns rows, one short when the last row is not
        # full: that row would fall outside the image.
        margin_bottom=12 + (LEGEND_ROW if legends % columns else 0),
        **({"y_labels": ticks} if ticks else {}),
        truncate_legend=LEGEND_LONGEST,
        truncate_label=24,
        print_values=False,
        show_y_guides=True,
        # Slanted when they would run into each other (about 7 px a character, 12 px type).
        x_label_rotation=0 if horizontal or sum(len(str(x)) + 2 for x in along) <= 100 else 30,
        margin=12,
        no_data_text="",
    )
    if published.chart == "stacked_by_column":
        # Rows are the series (e.g. statuses), columns the x axis (e.g. months).
        chart.x_labels = along
        for k, label in enumerate(published.x_labels):
            chart.add(label, [series[k] for _name, series in published.series])
    else:
        # pygal draws a horizontal chart's first row at the bottom: reversed, the rows read
        # from the top in the table's order (the most frequent activity first).
        order = slice(None, None, -1) if horizontal else slice(None)
        chart.x_labels = list(published.x_labels)[order]
        for name, series in published.series:
            chart.add(name, list(series)[order])
    return chart.render(is_unicode=True).encode("utf-8")


# The charts last drawn, by what they draw (content_key), in this process: a chart depends on
# its figure alone, so this can never be stale, and a figure that did not change since the
# last data change is not drawn again. No write to the shared cache: the images of a page are
# asked for all at once.
_DRAWN: OrderedDict[str, bytes | None] = OrderedDict()
_DRAWN_MAX = 128  # about 30 kB each
_LOCK = threading.Lock()


def drawn(published: Published) -> bytes | None:
    key = content_key(published)
    with _LOCK:
        if key in _DRAWN:
            _DRAWN.move_to_end(key)
            return _DRAWN[key]
    content = svg(published)
    with _LOCK:
        _DRAWN[key] = content
        while len(_DRAWN) > _DRAWN_MAX:
            _DRAWN.popitem(last=False)
    return content


def forget_drawn() -> None:
    """Forget the charts drawn in this process (the benchmark draws them afresh)."""
    with _LOCK:
        _DRAWN.clear()
