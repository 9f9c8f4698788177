"""Weekly progress notes, contact attempts and risk assessments (DOMAIN.md: The weekly progress
notes; Follow-ups)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from followups.models import (
    NOTE_FIELDS,
    AttemptOutcome,
    Channel,
    ContactAttempt,
    RiskAssessment,
    WeeklyNote,
)
from followups.rules import monday_of, note_errors
from referrals.access import require_change
from referrals.models import Participant
from spheres.models import User

# The note's own fields are checked by full_clean; the foreign keys were just read (the
# participant through the access policy, the author is the person signed in), the one-note-a-week
# constraint is the database's (a violation is a NoteConflict) and the meetings/duration check is
# note_errors': asking the database again would cost five round trips per save.
TRUSTED = {
    "exclude": ["participant", "author", "updated_by"],
    "validate_unique": False,
    "validate_constraints": False,
}


class NoteConflict(ValidationError):
    """Someone else saved this week's note since the form was opened."""


def _conflict() -> str:  # translated when raised, in the language of the request
    return _(
        "Someone else saved the note of this week while you were writing. "
        "Your text is kept below: compare and save again."
    )


def _week_taken() -> str:
    return _("That week already has a note: open it from the timeline.")


@transaction.atomic
def note_save(
    *,
    participant: Participant,
    actor: User,
    week: datetime.date,
    version: int | None = None,
    opened_week: datetime.date | None = None,
    **data,
) -> WeeklyNote:
    """Create or update the note of the week that contains `week` (stored as its Monday).
    `version` is the version the form was opened with: if someone saved in between, the save is
    refused (NoteConflict) and the person keeps their text. `opened_week` is the week the form
    was opened for: moving the note onto another week that already has its note is refused."""
    require_change(actor, participant)
    unknown = set(data) - set(NOTE_FIELDS)
    if unknown:
        raise TypeError(f"unknown note fields: {sorted(unknown)}")
    week = monday_of(week)
    errors = note_errors(participant.admitted_on, week, data)
    if errors:
        raise ValidationError(errors)
    moved = opened_week is not None and week != monday_of(opened_week)
    if moved and version is not None:
        return _note_move(participant, actor, monday_of(opened_week), week, version, data)
    # A form opened on an empty week (no version) goes straight to the insert: the
    # one-note-a-week constraint says whether someone saved that week meanwhile (a lookup first
    # would cost a query on every new note and lock nothing, there being no row yet).
    existing = None
    if version is not None:
        existing = (
            WeeklyNote.objects.select_for_update()
            .filter(participant=participant, week=week)
            .first()
        )
    if existing is not None:
        if version != existing.version:
            raise NoteConflict(_conflict(), code="conflict")
        for name, value in data.items():
            setattr(existing, name, value)
        existing.version += 1
        existing.updated_by = actor
        existing.full_clean(**TRUSTED)
        existing.save()
        return existing
    note = WeeklyNote(participant=participant, week=week, author=actor, updated_by=actor, **data)
    note.full_clean(**TRUSTED)
    try:
        # No savepoint around it (two round trips per save): after a failed insert the whole
        # save is refused and this function's transaction rolls back.
        note.save()
    except IntegrityError as exc:  # the week has its note (saved by someone else meanwhile)
        if moved:
            raise ValidationError({"week": _week_taken()}) from exc
        raise NoteConflict(_conflict(), code="conflict") from exc
    return note


def _note_move(participant, actor, opened, week, version, data) -> WeeklyNote:
    """The saved note of week `opened`, corrected and moved onto `week` (a wrong date fixed):
    the same note, not a copy, so no week is counted twice. Refused if someone saved it since
    the form was opened, or if `week` already has its note."""
    note = (
        WeeklyNote.objects.select_for_update().filter(participant=participant, week=opened).first()
    )
    if note is None or note.version != version:  # moved or deleted by someone else meanwhile
        raise NoteConflict(_conflict(), code="conflict")
    if WeeklyNote.objects.filter(participant=participant, week=week).exists():
        raise ValidationError({"week": _week_taken()})
    for name, value in data.items():
        setattr(note, name, value)
    note.week = week
    note.version += 1
    note.updated_by = actor
    note.full_clean(**TRUSTED)
    try:
        note.save()
    except IntegrityError as exc:  # the week got its note meanwhile
        raise ValidationError({"week": _week_taken()}) from exc
    return note


# --- Contact attempts and risk -----------------------------------------------------------------


@transaction.atomic
def contact_attempt_record(
    *,
    participant: Participant,
    actor: User,
    at: datetime.datetime,
    channel: str,
    outcome: str,
    note: str = "",
    strategy: str = "",
) -> ContactAttempt:
    """An attempt to reach the participant. A reached attempt is a contact (the count of
    failed attempts starts afresh); no answer, a message left or a number out of service are
    failed attempts; a missed meeting (no-show) is neither, and may carry the strategy agreed
    afterwards so it does not recur (DOMAIN.md: Follow-ups)."""
    require_change(actor, participant)
    if at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"at": _("The attempt cannot be in the future.")})
    if strategy.strip() and outcome != AttemptOutcome.NO_SHOW:
        raise ValidationError(
            {"strategy": _("A strategy is recorded after a missed meeting only.")}
        )
    attempt = ContactAttempt(
        participant=participant,
        at=at,
        channel=channel,
        outcome=outcome,
        note=note.strip(),
        strategy=strategy.strip(),
        recorded_by=actor,
    )
    attempt.full_clean()
    attempt.save()
    return attempt


def missed_meeting_record(*, participant: Participant, actor: User) -> ContactAttempt:
    """One click from the caseload: the participant did not come after the 15-minute wait.
    Recorded as a no-show, which is not a failed contact: the worker then contacts the person to
    ask why and set a new meeting, and those attempts are what count (DOMAIN.md)."""
    return contact_attempt_record(
        participant=participant,
        actor=actor,
        at=timezone.now(),
        channel=Channel.IN_PERSON,
        outcome=AttemptOutcome.NO_SHOW,
    )


@transaction.atomic
def no_show_strategy_record(
    *, participant: Participant, actor: User, attempt: ContactAttempt, strategy: str
) -> ContactAttempt:
    """After a missed meeting, the worker and the participant agree on a strategy so it does not
    recur (a text the day before, say): recorded on the no-show, later than the no-show
    itself."""
    require_change(actor, participant)
    attempt = ContactAttempt.objects.select_for_update().get(
        pk=attempt.pk, participant=participant, outcome=AttemptOutcome.NO_SHOW
    )
    if not strategy.strip():
        raise ValidationError({"strategy": _("Write the strategy agreed with the participant.")})
    attempt.strategy = strategy.strip()
    attempt.full_clean()
    attempt.save(update_fields=["strategy"])
    return attempt


@transaction.atomic
def risk_assessment_record(
    *,
    participant: Participant,
    actor: User,
    time_point: int,
    assessed_on: datetime.date,
    level: str,
    instrument_done: bool = False,
) -> RiskAssessment:
    require_change(actor, participant)
    if assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": _("The date cannot be in the future.")})
    if RiskAssessment.objects.filter(participant=participant, time_point=time_point).exists():
        raise ValidationError({"time_point": _("This time point is already recorded.")})
    assessment = RiskAssessment(
        participant=participant,
        time_point=time_point,
        assessed_on=assessed_on,
        level=level,
        instrument_done=instrument_done,
        recorded_by=actor,
    )
    assessment.full_clean()
    assessment.save()
    return assessment
