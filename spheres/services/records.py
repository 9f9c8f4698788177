"""The read log and in-app notifications: records the rest of the product writes, ids only."""

from collections.abc import Iterable

from django.db import transaction
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
    a search happened (never its text). One query. `action`: a download of several files (a
    committee's minutes as a PDF) is logged as such. `others`: files of another type the same
    page showed, as (object type, id), in the same query."""
    rows = (
        [
            ReadLogEntry(
                user=user,
                action=ReadLogEntry.Action.VIEW,
                object_type=f"{object_type}_search",
                view_name=view_name[:100],
            )
        ]
        if search
        else []
    )
    shown = [*((object_type, pk) for pk in object_ids), *others]
    rows += [
        ReadLogEntry(
            user=user,
            action=action,
            object_type=shown_type,
            object_id=pk,
            view_name=view_name[:100],
        )
        for shown_type, pk in shown
    ]
    ReadLogEntry.objects.bulk_create(rows)
