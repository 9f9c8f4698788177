"""The notes sheet built by PostgreSQL (selectors.export_note_row_batches) holds the same cells as
the one built in Python (the path SQLite and unusual channel lists take): same values, same types,
the same empty cells, whatever the channels, the period or the suppressed participants."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from followups.models import WeeklyNote
from followups.rules import monday_of
from research.export import selectors, workbook
from research.export.workbook import ExportSpec, Summary
from tests.research.export.conftest import read_workbook

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL path is PostgreSQL's"),
]


def spec(**kwargs) -> ExportSpec:
    return ExportSpec(
        on=timezone.localdate(),
        purpose="test",
        requester_role="test",
        id_key=settings.SPHERES_RESEARCH_ID_KEY,
        k=5,
        max_suppression_percent=50,
        salt="same salt: the same worker codes in both exports",
        **kwargs,
    )


def note_rows(spec, *, in_sql=None) -> list[tuple]:
    """The notes sheet's rows, by the path asked for (by default, the one the export takes)."""
    summary = Summary()
    _participants, lookup, _rows, authors, chosen = workbook.prepare(spec, summary)
    in_sql = chosen if in_sql is None else in_sql
    rows = list(workbook._note_rows(spec, authors, lookup, summary, in_sql=in_sql))
    assert summary.row_counts["weekly_notes"] == len(rows)
    return rows


def cells(rows) -> list[tuple]:
    """What the writer makes of a row: None and "" are both an empty cell; a value's type
    decides between a number and a text."""
    return [tuple((type(v), v) for v in row if v not in (None, "")) for row in rows]


@pytest.fixture
def cohort(research_participant, personas):
    """Six participants alike and one apart (suppressed), notes of every kind: several channels,
    none, no contact, no activity; one dated on a Tuesday before the admission week."""
    alike = [research_participant(notes=4, admitted_days_ago=70) for _ in range(6)]
    apart = research_participant(
        notes=2, referral={"gender_identity": "homme", "residence_area": "Laval"}
    )
    notes = list(WeeklyNote.objects.filter(participant__in=alike).order_by("participant", "week"))
    variants = [
        {"other_channels": ["phone", "text", "email"]},
        {"other_channels": [], "meetings": 0, "meetings_minutes": 0,
         "no_contact_reason": "no_news", "main_activity": ""},
        {"other_channels": ["video", "messenger"], "targeted_need": ""},
        {"other_channels": ["other"], "main_activity": "Café; puis parc, « sortie »"},
    ]  # fmt: skip
    for note, fields in zip(notes, variants * 6, strict=False):
        WeeklyNote.objects.filter(pk=note.pk).update(**fields)
    first = alike[0]
    WeeklyNote.objects.filter(pk=notes[0].pk).update(
        week=monday_of(first.admitted_on) - datetime.timedelta(days=6)
    )
    return alike, apart


def test_the_sql_rows_are_the_python_rows_cell_for_cell(cohort):
    alike, apart = cohort
    assert selectors.note_rows_in_sql(None, None)
    everything = spec()
    by_sql = note_rows(everything, in_sql=True)
    assert cells(by_sql) == cells(note_rows(everything, in_sql=False))
    assert len(by_sql) == 6 * 4, "the suppressed participant's notes are left out"
    # The Tuesday before the admission week is in week 0 (-6 // 7 + 1), not 1 (-6 / 7 + 1).
    assert 0 in {row[1] for row in by_sql}
    assert {row[6] for row in by_sql} >= {"phone;text;email", "video;messenger", "other", None}
    assert all(type(row[1]) is int and type(row[4]) is int for row in by_sql)


@pytest.mark.parametrize(
    ("weeks_ago", "notes"),
    [((2, None), 12), ((None, 3), 12), ((3, 2), 12), ((11, 5), 1), ((30, 20), 0)],
)
def test_the_period_keeps_the_same_notes_in_both(cohort, weeks_ago, notes):
    this_week = monday_of(timezone.localdate())

    def monday(ago):
        return None if ago is None else this_week - datetime.timedelta(weeks=ago)

    period = spec(period_start=monday(weeks_ago[0]), period_end=monday(weeks_ago[1]))
    by_sql = note_rows(period, in_sql=True)
    assert cells(by_sql) == cells(note_rows(period, in_sql=False))
    assert len(by_sql) == notes


def test_the_workbooks_are_the_same_whichever_path(cohort, tmp_path, monkeypatch):
    books = []
    for in_sql in (True, False):
        monkeypatch.setattr(selectors, "note_rows_in_sql", lambda start, end, answer=in_sql: answer)
        path = tmp_path / f"{in_sql}.xlsx"
        workbook.write_workbook(path, workbook.export_sections(spec(), Summary()))
        books.append(read_workbook(path))
    assert books[0] == books[1]
    assert len(books[0]["weekly_notes"]) == 6 * 4 + 1


UNUSUAL = [
    ["a,b", "c"],  # a comma in a code: the Python path splits it, as it always did
    ['say "hi"', "x\\y"],
    {"phone": 1},
    "text",
]


@pytest.mark.parametrize("channels", UNUSUAL)
def test_an_unusual_channel_list_sends_the_notes_through_the_python_path(cohort, channels):
    alike, _apart = cohort
    note = WeeklyNote.objects.filter(participant=alike[2]).order_by("week").first()
    WeeklyNote.objects.filter(pk=note.pk).update(other_channels=channels)
    assert not selectors.note_rows_in_sql(None, None)
    assert len(note_rows(spec())) == 6 * 4  # the export's own choice: Python
    # A period leaving the unusual note out: PostgreSQL builds the rows again.
    assert selectors.note_rows_in_sql(note.week + datetime.timedelta(days=1), None)


@pytest.mark.parametrize("channels", [["é", " spaced ", "a;b"], [""], ["", "x"], ["[x"]])
def test_plain_lists_of_any_text_give_the_same_cells(cohort, channels):
    alike, _apart = cohort
    note = WeeklyNote.objects.filter(participant=alike[3]).first()
    WeeklyNote.objects.filter(pk=note.pk).update(other_channels=channels)
    plain = selectors.note_rows_in_sql(None, None)
    assert plain == (channels != ["[x"])
    if plain:
        assert cells(note_rows(spec(), in_sql=True)) == cells(note_rows(spec(), in_sql=False))
