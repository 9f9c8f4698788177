"""Small-count suppression: what a Steering member sees never gives back a hidden count.

The property test does not trust the module's own reasoning: it plays the reader, enumerating
every table consistent with what is published (the shown cells and totals, "< 5" meaning 1..4, a
cell hidden for protection meaning 0 or >= 5) and checks that each hidden count could take at
least two values.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from research.dashboards.suppression import Hidden, suppress

T = 5


def augmented(cells):
    grid = [list(r) + [sum(r)] for r in cells]
    totals = [sum(col) for col in zip(*cells, strict=True)]
    return grid + [totals + [sum(totals)]]


def reader_view(cells, result, published):
    """What the reader knows of each augmented cell: an exact value or a set of possibilities."""
    grid = augmented(cells)
    bound = grid[-1][-1] + T + 2  # a unit change around any cycle stays below this
    view = {}
    for (i, j), is_published in published.items():
        state = result.state(i, j)
        if not is_published:
            view[(i, j)] = range(0, bound + 1)
        elif state is Hidden.PRIMARY:
            view[(i, j)] = range(1, T)
        elif state is Hidden.COMPLEMENTARY:
            view[(i, j)] = [0, *range(T, bound + 1)]
        else:
            view[(i, j)] = [grid[i][j]]
    return grid, view


def possible_values(cells, result, published):
    """For each cell the reader cannot see: the values it could take in some table that agrees
    with everything published. Depth-first over the unknown cells, row by row; a row's or a
    column's last unknown cell is forced by its sum."""
    rows, columns = len(cells), len(cells[0])
    grid, view = reader_view(cells, result, published)
    unknown = [cell for cell, values in view.items() if len(values) > 1]
    seen = {cell: set() for cell in unknown}
    wanted = {cell for cell in unknown if published[cell]}

    lines = [[(i, j) for j in range(columns + 1)] for i in range(rows + 1)]
    lines += [[(i, j) for i in range(rows + 1)] for j in range(columns + 1)]

    def sign(i, j):
        return -1 if (i == rows) + (j == columns) == 1 else 1

    lines_of = {c: [line for line in lines if c in line] for c in view}
    assigned = {c: v[0] for c, v in view.items() if len(v) == 1}

    def candidates(cell):
        # A line whose other cells are all known forces this one.
        for line in lines_of[cell]:
            others = [c for c in line if c != cell]
            if all(c in assigned for c in others):
                value = -sign(*cell) * sum(sign(*c) * assigned[c] for c in others)
                return [value] if value in view[cell] else []
        return view[cell]

    def consistent(cell):
        for line in lines_of[cell]:
            complete = all(c in assigned for c in line)
            if complete and sum(sign(*c) * assigned[c] for c in line) != 0:
                return False
        return True

    def search(k):
        if all(len(seen[c]) > 1 for c in wanted):
            return True  # every hidden count already has two possible values
        if k == len(unknown):
            for c in unknown:
                seen[c].add(assigned[c])
            return False
        cell = unknown[k]
        for value in candidates(cell):
            assigned[cell] = value
            if consistent(cell) and search(k + 1):
                del assigned[cell]
                return True
            del assigned[cell]
        return False

    search(0)
    return {c: seen[c] for c in wanted}


def published_map(rows, columns, row_totals, column_totals, grand_total):
    published = {}
    for i in range(rows + 1):
        for j in range(columns + 1):
            inner_row, inner_column = i < rows, j < columns
            if inner_row and inner_column:
                published[(i, j)] = True
            elif inner_row:
                published[(i, j)] = row_totals
            elif inner_column:
                published[(i, j)] = column_totals
            else:
                published[(i, j)] = grand_total
    return published


counts = st.one_of(st.integers(0, 4), st.integers(0, 12))


@st.composite
def programs(draw):
    rows = draw(st.integers(1, 3))
    columns = draw(st.integers(1, 3))
    cells = draw(
        st.lists(st.lists(counts, min_size=columns, max_size=columns), min_size=rows, max_size=rows)
    )
    margins = draw(st.tuples(st.booleans(), st.booleans(), st.booleans()))
    return cells, margins


@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(programs())
def test_no_hidden_count_can_be_recovered_from_what_is_shown(program):
    cells, (row_totals, column_totals, grand_total) = program
    result = suppress(
        cells,
        threshold=T,
        row_totals=row_totals,
        column_totals=column_totals,
        grand_total=grand_total,
    )
    published = published_map(len(cells), len(cells[0]), row_totals, column_totals, grand_total)
    grid = augmented(cells)
    # Every small count is hidden, and nothing published is a small count.
    for cell, is_published in published.items():
        value = grid[cell[0]][cell[1]]
        if is_published and 0 < value < T:
            assert result.state(*cell) is not None
        if not is_published:
            assert result.state(*cell) is None
    if result.withheld:
        return
    for cell, values in possible_values(cells, result, published).items():
        assert len(values) > 1, f"{cell} of {cells} can be worked out: {values}"


def test_a_single_small_count_in_a_row_takes_a_neighbour_with_it():
    cells = [[3, 20, 30], [10, 12, 40]]
    result = suppress(cells, threshold=T)
    assert result.state(0, 0) is Hidden.PRIMARY
    hidden = set(result.hidden)
    # Row 0 and column 0 each hide a second cell besides the 3, and the cycle closes in row 1.
    assert len([c for c in hidden if c[0] == 0]) >= 2
    assert len([c for c in hidden if c[1] == 0]) >= 2
    assert not result.withheld


def test_counts_of_zero_and_above_the_threshold_stay_visible_when_nothing_is_small():
    result = suppress([[0, 5], [7, 9]], threshold=T)
    assert result.hidden == {}


def test_a_small_grand_total_is_hidden_with_everything_it_would_give_away():
    result = suppress([[1, 2]], threshold=T)
    assert result.state(0, 0) is Hidden.PRIMARY
    assert result.state(1, 2) is Hidden.PRIMARY  # the grand total, 3
    assert result.state(0, 2) is Hidden.PRIMARY  # the row total, 3


def test_the_coordinators_threshold_of_one_hides_nothing():
    assert suppress([[1, 2]], threshold=1).hidden == {}


def test_a_multi_response_table_hides_small_counts_only_and_has_no_totals():
    result = suppress(
        [[3], [12], [0]],
        threshold=T,
        row_totals=False,
        column_totals=False,
        grand_total=False,
        additive=False,
    )
    assert result.hidden == {(0, 0): Hidden.PRIMARY}
    with pytest.raises(ValueError):
        suppress([[3]], threshold=T, additive=False)


def test_a_time_series_hides_two_months_when_one_is_small():
    result = suppress([[8], [3], [9], [12]], threshold=T, row_totals=False)
    hidden = {cell for cell in result.hidden if cell[1] == 0 and cell[0] < 4}
    assert (1, 0) in hidden and len(hidden) == 2
    assert (0, 0) in hidden  # the smallest other month, not the total
    assert result.state(4, 0) is None  # the period's total stays visible
