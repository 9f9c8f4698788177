"""Reads of the research export. Its rows come from here as plain tuples, streamed (server-side
cursors, `iterator(chunk_size=…)`, or the notes a batch of participants at a time; the
participants, whom the k-anonymity decision needs all at once, in one list) and ordered by the
participant's random public id, so the order of rows says nothing about admission order."""

import datetime
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple, TypeVar

import psycopg2.extensions
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast, Lower, Trim

from followups.models import FollowUpStatusChange, RiskAssessment, WeeklyNote
from referrals.models import Assignment, Consent, ConsentKind, Participant, Referral
from research.models import EXPORT_OPEN_STATUSES, ExportStatus, NoteActivity, ResearchExport
from spheres import side_by_side
from spheres.models import Membership, Organisation, Role, User

CHUNK = 2000
T = TypeVar("T")


def export_cohort(on: datetime.date) -> QuerySet[Participant]:
    """Who may be in a research export on day `on` (DOMAIN.md, consent: the de-identified export
    rests on the program form's research-use clause, not on the research study's own consent):
    the clause agreed to and in force that day, program consent not withdrawn. A withdrawal
    removes the participant from every later export."""
    in_force = Consent.objects.filter(
        participant=OuterRef("pk"), kind=ConsentKind.RESEARCH_USE, given_on__lte=on
    ).filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on))
    return Participant.objects.filter(program_consent_withdrawn=False).filter(Exists(in_force))


def export_participants(
    *,
    on: datetime.date,
    period_end: datetime.date | None,
    organisation_ids: list[int],
    sample: int | None = None,
) -> QuerySet[Participant]:
    """The cohort, admitted by the end of the period, followed (now or before) by a worker of one
    of the organisations when some are chosen. `sample` (benchmarks only) keeps the first n."""
    participants = export_cohort(on)
    if period_end is not None:
        participants = participants.filter(admitted_on__lte=period_end)
    if organisation_ids:
        followed = Assignment.objects.filter(
            participant=OuterRef("pk"),
            worker__memberships__organisation_id__in=organisation_ids,
        )
        participants = participants.filter(Exists(followed))
    if sample is not None:
        participants = participants.filter(
            pk__in=list(participants.order_by("pk").values_list("pk", flat=True)[:sample])
        )
    return participants


def export_participant_rows(participants: QuerySet[Participant]) -> list[tuple]:
    """(pk, public_id, admitted_on, date of birth, gender identity, area, referrer's sector,
    referrer outside the program?, current follow-up status), by public id. A list: the
    k-anonymity decision needs them all (one fetch, without a server-side cursor's round trips).
    On PostgreSQL the public id comes as its text (what str() of the UUID gives, and what the
    research ID is computed from), sparing a UUID object per participant."""
    public_id = "public_id"
    if _on_postgresql():  # SQLite's text of a UUID has no dashes
        participants = participants.annotate(public_text=Cast("public_id", TextField()))
        public_id = "public_text"
    return list(
        participants.order_by("public_id").values_list(
            "pk",
            public_id,
            "admitted_on",
            "date_of_birth",
            "gender_identity",
            "referral__residence_area",
            "referral__referrer_organisation__sector",
            "referral__referrer_organisation_other",
            "followup__status",
        )
    )


def _in_period(queryset, field, start, end):
    if start is not None:
        queryset = queryset.filter(**{f"{field}__gte": start})
    if end is not None:
        queryset = queryset.filter(**{f"{field}__lte": end})
    return queryset


def _risks(participants, start, end):
    return _in_period(
        RiskAssessment.objects.filter(participant__in=participants), "assessed_on", start, end
    )


def _counts(queryset, participant="participant_id") -> dict[int, int]:
    return dict(
        queryset.order_by()
        .values(participant)
        .annotate(n=Count("pk"))
        .values_list(participant, "n")
    )


def export_row_counts(start, end) -> dict:
    """For the progress bar's total and the worker codes, in one pass over each table: the
    assessments and status changes per participant, the weekly notes per (participant, author).
    Every participant's: the caller keeps the cohort's (filtering the notes on the cohort in SQL
    joined it to every note, five times slower than counting them all)."""
    notes = (
        _in_period(WeeklyNote.objects.all(), "week", start, end)
        .order_by()
        # Grouped as the (author, participant) index is ordered, COUNT(*): an index-only scan.
        .values("author_id", "participant_id")
        .annotate(n=Count("*"))
        .values_list("participant_id", "author_id", "n")
    )
    return {
        "weekly_notes": list(notes),
        "risk_assessments": _counts(
            _in_period(RiskAssessment.objects.all(), "assessed_on", start, end)
        ),
        "status_periods": _counts(FollowUpStatusChange.objects.all(), "followup__participant_id"),
    }


def export_activity_pairs(start, end) -> list[tuple[str, int]]:
    """Every main activity (lower case, trimmed: research.notemonths) with each participant who
    recorded it in the period, as distinct pairs: from the per-participant monthly summary the
    database triggers keep (an index-only scan, not the 260,000 notes), and from the notes of
    the months the period cuts."""
    summary = NoteActivity.objects.order_by().values_list("activity", "participant_id")
    if start is None and end is None:
        return list(summary.distinct())
    from research.selectors import _from_summary  # the dashboards' reading of the summary

    whole, cut = _from_summary(
        NoteActivity.objects.order_by(),
        start or datetime.date.min,
        end or datetime.date(9999, 11, 30),  # the last day whose next day is another month
    )
    notes = [
        notes.exclude(main_activity="")
        .annotate(activity=Lower(Trim("main_activity")))
        .order_by()
        .values_list("activity", "participant_id")
        for notes in cut
    ]
    return list(whole.values_list("activity", "participant_id").union(*notes))


def export_person_names() -> list[str]:
    """Every name the program knows (referrals and staff), each once: words a released text
    must not hold. Read to keep names out, never written."""
    names: set[str] = set()
    for field in ("first_name", "last_name", "preferred_name"):
        names.update(Referral.objects.order_by().values_list(field, flat=True).distinct())
    for field in ("first_name", "last_name"):
        names.update(User.objects.order_by().values_list(field, flat=True).distinct())
    names.discard("")
    return sorted(names)


NOTE_BATCH = 50  # participants per query for the notes (about 50 notes each a year)


def export_note_batches(participant_ids: list[int], start, end) -> Iterator[list]:
    """Every weekly-note field but the three qualitative notes and the "other reason" text, for
    the participants given: per batch of participants, a list of (participant id, their notes
    by week), in the order given (the public ids').

    A query per batch: an index scan on the participant, the notes sorted by (participant, week)
    in memory, grouped here and put in the batch's order (ordering by the public id in SQL
    would join every participant to every batch). One query over everyone made PostgreSQL sort
    every note on disk and, as Django opens server-side cursors WITH HOLD outside a transaction,
    copy the whole result before handing over the first row; memory here stays bounded by a
    batch (ReadAhead keeps two). The channels come as the JSON list's text: decoding it row by
    row would cost more than the rest of the row (research.export.workbook.channel_codes)."""
    for first in range(0, len(participant_ids), NOTE_BATCH):
        batch = participant_ids[first : first + NOTE_BATCH]
        notes = (
            _in_period(WeeklyNote.objects.filter(participant_id__in=batch), "week", start, end)
            .annotate(channels_text=Cast("other_channels", TextField()))
            .order_by("participant_id", "week")
            .values_list(
                "participant_id",
                "week",
                "author_id",
                "meetings",
                "meetings_minutes",
                "channels_text",
                "no_contact_reason",
                "main_activity",
                "targeted_need",
                "worker_satisfaction",
                "participant_satisfaction",
            )
        )
        by_participant = {pk: list(rows) for pk, rows in groupby(notes, itemgetter(0))}
        yield [(pk, by_participant[pk]) for pk in batch if pk in by_participant]


def _on_postgresql() -> bool:
    return connections[DEFAULT_DB_ALIAS].vendor == "postgresql"


def note_rows_in_sql() -> bool:
    """Whether PostgreSQL builds the notes sheet's rows (export_note_xml); elsewhere (SQLite)
    they are built in Python from export_note_batches."""
    return _on_postgresql()


class NoteValues(NamedTuple):
    """The distinct values of a period's notes that their sheet writes as free text."""

    channels: list[str]  # channel lists, as PostgreSQL prints them
    activities: list[str]  # main activities, as typed


def export_note_values(start, end) -> NoteValues:
    """The distinct channel lists and main activities of the notes of the period, in one pass
    over the notes (PostgreSQL only): export_note_xml takes them as cells."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            """
            SELECT GROUPING(other_channels), other_channels::text, main_activity
            FROM followups_weeklynote
            WHERE (%s::date IS NULL OR week >= %s) AND (%s::date IS NULL OR week <= %s)
            GROUP BY GROUPING SETS ((other_channels), (main_activity))
            """,
            [start, start, end, end],
        )
        rows = cursor.fetchall()
    return NoteValues(
        channels=[listed for by_activity, listed, _typed in rows if not by_activity],
        activities=[typed for by_activity, _listed, typed in rows if by_activity],
    )


# The notes sheet's rows as the workbook's XML, assembled by PostgreSQL on the other cores while
# Python compresses and writes: building each row's cells in Python, under the GIL the readers
# share, cost more than the rest of the export. One text per note, the <row> element as
# spheres.xlsx.Sheet.write_row writes it for research.export.workbook's Python path (the tests
# compare the two byte for byte):
# - every text cell comes from Python, made by spheres.xlsx.cell_xml with ROW where the row
#   number goes: the participant's research ID (opening the row), the author's code and sector,
#   each channel list and main activity (from export_note_values), each code of the four code
#   columns (their choices): PostgreSQL only joins them to the notes (hash joins, which keep
#   the notes' order), writes the three numbers and puts the row number in;
# - each note comes with its count `g` in the sheet (from 0): its participant's count of
#   earlier notes (from Python) plus its rank among the participant's notes by week (the index
#   on (participant, week) gives them in that order: no sort). export_note_xml checks that a
#   batch's counts follow each other, as they do unless a note was saved since they were
#   counted, and puts the rows in that order;
# - rows numbered as the writer numbers them: the header is row 1 of each sheet, and a sheet
#   holds `per_sheet` notes before the next one (weekly_notes_2…) starts: row g % per_sheet + 2;
# - week numbers as workbook._week_number counts them (floor division: a note is dated on a
#   Monday, but nothing in the database says so);
# - a note whose channel list or activity the cells lack (saved after export_note_values read
#   them), or with a code outside the choices, comes as NULL: its batch is built in Python.
# ROW is a character no cell's text can hold (spheres.xlsx escapes control characters).
ROW = "\x01"
_NOTE_XML_SQL = r"""
SELECT n.g, CASE
    WHEN ch.listed IS NOT NULL AND a.typed IS NOT NULL AND kh.code IS NOT NULL
         AND kj.code IS NOT NULL AND kk.code IS NOT NULL AND kl.code IS NOT NULL
    THEN replace(concat(
        p.head, E'<c r="B\001"><v>', floor((n.week - p.monday)::float8 / 7)::int + 1,
        '</v></c>', w.cells, E'<c r="E\001"><v>', n.meetings, E'</v></c><c r="F\001"><v>',
        n.meetings_minutes, '</v></c>', ch.cells, kh.cells, a.cells, kj.cells, kk.cells,
        kl.cells, '</row>'
    ), E'\001', (n.g %% %s + 2)::text) END
FROM unnest(%s::bigint[], %s::text[], %s::date[], %s::bigint[]) p(id, head, monday, base)
CROSS JOIN LATERAL (
    SELECT n.*, p.base + row_number() OVER (ORDER BY n.week) - 1 AS g
    FROM followups_weeklynote n
    WHERE n.participant_id = p.id
      AND (%s::date IS NULL OR n.week >= %s) AND (%s::date IS NULL OR n.week <= %s)
) n
LEFT JOIN unnest(%s::bigint[], %s::text[]) w(id, cells) ON w.id = n.author_id
LEFT JOIN unnest(%s::text[]::jsonb[], %s::text[]) ch(listed, cells)
    ON ch.listed = n.other_channels
LEFT JOIN unnest(%s::text[], %s::text[]) a(typed, cells) ON a.typed = n.main_activity
LEFT JOIN unnest(%s::text[], %s::text[]) kh(code, cells) ON kh.code = n.no_contact_reason
LEFT JOIN unnest(%s::text[], %s::text[]) kj(code, cells) ON kj.code = n.targeted_need
LEFT JOIN unnest(%s::text[], %s::text[]) kk(code, cells) ON kk.code = n.worker_satisfaction
LEFT JOIN unnest(%s::text[], %s::text[]) kl(code, cells) ON kl.code = n.participant_satisfaction
"""


@dataclass(frozen=True)
class NoteCells:
    """The cells export_note_xml takes from Python (spheres.xlsx.cell_xml, ROW for the row
    number): worker id -> their code's and sector's cells; channel list as printed -> its cell;
    main activity as typed -> its cell; and for each of the four code columns (no-contact
    reason, need, worker's and participant's satisfaction), code -> its cell."""

    workers: dict[int, str]
    channels: dict[str, str]
    activities: dict[str, str]
    codes: tuple[dict[str, str], dict[str, str], dict[str, str], dict[str, str]]

    def params(self) -> list:
        return [
            value
            for mapping in (self.workers, self.channels, self.activities, *self.codes)
            for value in (list(mapping), list(mapping.values()))
        ]


def export_note_xml(
    participants: list[tuple[int, str, datetime.date, int]],
    first: int,
    per_sheet: int,
    cells: list,
    start,
    end,
) -> list[bytes | None] | None:
    """One batch of the notes sheet's rows as XML in UTF-8 (PostgreSQL only; see
    _NOTE_XML_SQL): one <row> element per note, None for a note left to Python; None for the
    whole batch if its notes are not the ones counted. `participants` as (id, the row's opening
    with the research ID's cell, Monday of the admission week, notes counted before theirs) in
    the sheet's order; `first` the count of notes before the batch; `per_sheet` the notes a
    sheet holds; `cells` NoteCells.params()."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        # The rows as bytes, as the workbook stores them: decoding each text to write it
        # encoded again cost more than reading it.
        psycopg2.extensions.register_type(psycopg2.extensions.BYTES, cursor.cursor)
        cursor.execute(
            _NOTE_XML_SQL,
            [
                per_sheet,
                *(list(column) for column in zip(*participants, strict=True)),
                start,
                start,
                end,
                end,
                *cells,
            ],
        )
        rows = cursor.fetchall()
    counted = range(first, first + len(rows))
    if [g for g, _xml in rows] != list(counted):
        rows.sort()
        if [g for g, _xml in rows] != list(counted):
            return None
    return [xml for _g, xml in rows]


_DONE = object()


def _hand_over(waiting: queue.Queue, item, stop: threading.Event) -> bool:
    """Put `item` in the queue as soon as there is room, unless stopped meanwhile."""
    while not stop.is_set():
        try:
            waiting.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _thread_on_this_connection(target, name: str) -> tuple[threading.Thread, Callable[[], None]]:
    """A started thread running `target` on this thread's database connection (Django allows the
    sharing explicitly, as its live-server tests do): same transaction, same test data, queries
    counted alike; psycopg2 runs one query at a time on it and waits for PostgreSQL without
    holding the GIL. Call the returned `release` once the thread is joined."""
    connection = connections[DEFAULT_DB_ALIAS]

    def run():
        connections[DEFAULT_DB_ALIAS] = connection
        target()

    connection.inc_thread_sharing()
    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread, connection.dec_thread_sharing


def in_background(function: Callable[..., T], *args) -> Callable[[], T]:
    """Start function(*args) in a thread on this connection; the returned callable waits for
    its result (or raises its error). For reads whose result is needed later."""
    outcome: list = []

    def run():
        try:
            outcome.append((True, function(*args)))
        except BaseException as error:  # raised to the caller
            outcome.append((False, error))

    thread, release = _thread_on_this_connection(run, "export-background")

    joined: list[bool] = []

    def result() -> T:
        if not joined:  # however often asked, joined and released once
            thread.join()
            release()
            joined.append(True)
        done, value = outcome[0]
        if not done:
            raise value
        return value

    return result


class ReadAhead:
    """The batches of `batches`, each read by a thread on this connection while the caller uses
    the one before: PostgreSQL works while the workbook is written. The thread starts at once,
    so the first batch can be on its way before it is asked for. At most `depth` batches wait in
    memory. The threads are stopped and joined when the last batch has been taken, when an error
    (on either side) ends the reading, or on close(), which the caller must call if it stops
    early or never starts. (ReadInParallel: several threads, each on a connection of its own.)"""

    def __init__(self, batches: Iterator[list], depth: int = 2):
        self._begin([batches], depth, own_connections=False)

    def _begin(self, sources: list[Iterator], depth: int, *, own_connections: bool) -> None:
        """A thread per source; the caller takes item i from source i % len(sources)."""
        self._stop = threading.Event()
        self._closed = False
        self._taken = 0
        self._waiting = [queue.Queue(maxsize=depth) for _ in sources]
        self._readers, self._releases = [], []
        for source, waiting in zip(sources, self._waiting, strict=True):

            def read(source=source, waiting=waiting):
                self._read(source, waiting, own_connection=own_connections)

            if own_connections:
                reader = threading.Thread(target=read, name="export-read-ahead", daemon=True)
                reader.start()
            else:
                reader, release = _thread_on_this_connection(read, "export-read-ahead")
                self._releases.append(release)
            self._readers.append(reader)

    def _read(self, source: Iterator, waiting: queue.Queue, *, own_connection: bool) -> None:
        try:
            items = iter(source)
            while not self._stop.is_set():  # checked before each read, not only while waiting
                item = next(items, _DONE)
                if not _hand_over(waiting, item, self._stop) or item is _DONE:
                    return
        except BaseException as error:  # handed to the caller, raised there
            _hand_over(waiting, error, self._stop)
        finally:
            if own_connection:
                connections[DEFAULT_DB_ALIAS].close()  # this thread's own

    def __iter__(self):
        return self

    def __next__(self) -> list:
        if self._closed:
            raise StopIteration
        # Round robin: when source i % n has nothing left, no source has (it held every n-th).
        item = self._waiting[self._taken % len(self._waiting)].get()
        self._taken += 1
        if item is _DONE:
            self.close()
            raise StopIteration
        if isinstance(item, BaseException):
            self.close()
            raise item
        return item

    def close(self) -> None:
        """Stop the threads (each returns before reading further) and wait for them."""
        if not self._closed:
            self._closed = True
            self._stop.set()
            for reader in self._readers:
                reader.join()
            for release in self._releases:
                release()


READERS = 2  # connections reading the notes side by side (the machines here have 2 cores)


def can_read_in_parallel() -> bool:
    """Whether readers may each open a connection of their own: on PostgreSQL, outside a
    transaction (spheres.side_by_side.possible)."""
    return side_by_side.possible()


class ReadInParallel(ReadAhead):
    """The results of `jobs` (callables that read the database), in order, computed by
    `readers` threads side by side, each on a connection of its own, opened for it and closed
    when it ends (so only where can_read_in_parallel()): PostgreSQL runs their queries on as
    many cores. Reader k runs jobs k, k + readers…; at most `depth` of its results wait in
    memory. Stopped and joined as ReadAhead is."""

    def __init__(self, jobs: Iterable[Callable[[], T]], readers: int = READERS, depth: int = 2):
        jobs = list(jobs)
        readers = max(1, min(readers, len(jobs)))
        sources = [(job() for job in jobs[k::readers]) for k in range(readers)]
        self._begin(sources, depth, own_connections=True)


def export_risk_rows(participants, start, end):
    return (
        _risks(participants, start, end)
        .order_by("participant__public_id", "time_point")
        .values_list("participant_id", "time_point", "instrument_done", "assessed_on", "level")
        .iterator(chunk_size=CHUNK)
    )


def export_status_change_rows(participants):
    """Follow-up status history (the periods are cut from it), without notes or break terms."""
    return (
        FollowUpStatusChange.objects.filter(followup__participant__in=participants)
        .order_by("followup__participant__public_id", "changed_at", "pk")
        .values_list("followup__participant_id", "changed_at", "to_status", "reason")
        .iterator(chunk_size=CHUNK)
    )


def worker_sectors(user_ids: list[int]) -> dict[int, str]:
    """Sector of each worker's organisation (the first active youth-worker membership, else the
    first membership)."""
    rows = (
        Membership.objects.filter(user_id__in=user_ids)
        .annotate(
            worker=Count("roles", filter=Q(roles__role=Role.YOUTH_WORKER, is_active=True)),
        )
        .order_by("user_id", "-worker", "pk")
        .values_list("user_id", "organisation__sector")
    )
    sectors: dict[int, str] = {}
    for user_id, sector in rows:
        sectors.setdefault(user_id, sector)
    return sectors


def organisation_names(ids: list[int]) -> list[str]:
    return list(Organisation.objects.filter(pk__in=ids).values_list("short_name", flat=True))


# --- The export register ---------------------------------------------------------------------


def export_open_for(user: User) -> ResearchExport | None:
    return ResearchExport.objects.filter(requested_by=user, status__in=EXPORT_OPEN_STATUSES).first()


def exports_of(user: User, *, limit: int = 20) -> QuerySet[ResearchExport]:
    return ResearchExport.objects.filter(requested_by=user).prefetch_related("organisations")[
        :limit
    ]


def export_of(user: User, public_id) -> ResearchExport | None:
    """The requester's own export, or None: anyone else's is as good as missing (404)."""
    if not user.is_authenticated:
        return None
    return ResearchExport.objects.filter(requested_by=user, public_id=public_id).first()


def export_downloadable(user: User, public_id, now: datetime.datetime) -> ResearchExport | None:
    """Downloadable: the requester's, built, within its retention period."""
    export = export_of(user, public_id)
    if export is None or export.status != ExportStatus.DONE or not export.file_name:
        return None
    if export.expires_at is None or export.expires_at <= now:
        return None
    return export


def export_register() -> QuerySet[ResearchExport]:
    """The whole register, newest first, with who and what happened (no participant data)."""
    return ResearchExport.objects.select_related("requested_by").prefetch_related(
        "organisations", "events"
    )


def exports_to_purge(now: datetime.datetime) -> QuerySet[ResearchExport]:
    return ResearchExport.objects.filter(status=ExportStatus.DONE, expires_at__lte=now)


def exports_stale(started_before: datetime.datetime) -> QuerySet[ResearchExport]:
    """Builds that have run (or waited) for too long: their worker was killed."""
    return ResearchExport.objects.filter(status__in=EXPORT_OPEN_STATUSES).filter(
        Q(started_at__lt=started_before)
        | Q(started_at__isnull=True, requested_at__lt=started_before)
    )
