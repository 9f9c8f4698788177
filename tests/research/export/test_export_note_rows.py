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
from research.export.deidentify import research_id
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


def note_rows(spec, monkeypatch, *, in_sql: bool) -> list[tuple]:
    """The notes sheet's rows, built by PostgreSQL or in Python."""
    monkeypatch.setattr(selectors, "note_rows_in_sql", lambda: in_sql)
    summary = Summary()
    _participants, lookup, _rows, authors, activities = workbook.prepare(spec, summary)
    rows = list(workbook._note_rows(spec, authors, lookup, activities, summary))
    assert summary.row_counts["weekly_notes"] == len(rows)
    return rows


def both(spec, monkeypatch) -> tuple[list, list]:
    return note_rows(spec, monkeypatch, in_sql=True), note_rows(spec, monkeypatch, in_sql=False)


def undecoded(spec) -> list[str]:
    """The research IDs whose notes PostgreSQL left to Python (a channel list it does not
    decode), read straight from the SQL's batches."""
    _participants, lookup, _rows, authors, activities = workbook.prepare(spec, Summary())
    batches = selectors.export_note_row_batches(
        [(pk, rid, monday) for pk, (rid, monday) in lookup.items()],
        dict.fromkeys(authors, ("W", "")),
        spec.period_start,
        spec.period_end,
        activities,
        "*",
    )
    return [row[0] for _ids, rows in batches for row in rows if row[6] == selectors.UNDECODED]


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


def test_the_sql_rows_are_the_python_rows_cell_for_cell(cohort, monkeypatch):
    by_sql, by_python = both(spec(), monkeypatch)
    assert cells(by_sql) == cells(by_python)
    assert not undecoded(spec())
    assert len(by_sql) == 6 * 4, "the suppressed participant's notes are left out"
    # The Tuesday before the admission week is in week 0 (-6 // 7 + 1), not 1 (-6 / 7 + 1).
    assert 0 in {row[1] for row in by_sql}
    assert {row[6] for row in by_sql} >= {"phone;text;email", "video;messenger", "other", None}
    # Both activities are shared by the six: released, in lower case.
    assert {row[8] for row in by_sql} == {
        "discussion informelle",
        "café; puis parc, « sortie »",
        None,
    }
    assert all(type(row[1]) is int and type(row[4]) is int for row in by_sql)


@pytest.mark.parametrize(
    ("weeks_ago", "notes"),
    [((2, None), 12), ((None, 3), 12), ((3, 2), 12), ((11, 5), 1), ((30, 20), 0)],
)
def test_the_period_keeps_the_same_notes_in_both(cohort, weeks_ago, notes, monkeypatch):
    this_week = monday_of(timezone.localdate())

    def monday(ago):
        return None if ago is None else this_week - datetime.timedelta(weeks=ago)

    period = spec(period_start=monday(weeks_ago[0]), period_end=monday(weeks_ago[1]))
    by_sql, by_python = both(period, monkeypatch)
    assert cells(by_sql) == cells(by_python)
    assert len(by_sql) == notes


def test_the_workbooks_are_the_same_whichever_path(cohort, tmp_path, monkeypatch):
    books = []
    for in_sql in (True, False):
        monkeypatch.setattr(selectors, "note_rows_in_sql", lambda answer=in_sql: answer)
        path = tmp_path / f"{in_sql}.xlsx"
        workbook.write_workbook(path, workbook.export_sections(spec(), Summary()))
        books.append(read_workbook(path))
    assert books[0] == books[1]
    assert len(books[0]["weekly_notes"]) == 6 * 4 + 1


UNUSUAL = [
    ["a,b", "c"],  # a comma in a code: the Python path splits it, as it always did
    ['say "hi"', "x\\y"],
    ["text", 1],
    {"phone": 1},
    "text",
]


@pytest.mark.parametrize("channels", UNUSUAL)
def test_a_batch_with_an_unusual_channel_list_is_built_in_python(cohort, channels, monkeypatch):
    alike, _apart = cohort
    note = WeeklyNote.objects.filter(participant=alike[2]).order_by("week").first()
    WeeklyNote.objects.filter(pk=note.pk).update(other_channels=channels)
    monkeypatch.setattr(selectors, "NOTE_BATCH", 2)  # the other batches stay PostgreSQL's
    assert undecoded(spec()) == [research_id(spec().id_key, alike[2].public_id)]
    by_sql, by_python = both(spec(), monkeypatch)
    assert cells(by_sql) == cells(by_python)
    assert len(by_sql) == 6 * 4


@pytest.mark.parametrize("channels", [["é", " spaced ", "a;b"], [""], ["", "x"], ["[x]"]])
def test_lists_of_texts_without_commas_quotes_or_backslashes_are_decoded_by_postgresql(
    cohort, channels, monkeypatch
):
    alike, _apart = cohort
    note = WeeklyNote.objects.filter(participant=alike[3]).first()
    WeeklyNote.objects.filter(pk=note.pk).update(other_channels=channels)
    assert not undecoded(spec())
    by_sql, by_python = both(spec(), monkeypatch)
    assert cells(by_sql) == cells(by_python)
