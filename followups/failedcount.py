"""Each follow-up's failed contact attempts since the last contact, kept in
followups_followup.failed_since_contact by database triggers, so the caseload, the coordinator's
home and the inactivity job read a column instead of counting attempts per follow-up on every
page (at 5,000 participants, that count was a third of the SQL of the pages that show it).

The definition is `expression()`, an ORM expression (docs/program.md: Follow-ups):

- a contact is a reached attempt, or a week whose note records face-to-face meetings, counted
  as made at the end of that week: attempts during or before that week no longer count;
- counting starts again at the active period's start (reactivation);
- a missed meeting (no-show) is not a failed attempt by itself.

install() compiles that expression for the database at hand and writes it into triggers on the
attempts, the notes and the follow-ups, in the transaction that writes them: every write path
(the services, the bulk path, the legacy import, the admin, a cascade, raw SQL) keeps the column
exact without knowing about it. rebuild() sets every row from the same expression (after install;
the tests compare the two after each kind of write).

The count is not incremental (a reached attempt resets it), so each trigger counts again. On
PostgreSQL it first locks the follow-up's row: a concurrent save for the same participant then
waits, and counts afterwards with a fresh snapshot that sees the other's committed rows (a
VOLATILE function takes one per statement), so neither overwrites the other with a stale count.

On SQLite the triggers call the SQL functions Django registers on its connections (the week of
an attempt: django_date_trunc), so attempts and notes are written through Django there (the
embedded default; PostgreSQL has no such limit). A migration that rebuilds one of the three
tables on SQLite (most ALTERs do) drops its triggers:
install() again after it (tests/followups/test_failedcount.py fails otherwise). If the time zone
setting changes, install() again too: the week of an attempt is taken in it."""

from __future__ import annotations

import datetime
from enum import Enum

from django.db.models import Count, DateField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Greatest, TruncWeek

PREFIX = "followups_failed"
FOLLOWUPS = "followups_followup"
# (table, events) whose rows change the count: a note only through its face-to-face meetings.
WATCHED = {
    "followups_contactattempt": {
        "INSERT": "",
        "UPDATE": "",
        "DELETE": "",
    },
    "followups_weeklynote": {
        "INSERT": "NEW.meetings > 0",
        "UPDATE": "OLD.meetings > 0 OR NEW.meetings > 0",
        "DELETE": "OLD.meetings > 0",
    },
}
_SENTINEL = 987654321987  # the participant id the compiled SQL is written for, then replaced


def expression():
    """The count for the follow-up of the outer query, as an ORM expression."""
    from followups.models import FAILED_OUTCOMES, AttemptOutcome, ContactAttempt, WeeklyNote

    # Latest first with LIMIT 1: a backward walk of the partial indexes (attempt_reached,
    # weeklynote_met), stopped at the first row.
    last_reached = (
        ContactAttempt.objects.filter(
            participant_id=OuterRef(OuterRef("participant_id")), outcome=AttemptOutcome.REACHED
        )
        .order_by("-at")
        .values("at")[:1]
    )
    last_met_week = (
        WeeklyNote.objects.filter(
            participant_id=OuterRef(OuterRef("participant_id")), meetings__gt=0
        )
        .order_by("-week")
        .values("week")[:1]
    )
    failed = (
        ContactAttempt.objects.annotate(
            # The Monday of the attempt's week, in the program's time zone.
            attempt_week=TruncWeek("at", output_field=DateField())
        )
        .filter(
            participant_id=OuterRef("participant_id"),
            outcome__in=FAILED_OUTCOMES,
            at__gt=Greatest(
                OuterRef("period_started_at"),
                Coalesce(Subquery(last_reached), OuterRef("period_started_at")),
            ),
            attempt_week__gt=Coalesce(Subquery(last_met_week), Value(datetime.date.min)),
        )
        .order_by()
        .values("participant_id")
        .annotate(n=Count("*"))  # not the id: the partial index on failed attempts suffices
        .values("n")
    )
    return Coalesce(Subquery(failed), 0)


def _literal(value) -> str:
    """Our own constants (choice codes, the time zone's name, numbers, a date) as SQL literals:
    trigger bodies take no parameters."""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.date):
        return f"'{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no literal for {value!r}")


def _recount(connection, participant: str) -> str:
    """UPDATE setting the count of the follow-up of `participant` (SQL: OLD.participant_id…)."""
    from django.conf import settings
    from django.db.models.sql import UpdateQuery
    from django.utils import timezone

    from followups.models import FollowUp

    # What QuerySet.update() runs, compiled rather than run, weeks in the program's time zone.
    # Only where the count changes: most notes with meetings find it at 0 already, and an
    # unchanged row then costs no new row version.
    unchanged = FollowUp.objects.filter(participant_id=_SENTINEL).exclude(
        failed_since_contact=expression()
    )
    query = unchanged.query.chain(UpdateQuery)
    query.add_update_values({"failed_since_contact": expression()})
    with timezone.override(settings.TIME_ZONE):
        sql, params = query.get_compiler(connection=connection).as_sql()
    sql = sql % tuple(_literal(p) for p in params)
    found = str(_SENTINEL)
    if sql.count(found) != 1:  # pragma: no cover - a change of Django's SQL would show here
        raise RuntimeError("the follow-up filter is not where expected")
    return sql.replace(found, participant)


def _followup_triggers(vendor: str) -> list[tuple[str, str, str, str]]:
    """(name, event, condition, row to recount) on the follow-ups themselves: a new follow-up
    (attempts may exist before it), and a new active period."""
    changed = (
        "OLD.period_started_at IS DISTINCT FROM NEW.period_started_at"
        if vendor == "postgresql"
        else "OLD.period_started_at IS NOT NEW.period_started_at"
    )
    return [
        (f"{PREFIX}_followup_insert", "AFTER INSERT", "", "NEW"),
        (f"{PREFIX}_followup_period", "AFTER UPDATE OF period_started_at", changed, "NEW"),
    ]


def _triggers(vendor: str) -> list[tuple[str, str, str, str, list[str]]]:
    """(name, table, timing and event, condition, rows to recount: OLD and/or NEW)."""
    found = []
    for table, events in WATCHED.items():
        short = table.removeprefix("followups_")
        for event, condition in events.items():
            rows = {"INSERT": ["NEW"], "UPDATE": ["OLD", "NEW"], "DELETE": ["OLD"]}[event]
            found.append((f"{PREFIX}_{short}_{event.lower()}", table, f"AFTER {event}",
                          condition, rows))  # fmt: skip
    for name, event, condition, row in _followup_triggers(vendor):
        found.append((name, FOLLOWUPS, event, condition, [row]))
    return found


def install(connection) -> None:
    """(Re)create the triggers (idempotent)."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            recount = _recount(connection, "pid")
            cursor.execute(
                f"CREATE OR REPLACE FUNCTION {PREFIX}_recount(pid bigint) RETURNS void "
                f"LANGUAGE plpgsql VOLATILE AS $body$\nBEGIN\n"
                # Wait for a concurrent writer of the same follow-up, then count with a fresh
                # snapshot (module docstring).
                f"PERFORM 1 FROM {FOLLOWUPS} WHERE participant_id = pid FOR UPDATE;\n"
                f"{recount};\nEND;\n$body$"
            )
            cursor.execute(
                f"CREATE OR REPLACE FUNCTION {PREFIX}_trigger() RETURNS trigger "
                f"LANGUAGE plpgsql AS $body$\nBEGIN\n"
                "IF TG_OP IN ('UPDATE', 'DELETE') THEN\n"
                f"  PERFORM {PREFIX}_recount(OLD.participant_id);\nEND IF;\n"
                "IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' "
                "AND NEW.participant_id IS DISTINCT FROM OLD.participant_id) THEN\n"
                f"  PERFORM {PREFIX}_recount(NEW.participant_id);\nEND IF;\n"
                "RETURN NULL;\nEND;\n$body$"
            )
            for name, table, event, condition, _rows in _triggers(vendor):
                when = f"WHEN ({condition}) " if condition else ""
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                cursor.execute(
                    f"CREATE TRIGGER {name} {event} ON {table} FOR EACH ROW {when}"
                    f"EXECUTE FUNCTION {PREFIX}_trigger()"
                )
        elif vendor == "sqlite":
            for name, table, event, condition, rows in _triggers(vendor):
                when = f"WHEN {condition} " if condition else ""
                statements = " ".join(
                    _recount(connection, f"{row}.participant_id") + ";" for row in rows
                )
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                cursor.execute(
                    f"CREATE TRIGGER {name} {event} ON {table} FOR EACH ROW {when}"
                    f"BEGIN {statements} END"
                )
        else:  # pragma: no cover - the project runs on PostgreSQL and SQLite only
            raise NotImplementedError(vendor)


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        for name, table, *_rest in _triggers(connection.vendor):
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP FUNCTION IF EXISTS {PREFIX}_trigger()")
            cursor.execute(f"DROP FUNCTION IF EXISTS {PREFIX}_recount(bigint)")


def rebuild(using: str = "default") -> int:
    """Count every follow-up again from the definition; the number of rows set."""
    from followups.models import FollowUp

    return FollowUp.objects.using(using).update(failed_since_contact=expression())
