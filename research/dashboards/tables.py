"""Figures as tables, and what a given viewer may see of them.

A `Table` holds exact counts. `publish` turns it into what a viewer sees: with a threshold above
one, small counts show as "< 5" and complementary cells are hidden (see suppression.py);
percentages built on a hidden count or total are hidden too. A `MeasureTable` holds medians,
quartiles and averages with the number of people they rest on: hidden under the threshold.
Pure Python: the selectors fill these, the views and the Excel export read the published form.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from research.dashboards.suppression import Hidden, suppress


@dataclass
class Table:
    key: str
    title: str
    description: str
    row_header: str
    rows: list[str]
    columns: list[str]
    cells: list[list[int]]
    row_totals: bool = True
    column_totals: bool = True
    grand_total: bool = True
    additive: bool = True
    percent: str | None = None  # "row" or "column": each cell as a share of its row/column total
    chart: str | None = "bar"  # bar, stacked, hbar, line, or None
    blank_zeros: bool = False  # cells that cannot hold a count (an organisation's other sectors)


@dataclass
class MeasureTable:
    """Rows of measures: each row has the number of people `n` and named values."""

    key: str
    title: str
    description: str
    row_header: str
    rows: list[str]
    columns: list[str]  # value columns, after "n"
    n: list[int]
    values: list[list[float | None]]
    unit: str = ""
    chart_column: int | None = None  # which value column the chart shows
    decimals: int = 1
    n_label: str = ""  # what n counts (default: participants)


@dataclass
class Shown:
    text: str
    value: float | int | None  # None when hidden (charts leave a gap; Excel writes the text)
    hidden: bool = False
    note: str = ""  # screen-reader and title text for a hidden cell


@dataclass
class Published:
    key: str
    title: str
    description: str
    headers: list[str]
    body: list[tuple[str, list[Shown]]]
    footer: tuple[str, list[Shown]] | None = None
    chart: str | None = None
    series: list[tuple[str, list[float | None]]] = field(default_factory=list)
    x_labels: list[str] = field(default_factory=list)
    suppressed: bool = False
    withheld: bool = False
    unit: str = ""


def _small(threshold: int) -> str:
    return _("< %(threshold)s") % {"threshold": threshold}


def _count(value: int, state: Hidden | None, threshold: int) -> Shown:
    if state is Hidden.PRIMARY:
        return Shown(_small(threshold), None, True, _("fewer than %(t)s") % {"t": threshold})
    if state is Hidden.COMPLEMENTARY:
        return Shown("x", None, True, _("hidden to protect a small count"))
    return Shown(number_format(value, force_grouping=True), value)


def _percent(part: Shown, whole: Shown, whole_value: int) -> Shown:
    if part.hidden or whole.hidden or not whole_value:
        return Shown("", None, part.hidden or whole.hidden)
    share = round(100 * part.value / whole_value, 1)
    return Shown(f"{number_format(share, 1)} %", share)


def publish(table: Table, *, threshold: int) -> Published:
    rows, columns = len(table.rows), len(table.columns)
    cells = table.cells
    if rows and columns:
        result = suppress(
            cells,
            threshold=threshold,
            row_totals=table.row_totals,
            column_totals=table.column_totals,
            grand_total=table.grand_total,
            additive=table.additive,
        )
    else:
        result = None
    state = (lambda i, j: result.state(i, j)) if result else (lambda i, j: None)
    withheld = bool(result and result.withheld)
    row_sums = [sum(r) for r in cells]
    col_sums = [sum(cells[i][j] for i in range(rows)) for j in range(columns)]
    grand = sum(row_sums)

    headers = [table.row_header, *table.columns]
    if table.row_totals:
        headers.append(_("Total"))
    if table.percent:
        headers += [_("%(column)s (%%)") % {"column": c} for c in table.columns]

    totals_row = [_count(col_sums[j], state(rows, j), threshold) for j in range(columns)]
    grand_shown = _count(grand, state(rows, columns), threshold)

    body = []
    series = [[None] * rows for _ in range(columns)]
    for i, label in enumerate(table.rows):
        shown = []
        for j in range(columns):
            if table.blank_zeros and cells[i][j] == 0:
                shown.append(Shown("", 0))
                continue
            cell = _count(cells[i][j], state(i, j), threshold)
            shown.append(cell)
            series[j][i] = cell.value
        row_total = _count(row_sums[i], state(i, columns), threshold)
        if table.row_totals:
            shown.append(row_total)
        if table.percent == "row":
            shown += [_percent(shown[j], row_total, row_sums[i]) for j in range(columns)]
        elif table.percent == "column":
            shown += [
                _percent(shown[j], totals_row[j], col_sums[j])
                if table.column_totals
                else Shown("", None)
                for j in range(columns)
            ]
        body.append((label, shown))

    footer = None
    if table.column_totals:
        cells_total = list(totals_row)
        if table.row_totals:
            cells_total.append(grand_shown if table.grand_total else Shown("", None))
        if table.percent:
            cells_total += [Shown("", None) for _ in range(columns)]
        footer = (_("Total"), cells_total)

    published = Published(
        key=table.key,
        title=table.title,
        description=table.description,
        headers=headers,
        body=body,
        footer=footer,
        chart=table.chart,
        series=[(table.columns[j], series[j]) for j in range(columns)],
        x_labels=list(table.rows),
        suppressed=bool(result and result.hidden),
        withheld=withheld,
    )
    if withheld:
        _withhold(published)
    return published


def _withhold(published: Published) -> None:
    note = _("withheld: too few to show")
    for _label, cells in published.body + ([published.footer] if published.footer else []):
        for k, cell in enumerate(cells):
            cells[k] = Shown("x", None, True, note) if cell.text else cell
    published.series = [(name, [None] * len(values)) for name, values in published.series]


def publish_measures(table: MeasureTable, *, threshold: int) -> Published:
    headers = [table.row_header, table.n_label or _("Participants"), *table.columns]
    body, suppressed = [], False
    chart_values: list[float | None] = []
    for label, n, values in zip(table.rows, table.n, table.values, strict=True):
        if threshold > 1 and 0 < n < threshold:
            people = Shown(_small(threshold), None, True, _("fewer than %(t)s") % {"t": threshold})
        else:
            people = Shown(number_format(n, force_grouping=True), n)
        hide = threshold > 1 and n < threshold
        suppressed = suppressed or (hide and n > 0)
        shown = [people]
        for value in values:
            if value is None or hide:
                note = _("hidden: fewer than %(t)s people") % {"t": threshold} if hide and n else ""
                shown.append(Shown("—" if not hide or not n else "x", None, hide and bool(n), note))
            elif isinstance(value, int):
                shown.append(Shown(number_format(value, force_grouping=True), value))
            else:
                rounded = round(value, table.decimals)
                shown.append(Shown(number_format(rounded, table.decimals), rounded))
        if table.chart_column is not None:
            chart_values.append(shown[1 + table.chart_column].value)
        body.append((label, shown))
    series = []
    if table.chart_column is not None:
        series = [(table.columns[table.chart_column], chart_values)]
    return Published(
        key=table.key,
        title=table.title,
        description=table.description,
        headers=headers,
        body=body,
        chart="hbar" if table.chart_column is not None else None,
        series=series,
        x_labels=list(table.rows),
        suppressed=suppressed,
        unit=table.unit,
    )
