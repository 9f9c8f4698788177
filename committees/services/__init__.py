"""Committee state changes, split by concern; this package re-exports them all. Every function is
atomic and validated before saving; decisions act through the lower apps' services in the
meeting's transaction; e-mails are queued on commit with ids only."""

from committees.services.actions import action_create, action_set_status
from committees.services.agenda import (
    agenda_refresh,
    agenda_refresh_now,
    agendas_refresh_upcoming,
    item_add,
    item_move,
    item_remove,
    item_set_handled,
    news_add,
)
from committees.services.decisions import decision_record
from committees.services.meetings import (
    ONCE,
    attendance_record,
    invitations_send,
    meeting_close,
    meeting_reopen,
    meeting_schedule,
)
from committees.services.membership import committee_create, member_add, member_end
from committees.services.minutes import (
    MinutesConflict,
    item_annotate,
    may_write_about,
    minutes_save,
    presentation_save,
)

__all__ = [
    "ONCE",
    "MinutesConflict",
    "action_create",
    "action_set_status",
    "agenda_refresh",
    "agenda_refresh_now",
    "agendas_refresh_upcoming",
    "attendance_record",
    "committee_create",
    "decision_record",
    "invitations_send",
    "item_add",
    "item_annotate",
    "item_move",
    "item_remove",
    "item_set_handled",
    "may_write_about",
    "meeting_close",
    "meeting_reopen",
    "meeting_schedule",
    "member_add",
    "member_end",
    "minutes_save",
    "news_add",
    "presentation_save",
]
