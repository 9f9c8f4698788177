"""The research workbook: what goes in each sheet (rows streamed from research.export.selectors and
de-identified on the way), and `write_workbook`, which hands them to spheres.xlsx.

`export_sections(spec, summary)` yields the sheets as (name, header, rows) with lazy rows;
`write_workbook(path, sections)` writes them. The benchmark feeds the same writer the same rows
precomputed in memory, so the two halves are measured apart."""

import datetime
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import chain, islice
from operator import itemgetter
from typing import NamedTuple

from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from followups.models import (
    Channel,
    FollowUpStatus,
    InactiveReason,
    NoContactReason,
    RiskLevel,
    Satisfaction,
    TargetedNeed,
)
from followups.rules import monday_of
from referrals.rules import age_on
from research.export import selectors
from research.export.deidentify import (
    QUASI_IDENTIFIERS,
    WITHHELD,
    activity_key,
    gender_code,
    k_anonymise,
    name_words,
    region_code,
    released_activities,
    research_ids,
    worker_codes,
)
from spheres import xlsx
from spheres.models import Sector
from spheres.spreadsheets import neutralise

# Excel's limit; a longer sheet continues on <name>_2, <name>_3… (a constant so a test can lower
# it). The header counts as a row.
MAX_ROWS = 1_048_576
PROGRESS_EVERY = 5000

SHEETS = [
    "participants",
    "weekly_notes",
    "risk_assessments",
    "status_periods",
    "dictionary",
    "manifest",
]


@dataclass(frozen=True)
class Column:
    name: str
    meaning: object  # lazy translatable text
    codes: dict | None = None  # code -> lazy label


def _choices(text_choices) -> dict:
    return {value: label for value, label in text_choices.choices}


GENDER_CODES = {
    "woman": _("Woman"),
    "man": _("Man"),
    "other": _("Another gender identity (also rare identities merged)"),
    "not_recorded": _("Not recorded"),
    "*": _("Withheld (generalised for k-anonymity)"),
}
REGION_CODES = {
    "montreal": _("Montréal"),
    "laval": _("Laval"),
    "monteregie": _("Montérégie"),
    "laurentides": _("Laurentides"),
    "lanaudiere": _("Lanaudière"),
    "capitale_nationale": _("Capitale-Nationale"),
    "outaouais": _("Outaouais"),
    "estrie": _("Estrie"),
    "mauricie": _("Mauricie"),
    "saguenay_lac_saint_jean": _("Saguenay–Lac-Saint-Jean"),
    "other_region": _("Another region (not recognised)"),
    "outside_montreal": _("Outside Montréal (generalised)"),
    "not_recorded": _("Not recorded"),
    "*": _("Withheld (generalised for k-anonymity)"),
}
SECTOR_CODES = {
    **_choices(Sector),
    "outside_program": _("Outside the program"),
    "program_partner": _("A program partner (generalised)"),
    "not_recorded": _("Not recorded"),
    "*": _("Withheld (generalised for k-anonymity)"),
}

COLUMNS: dict[str, list[Column]] = {
    "participants": [
        Column("research_id", _("Research ID: keyed hash, stable from one export to the next")),
        Column("gender", _("Gender identity, grouped"), GENDER_CODES),
        Column(
            "age_at_entry",
            _("Age in years at admission (or an age band when generalised)"),
        ),
        Column("region", _("Region of the area of residence"), REGION_CODES),
        Column("referring_sector", _("Sector of the referring organisation"), SECTOR_CODES),
        Column("entry", _("Admission: year-month (or year-quarter, year when generalised)")),
        Column(
            "followup_status",
            _("Follow-up status on the export day"),
            _choices(FollowUpStatus),
        ),
    ],
    "weekly_notes": [
        Column("research_id", _("Research ID")),
        Column("week", _("Week number since admission (1 = the week of admission)")),
        Column("worker", _("Worker who wrote the note: a code valid in this export only")),
        Column("worker_sector", _("Sector of the worker's organisation"), _choices(Sector)),
        Column("meetings", _("Number of face-to-face meetings that week")),
        Column("meetings_minutes", _("Total duration of the meetings, in minutes")),
        Column(
            "other_channels",
            _("Other communications (codes separated by ;)"),
            _choices(Channel),
        ),
        Column(
            "no_contact_reason",
            _("No meeting or communication: why"),
            _choices(NoContactReason),
        ),
        Column(
            "main_activity",
            _(
                "Main activity as typed by the worker, in lower case, when at least k "
                "participants of the export have the same text and it holds no name known to "
                "the program; otherwise * (withheld)"
            ),
        ),
        Column("targeted_need", _("Targeted need"), _choices(TargetedNeed)),
        Column("worker_satisfaction", _("Worker's satisfaction"), _choices(Satisfaction)),
        Column(
            "participant_satisfaction",
            _("Participant's satisfaction as perceived by the worker"),
            _choices(Satisfaction),
        ),
    ],
    "risk_assessments": [
        Column("research_id", _("Research ID")),
        Column("time_point", _("Time point (0 = admission, 1 = time 1, 2 = time 2…)")),
        Column("instrument_done", _("Self-report questionnaires administered (1 = yes, 0 = no)")),
        Column("week", _("Week number since admission of the assessment")),
        Column("level", _("Risk of involvement in prostitution"), _choices(RiskLevel)),
    ],
    "status_periods": [
        Column("research_id", _("Research ID")),
        Column("status", _("Follow-up status during the period"), _choices(FollowUpStatus)),
        Column("reason", _("Reason (inactive periods)"), _choices(InactiveReason)),
        Column("start_week", _("First week of the period (week number since admission)")),
        Column("end_week", _("Week the period ended (empty: still going on the export day)")),
    ],
    "dictionary": [
        Column("sheet", _("Sheet")),
        Column("column", _("Column")),
        Column("meaning_fr", _("Meaning, in French")),
        Column("meaning_en", _("Meaning, in English")),
        Column("codes_fr", _("Codes and their meaning, in French")),
        Column("codes_en", _("Codes and their meaning, in English")),
    ],
    "manifest": [
        Column("item", _("Item")),
        Column("value", _("Value")),
    ],
}


@dataclass
class ExportSpec:
    on: datetime.date
    purpose: str
    requester_role: str
    id_key: str
    k: int
    max_suppression_percent: float
    salt: str = ""  # makes the worker codes differ from one export to the next
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None
    organisation_ids: list[int] = field(default_factory=list)
    sample: int | None = None  # benchmarks: the first n participants of the cohort only


@dataclass
class Summary:
    """What the export wrote: rows per sheet, the de-identification, the sheet names used."""

    row_counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SHEETS[:4], 0))
    deidentification: dict = field(default_factory=dict)
    rows_total: int = 0
    sheet_names: list[str] = field(default_factory=list)


def _week_number(admitted_monday: datetime.date, day: datetime.date) -> int:
    return (monday_of(day) - admitted_monday).days // 7 + 1


def channel_codes(raw: str | None) -> str:
    """'["phone", "text"]' (the JSON list as the database prints it) -> "phone;text". The codes
    are plain identifiers; anything else goes through the JSON decoder."""
    if not raw or raw == "[]":
        return ""
    if "\\" in raw or not raw.startswith("["):
        return ";".join(json.loads(raw))
    return ";".join(part.strip().strip('"') for part in raw[1:-1].split(","))


class Prepared(NamedTuple):
    participants: QuerySet  # the cohort, suppressed participants included
    lookup: dict[int, tuple[str, datetime.date]]  # id -> (research ID, admission's Monday)
    rows: list[tuple]  # the participants sheet
    authors: list[int]  # the notes' authors
    activities: set[str]  # the main activities released (activity_key's form)
    notes_of: dict[int, int]  # id -> notes in the period (a hint: notes may come meanwhile)
    note_values: Callable[[], selectors.NoteValues] | None  # where PostgreSQL writes the notes


def prepare(spec: ExportSpec, summary: Summary) -> Prepared:
    """The participant sheet in memory (one small row per participant: the k-anonymity decision
    needs them all) and the lookup the other sheets use: internal id -> (research ID, Monday of
    the admission week), and the notes' authors. Suppressed participants are absent from every
    sheet."""
    participants = selectors.export_participants(
        on=spec.on,
        period_end=spec.period_end,
        organisation_ids=spec.organisation_ids,
        sample=spec.sample,
    )
    read = selectors.export_participant_rows(participants)

    # Read in the meantime, as they need neither the research IDs nor the decision: the row
    # counts (for the progress bar) with the notes' authors (their codes come before the first
    # note), and what decides which main activities are released.
    # Where PostgreSQL builds the notes' rows, the notes' distinct channel lists and activities
    # too (export_note_values): on a connection of their own where possible, as that pass over
    # every note would otherwise wait for the rest.
    period = (spec.period_start, spec.period_end)
    in_sql, apart = selectors.note_rows_in_sql(), selectors.can_read_in_parallel()

    def in_the_meantime():
        return (
            selectors.export_row_counts(*period),
            selectors.export_activity_pairs(*period),
            name_words(selectors.export_person_names()),
            selectors.export_note_values(*period) if in_sql and not apart else None,
        )

    counted = selectors.in_background(in_the_meantime)
    note_values = None
    if in_sql and apart:
        reading = selectors.ReadInParallel([lambda: selectors.export_note_values(*period)], 1)

        def taken():
            try:
                return next(reading)
            finally:
                reading.close()

        note_values = cache(taken)
    elif in_sql:
        note_values = cache(lambda: counted()[3])
    # The free texts repeat (a few spellings of each gender, each area): each decoded once.
    gender_of, region_of = cache(gender_code), cache(region_code)
    raw = []
    research = research_ids(spec.id_key, [row[1] for row in read])
    for (pk, _public_id, admitted_on, born, gender, area, sector, other, status), rid in zip(
        read, research, strict=True
    ):
        referring = sector or ("outside_program" if other else "not_recorded")
        raw.append(
            (
                pk,
                rid,
                monday_of(admitted_on),
                status or "",
                {
                    "gender": gender_of(gender),
                    "age_at_entry": age_on(born, admitted_on),
                    "region": region_of(area or ""),
                    "referring_sector": referring,
                    "entry": f"{admitted_on.year}-{admitted_on.month:02d}",
                },
            )
        )
    del read, research
    decision = k_anonymise(
        [r[4] for r in raw], k=spec.k, max_suppression_percent=spec.max_suppression_percent
    )
    summary.deidentification = {**decision.describe(), "cohort": len(raw)}
    lookup: dict[int, tuple[str, datetime.date]] = {}
    rows = []
    columns = itemgetter(*(column.name for column in COLUMNS["participants"]))
    for (pk, rid, monday, status, _level0), values in zip(raw, decision.values, strict=True):
        if values is None:
            continue
        lookup[pk] = (rid, monday)
        values["research_id"], values["followup_status"] = rid, status
        rows.append(columns(values))
    summary.row_counts["participants"] = len(rows)
    counts, activity_pairs, names, _values = counted()
    activities, withheld = released_activities(activity_pairs, set(lookup), spec.k, names)
    summary.deidentification["main_activities"] = {
        "released": len(activities),
        "withheld": withheld,
    }
    # The counts cover every participant: the cohort's are kept (and the authors of the whole
    # cohort's notes, suppressed participants included, as the worker codes always were).
    cohort = {r[0] for r in raw}
    authors = {author for pk, author, _n in counts["weekly_notes"] if pk in cohort}
    summary.rows_total = len(rows) + sum(
        n for pk, _author, n in counts["weekly_notes"] if pk in lookup
    )
    summary.rows_total += sum(
        n
        for sheet in ("risk_assessments", "status_periods")
        for pk, n in counts[sheet].items()
        if pk in lookup
    )
    notes_of = Counter()
    for pk, _author, n in counts["weekly_notes"]:
        notes_of[pk] += n
    return Prepared(participants, lookup, rows, sorted(authors), activities, notes_of, note_values)


class _ChannelCodes(dict):
    """The channels' JSON text -> "code;code", each combination decoded once."""

    def __missing__(self, raw):
        codes = self[raw] = channel_codes(raw)
        return codes


_NUMBERED = re.compile(rb'(<row r="|<c r="[A-Z]+)\d+"')


class XmlRows(list):
    """A batch of a sheet's rows already written as the sheet's XML, in UTF-8: one <row>
    element per row (selectors.export_note_xml), numbered as the rows counted from `first` on."""

    def __init__(self, rows: Iterable[bytes], *, first: int):
        super().__init__(rows)
        self.first = first

    def numbered_from(self, first: int, per_sheet: int) -> "XmlRows":
        """The same rows numbered as the rows counted from `first` on. (The text of a cell
        holds no "<": XML's is escaped.)"""
        return XmlRows(
            (
                _NUMBERED.sub(rb'\g<1>%d"' % ((first + index) % per_sheet + 2), row)
                for index, row in enumerate(self)
            ),
            first=first,
        )


class _NoteRows:
    """The notes sheet's rows, read a batch of participants at a time by threads while the
    writer writes (write_workbook calls start() while it writes the sheet before, so the first
    batches are ready when wanted). `batches(per_sheet)` gives XmlRows where PostgreSQL built
    them, lists of row tuples where Python did (SQLite; a note PostgreSQL leaves to Python).
    Iterated, the same rows as tuples, all built in Python (the benchmark's limit is fed
    these). close() stops the reading."""

    def __init__(self, spec: ExportSpec, prepared: Prepared, summary: Summary, then=None):
        self._spec, self._prepared = spec, prepared
        self._summary, self._then = summary, then
        self._codes = worker_codes(spec.id_key, spec.salt, prepared.authors)
        sectors = selectors.worker_sectors(prepared.authors)
        self._sectors = {pk: sectors.get(pk, "") for pk in self._codes}
        self._reading = None
        self._per_sheet: int | None = None

    def _in_python(self, ids) -> Iterator[list[tuple]]:
        prepared = self._prepared
        return _note_rows_in_python(
            self._spec, self._codes, self._sectors, prepared.lookup, prepared.activities, ids
        )

    def _jobs_in_sql(self, per_sheet: int) -> Iterator[Callable[[], list]]:
        """A job per batch of participants: its rows as XmlRows numbered from the notes counted
        before it, or built in Python if PostgreSQL left any to Python."""
        spec, prepared = self._spec, self._prepared
        released = prepared.activities
        values = prepared.note_values()
        row = selectors.ROW

        def cell(column, value):
            return xlsx.cell_xml(column, neutralise(value), row)

        def activity(text):
            key = activity_key(text)
            return cell(8, (key if key in released else WITHHELD) if text else None)

        def codes(column, choices):
            return {code: cell(column, code) for code in ["", *choices.values]}

        sectors = self._sectors
        cells = selectors.NoteCells(
            workers={pk: cell(2, code) + cell(3, sectors[pk]) for pk, code in self._codes.items()},
            channels={listed: cell(6, channel_codes(listed)) for listed in values.channels},
            activities={text: activity(text) for text in values.activities},
            codes=(
                codes(7, NoContactReason),
                codes(9, TargetedNeed),
                codes(10, Satisfaction),
                codes(11, Satisfaction),
            ),
        ).params()
        notes_of = prepared.notes_of
        participants = [
            (pk, f'<row r="{row}">{cell(0, rid)}', monday)
            for pk, (rid, monday) in prepared.lookup.items()
        ]
        first = 0
        for start in range(0, len(participants), selectors.NOTE_BATCH):
            batch = []
            for pk, head, monday in participants[start : start + selectors.NOTE_BATCH]:
                batch.append((pk, head, monday, first))
                first += notes_of.get(pk, 0)

            def job(batch=batch, first=batch[0][3]):
                rows = selectors.export_note_xml(
                    batch, first, per_sheet, cells, spec.period_start, spec.period_end
                )
                if rows is None or None in rows:  # the same rows, built in Python
                    ids = [pk for pk, _head, _monday, _first in batch]
                    return [row for rows in self._in_python(ids) for row in rows]
                return XmlRows(rows, first=first)

            yield job

    def _counted(self, batches: Iterator[list], per_sheet: int) -> Iterator[list]:
        """The batches as read, counted; a batch numbered from a count that notes written
        meanwhile made wrong is numbered again."""
        count = 0
        for rows in batches:
            if isinstance(rows, XmlRows) and rows.first % per_sheet != count % per_sheet:
                rows = rows.numbered_from(count, per_sheet)
            count += len(rows)
            yield rows
        self._summary.row_counts["weekly_notes"] = count
        if self._then is not None:
            self._then()

    def start(self, per_sheet: int | None = None) -> None:
        if self._reading is None:
            per_sheet = self._per_sheet = per_sheet or MAX_ROWS - 1
            if not selectors.note_rows_in_sql():
                reading = selectors.ReadAhead(self._in_python(list(self._prepared.lookup)))
            elif selectors.can_read_in_parallel():
                reading = selectors.ReadInParallel(self._jobs_in_sql(per_sheet))
            else:
                jobs = self._jobs_in_sql(per_sheet)
                reading = selectors.ReadAhead(job() for job in jobs)
            self._reading = reading
            self._batches = self._counted(reading, per_sheet)

    def batches(self, per_sheet: int) -> Iterator[list]:
        self.start(per_sheet)
        if per_sheet != self._per_sheet:
            raise ValueError("the reading numbered its rows for another sheet size")
        return self._batches

    def __iter__(self):
        batches = self._in_python(list(self._prepared.lookup))
        return chain.from_iterable(self._counted(batches, MAX_ROWS - 1))

    def close(self) -> None:
        if self._reading is not None:
            self._reading.close()


def _note_rows(spec, prepared: Prepared, summary: Summary, then=None) -> _NoteRows:
    return _NoteRows(spec, prepared, summary, then)


def _note_rows_in_python(spec, codes, sectors, lookup, activities, ids) -> Iterator[list[tuple]]:
    """The notes' rows a batch at a time, built here from the notes' fields (any database, any
    channel list), in the reading thread."""
    channel_lists = _ChannelCodes()

    def activity_of(typed):
        if not typed:
            return None
        key = activity_key(typed)
        return key if key in activities else WITHHELD

    batches = selectors.export_note_batches(ids, spec.period_start, spec.period_end)
    for batch in batches:
        rows = []
        for pk, notes in batch:
            rid, monday = lookup[pk]
            monday = monday.toordinal()
            rows += [
                (
                    rid,
                    (week.toordinal() - monday) // 7 + 1,  # notes are dated on Mondays
                    codes[author],
                    sectors[author],
                    meetings,
                    minutes,
                    channel_lists[channels],
                    no_contact,
                    activity_of(activity),
                    need,
                    worker_sat,
                    participant_sat,
                )
                for (
                    _pk,
                    week,
                    author,
                    meetings,
                    minutes,
                    channels,
                    no_contact,
                    activity,
                    need,
                    worker_sat,
                    participant_sat,
                ) in notes
            ]
        yield rows


def _risk_rows(read, lookup, summary: Summary) -> Iterator[tuple]:
    count = 0
    for pk, time_point, done, assessed_on, level in read():
        known = lookup.get(pk)
        if known is not None:
            count += 1
            yield (known[0], time_point, int(done), _week_number(known[1], assessed_on), level)
    summary.row_counts["risk_assessments"] = count


def _status_rows(spec, read, lookup, summary: Summary) -> Iterator[tuple]:
    """Each status change opens a period that the next one closes; periods wholly outside the
    requested period are left out."""
    start = spec.period_start
    end = spec.period_end

    def periods(pk, changes):
        rid, monday = lookup[pk]
        for index, (day, status, reason) in enumerate(changes):
            until = changes[index + 1][0] if index + 1 < len(changes) else None
            if end is not None and day > end:
                continue
            if start is not None and until is not None and until < start:
                continue
            yield (
                rid,
                status,
                reason,
                _week_number(monday, day),
                None if until is None else _week_number(monday, until),
            )

    def all_periods():
        current, changes = None, []
        for pk, changed_at, status, reason in read():
            if pk not in lookup:
                continue
            if pk != current:
                if current is not None:
                    yield from periods(current, changes)
                current, changes = pk, []
            changes.append((timezone.localdate(changed_at), status, reason))
        if current is not None:
            yield from periods(current, changes)

    count = 0
    for row in all_periods():
        count += 1
        yield row
    summary.row_counts["status_periods"] = count


def _in_both_languages(text) -> tuple[str, str]:
    with translation.override("fr-ca"):
        french = str(text)
    with translation.override("en"):
        english = str(text)
    return french, english


def _codes(codes: dict | None) -> tuple[str, str]:
    if not codes:
        return "", ""
    with translation.override("fr-ca"):
        french = "; ".join(f"{code} = {label}" for code, label in codes.items())
    with translation.override("en"):
        english = "; ".join(f"{code} = {label}" for code, label in codes.items())
    return french, english


def dictionary_rows() -> Iterator[tuple]:
    for sheet, columns in COLUMNS.items():
        for column in columns:
            yield (sheet, column.name, *_in_both_languages(column.meaning), *_codes(column.codes))


def manifest_rows(spec: ExportSpec, summary: Summary, names: list[str]) -> Iterator[tuple]:
    """Read when the manifest is written, after every other sheet: the counts are final."""
    deid = summary.deidentification
    yield ("export_date", spec.on.isoformat())
    yield ("requester_role", spec.requester_role)
    yield ("purpose", spec.purpose)
    yield ("period_from", spec.period_start.isoformat() if spec.period_start else "")
    yield ("period_to", spec.period_end.isoformat() if spec.period_end else "")
    yield ("organisations", "; ".join(names))
    yield (
        "inclusion_rule",
        "research-use agreement in force on the export day; program consent not withdrawn; "
        "admitted by the end of the period",
    )
    if not deid.get("cohort"):
        yield ("note", "no participant meets the inclusion rule: every data sheet is empty")
    for sheet in SHEETS[:4]:
        yield (f"rows_{sheet}", summary.row_counts[sheet])
    yield ("sheets", ", ".join(summary.sheet_names))
    yield ("k", deid.get("k", spec.k))
    yield ("quasi_identifiers", ", ".join(qi.name for qi in QUASI_IDENTIFIERS))
    for name, level in deid.get("levels", {}).items():
        yield (f"generalisation_{name}", level)
    yield ("rare_genders_merged_into_other", len(deid.get("gender_merged_into_other", [])))
    activities = deid.get("main_activities", {})
    yield ("main_activities_released", activities.get("released", 0))
    yield ("main_activities_withheld", activities.get("withheld", 0))
    yield ("participants_in_cohort", deid.get("cohort", 0))
    yield ("participants_suppressed", deid.get("suppressed", 0))
    yield ("max_suppression_percent", spec.max_suppression_percent)
    yield ("research_id", "HMAC-SHA256 of an internal id under a secret key, 16 hex digits")
    yield ("dates", "week numbers since the week of admission (week 1); no calendar date")
    yield (
        "left_out",
        "names, contacts, addresses, date of birth, youth ID, legal care, recruiter markers, "
        "consent forms, worker names, the three qualitative notes, the 'other reason' text",
    )


Section = tuple[str, list[str], Iterable[tuple]]


def export_sections(spec: ExportSpec, summary: Summary) -> list[Section]:
    """The six sheets in order. The participants are read and de-identified now (so
    summary.rows_total is known on return); the other rows stay lazy, streamed from the database
    as they are written."""
    prepared = prepare(spec, summary)
    participants, lookup, rows = prepared.participants, prepared.lookup, prepared.rows
    names = selectors.organisation_names(spec.organisation_ids)
    start, end = spec.period_start, spec.period_end

    # The assessments and status changes (a few per participant) are read, and their rows built,
    # in the background once the notes are read: while the notes sheet is compressed (zlib lets
    # go of the GIL), not after it. Streamed otherwise.
    read_later = {}

    def risks():
        return _risk_rows(
            lambda: selectors.export_risk_rows(participants, start, end), lookup, summary
        )

    def status_periods():
        return _status_rows(
            spec, lambda: selectors.export_status_change_rows(participants), lookup, summary
        )

    def read_the_rest():
        zone = timezone.get_current_timezone()  # the caller's: days are cut in it

        def build():
            with timezone.override(zone):
                return list(risks()), list(status_periods())

        read_later["rest"] = selectors.in_background(build)

    def later(index, stream):
        def rows():
            if "rest" in read_later:
                yield from read_later["rest"]()[index]
            else:
                yield from stream()

        return rows()

    def header(sheet):
        return [c.name for c in COLUMNS[sheet]]

    return [
        ("participants", header("participants"), rows),
        (
            "weekly_notes",
            header("weekly_notes"),
            _note_rows(spec, prepared, summary, then=read_the_rest),
        ),
        ("risk_assessments", header("risk_assessments"), later(0, risks)),
        ("status_periods", header("status_periods"), later(1, status_periods)),
        ("dictionary", header("dictionary"), dictionary_rows()),
        ("manifest", header("manifest"), manifest_rows(spec, summary, names)),
    ]


class _Parts:
    """A section's sheets as they are written: <name>, then <name>_2, <name>_3… each with the
    header and at most `per_sheet` rows under it."""

    def __init__(self, workbook, name: str, header: list[str], per_sheet: int, summary):
        self._workbook, self._name, self._header = workbook, name, header
        self._per_sheet, self._summary = per_sheet, summary
        self._part = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        self._part += 1
        name = self._name if self._part == 1 else f"{self._name}_{self._part}"
        self._sheet = self._workbook.add_sheet(name, len(self._header))
        if self._summary is not None:
            self._summary.sheet_names.append(name)
        self._sheet.write_row(self._header, bold=True)
        self._room = self._per_sheet

    def write_rows(self, rows: Iterable[tuple]) -> int:
        count = 0
        write_row, room = self._sheet.write_row, self._room
        for row in rows:
            if not room:
                self._new_sheet()
                write_row, room = self._sheet.write_row, self._room
            write_row(row)
            room -= 1
            count += 1
        self._room = room
        return count

    def write_xml(self, rows: XmlRows) -> int:
        first = 0
        while first < len(rows):
            if not self._room:
                self._new_sheet()
            part = rows[first : first + self._room]
            self._sheet.write_xml(b"".join(part), len(part))
            self._room -= len(part)
            first += len(part)
        return len(rows)


def write_workbook(
    path,
    sections: Iterable[Section],
    *,
    tmpdir: str | None = None,
    progress: Callable[[int], None] | None = None,
    summary: Summary | None = None,
    max_rows: int | None = None,
) -> int:
    """Write the sections to an .xlsx file at `path` with flat memory: each row is written as it
    comes (spheres.xlsx: to the sheet's temporary file in `tmpdir`, compressed into the
    workbook when the sheet is done), every text as text (never a formula, number or link),
    neutralised besides. A section's rows are an iterable of tuples, or an object whose
    batches(per_sheet) gives lists of tuples or XmlRows (the notes). `progress` is told the
    rows written so far every PROGRESS_EVERY rows or so. Returns the number of data rows
    written."""
    per_sheet = (max_rows or MAX_ROWS) - 1  # the header counts as a row
    sections = list(sections)
    workbook = xlsx.Workbook(path, transform=neutralise, tmpdir=tmpdir)
    written = reported = 0
    try:
        for index, (name, header, rows) in enumerate(sections):
            if index + 1 < len(sections) and hasattr(sections[index + 1][2], "start"):
                # The next sheet's reading begins while this one is written (its first
                # batch is then ready when it is wanted).
                sections[index + 1][2].start(per_sheet)
            parts = _Parts(workbook, name, header, per_sheet, summary)
            if hasattr(rows, "batches"):
                batches = rows.batches(per_sheet)
            else:
                rows = iter(rows)
                batches = iter(lambda rows=rows: list(islice(rows, PROGRESS_EVERY)), [])
            for batch in batches:
                if isinstance(batch, XmlRows):
                    written += parts.write_xml(batch)
                else:
                    written += parts.write_rows(batch)
                if progress is not None and written - reported >= PROGRESS_EVERY:
                    progress(written)
                    reported = written
    finally:
        for _name, _header, rows in sections:  # a reading left half-done stops its thread now
            if hasattr(rows, "close"):
                rows.close()
        workbook.close()
    return written
