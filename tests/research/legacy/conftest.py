"""Workbooks as workers kept them, written by the tests with openpyxl (no binary fixture)."""

import datetime

import pytest

from research.legacy import demo
from research.legacy.demo import SheetSpec

# The demo layout: identity values in column C, rows 2–6; self-report rows 10–12 (times in C,
# D); the "Suivis" header on row 15, weeks from row 16.
FIRST_WEEK_ROW = 16
ENTRY = datetime.date(2019, 3, 1)


def week(day, *, meetings=1, minutes=60, channels="", reason="", other="", activity="Parc",
         need="Stabilité", worker="Satisfait", youth="Satisfait", summary="Social : parc.",
         info="", others=""):  # fmt: skip
    return [day, meetings, minutes, channels, reason, other, activity, need, worker, youth,
            summary, info, others]  # fmt: skip


@pytest.fixture
def workbook_file(tmp_path):
    """write(specs, name=...) -> path of a workbook with those sheets (and an instructions
    sheet, skipped with a notice)."""
    counter = {"n": 0}

    def write(specs, *, name=None, instructions=True):
        counter["n"] += 1
        path = tmp_path / (name or f"workbook-{counter['n']}.xlsx")
        demo.write_workbook(path, specs, instructions=instructions)
        return path

    return write


@pytest.fixture
def simple_sheet():
    def make(name="J", youth_id="#2019-02", weeks=None, **overrides):
        weeks = weeks if weeks is not None else [
            week(datetime.date(2019, 3, 4)),
            week(datetime.date(2019, 3, 11), meetings=0, minutes=None, channels="Texto"),
        ]  # fmt: skip
        overrides.setdefault("entry", ENTRY)
        return SheetSpec(name=name, youth_id=youth_id, weeks=weeks, **overrides)

    return make
