"""Follow-up state changes: status and its history, weekly notes, contact attempts, risk
assessments, the set-based inactivity rule and the departure handover (DOMAIN.md: Follow-ups).
Split by concern; this package re-exports them all."""

from followups.services.handover import handover_perform
from followups.services.inactivity import followups_mark_unreachable, missing_notes_remind
from followups.services.lifecycle import (
    followup_open,
    followup_set_status,
    participation_end,
    participation_resume,
)
from followups.services.notes import (
    NoteConflict,
    contact_attempt_record,
    missed_meeting_record,
    no_show_strategy_record,
    note_save,
    risk_assessment_record,
)
from followups.services.plans import (
    life_plan_goal_add,
    life_plan_goal_update,
    needs_evaluate,
    safety_plan_save,
)

__all__ = [
    "NoteConflict",
    "contact_attempt_record",
    "followup_open",
    "followup_set_status",
    "followups_mark_unreachable",
    "handover_perform",
    "life_plan_goal_add",
    "life_plan_goal_update",
    "missed_meeting_record",
    "missing_notes_remind",
    "needs_evaluate",
    "no_show_strategy_record",
    "note_save",
    "participation_end",
    "participation_resume",
    "risk_assessment_record",
    "safety_plan_save",
]
