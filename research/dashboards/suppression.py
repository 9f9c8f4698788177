"""Small-count suppression with complementary suppression. Pure Python: no Django, no database.

A table is a grid of counts with optional margins (row totals, column totals, grand total). Every
published count from 1 to threshold-1 is hidden (primary suppression). A hidden count must not be
recoverable from what is published: not from a row, column or grand total, not by subtracting
neighbours. So more cells are hidden (complementary suppression) until every hidden cell could
take another value consistent with everything shown.

How the check works. The grid with its margins is an (R+1) x (C+1) array in which every row and
every column sums to zero once the margins are negated (a row's cells minus its total is zero).
Seen as a bipartite graph (one vertex per row, one per column, one edge per cell), the hidden
cells can change without changing anything published exactly along cycles of hidden cells,
alternately +1 and -1. A hidden cell is safe when such a cycle through it exists that keeps every
hidden cell within what a reader knows of it: a count shown as "< 5" lies in 1..4, a cell hidden
to protect another is 0 or at least the threshold, an unpublished margin is anything. Conformal
decomposition makes this exact: if any other consistent table exists, a unit cycle does.

Complementary cells are chosen by a cheapest-path search (Dijkstra) that closes such a cycle,
preferring small interior cells to totals. A table that cannot be protected is withheld whole.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from enum import StrEnum

INFINITY = float("inf")


class Hidden(StrEnum):
    PRIMARY = "primary"  # a small count: shown as "< threshold"
    COMPLEMENTARY = "complementary"  # hidden so that a small count cannot be worked out


@dataclass(frozen=True)
class Suppressed:
    """Which cells of a table are hidden, and why. Keys are (row, column) in the augmented
    grid: row R is the column-totals row, column C the row-totals column, (R, C) the grand
    total."""

    rows: int
    columns: int
    hidden: dict[tuple[int, int], Hidden] = field(default_factory=dict)
    withheld: bool = False

    def state(self, row: int, column: int) -> Hidden | None:
        return self.hidden.get((row, column))


def _augment(cells: list[list[int]]) -> list[list[int]]:
    rows, columns = len(cells), len(cells[0]) if cells else 0
    grid = [list(r) + [sum(r)] for r in cells]
    totals = [sum(cells[i][j] for i in range(rows)) for j in range(columns)]
    grid.append(totals + [sum(totals)])
    return grid


def _sign(i: int, j: int, rows: int, columns: int) -> int:
    """y = sign * x makes every augmented row and column sum to zero."""
    margin = (i == rows) + (j == columns)
    return -1 if margin == 1 else 1


class _Table:
    def __init__(self, cells, threshold, published):
        self.rows, self.columns = len(cells), len(cells[0])
        self.grid = _augment(cells)
        self.threshold = threshold
        self.published = published  # (i, j) -> bool
        self.hidden: dict[tuple[int, int], Hidden] = {}

    def cells(self):
        for i in range(self.rows + 1):
            for j in range(self.columns + 1):
                yield i, j

    def bounds(self, i: int, j: int) -> tuple[float, float] | None:
        """What a reader knows of a cell they cannot see; None for a published cell."""
        if not self.published[(i, j)]:
            return 0, INFINITY
        state = self.hidden.get((i, j))
        if state is Hidden.PRIMARY:
            return 1, self.threshold - 1
        if state is Hidden.COMPLEMENTARY:
            # Known to be 0 or >= threshold; a 0 cannot move without becoming a small count.
            value = self.grid[i][j]
            return (0, 0) if value == 0 else (self.threshold, INFINITY)
        return None

    def arcs(self, i: int, j: int, bounds=None):
        """Residual arcs of a cell: ("r", i) -> ("c", j) adds one to y, the reverse removes one."""
        bounds = bounds or self.bounds(i, j)
        if bounds is None:
            return
        low, high = bounds
        value, sign = self.grid[i][j], _sign(i, j, self.rows, self.columns)
        if low <= value + sign <= high:
            yield ("r", i), ("c", j)
        if low <= value - sign <= high:
            yield ("c", j), ("r", i)

    def _graph(self, skip):
        graph: dict[tuple, list[tuple]] = {}
        for i, j in self.cells():
            if (i, j) == skip:
                continue
            for a, b in self.arcs(i, j):
                graph.setdefault(a, []).append((b, 0.0, None))
        return graph

    def protected(self, i: int, j: int) -> bool:
        graph = self._graph(skip=(i, j))
        for start, goal in self.arcs(i, j):
            # The arc start -> goal changes this cell; a path goal -> start closes the cycle.
            seen, stack = {goal}, [goal]
            while stack:
                node = stack.pop()
                if node == start:
                    return True
                for nxt, _cost, _cell in graph.get(node, []):
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
        return False

    def _candidate_cost(self, i: int, j: int) -> float:
        # Hide small interior cells first; totals only when nothing else closes the cycle.
        margin = (i == self.rows) + (j == self.columns)
        return 1 + self.grid[i][j] + margin * 10_000

    def cheapest_cycle(self, i: int, j: int) -> list[tuple[int, int]] | None:
        """Published cells to hide so that (i, j) lies on a cycle; None if impossible."""
        graph = self._graph(skip=(i, j))
        for ci, cj in self.cells():
            if (ci, cj) == (i, j) or self.bounds(ci, cj) is not None:
                continue
            if self.grid[ci][cj] == 0:
                continue  # a hidden zero protects nothing (it cannot move)
            as_hidden = (self.threshold, INFINITY)
            for a, b in self.arcs(ci, cj, bounds=as_hidden):
                graph.setdefault(a, []).append((b, self._candidate_cost(ci, cj), (ci, cj)))
        best = None
        for start, goal in self.arcs(i, j):
            found = _dijkstra(graph, goal, start)
            if found is not None and (best is None or found[0] < best[0]):
                best = found
        return None if best is None else best[1]


def _dijkstra(graph, source, target):
    queue = [(0.0, 0, source)]
    best = {source: 0.0}
    back: dict[tuple, tuple] = {}
    counter = 0
    while queue:
        cost, _n, node = heapq.heappop(queue)
        if node == target:
            cells, cur = [], node
            while cur != source:
                prev, cell = back[cur]
                if cell is not None:
                    cells.append(cell)
                cur = prev
            return cost, cells
        if cost > best.get(node, INFINITY):
            continue
        for nxt, step, cell in graph.get(node, []):
            new = cost + step
            if new < best.get(nxt, INFINITY):
                best[nxt] = new
                back[nxt] = (node, cell)
                counter += 1
                heapq.heappush(queue, (new, counter, nxt))
    return None


def suppress(
    cells: list[list[int]],
    *,
    threshold: int,
    row_totals: bool = True,
    column_totals: bool = True,
    grand_total: bool = True,
    additive: bool = True,
) -> Suppressed:
    """Hide what a reader must not see. `cells` is a non-empty rectangular grid of counts >= 0.

    additive=False is for multi-response tables (one person counted in several rows): no cell is
    a sum of others, so only small counts are hidden, and no total may be published.
    """
    rows, columns = len(cells), len(cells[0]) if cells else 0
    if rows == 0 or columns == 0:
        return Suppressed(rows, columns)
    if any(len(r) != columns for r in cells) or any(v < 0 for r in cells for v in r):
        raise ValueError("cells must be a rectangular grid of counts >= 0")
    if threshold <= 1:
        return Suppressed(rows, columns)
    if not additive and (row_totals or column_totals or grand_total):
        raise ValueError("a non-additive table has no totals")
    published = {}
    for i in range(rows + 1):
        for j in range(columns + 1):
            if i < rows and j < columns:
                published[(i, j)] = True
            elif i < rows:
                published[(i, j)] = row_totals
            elif j < columns:
                published[(i, j)] = column_totals
            else:
                published[(i, j)] = grand_total
    table = _Table(cells, threshold, published)
    for i, j in table.cells():
        if published[(i, j)] and 0 < table.grid[i][j] < threshold:
            table.hidden[(i, j)] = Hidden.PRIMARY
    if additive:
        while True:
            exposed = next(
                (cell for cell in sorted(table.hidden) if not table.protected(*cell)), None
            )
            if exposed is None:
                break
            path = table.cheapest_cycle(*exposed)
            if path is None:
                hidden = {cell: Hidden.COMPLEMENTARY for cell, p in published.items() if p}
                return Suppressed(rows, columns, hidden, withheld=True)
            for cell in path:
                table.hidden[cell] = Hidden.COMPLEMENTARY
    return Suppressed(rows, columns, dict(table.hidden))
