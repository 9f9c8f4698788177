"""The weekly notes of each participant and month, counted: the summaries the dashboard's intensity
and experience figures read instead of the ~260,000 notes of a province-wide program (4 notes a
month become one row), and the main activities figure (one row per participant, month and
activity: narrow rows, fewer when an activity repeats).

The counts are kept by database triggers on followups_weeklynote, in the transaction that writes
the note: every write path (note_save, the bulk path, the admin, a cascade delete, raw SQL) keeps
them exact without knowing about them, and the followups app does not import research. Each note
adds its measures to its (participant, month) row on insert and takes them back on delete; an
update does both. Increments commute, so concurrent saves in the same month cannot lose one.

Each measure is the SQL the dashboard's note query used as a conditional count, evaluated on the
one row the trigger sees (`{n}` is OLD or NEW). If a choice list or a note column changes, write a
migration that calls install() and rebuild(). On SQLite, a migration that rebuilds the notes table
(most ALTERs do) drops its triggers: install() again after it (tests/research/test_notemonths.py
fails otherwise)."""

from __future__ import annotations

from followups.models import NOTE_CHANNELS, NoContactReason, Satisfaction, TargetedNeed

NOTES = "followups_weeklynote"
TABLE = "research_notemonth"
TRIGGER = "research_notemonth_count"
# The weeks of each participant and month by main activity (free text, compared without case or
# surrounding spaces, as the dashboard names them): kept by the same triggers.
ACTIVITIES = "research_noteactivity"
ACTIVITY = "LOWER(TRIM({n}.main_activity))"


def measures(vendor: str) -> list[tuple[str, str]]:
    """(column, SQL over the note `{n}`) for every count kept per participant and month."""
    if vendor == "postgresql":
        no_channel = "{n}.other_channels = '[]'::jsonb"

        def channel(value):
            # As the ORM's icontains on the JSON text (the note query did exactly this).
            return f"UPPER({{n}}.other_channels::text) LIKE UPPER('%\"{value}\"%')"
    else:
        no_channel = "json({n}.other_channels) = '[]'"

        def channel(value):
            return f"{{n}}.other_channels LIKE '%\"{value}\"%'"

    def flag(condition):
        return f"CASE WHEN {condition} THEN 1 ELSE 0 END"

    found = [
        ("notes", "1"),
        ("meetings_sum", "{n}.meetings"),
        ("minutes_sum", "{n}.meetings_minutes"),
        ("met", flag("{n}.meetings > 0")),
        ("other_only", flag(f"{{n}}.meetings = 0 AND NOT ({no_channel})")),
    ]
    no_contact = f"{{n}}.meetings = 0 AND {no_channel}"
    for value in [*NoContactReason.values, ""]:
        name = f"why_{value or 'blank'}"
        found.append((name, flag(f"{no_contact} AND {{n}}.no_contact_reason = '{value}'")))
    for value in (c.value for c in NOTE_CHANNELS):
        found.append((f"ch_{value}", flag(channel(value))))
    for value in TargetedNeed.values:
        found.append((f"need_{value}", flag(f"{{n}}.targeted_need = '{value}'")))
    for value in Satisfaction.values:
        found.append((f"ws_{value}", flag(f"{{n}}.worker_satisfaction = '{value}'")))
        found.append((f"ps_{value}", flag(f"{{n}}.participant_satisfaction = '{value}'")))
    return found


def columns() -> list[str]:
    return [name for name, _sql in measures("postgresql")]


def month_sql(vendor: str, row: str) -> str:
    if vendor == "postgresql":
        return f"date_trunc('month', {row}.week)::date"
    return f"date({row}.week, 'start of month')"


def _take_back(vendor: str, activities: bool) -> list[str]:
    """Statements removing OLD's counts (a row is dropped when its last note goes)."""
    found = measures(vendor)
    where = f"participant_id = OLD.participant_id AND month = {month_sql(vendor, 'OLD')}"
    sets = ", ".join(f"{c} = {c} - ({sql.format(n='OLD')})" for c, sql in found)
    # A note without a main activity has no activity row (the condition keeps it so).
    activity = f"{where} AND activity = {ACTIVITY.format(n='OLD')} AND OLD.main_activity <> ''"
    return [
        f"UPDATE {TABLE} SET {sets} WHERE {where};",  # noqa: S608 - our names, no input
        f"DELETE FROM {TABLE} WHERE {where} AND notes <= 0;",  # noqa: S608
    ] + (
        [
            f"UPDATE {ACTIVITIES} SET weeks = weeks - 1 WHERE {activity};",  # noqa: S608
            f"DELETE FROM {ACTIVITIES} WHERE {activity} AND weeks <= 0;",  # noqa: S608
        ]
        if activities
        else []
    )


def _add(vendor: str, activities: bool) -> list[str]:
    """The statements adding NEW's counts (upserts: the rows may not exist yet)."""
    found = measures(vendor)
    names = ", ".join(c for c, _s in found)
    values = ", ".join(sql.format(n="NEW") for _c, sql in found)
    updates = ", ".join(f"{c} = {TABLE}.{c} + excluded.{c}" for c, _s in found)
    month = month_sql(vendor, "NEW")
    found = [
        f"INSERT INTO {TABLE} (participant_id, month, {names}) "  # noqa: S608 - no input
        f"VALUES (NEW.participant_id, {month}, {values}) "
        f"ON CONFLICT (participant_id, month) DO UPDATE SET {updates};"
    ]
    if activities:
        # INSERT ... SELECT ... WHERE: SQLite's triggers have no IF.
        found.append(
            f"INSERT INTO {ACTIVITIES} (participant_id, month, activity, weeks) "  # noqa: S608
            f"SELECT NEW.participant_id, {month}, {ACTIVITY.format(n='NEW')}, 1 "
            f"WHERE NEW.main_activity <> '' "
            f"ON CONFLICT (participant_id, month, activity) "
            f"DO UPDATE SET weeks = {ACTIVITIES}.weeks + 1;"
        )
    return found


def install(connection, *, activities: bool = True) -> None:
    """(Re)create the triggers that keep the counts (idempotent). Without the activities: only
    for the migration that created their table, when it is reversed."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            body = "\n".join(
                [
                    "BEGIN",
                    "IF TG_OP IN ('UPDATE', 'DELETE') THEN",
                    *_take_back(vendor, activities),
                    "END IF;",
                    "IF TG_OP IN ('INSERT', 'UPDATE') THEN",
                    *_add(vendor, activities),
                    "END IF;",
                    "RETURN NULL;",
                    "END;",
                ]
            )
            cursor.execute(
                f"CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger "
                f"LANGUAGE plpgsql AS $body$\n{body}\n$body$"
            )
            cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {NOTES}")
            cursor.execute(
                f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON {NOTES} "
                f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()"
            )
        elif vendor == "sqlite":
            for event, statements in (
                ("INSERT", _add(vendor, activities)),
                ("UPDATE", [*_take_back(vendor, activities), *_add(vendor, activities)]),
                ("DELETE", _take_back(vendor, activities)),
            ):
                name = f"{TRIGGER}_{event.lower()}"
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                cursor.execute(
                    f"CREATE TRIGGER {name} AFTER {event} ON {NOTES} FOR EACH ROW BEGIN "
                    + " ".join(statements)
                    + " END"
                )
        else:  # pragma: no cover - the project runs on PostgreSQL and SQLite only
            raise NotImplementedError(vendor)


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {NOTES}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}()")
        else:
            for event in ("insert", "update", "delete"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}_{event}")


def rebuild(connection, *, months: bool = True, activities: bool = True) -> None:
    """Count every note again (after install, or to check the triggers: the test does)."""
    vendor = connection.vendor
    found = measures(vendor)
    names = ", ".join(c for c, _s in found)
    sums = ", ".join(f"SUM({sql.format(n='n')})" for _c, sql in found)
    month = month_sql(vendor, "n")
    with connection.cursor() as cursor:
        if months:
            cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608 - our own table names
            cursor.execute(
                f"INSERT INTO {TABLE} (participant_id, month, {names}) "  # noqa: S608
                f"SELECT n.participant_id, {month}, {sums} FROM {NOTES} n "
                f"GROUP BY n.participant_id, {month}"
            )
        if not activities:
            return
        activity = ACTIVITY.format(n="n")
        cursor.execute(f"DELETE FROM {ACTIVITIES}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {ACTIVITIES} (participant_id, month, activity, weeks) "  # noqa: S608
            f"SELECT n.participant_id, {month}, {activity}, COUNT(*) FROM {NOTES} n "
            f"WHERE n.main_activity <> '' GROUP BY n.participant_id, {month}, {activity}"
        )
