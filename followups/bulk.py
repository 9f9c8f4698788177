"""The bulk path for follow-ups: admitted participants with their follow-up (and its first history
row, as followup_open writes it), and weekly notes validated by the same rules as note_save.
A fixed number of queries per batch; all or nothing (the caller's transaction)."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from followups.models import (
    NOTE_FIELDS,
    FollowUp,
    FollowUpStatus,
    FollowUpStatusChange,
    WeeklyNote,
)
from followups.rules import monday_of, note_errors
from referrals.bulk import (
    Admission,
    ImportedParticipant,
    participants_create_bulk,
    participants_import_bulk,
)
from referrals.models import Participant
from spheres.models import User

BATCH_SIZE = 5000

__all__ = [
    "Admission",
    "ImportedParticipant",
    "NoteRow",
    "followups_open_bulk",
    "notes_create_bulk",
    "participants_admit_bulk",
    "participants_import_admit_bulk",
]


@transaction.atomic
def followups_open_bulk(*, participants: list[Participant], actor: User | None) -> list[FollowUp]:
    """What followup_open does at admission, for many: active from the admission, one history
    row each."""
    followups = [
        FollowUp(
            participant=p,
            status=FollowUpStatus.ACTIVE,
            status_since=p.created_at,
            period_started_at=p.created_at,
        )
        for p in participants
    ]
    FollowUp.objects.bulk_create(followups, batch_size=BATCH_SIZE)
    FollowUpStatusChange.objects.bulk_create(
        [
            FollowUpStatusChange(
                followup=f,
                to_status=FollowUpStatus.ACTIVE,
                changed_by=actor,
                changed_at=f.status_since,
            )
            for f in followups
        ],
        batch_size=BATCH_SIZE,
    )
    return followups


@transaction.atomic
def participants_admit_bulk(*, rows: list[Admission], actor: User) -> list[Participant]:
    """Admit many candidates (referrals.bulk) and open their follow-ups, as participant_admit
    does one at a time."""
    participants = participants_create_bulk(rows=rows, actor=actor)
    followups_open_bulk(participants=participants, actor=actor)
    return participants


@transaction.atomic
def participants_import_admit_bulk(
    *, rows: list[ImportedParticipant], actor: User
) -> list[Participant]:
    """Participants from a legacy workbook (referrals.bulk), with their follow-ups opened."""
    participants = participants_import_bulk(rows=rows, actor=actor)
    followups_open_bulk(participants=participants, actor=actor)
    return participants


@dataclass
class NoteRow:
    """One weekly note as note_save would receive it (week: any day of the week)."""

    participant: Participant
    week: datetime.date
    author: User
    data: dict = field(default_factory=dict)


@transaction.atomic
def notes_create_bulk(*, rows: list[NoteRow]) -> list[WeeklyNote]:
    """New weekly notes in bulk, each checked by note_save's rules (note_errors); the first broken
    row refuses the whole batch, naming the row and the fields. Notes already in the database for
    the same participant and week are not touched (the unique constraint refuses them)."""
    notes = []
    today = timezone.localdate()
    for index, row in enumerate(rows):
        unknown = set(row.data) - set(NOTE_FIELDS)
        if unknown:
            raise TypeError(f"row {index}: unknown note fields {sorted(unknown)}")
        week = monday_of(row.week)
        errors = note_errors(row.participant.admitted_on, week, row.data, today=today)
        if errors:
            raise ValidationError(
                {f"row {index}: {name}": messages for name, messages in errors.items()}
            )
        notes.append(
            WeeklyNote(
                participant=row.participant,
                week=week,
                author=row.author,
                updated_by=row.author,
                **row.data,
            )
        )
    return WeeklyNote.objects.bulk_create(notes, batch_size=BATCH_SIZE)
