"""The notes sheet built by PostgreSQL (selectors.export_note_xml_batches writes its rows' XML) is
byte for byte the one the writer makes of the rows built in Python (the path SQLite and unusual
values take): same values, same types, the same empty cells, the same numbering across sheets,
whatever the channels, the period, the texts or the suppressed participants."""

import datetime
import re
import threading
import zipfile

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Q
from django.utils import timezone

from followups.models import WeeklyNote
from followups.rules import monday_of
from research.export import selectors, workbook
from research.export.deidentify import research_id
from research.export.workbook import ExportSpec, Summary
from tests.connections import backends_closed
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


def notes_sheets(spec, tmp_path, monkeypatch, *, in_sql: bool, max_rows=None) -> dict:
    """The weekly_notes sheets' XML as written, by name, and the rows the summary counted."""
    monkeypatch.setattr(selectors, "note_rows_in_sql", lambda: in_sql)
    summary = Summary()
    path = tmp_path / f"{in_sql}.xlsx"
    workbook.write_workbook(
        path, workbook.export_sections(spec, summary), summary=summary, max_rows=max_rows
    )
    with zipfile.ZipFile(path) as archive:
        sheets = {
            name: archive.read(f"xl/worksheets/sheet{number}.xml")
            for number, name in enumerate(summary.sheet_names, start=1)
            if name.startswith("weekly_notes")
        }
    return {"sheets": sheets, "rows": summary.row_counts["weekly_notes"], "path": path}


def both(spec, tmp_path, monkeypatch, **kwargs) -> tuple[dict, dict]:
    by_sql = notes_sheets(spec, tmp_path, monkeypatch, in_sql=True, **kwargs)
    by_python = notes_sheets(spec, tmp_path, monkeypatch, in_sql=False, **kwargs)
    assert by_sql["sheets"] == by_python["sheets"]
    assert by_sql["rows"] == by_python["rows"]
    return by_sql, by_python


def left_to_python(spec, monkeypatch) -> list[str]:
    """The research IDs whose notes PostgreSQL leaves to Python, read straight from the SQL, a
    participant at a time."""
    monkeypatch.setattr(selectors, "note_rows_in_sql", lambda: True)
    summary = Summary()
    prepared = workbook.prepare(spec, summary)
    jobs = workbook._note_rows(spec, prepared, summary)._jobs_in_sql(100)
    monkeypatch.setattr(selectors, "NOTE_BATCH", 1)
    return [
        prepared.lookup[pk][0]
        for pk, job in zip(prepared.lookup, jobs, strict=True)
        if not isinstance(job(), workbook.XmlRows)
    ]


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


def test_the_sql_sheet_is_the_python_sheet_byte_for_byte(cohort, tmp_path, monkeypatch):
    by_sql, _by_python = both(spec(), tmp_path, monkeypatch)
    assert by_sql["rows"] == 6 * 4, "the suppressed participant's notes are left out"
    assert not left_to_python(spec(), monkeypatch)
    rows = read_workbook(by_sql["path"])["weekly_notes"][1:]
    assert len(rows) == 6 * 4
    # The Tuesday before the admission week is in week 0 (-6 // 7 + 1), not 1 (-6 / 7 + 1).
    assert 0 in {row[1] for row in rows}
    assert {row[6] for row in rows} >= {"phone;text;email", "video;messenger", "other", None}
    # Both activities are shared by the six: released, in lower case.
    assert {row[8] for row in rows} == {
        "discussion informelle",
        "café; puis parc, « sortie »",
        None,
    }
    assert all(type(row[1]) is int and type(row[4]) is int for row in rows)


@pytest.mark.parametrize(
    ("weeks_ago", "notes"),
    [((2, None), 12), ((None, 3), 12), ((3, 2), 12), ((11, 5), 1), ((30, 20), 0)],
)
def test_the_period_keeps_the_same_notes_in_both(cohort, weeks_ago, notes, tmp_path, monkeypatch):
    this_week = monday_of(timezone.localdate())

    def monday(ago):
        return None if ago is None else this_week - datetime.timedelta(weeks=ago)

    period = spec(period_start=monday(weeks_ago[0]), period_end=monday(weeks_ago[1]))
    by_sql, _by_python = both(period, tmp_path, monkeypatch)
    assert by_sql["rows"] == notes


def test_sheets_continue_with_the_same_numbering_in_both(cohort, tmp_path, monkeypatch):
    """Five notes per sheet: a batch of PostgreSQL's rows is cut across sheets as the writer
    cuts the Python rows, each sheet numbered from 2 under its header."""
    monkeypatch.setattr(selectors, "NOTE_BATCH", 4)  # batches of 16 notes, cut in 5s
    by_sql, _by_python = both(spec(), tmp_path, monkeypatch, max_rows=6)
    assert list(by_sql["sheets"]) == ["weekly_notes", *(f"weekly_notes_{n}" for n in range(2, 6))]
    book = read_workbook(by_sql["path"])
    assert [len(book[name]) for name in by_sql["sheets"]] == [6, 6, 6, 6, 5]


def test_the_workbooks_are_the_same_whichever_path(cohort, tmp_path, monkeypatch):
    books = [
        read_workbook(notes_sheets(spec(), tmp_path, monkeypatch, in_sql=in_sql)["path"])
        for in_sql in (True, False)
    ]
    assert books[0] == books[1]
    assert len(books[0]["weekly_notes"]) == 6 * 4 + 1


def test_released_activities_are_escaped_and_neutralised_alike(cohort, tmp_path, monkeypatch):
    """A released main activity is free text: PostgreSQL writes the cell text Python made of it
    (XML's specials escaped, a formula's first character neutralised, Excel's escape kept)."""
    alike, _apart = cohort
    texts = ['=HYPERLINK("x") & <b>', "-2+3", "a _x0041_ b"]
    for participant in alike:
        notes = WeeklyNote.objects.filter(participant=participant).order_by("week")
        for note, text in zip(notes, texts, strict=False):
            WeeklyNote.objects.filter(pk=note.pk).update(main_activity=text)
    by_sql, _by_python = both(spec(), tmp_path, monkeypatch)
    assert not left_to_python(spec(), monkeypatch)
    activities = {row[8] for row in read_workbook(by_sql["path"])["weekly_notes"][1:]}
    assert {'\'=hyperlink("x") & <b>', "'-2+3"} <= activities
    xml = by_sql["sheets"]["weekly_notes"]
    assert b"&apos;=hyperlink" not in xml and b'\'=hyperlink("x") &amp; &lt;b&gt;' in xml
    assert b"a _x005F_x0041_ b" in xml  # Excel shows _x0041_, not A


UNUSUAL = [
    ["a,b", "c"],  # a comma in a code: split, as workbook.channel_codes always did
    ['say "hi"', "x\\y"],
    ["text", 1],
    {"phone": 1},
    "text",
    ["é", " spaced ", "a;b"],
    ["=1+1"],
    ["a&b"],
    ["_x0041_"],
]


@pytest.mark.parametrize("channels", UNUSUAL)
def test_postgresql_writes_any_channel_list_as_python_decodes_it(
    cohort, channels, tmp_path, monkeypatch
):
    alike, _apart = cohort
    note = WeeklyNote.objects.filter(participant=alike[2]).order_by("week").first()
    WeeklyNote.objects.filter(pk=note.pk).update(other_channels=channels)
    assert not left_to_python(spec(), monkeypatch)
    monkeypatch.setattr(selectors, "NOTE_BATCH", 2)
    by_sql, _by_python = both(spec(), tmp_path, monkeypatch)
    assert by_sql["rows"] == 6 * 4


def test_values_written_after_they_were_read_are_left_to_python(cohort, tmp_path, monkeypatch):
    """A note saved while the export runs can hold a channel list or an activity the cells
    lack: its batch is built in Python, the rows are the same."""
    alike, _apart = cohort
    read = selectors.export_note_values

    def without(start, end):
        values = read(start, end)
        return values._replace(
            channels=[c for c in values.channels if "video" not in c],
            activities=[t for t in values.activities if "Café" not in t],
        )

    monkeypatch.setattr(selectors, "export_note_values", without)
    unknown = WeeklyNote.objects.filter(
        Q(other_channels__contains=["video"]) | Q(main_activity__startswith="Café")
    )
    expected = {
        research_id(spec().id_key, p.public_id) for p in alike if unknown.filter(participant=p)
    }
    assert expected and set(left_to_python(spec(), monkeypatch)) == expected
    monkeypatch.setattr(selectors, "NOTE_BATCH", 2)
    both(spec(), tmp_path, monkeypatch)


def test_notes_saved_between_the_count_and_the_reading_are_numbered_right(
    cohort, tmp_path, monkeypatch
):
    """The batches are numbered from the notes counted beforehand (so two readers can number
    theirs at once). A note saved in between: its batch is built in Python, the later batches
    are numbered again, and the sheet's rows follow each other."""
    alike, _apart = cohort
    monkeypatch.setattr(selectors, "note_rows_in_sql", lambda: True)
    monkeypatch.setattr(selectors, "NOTE_BATCH", 2)
    renumbered = []
    numbered_from = workbook.XmlRows.numbered_from

    def spied(rows, first, per_sheet):
        renumbered.append(first)
        return numbered_from(rows, first, per_sheet)

    monkeypatch.setattr(workbook.XmlRows, "numbered_from", spied)
    summary = Summary()
    sections = workbook.export_sections(spec(), summary)
    # A fifth note for the first participant of the sheet (counted: 4).
    first_id = sections[0][2][0][0]
    (participant,) = [p for p in alike if research_id(spec().id_key, p.public_id) == first_id]
    note = WeeklyNote.objects.filter(participant=participant).order_by("week").first()
    note.pk, note.version = None, 1
    note.week -= datetime.timedelta(weeks=1)
    note.save()
    path = tmp_path / "later.xlsx"
    workbook.write_workbook(path, sections, summary=summary, max_rows=8)
    assert summary.row_counts["weekly_notes"] == 6 * 4 + 1
    assert renumbered == [9, 17], "the second and third batches, counted from 8 and 16"
    with zipfile.ZipFile(path) as archive:
        for number, name in enumerate(summary.sheet_names, start=1):
            if name.startswith("weekly_notes"):
                xml = archive.read(f"xl/worksheets/sheet{number}.xml").decode()
                numbers = [int(n) for n in re.findall(r'<row r="(\d+)"', xml)]
                assert numbers == list(range(1, len(numbers) + 1))
                for number_, cells in re.findall(r'<row r="(\d+)"[^>]*>(.*?)</row>', xml):
                    assert set(re.findall(r'<c r="[A-Z]+(\d+)"', cells)) == {number_}
    book = read_workbook(path)
    notes = [row for name in book if name.startswith("weekly_notes") for row in book[name][1:]]
    assert len(notes) == 6 * 4 + 1
    assert [len(book[name]) for name in book if name.startswith("weekly_notes")] == [8] * 3 + [5]


@pytest.mark.parametrize(
    "fields",
    [
        {"targeted_need": "=cmd"},
        {"worker_satisfaction": "<b>"},
        {"no_contact_reason": " x", "participant_satisfaction": "a\x01b"},
    ],
)
def test_a_note_with_a_code_outside_the_choices_is_built_in_python(
    cohort, fields, tmp_path, monkeypatch
):
    """The code columns hold choices, but a database can hold anything (an import, a fix by
    hand): PostgreSQL writes the choices' cells, Python the rest."""
    alike, _apart = cohort
    note = WeeklyNote.objects.filter(participant=alike[4]).order_by("week").last()
    WeeklyNote.objects.filter(pk=note.pk).update(**fields)
    assert left_to_python(spec(), monkeypatch) == [research_id(spec().id_key, alike[4].public_id)]
    monkeypatch.setattr(selectors, "NOTE_BATCH", 2)
    both(spec(), tmp_path, monkeypatch)


def test_empty_codes_are_written_by_postgresql(cohort, tmp_path, monkeypatch):
    alike, _apart = cohort
    WeeklyNote.objects.filter(participant=alike[4]).update(
        targeted_need="", worker_satisfaction="", participant_satisfaction=""
    )
    assert not left_to_python(spec(), monkeypatch)
    both(spec(), tmp_path, monkeypatch)


@pytest.mark.parametrize("channels", [[""], ["", "x"], ["[x]"], ["phone", "text"]])
def test_lists_of_plain_codes_are_decoded_by_postgresql(cohort, channels, tmp_path, monkeypatch):
    alike, _apart = cohort
    note = WeeklyNote.objects.filter(participant=alike[3]).first()
    WeeklyNote.objects.filter(pk=note.pk).update(other_channels=channels)
    assert not left_to_python(spec(), monkeypatch)
    monkeypatch.setattr(selectors, "NOTE_BATCH", 2)  # the other batches stay PostgreSQL's
    both(spec(), tmp_path, monkeypatch)


@pytest.mark.django_db(transaction=True)
def test_readers_on_connections_of_their_own_write_the_same_sheet(cohort, tmp_path, monkeypatch):
    """Outside a transaction (as the worker runs it), the batches are read by two connections
    side by side, each opened for its thread and closed after: the same bytes."""
    assert selectors.can_read_in_parallel()
    started = []

    class Spied(selectors.ReadInParallel):
        def __init__(self, jobs, readers=selectors.READERS, depth=2):
            jobs = list(jobs)
            started.append((len(jobs), readers))
            super().__init__(jobs, readers, depth)

    monkeypatch.setattr(selectors, "ReadInParallel", Spied)
    backends = set()
    read = selectors.export_note_xml

    def noted(*args):
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backends.add(cursor.fetchone()[0])
        return read(*args)

    monkeypatch.setattr(selectors, "export_note_xml", noted)
    monkeypatch.setattr(selectors, "NOTE_BATCH", 2)
    by_sql, _by_python = both(spec(), tmp_path, monkeypatch)
    assert by_sql["rows"] == 6 * 4
    # The distinct values on a connection of their own, then the notes in three batches.
    assert started == [(1, 1), (3, 2)]
    assert not [t for t in threading.enumerate() if t.name == "export-read-ahead"]
    assert len(backends) == 2 and connection.connection.info.backend_pid not in backends
    assert backends_closed(backends), "the readers' connections are still open"


def test_rows_that_come_out_of_order_are_put_back_in_order(cohort, tmp_path, monkeypatch):
    """The hash joins keep the index's order, but nothing in SQL promises it: rows that come
    in another order are sorted by their count, and the sheet is the same."""
    monkeypatch.setattr(selectors, "_NOTE_XML_SQL", selectors._NOTE_XML_SQL + "ORDER BY n.g DESC")
    both(spec(), tmp_path, monkeypatch)
    assert not left_to_python(spec(), monkeypatch)
