"""Reads for follow-up pages: caseload, timeline, notifications. A fixed number of queries."""

import datetime
from dataclasses import dataclass

from django.db.models import Max, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from followups.models import (
    AttemptOutcome,
    ContactAttempt,
    FollowUpStatusChange,
    Notification,
    RiskAssessment,
    RiskLevel,
    WeeklyNote,
)
from followups.services import monday_of, with_failed_attempts
from referrals.models import Assignment, Consent, Participant
from spheres import access
from spheres.models import User


def _by_participant(qs):
    return qs.filter(participant_id=OuterRef("pk")).order_by()


def with_followup_state(qs: QuerySet[Participant]) -> QuerySet[Participant]:
    """Annotate what the caseload shows: last contact and its outcome, failed attempts since the
    last successful contact (or reactivation), last note's week, latest risk level."""
    last = _by_participant(ContactAttempt.objects).order_by("-at", "-pk")
    qs = with_failed_attempts(
        qs.annotate(
            last_contact_at=Subquery(last.values("at")[:1]),
            last_contact_outcome=Subquery(last.values("outcome")[:1]),
        ),
        participant="pk",
        period="followup__period_started_at",
    )
    return qs.annotate(
        last_note_week=Subquery(
            _by_participant(WeeklyNote.objects)
            .values("participant_id")
            .annotate(m=Max("week"))
            .values("m")
        ),
        risk_level=Subquery(
            _by_participant(RiskAssessment.objects).order_by("-time_point").values("level")[:1]
        ),
    )


def weeks_without_note(participant: Participant, today: datetime.date | None = None) -> int:
    """Completed weeks since the last note (or since admission) up to last week."""
    this_week = monday_of(today or timezone.localdate())
    start = participant.last_note_week or (
        monday_of(participant.admitted_on) - datetime.timedelta(days=7)
    )
    return max(0, (this_week - start).days // 7 - 1)


def caseload(worker: User) -> list[Participant]:
    active = Assignment.objects.filter(ended_at__isnull=True).select_related("worker")
    qs = (
        access.participants_changeable_by(worker)
        .filter(assignments__worker=worker, assignments__ended_at__isnull=True)
        .select_related("referral", "followup")
        .prefetch_related(Prefetch("assignments", queryset=active, to_attr="active_assignments"))
        .distinct()
        .order_by("youth_id_year", "youth_id_number")
    )
    participants = list(with_followup_state(qs))
    today = timezone.localdate()
    outcomes, levels = dict(AttemptOutcome.choices), dict(RiskLevel.choices)
    for p in participants:
        p.weeks_without_note = weeks_without_note(p, today)
        # The page shows labels (translated), never the stored codes.
        p.last_contact_outcome_label = outcomes.get(p.last_contact_outcome, "")
        p.risk_level_label = levels.get(p.risk_level, "")
    return participants


@dataclass
class Event:
    at: datetime.datetime | datetime.date
    type: str
    obj: object

    @property
    def sort_key(self):
        value = self.at
        if isinstance(value, datetime.datetime):
            return timezone.localtime(value).replace(tzinfo=None)
        return datetime.datetime.combine(value, datetime.time.min)


TIMELINE_TYPES = ["notes", "attempts", "status", "risk", "assignments", "consents"]


def timeline(participant: Participant, types: list[str] | None = None) -> list[Event]:
    """Everything that happened in one chronological list (newest first): one query per type."""
    types = [t for t in (types or TIMELINE_TYPES) if t in TIMELINE_TYPES]
    events: list[Event] = []
    if "notes" in types:
        for n in WeeklyNote.objects.filter(participant=participant).select_related("author"):
            events.append(Event(n.week, "notes", n))
    if "attempts" in types:
        for a in ContactAttempt.objects.filter(participant=participant).select_related(
            "recorded_by"
        ):
            events.append(Event(a.at, "attempts", a))
    if "status" in types:
        for c in FollowUpStatusChange.objects.filter(
            followup__participant=participant
        ).select_related("changed_by"):
            events.append(Event(c.changed_at, "status", c))
    if "risk" in types:
        for r in RiskAssessment.objects.filter(participant=participant).select_related(
            "recorded_by"
        ):
            events.append(Event(r.assessed_on, "risk", r))
    if "assignments" in types:
        for a in Assignment.objects.filter(participant=participant).select_related(
            "worker", "assigned_by"
        ):
            events.append(Event(a.started_at, "assignments", a))
    if "consents" in types:
        for c in Consent.objects.filter(participant=participant).select_related(
            "organisation", "recorded_by"
        ):
            events.append(Event(c.given_on, "consents", c))
    return sorted(events, key=lambda e: e.sort_key, reverse=True)


def notifications_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("participant")[:100]
