"""What a viewer sees of a figure: shares and averages never give back a hidden count."""

from django.template import Context, Template

from research.dashboards.tables import MeasureTable, Shown, Table, publish, publish_measures


def table(cells, **options):
    rows = [f"r{i}" for i in range(len(cells))]
    columns = [f"c{j}" for j in range(len(cells[0]))]
    return Table("t", "T", "", "", rows, columns, cells, **options)


def test_a_share_of_a_hidden_count_is_hidden_too():
    shown = publish(
        table([[3, 40], [12, 30]], row_totals=False, grand_total=False, percent="column"),
        threshold=5,
    )
    (label, cells), (_l2, cells2) = shown.body
    count, _other, share, _share2 = cells
    assert count.text == "< 5" and count.hidden
    assert share.text == "" and share.value is None
    # The other count of that column is hidden to protect the 3, and so is its share.
    assert cells2[0].hidden and cells2[2].value is None
    assert shown.suppressed


def test_the_coordinator_sees_counts_and_shares_exactly():
    shown = publish(
        table([[3, 40], [12, 30]], row_totals=False, grand_total=False, percent="column"),
        threshold=1,
    )
    (_label, cells), _row = shown.body
    assert [c.text for c in cells] == ["3", "40", "20,0 %", "57,1 %"]
    assert not shown.suppressed


def test_hidden_counts_are_gaps_in_the_chart():
    shown = publish(table([[3], [12], [9]], row_totals=False), threshold=5)
    ((_name, values),) = shown.series
    assert values[0] is None  # the 3
    assert None in values[1:]  # and its complement
    assert 12 in values or 9 in values


def test_a_median_over_fewer_than_five_people_is_hidden():
    measures = MeasureTable(
        "m", "M", "", "", ["few", "enough"], ["Median"], n=[4, 5], values=[[10.0], [12.5]]
    )
    shown = publish_measures(measures, threshold=5)
    few, enough = (cells for _label, cells in shown.body)
    assert few[0].text == "< 5" and few[1].value is None and few[1].hidden
    assert enough[0].text == "5" and enough[1].value == 12.5
    exact = publish_measures(measures, threshold=1)
    assert exact.body[0][1][1].value == 10.0


def test_the_cells_of_a_data_table_are_escaped_and_say_why_they_are_hidden():
    cells = [
        Shown("12", 12),
        Shown("< 5", None, True, "fewer than 5"),
        Shown('<b>"x"</b>', None, False, ""),
    ]
    html = Template("{% load dashboard_tags %}{% figure_cells cells %}").render(
        Context({"cells": cells})
    )
    assert html == (
        '<td class="text-end">12</td>'
        '<td class="text-end cell-hidden" title="fewer than 5">&lt; 5'
        '<span class="visually-hidden"> (fewer than 5)</span></td>'
        '<td class="text-end">&lt;b&gt;&quot;x&quot;&lt;/b&gt;</td>'
    )
