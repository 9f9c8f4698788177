"""Server-rendered SVG charts (pygal), embedded as data: images.

Why an image: pygal's SVG carries a <style> element and a <script> element. Inline in the page,
our Content-Security-Policy (no inline script or style) would block both. As an <img>, the SVG
is a separate document that never runs scripts and keeps its own styles, so it draws and
prints the same everywhere. js=[] keeps pygal from linking its tooltip script from the internet.
Every chart sits beside its data table (the accessible alternative), and hidden counts are gaps.
"""

from __future__ import annotations

import base64

import pygal
from pygal.style import Style

from research.dashboards.tables import Published

# Colours distinguishable in print and by most colour-blind readers (Okabe-Ito palette).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")

STYLE = Style(
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

KINDS = {
    "bar": pygal.Bar,
    "stacked": pygal.StackedBar,
    "hbar": pygal.HorizontalBar,
    "hbar_stacked": pygal.HorizontalStackedBar,
    "line": pygal.Line,
    "stacked_by_column": pygal.StackedBar,
}


def svg(published: Published) -> bytes | None:
    """The chart's SVG, or None when there is nothing to draw."""
    if not published.chart or published.withheld or not published.series:
        return None
    values = [v for _name, series in published.series for v in series if v is not None]
    if not values or not any(values):
        return None
    chart = KINDS[published.chart](
        style=STYLE,
        js=[],
        disable_xml_declaration=True,
        width=760,
        height=320
        if not published.chart.startswith("hbar")
        else 120 + 28 * len(published.x_labels),
        legend_at_bottom=True,
        legend_at_bottom_columns=3,
        truncate_legend=40,
        truncate_label=24,
        print_values=False,
        show_y_guides=True,
        x_label_rotation=0 if len(published.x_labels) <= 6 else 30,
        margin=12,
        no_data_text="",
    )
    if published.chart == "stacked_by_column":
        # Rows are the series (e.g. statuses), columns the x axis (e.g. months).
        chart.x_labels = [name for name, _series in published.series]
        for k, label in enumerate(published.x_labels):
            chart.add(label, [series[k] for _name, series in published.series])
    else:
        chart.x_labels = published.x_labels
        for name, series in published.series:
            chart.add(name, series)
    return chart.render(is_unicode=True).encode("utf-8")


def data_uri(published: Published) -> str | None:
    content = svg(published)
    if content is None:
        return None
    return "data:image/svg+xml;base64," + base64.b64encode(content).decode("ascii")
