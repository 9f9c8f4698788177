"""Meetings: scheduling one or a series, attendance, closing and the recorded reopening, and the
invitation e-mailed to members (DOMAIN.md: Committees)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from committees.access import current_seats
from committees.models import (
    Attendance,
    AttendanceStatus,
    Committee,
    CommitteeMember,
    Frequency,
    Meeting,
    MeetingReopening,
    MeetingSeries,
    MemberRole,
)
from committees.rules import MAX_SERIES, meeting_day_problem, series_dates
from committees.services._common import open_meeting, require_coordinator
from committees.services.agenda import agenda_refresh
from committees.tasks import email_meeting_invitation
from spheres.models import User

ONCE = "once"


def _at(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, time))


@transaction.atomic
def meeting_schedule(
    *,
    committee: Committee,
    actor: User,
    day: datetime.date,
    start_time: datetime.time,
    frequency: str = ONCE,
    count: int = 1,
    duration_minutes: int | None = None,
    place: str = "",
    video_link: str = "",
) -> list[Meeting]:
    """Schedule one meeting, or a weekly or quarterly series. Each agenda is prepared at once. A
    series cannot start in the past (a single meeting may be recorded after the fact)."""
    require_coordinator(actor)
    if not committee.is_active:
        raise ValidationError(_("This committee is inactive."))
    problem = meeting_day_problem(day, timezone.localdate())
    if problem:
        raise ValidationError({"day": problem})
    series = None
    if frequency == ONCE and count != 1:
        # Refused rather than dropped: the number typed says a series was meant.
        raise ValidationError(
            {"count": _("A single meeting: choose how often it repeats, or set the number to 1.")}
        )
    if frequency != ONCE:
        if frequency not in Frequency.values:
            raise ValidationError({"frequency": _("Choose how often the meetings repeat.")})
        if _at(day, start_time) <= timezone.now():
            raise ValidationError({"day": _("A series cannot start in the past.")})
        if not 2 <= count <= MAX_SERIES:
            raise ValidationError(
                {"count": _("A series has 2 to %(max)s meetings.") % {"max": MAX_SERIES}}
            )
        series = MeetingSeries.objects.create(
            committee=committee, frequency=frequency, created_by=actor
        )
    days = [day] if series is None else series_dates(day, frequency, count)
    length = datetime.timedelta(minutes=duration_minutes or committee.default_duration_minutes)
    meetings = []
    for each in days:
        starts_at = _at(each, start_time)
        meeting = Meeting(
            committee=committee,
            series=series,
            starts_at=starts_at,
            ends_at=starts_at + length,
            place=(place or committee.default_place).strip(),
            video_link=video_link or committee.default_video_link,
            created_by=actor,
        )
        meeting.full_clean()
        meeting.save()
        meetings.append(meeting)
    for meeting in meetings:  # in order: each agenda sees the one before it
        agenda_refresh(meeting=meeting, force=True)
    return meetings


@transaction.atomic
def attendance_record(
    *, meeting: Meeting, actor: User, rows: list[tuple[CommitteeMember, str, CommitteeMember]]
) -> list[Attendance]:
    """Who was present, excused or absent, and which substitute attended for which titular
    member (a substitute present in place of a titular member who did not attend)."""
    require_coordinator(actor)
    meeting = open_meeting(meeting)
    day = timezone.localdate(meeting.starts_at)
    seated = set(
        CommitteeMember.objects.filter(current_seats(day), committee=meeting.committee).values_list(
            "pk", flat=True
        )
    )
    errors = {}
    present = {member.pk for member, status, _r in rows if status == AttendanceStatus.PRESENT}
    for member, status, replaces in rows:
        field = f"status_{member.pk}"
        if member.pk not in seated:
            errors[field] = _("This person has no seat on the committee on the meeting's date.")
        elif status not in AttendanceStatus.values:
            errors[field] = _("Choose present, excused or absent.")
        elif replaces is not None:
            if member.role != MemberRole.SUBSTITUTE or status != AttendanceStatus.PRESENT:
                errors[f"replaces_{member.pk}"] = _(
                    "Only a substitute who is present replaces a titular member."
                )
            elif replaces.pk not in seated or replaces.role != MemberRole.TITULAR:
                errors[f"replaces_{member.pk}"] = _("Choose a titular member of the committee.")
            elif replaces.pk in present:
                errors[f"replaces_{member.pk}"] = _("This titular member attended in person.")
    if errors:
        raise ValidationError(errors)
    meeting.attendances.all().delete()
    return Attendance.objects.bulk_create(
        [
            Attendance(
                meeting=meeting, member=member, status=status, replaces=replaces, recorded_by=actor
            )
            for member, status, replaces in rows
        ]
    )


@transaction.atomic
def meeting_close(*, meeting: Meeting, actor: User) -> Meeting:
    """Closing freezes the agenda, the decisions and the minutes."""
    require_coordinator(actor)
    meeting = open_meeting(meeting)
    meeting.closed_at, meeting.closed_by = timezone.now(), actor
    meeting.save(update_fields=["closed_at", "closed_by"])
    return meeting


@transaction.atomic
def meeting_reopen(*, meeting: Meeting, actor: User, reason: str) -> MeetingReopening:
    """Changing the minutes of a closed meeting needs an explicit reopening, with its reason,
    kept with the meeting."""
    require_coordinator(actor)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if not meeting.is_closed:
        raise ValidationError(_("This meeting is not closed."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the meeting is reopened.")})
    reopening = MeetingReopening.objects.create(
        meeting=meeting,
        reason=reason.strip(),
        reopened_by=actor,
        previously_closed_at=meeting.closed_at,
    )
    meeting.closed_at, meeting.closed_by = None, None
    meeting.save(update_fields=["closed_at", "closed_by"])
    return reopening


@transaction.atomic
def invitations_send(*, meeting: Meeting, actor: User) -> int:
    """E-mail the invitation (with its calendar file) and the agenda to the members seated on the
    meeting's date, after commit. The task receives ids only and renders nothing nominative."""
    require_coordinator(actor)
    day = timezone.localdate(meeting.starts_at)
    members = list(
        CommitteeMember.objects.filter(current_seats(day), committee=meeting.committee)
        .exclude(user__is_active=False)
        .values_list("pk", flat=True)
    )
    if not members:
        raise ValidationError(_("The committee has no member to invite on that date."))
    for member_id in members:
        transaction.on_commit(
            lambda member_id=member_id: email_meeting_invitation.delay(meeting.pk, member_id)
        )
    return len(members)
