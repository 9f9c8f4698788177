"""Reads for follow-ups: caseload, timeline, notifications, the inactivity count, missing notes and
handover suggestions. Models only; a fixed number of queries whatever the data size."""

import datetime
from dataclasses import dataclass

from django.db.models import (
    Count,
    DateField,
    Exists,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, TruncWeek
from django.utils import timezone

from followups.models import (
    FAILED_OUTCOMES,
    AttemptOutcome,
    ContactAttempt,
    FollowUp,
    FollowUpStatus,
    FollowUpStatusChange,
    HandoverItem,
    LifePlanGoal,
    LifePlanGoalChange,
    NeedsEvaluation,
    RiskAssessment,
    RiskLevel,
    SafetyPlan,
    WeeklyNote,
)
from followups.rules import monday_of
from referrals import access
from referrals.models import (
    Assignment,
    AssignmentRole,
    Consent,
    ConsentKind,
    Participant,
    Referral,
)
from spheres.models import Notification, Role, User
from spheres.selectors import people_with_role


def with_failed_attempts(qs, *, participant: str, period: str):
    """Annotate `counting_since` (the later of the last reached attempt and the start of the
    active period), `met_week` (the last week whose note records face-to-face meetings) and
    `failed_since_contact`: failed attempts after the last contact. The one definition of the
    count, shared by the inactivity job and the caseload (DOMAIN.md: Follow-ups):

    - a contact is a reached attempt, or a week with face-to-face meetings, counted as made at
      the end of that week: attempts during or before that week no longer count;
    - a missed meeting (no-show) is not a failed attempt by itself: the attempts to reach the
      person afterwards are (FAILED_OUTCOMES leaves it out).

    `participant` and `period` name the participant id and the period start as seen from the
    queryset's model."""
    last_reached = (
        ContactAttempt.objects.filter(
            participant_id=OuterRef(participant), outcome=AttemptOutcome.REACHED
        )
        .order_by()
        .values("participant_id")
        .annotate(last=Max("at"))
        .values("last")
    )
    last_met_week = (
        WeeklyNote.objects.filter(participant_id=OuterRef(participant), meetings__gt=0)
        .order_by()
        .values("participant_id")
        .annotate(last=Max("week"))
        .values("last")
    )
    failed = (
        ContactAttempt.objects.annotate(
            # The Monday of the attempt's week, in the program's time zone.
            attempt_week=TruncWeek("at", output_field=DateField())
        )
        .filter(
            participant_id=OuterRef(participant),
            outcome__in=FAILED_OUTCOMES,
            at__gt=OuterRef("counting_since"),
            attempt_week__gt=OuterRef("met_week"),
        )
        .order_by()
        .values("participant_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(
        counting_since=Greatest(period, Coalesce(Subquery(last_reached), period)),
        met_week=Coalesce(Subquery(last_met_week), Value(datetime.date.min)),
    ).annotate(failed_since_contact=Coalesce(Subquery(failed), 0))


def unreachable_candidates(threshold: int):
    """Active follow-ups with at least `threshold` failed attempts since the last successful
    contact (or the start of the current active period). One query."""
    active = FollowUp.objects.filter(status=FollowUpStatus.ACTIVE)
    return with_failed_attempts(
        active, participant="participant_id", period="period_started_at"
    ).filter(failed_since_contact__gte=threshold)


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


def handover_suggestions(assignments) -> dict[int, int]:
    """Per assignment, a successor the participant already knows: the other worker on the case
    first, then workers they have met (earlier assignments, note authors). Three queries."""
    referral_ids = [a.referral_id for a in assignments]
    departing_ids = {a.worker_id for a in assignments}
    workers = set(people_with_role(Role.YOUTH_WORKER).values_list("pk", flat=True)) - departing_ids
    known: dict[int, list[int]] = {rid: [] for rid in referral_ids}
    for rid, wid, ended in (
        Assignment.objects.filter(referral_id__in=referral_ids)
        .order_by("ended_at", "-started_at")
        .values_list("referral_id", "worker_id", "ended_at")
    ):
        if wid in workers and wid not in known[rid]:
            if ended is None:  # on the case now: the first choice
                known[rid].insert(0, wid)
            else:
                known[rid].append(wid)
    for rid, wid in WeeklyNote.objects.filter(
        participant__referral_id__in=referral_ids
    ).values_list("participant__referral_id", "author_id"):
        if wid in workers and wid not in known[rid]:
            known[rid].append(wid)
    return {a.pk: known[a.referral_id][0] for a in assignments if known[a.referral_id]}


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


def candidates(worker: User) -> QuerySet[Referral]:
    """Candidates assigned to this worker, not yet admitted: the initial meetings to hold."""
    return access.referrals_assigned_to(worker).order_by("created_at")


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


def notifications_for(user: User, limit: int = 100) -> list[Notification]:
    """The person's latest notices; each one's `participant` is set only when this person may
    see that file (two queries)."""
    items = list(Notification.objects.filter(recipient=user)[:limit])
    ids = {n.participant_id for n in items if n.participant_id}
    visible = {
        p.pk: p
        for p in access.participants_visible_to(user)
        .filter(pk__in=ids)
        .only("public_id", "youth_id")
    }
    for n in items:
        n.participant = visible.get(n.participant_id)
    return items


def participants_with_followup() -> QuerySet[Participant]:
    return Participant.objects.select_related("followup")


def note_for_week(participant: Participant, week: datetime.date) -> WeeklyNote | None:
    return WeeklyNote.objects.filter(participant=participant, week=monday_of(week)).first()


def plans_of(participant: Participant) -> dict:
    """The plans page: every needs evaluation, safety-plan version and goal with its changes,
    newest first where it matters. Four queries."""
    goals = LifePlanGoal.objects.filter(participant=participant).prefetch_related(
        Prefetch("changes", queryset=LifePlanGoalChange.objects.select_related("changed_by"))
    )
    return {
        "evaluations": list(
            NeedsEvaluation.objects.filter(participant=participant).select_related("recorded_by")
        ),
        "safety_plans": list(
            SafetyPlan.objects.filter(participant=participant).select_related("author")
        ),
        "goals": list(goals),
    }


def goal_of(participant: Participant, goal_id: int) -> LifePlanGoal | None:
    return LifePlanGoal.objects.filter(participant=participant, pk=goal_id).first()


def current_safety_plan(participant: Participant) -> SafetyPlan | None:
    return SafetyPlan.objects.filter(participant=participant).first()


def active_program_consent(participant: Participant, consent_id: int) -> Consent | None:
    return Consent.objects.filter(
        participant=participant,
        pk=consent_id,
        kind=ConsentKind.PROGRAM,
        withdrawn_on__isnull=True,
    ).first()


def has_research_use(participant: Participant) -> bool:
    return Consent.objects.filter(
        participant=participant, kind=ConsentKind.RESEARCH_USE, withdrawn_on__isnull=True
    ).exists()


def no_show_of(participant: Participant, attempt_id: int) -> ContactAttempt | None:
    return ContactAttempt.objects.filter(
        participant=participant, pk=attempt_id, outcome=AttemptOutcome.NO_SHOW
    ).first()


def followup_of(participant: Participant) -> FollowUp | None:
    return FollowUp.objects.filter(participant=participant).first()


def followups_made_inactive(since: datetime.datetime) -> QuerySet[FollowUpStatusChange]:
    """Follow-ups that became inactive since a moment (by the job or by hand) and still are:
    what the next Clinical Committee agenda pulls."""
    return (
        FollowUpStatusChange.objects.filter(
            to_status=FollowUpStatus.INACTIVE,
            changed_at__gte=since,
            followup__status=FollowUpStatus.INACTIVE,
        )
        .select_related("followup__participant")
        .order_by("changed_at", "pk")
    )


def youth_workers() -> QuerySet[User]:
    return people_with_role(Role.YOUTH_WORKER)


def departing_assignments(departing: User) -> list[Assignment]:
    """Every open assignment of the worker: participants by youth ID, then candidates."""
    return list(
        Assignment.objects.filter(worker=departing, ended_at__isnull=True)
        .select_related("participant", "referral")
        .order_by(
            F("participant__youth_id_year").asc(nulls_last=True),
            "participant__youth_id_number",
            "referral__created_at",
        )
    )


def successors_for(departing: User) -> QuerySet[User]:
    """Youth workers who can take over, with their current number of follow-ups."""
    return (
        youth_workers()
        .exclude(pk=departing.pk)
        .annotate(
            caseload=Count(
                "assignments", filter=Q(assignments__ended_at__isnull=True), distinct=True
            )
        )
    )


# --- What the Clinical Committee's agenda pulls (committees sits above and asks) ---------------

OPEN_FOLLOWUP = [FollowUpStatus.ACTIVE, FollowUpStatus.ON_BREAK]


def followups_without_active_worker() -> QuerySet[FollowUp]:
    """Ongoing follow-ups (active or on a break) that no active youth worker of an active
    organisation follows any more: the worker's account or role ended without a handover. Each
    carries `last_ended_id` (the assignment that ended last, 0 when none did: what the Clinical
    agenda keys on) and `participant.open_assignments` (who is still named on it, for the
    coordinator's handover links). Two queries when evaluated."""
    staffed = Assignment.objects.filter(
        participant_id=OuterRef("participant_id"),
        ended_at__isnull=True,
        worker__in=people_with_role(Role.YOUTH_WORKER),
    )
    last_ended = (
        Assignment.objects.filter(participant_id=OuterRef("participant_id"), ended_at__isnull=False)
        .order_by("-ended_at", "-pk")
        .values("pk")[:1]
    )
    named = Assignment.objects.filter(ended_at__isnull=True).select_related("worker")
    return (
        FollowUp.objects.filter(status__in=OPEN_FOLLOWUP)
        .exclude(Exists(staffed))
        .annotate(last_ended_id=Coalesce(Subquery(last_ended), 0))
        .select_related("participant__referral")
        .prefetch_related(
            Prefetch("participant__assignments", queryset=named, to_attr="open_assignments")
        )
        .order_by("participant__youth_id_year", "participant__youth_id_number")
    )


def breaks_resuming_before(day: datetime.date) -> QuerySet[FollowUp]:
    """Follow-ups on break whose expected resume date falls before `day` (or has passed). Each
    carries `break_change_id`, the change that started the break."""
    started = (
        FollowUpStatusChange.objects.filter(
            followup=OuterRef("pk"), to_status=FollowUpStatus.ON_BREAK
        )
        .order_by("-changed_at", "-pk")
        .values("pk")[:1]
    )
    return (
        FollowUp.objects.filter(status=FollowUpStatus.ON_BREAK, break_resume_on__lt=day)
        .annotate(break_change_id=Subquery(started))
        .order_by("break_resume_on", "pk")
    )


def handovers_since(since: datetime.datetime) -> QuerySet[HandoverItem]:
    """Each follow-up moved by a departure handover since a moment, with its transition
    summary."""
    return HandoverItem.objects.filter(handover__performed_at__gte=since).order_by(
        "handover__performed_at", "pk"
    )


def followups_to_present(worker_ids) -> QuerySet[Participant]:
    """Participants with an active follow-up whose primary worker is one of `worker_ids`; each
    carries `presenter_id`, that worker (the Clinical Committee's case presentations)."""
    return Participant.objects.filter(
        followup__status=FollowUpStatus.ACTIVE,
        assignments__role=AssignmentRole.PRIMARY,
        assignments__ended_at__isnull=True,
        assignments__worker_id__in=list(worker_ids),
    ).annotate(presenter_id=F("assignments__worker_id"))


def followups_active(participant_ids) -> set[int]:
    """Which of these participants' follow-ups are active (one query)."""
    return set(
        FollowUp.objects.filter(
            participant_id__in=list(participant_ids), status=FollowUpStatus.ACTIVE
        ).values_list("participant_id", flat=True)
    )
