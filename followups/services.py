"""Follow-up state changes: status and its history, weekly notes, contact attempts, risk
assessments, and the set-based inactivity rule (DOMAIN.md: Follow-ups)."""

import datetime
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from committees.models import AgendaRequest
from followups.models import (
    FAILED_OUTCOMES,
    AttemptChannel,
    AttemptOutcome,
    ContactAttempt,
    FollowUp,
    FollowUpStatus,
    FollowUpStatusChange,
    Handover,
    HandoverItem,
    InactiveReason,
    NoContactReason,
    Notification,
    RiskAssessment,
    WeeklyNote,
)
from referrals.models import Assignment, Participant
from spheres import access
from spheres.models import Role, User
from spheres.selectors import people_with_role


class NoteConflict(ValidationError):
    """Someone else saved this week's note since the form was opened."""


def _require_write(actor: User, participant: Participant) -> None:
    if not access.may_change(actor, participant):
        raise PermissionDenied


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


_DURATION = [
    re.compile(r"^(?P<h>\d{1,2})\s*h\s*(?P<m>\d{1,2})?\s*(min)?$"),  # 1h30, 1 h 30, 2h
    re.compile(r"^(?P<h>\d{1,2}):(?P<m>\d{2})$"),  # 1:30
    re.compile(r"^(?P<m>\d{1,4})\s*(min|minutes?)?$"),  # 90, 90 min
]


def parse_duration(text: str) -> int:
    """Minutes from what workers type: "1h30", "90", "1:30", "1 h 30", "45 min"."""
    value = (text or "").strip().lower().replace(",", ".")
    if not value:
        return 0
    for pattern in _DURATION:
        match = pattern.match(value)
        if match:
            parts = match.groupdict()
            minutes = int(parts.get("h") or 0) * 60 + int(parts.get("m") or 0)
            if parts.get("h") is not None and int(parts.get("m") or 0) >= 60:
                break
            return minutes
    raise ValidationError(_("Write a duration like 1h30, 90 or 1:30."), code="duration")


# --- Lifecycle ---------------------------------------------------------------------------------


def followup_open(*, participant: Participant, actor: User) -> FollowUp:
    """At admission: the follow-up starts active."""
    now = timezone.now()
    followup = FollowUp.objects.create(
        participant=participant,
        status=FollowUpStatus.ACTIVE,
        status_since=now,
        period_started_at=now,
    )
    FollowUpStatusChange.objects.create(
        followup=followup, to_status=FollowUpStatus.ACTIVE, changed_by=actor, changed_at=now
    )
    return followup


ALLOWED = {
    FollowUpStatus.ACTIVE: {
        FollowUpStatus.ON_BREAK,
        FollowUpStatus.INACTIVE,
        FollowUpStatus.COMPLETED,
    },
    FollowUpStatus.ON_BREAK: {
        FollowUpStatus.ACTIVE,
        FollowUpStatus.INACTIVE,
        FollowUpStatus.COMPLETED,
    },
    FollowUpStatus.INACTIVE: {FollowUpStatus.ACTIVE},
    FollowUpStatus.COMPLETED: {FollowUpStatus.ACTIVE},
}


@transaction.atomic
def followup_set_status(
    *,
    participant: Participant,
    actor: User,
    to_status: str,
    reason: str = "",
    note: str = "",
    break_terms: str = "",
    break_resume_on: datetime.date | None = None,
    participant_view: str = "",
) -> FollowUp:
    """Only assigned workers and the coordinator change it. A break records its terms; inactive
    needs a reason; completed records the participant's own view; any follow-up can be
    reactivated at any time, which opens a new active period."""
    _require_write(actor, participant)
    followup = FollowUp.objects.select_for_update().get(participant=participant)
    if to_status not in ALLOWED.get(followup.status, set()):
        raise ValidationError(
            {
                "to_status": _("A follow-up that is %(from)s cannot become %(to)s.")
                % {"from": followup.get_status_display(), "to": FollowUpStatus(to_status).label}
            }
        )
    errors = {}
    if to_status == FollowUpStatus.ON_BREAK and not break_terms.strip():
        errors["break_terms"] = _("Record the terms agreed for resuming contact.")
    if to_status == FollowUpStatus.INACTIVE and reason not in InactiveReason.values:
        errors["reason"] = _("Choose why the follow-up becomes inactive.")
    if to_status == FollowUpStatus.COMPLETED and not participant_view.strip():
        errors["participant_view"] = _("Record the participant's own view of the completion.")
    if break_resume_on and break_resume_on < timezone.localdate():
        errors["break_resume_on"] = _("The expected resume date is in the past.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    from_status = followup.status
    followup.status = to_status
    followup.status_since = now
    followup.inactive_reason = reason if to_status == FollowUpStatus.INACTIVE else ""
    if to_status == FollowUpStatus.ON_BREAK:
        followup.break_terms, followup.break_resume_on = break_terms.strip(), break_resume_on
    if to_status == FollowUpStatus.COMPLETED:
        followup.participant_view = participant_view.strip()
    if to_status == FollowUpStatus.ACTIVE and from_status != FollowUpStatus.ON_BREAK:
        followup.period_started_at = now  # reactivation: failed attempts are counted afresh
    if to_status == FollowUpStatus.ACTIVE:
        followup.break_terms, followup.break_resume_on = "", None
    followup.full_clean()
    followup.save()
    FollowUpStatusChange.objects.create(
        followup=followup,
        from_status=from_status,
        to_status=to_status,
        reason=followup.inactive_reason,
        note=note.strip(),
        changed_by=actor,
        changed_at=now,
    )
    return followup


# --- Weekly notes ------------------------------------------------------------------------------

NOTE_FIELDS = [
    "meetings", "meetings_minutes", "other_channels", "no_contact_reason", "no_contact_other",
    "main_activity", "targeted_need", "worker_satisfaction", "participant_satisfaction",
    "activities_summary", "other_information", "other_workers_notes",
]  # fmt: skip


def _check_note(participant: Participant, week: datetime.date, data: dict) -> None:
    errors = {}
    today = timezone.localdate()
    if week > monday_of(today):
        errors["week"] = _("You cannot write a note for a future week.")
    elif week + datetime.timedelta(days=6) < participant.admitted_on:
        errors["week"] = _("This week ends before the participant's admission.")
    meetings, minutes = data.get("meetings") or 0, data.get("meetings_minutes") or 0
    if meetings > 0 and minutes <= 0:
        errors["meetings_minutes"] = _("Give the total duration of the meetings.")
    if minutes > 0 and meetings <= 0:
        errors["meetings"] = _("A duration was given but no meeting.")
    if minutes > 7 * 24 * 60:
        errors["meetings_minutes"] = _("That is longer than a week.")
    if meetings == 0 and not data.get("other_channels") and not data.get("no_contact_reason"):
        errors["no_contact_reason"] = _("No meeting and no communication this week: say why.")
    if (
        data.get("no_contact_reason") == NoContactReason.OTHER
        and not (data.get("no_contact_other") or "").strip()
    ):
        errors["no_contact_other"] = _("Specify the other reason.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def note_save(
    *,
    participant: Participant,
    actor: User,
    week: datetime.date,
    version: int | None = None,
    **data,
) -> WeeklyNote:
    """Create or update the note of the week that contains `week` (stored as its Monday).
    `version` is the version the form was opened with: if someone saved in between, the save is
    refused (NoteConflict) and the person keeps their text."""
    _require_write(actor, participant)
    unknown = set(data) - set(NOTE_FIELDS)
    if unknown:
        raise TypeError(f"unknown note fields: {sorted(unknown)}")
    week = monday_of(week)
    _check_note(participant, week, data)
    existing = (
        WeeklyNote.objects.select_for_update().filter(participant=participant, week=week).first()
    )
    if existing is not None:
        if version is None or version != existing.version:
            raise NoteConflict(
                _(
                    "Someone else saved the note of this week while you were writing. "
                    "Your text is kept below: compare and save again."
                ),
                code="conflict",
            )
        for name, value in data.items():
            setattr(existing, name, value)
        existing.version += 1
        existing.updated_by = actor
        existing.full_clean()
        existing.save()
        return existing
    note = WeeklyNote(participant=participant, week=week, author=actor, updated_by=actor, **data)
    note.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            note.save()
    except IntegrityError as exc:  # created by someone else at the same moment
        raise NoteConflict(
            _(
                "Someone else saved the note of this week while you were writing. "
                "Your text is kept below: compare and save again."
            ),
            code="conflict",
        ) from exc
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
) -> ContactAttempt:
    _require_write(actor, participant)
    if at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"at": _("The attempt cannot be in the future.")})
    attempt = ContactAttempt(
        participant=participant,
        at=at,
        channel=channel,
        outcome=outcome,
        note=note.strip(),
        recorded_by=actor,
    )
    attempt.full_clean()
    attempt.save()
    return attempt


def missed_meeting_record(*, participant: Participant, actor: User) -> ContactAttempt:
    """One click from the caseload: the participant did not come after the 15-minute wait."""
    return contact_attempt_record(
        participant=participant,
        actor=actor,
        at=timezone.now(),
        channel=AttemptChannel.IN_PERSON,
        outcome=AttemptOutcome.NO_SHOW,
    )


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
    _require_write(actor, participant)
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


# --- The inactivity rule -----------------------------------------------------------------------


def with_failed_attempts(qs, *, participant: str, period: str):
    """Annotate `counting_since` (the later of the last successful contact and the start of the
    active period) and `failed_since_contact` (failed attempts after it). The one definition of
    the count, shared by the inactivity job and the caseload. `participant` and `period` name the
    participant id and the period start as seen from the queryset's model."""
    last_reached = (
        ContactAttempt.objects.filter(
            participant_id=OuterRef(participant), outcome=AttemptOutcome.REACHED
        )
        .order_by()
        .values("participant_id")
        .annotate(last=Max("at"))
        .values("last")
    )
    failed = (
        ContactAttempt.objects.filter(
            participant_id=OuterRef(participant),
            outcome__in=FAILED_OUTCOMES,
            at__gt=OuterRef("counting_since"),
        )
        .order_by()
        .values("participant_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(
        counting_since=Greatest(period, Coalesce(Subquery(last_reached), period))
    ).annotate(failed_since_contact=Coalesce(Subquery(failed), 0))


def unreachable_candidates(threshold: int):
    """Active follow-ups with at least `threshold` failed attempts since the last successful
    contact (or the start of the current active period). One query."""
    active = FollowUp.objects.filter(status=FollowUpStatus.ACTIVE)
    return with_failed_attempts(
        active, participant="participant_id", period="period_started_at"
    ).filter(failed_since_contact__gte=threshold)


@transaction.atomic
def followups_mark_unreachable(*, threshold: int | None = None) -> list[int]:
    """DOMAIN.md: after the first failed contact the worker tries at most two more times; if the
    person still cannot be reached, the follow-up becomes inactive. Set-based and idempotent:
    a fixed number of queries whatever the number of follow-ups; rows locked by a concurrent run
    are skipped (it is handling them), and a second run finds nothing left to do. Follow-ups on an
    agreed break are never touched (only active ones are candidates)."""
    threshold = threshold or settings.SPHERES_INACTIVITY_FAILED_ATTEMPTS
    ids = list(unreachable_candidates(threshold).values_list("pk", flat=True))
    if not ids:
        return []
    locked = list(
        FollowUp.objects.select_for_update(skip_locked=True)
        .filter(pk__in=ids, status=FollowUpStatus.ACTIVE)
        .values_list("pk", "participant_id")
    )
    if not locked:
        return []
    now = timezone.now()
    followup_ids = [pk for pk, _pid in locked]
    participant_ids = [pid for _pk, pid in locked]
    FollowUp.objects.filter(pk__in=followup_ids, status=FollowUpStatus.ACTIVE).update(
        status=FollowUpStatus.INACTIVE, status_since=now, inactive_reason=InactiveReason.UNREACHABLE
    )
    FollowUpStatusChange.objects.bulk_create(
        [
            FollowUpStatusChange(
                followup_id=pk,
                from_status=FollowUpStatus.ACTIVE,
                to_status=FollowUpStatus.INACTIVE,
                reason=InactiveReason.UNREACHABLE,
                changed_at=now,
            )
            for pk in followup_ids
        ]
    )
    AgendaRequest.objects.bulk_create(
        [
            AgendaRequest(kind=AgendaRequest.Kind.INACTIVE_FOLLOWUP, participant_id=pid)
            for pid in participant_ids
        ],
        ignore_conflicts=True,
    )
    recipients = set(
        Assignment.objects.filter(
            participant_id__in=participant_ids, ended_at__isnull=True
        ).values_list("participant_id", "worker_id")
    )
    coordinators = list(people_with_role(Role.COORDINATOR).values_list("pk", flat=True))
    notifications = {(pid, uid) for pid, uid in recipients}
    notifications |= {(pid, uid) for pid in participant_ids for uid in coordinators}
    Notification.objects.bulk_create(
        [
            Notification(recipient_id=uid, kind=Notification.Kind.INACTIVE, participant_id=pid)
            for pid, uid in sorted(notifications)
        ]
    )
    per_user: dict[int, int] = {}
    for _pid, uid in notifications:
        per_user[uid] = per_user.get(uid, 0) + 1
    from followups.tasks import email_inactive_notice

    for uid, count in per_user.items():
        transaction.on_commit(lambda uid=uid, count=count: email_inactive_notice.delay(uid, count))
    return followup_ids


def missing_notes_counts(week: datetime.date) -> dict[int, int]:
    """For each youth worker: their active follow-ups with no note for `week` (one query)."""
    rows = (
        Assignment.objects.filter(
            ended_at__isnull=True,
            participant__followup__status=FollowUpStatus.ACTIVE,
            participant__admitted_on__lte=week + datetime.timedelta(days=6),
        )
        .exclude(participant__weekly_notes__week=week)
        .values("worker_id")
        .annotate(n=Count("participant_id", distinct=True))
    )
    return {row["worker_id"]: row["n"] for row in rows}


# --- Departure of a youth worker ---------------------------------------------------------------


def _program_language(text) -> str:
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def handover_suggestions(assignments) -> dict[int, int]:
    """Per assignment, a successor the participant already knows: the other worker on the case
    first, then workers they have met (earlier assignments, note authors). Three queries."""
    participant_ids = [a.participant_id for a in assignments]
    departing_ids = {a.worker_id for a in assignments}
    workers = set(people_with_role(Role.YOUTH_WORKER).values_list("pk", flat=True)) - departing_ids
    known: dict[int, list[int]] = {pid: [] for pid in participant_ids}
    for pid, wid, ended in (
        Assignment.objects.filter(participant_id__in=participant_ids)
        .order_by("ended_at", "-started_at")
        .values_list("participant_id", "worker_id", "ended_at")
    ):
        if wid in workers and wid not in known[pid]:
            if ended is None:  # on the case now: the first choice
                known[pid].insert(0, wid)
            else:
                known[pid].append(wid)
    for pid, wid in WeeklyNote.objects.filter(participant_id__in=participant_ids).values_list(
        "participant_id", "author_id"
    ):
        if wid in workers and wid not in known[pid]:
            known[pid].append(wid)
    return {a.pk: known[a.participant_id][0] for a in assignments if known[a.participant_id]}


@transaction.atomic
def handover_perform(*, departing: User, actor: User, items) -> Handover:
    """DOMAIN.md (Departure of a youth worker): every follow-up of the departing worker goes to a
    successor with a transition summary for the Clinical Committee, in one transaction that also
    moves the permissions. Notes the departing worker wrote stay theirs."""
    from referrals.models import AssignmentRole
    from referrals.services import assignment_set

    if not access.is_coordinator(actor):
        raise PermissionDenied
    active = {
        a.pk: a
        for a in Assignment.objects.select_for_update().filter(
            worker=departing, ended_at__isnull=True
        )
    }
    covered = {assignment.pk for assignment, _s, _t in items}
    if covered != set(active):
        raise ValidationError(_("Every follow-up of the departing worker needs a successor."))
    errors = {}
    for assignment, successor, summary in items:
        key = assignment.participant.public_id.hex
        if successor.pk == departing.pk:
            errors[f"successor_{key}"] = _("Choose someone other than the departing worker.")
        if not summary.strip():
            errors[f"summary_{key}"] = _("A transition summary is required.")
    if errors:
        raise ValidationError(errors)
    handover = Handover.objects.create(departing=departing, performed_by=actor)
    for assignment, successor, summary in items:
        current = {
            a.role: a.worker
            for a in Assignment.objects.filter(
                participant=assignment.participant, ended_at__isnull=True
            ).select_related("worker")
        }
        role = assignment.role
        other = AssignmentRole.SECOND if role == AssignmentRole.PRIMARY else AssignmentRole.PRIMARY
        current[role] = successor
        if current.get(other) is not None and current[other].pk == successor.pk:
            current[other] = None  # the second worker steps up: the other slot is free
        if current.get(AssignmentRole.PRIMARY) is None:
            current[AssignmentRole.PRIMARY], current[AssignmentRole.SECOND] = (
                current.get(AssignmentRole.SECOND),
                None,
            )
        assignment_set(
            participant=assignment.participant,
            actor=actor,
            primary=current[AssignmentRole.PRIMARY],
            second=current.get(AssignmentRole.SECOND),
            # Stored text, in the program's language, whatever the coordinator's screen shows.
            reason=_program_language(gettext_lazy("Departure of a youth worker")),
            notify_referrer=False,
        )
        HandoverItem.objects.create(
            handover=handover,
            participant=assignment.participant,
            successor=successor,
            role=role,
            summary=summary.strip(),
        )
    return handover


def notifications_mark_read(*, user: User) -> int:
    """The person marks their notifications read (a POST: never a side effect of viewing)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
