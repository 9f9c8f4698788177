"""The read log and in-app notifications: records the rest of the product writes, ids only."""

from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from spheres.models import Notification, ReadLogEntry, User
from spheres.tasks import email_user


def read_log_record(
    *, user: User | None, action: str, object_type: str, object_id: int | None, view_name: str = ""
) -> ReadLogEntry:
    """Write one read-log row. Ids only, by construction: there is no free-text field."""
    return ReadLogEntry.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        view_name=view_name[:100],
    )


def notifications_send(
    *,
    kind: str,
    items: Iterable[tuple[int, int | None, int]],
    email_template: str = "",
    email_context: dict | None = None,
) -> list[Notification]:
    """In-app notices, one insert, from (recipient id, participant id or None, count) items.
    With an e-mail template, each recipient also gets one e-mail after commit that says how many
    (the item counts, or the number of items), never who."""
    items = sorted(set(items), key=lambda item: (item[0], item[1] or 0))
    created = Notification.objects.bulk_create(
        [
            Notification(recipient_id=uid, kind=kind, participant_id=pid, count=count)
            for uid, pid, count in items
        ]
    )
    if email_template:
        per_user: dict[int, int] = {}
        for uid, _pid, count in items:
            per_user[uid] = per_user.get(uid, 0) + (count or 1)
        for uid, n in per_user.items():
            context = {**(email_context or {}), "count": n}
            transaction.on_commit(
                lambda uid=uid, context=context: email_user.delay(uid, email_template, context)
            )
    return created


def notifications_mark_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def read_log_record_listed(
    *,
    user: User,
    object_type: str,
    object_ids,
    view_name: str,
    search: bool = False,
    action: str = ReadLogEntry.Action.VIEW,
    others=(),
) -> None:
    """A list page or a search: one row per file it showed, plus, for a search, a row saying that
    a search happened (never its text). One query (per 1,000 rows). `action`: a download of
    several files (a committee's minutes as a PDF) is logged as such. `others`: files of another
    type the same page showed, as (object type, id), in the same query."""
    view_name = view_name[:100]
    rows = [(ReadLogEntry.Action.VIEW, f"{object_type}_search", None)] if search else []
    rows += [(action, object_type, pk) for pk in object_ids]
    rows += [(action, shown_type, pk) for shown_type, pk in others]
    _read_log_insert(user, view_name, rows)


_READ_LOG_COLUMNS = ("user", "at", "action", "object_type", "object_id", "view_name")


def _read_log_insert(user: User, view_name: str, rows: list[tuple]) -> None:
    """One INSERT of many values, written directly: every list page writes 50 rows, and building
    50 model objects for bulk_create cost more than the insert itself (3.5 of 7 ms)."""
    if not rows:
        return
    meta = ReadLogEntry._meta
    columns = ", ".join(
        connection.ops.quote_name(meta.get_field(f).column) for f in _READ_LOG_COLUMNS
    )
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    user_id = user.pk if user is not None and user.is_authenticated else None
    table = connection.ops.quote_name(meta.db_table)
    with connection.cursor() as cursor:
        # By 1,000 rows: 6,000 parameters, within SQLite's and PostgreSQL's limits.
        for start in range(0, len(rows), 1000):
            batch = rows[start : start + 1000]
            params = []
            for action, object_type, object_id in batch:
                params += [user_id, at, str(action), object_type, object_id, view_name]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(batch))
            # Our own table and column names; the values are parameters.
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {values}", params)  # noqa: S608
