"""Reads for follow-ups: caseload, timeline, notifications, the inactivity count, missing notes and
handover suggestions. Models only; a fixed number of queries whatever the data size."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from followups.models import (
    FAILED_OUTCOMES,
    NOTE_FIELDS,
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
from referrals.selectors import open_caseload
from spheres.models import Notification, Role, User
from spheres.selectors import people_with_role


def unreachable_candidates(threshold: int):
    """Active follow-ups with at least `threshold` failed attempts since the last successful
    contact (or the start of the current active period). One query."""
    return FollowUp.objects.filter(
        status=FollowUpStatus.ACTIVE, failed_since_contact__gte=threshold
    )


def one_attempt_from_inactive() -> QuerySet[FollowUp]:
    """Active follow-ups that one more failed attempt would make inactive."""
    left = settings.SPHERES_INACTIVITY_FAILED_ATTEMPTS - 1
    if left < 1:  # a threshold of one attempt: nobody is ever one attempt away
        return FollowUp.objects.none()
    return FollowUp.objects.filter(status=FollowUpStatus.ACTIVE, failed_since_contact=left)


def start_of_week(day: datetime.date | None = None) -> datetime.datetime:
    monday = monday_of(day or timezone.localdate())
    return timezone.make_aware(datetime.datetime.combine(monday, datetime.time.min))


def missing_notes_participants(week: datetime.date, worker_id: int | None = None):
    """Active follow-ups with no note for `week`, of one worker or of all (what
    missing_notes_counts counts)."""
    assigned = Assignment.objects.filter(participant_id=OuterRef("participant_id"), ended_at=None)
    if worker_id is not None:
        assigned = assigned.filter(worker_id=worker_id)
    return (
        FollowUp.objects.filter(
            status=FollowUpStatus.ACTIVE,
            participant__admitted_on__lte=week + datetime.timedelta(days=6),
        )
        .filter(Exists(assigned))
        .exclude(Exists(WeeklyNote.objects.filter(participant_id=OuterRef("participant_id"),
                                                  week=week)))
    )  # fmt: skip


# The coordinator's lists of follow-ups that need attention (the home page's figures).
ATTENTION_LISTS = ["one_attempt_left", "inactive_this_week", "without_worker", "missing_notes"]


def attention_followups(kind: str, *, worker_id: int | None = None) -> QuerySet[FollowUp]:
    if kind == "one_attempt_left":
        return one_attempt_from_inactive()
    if kind == "inactive_this_week":
        return FollowUp.objects.filter(
            pk__in=followups_made_inactive(start_of_week()).values("followup_id")
        )
    if kind == "without_worker":
        return followups_without_active_worker()
    if kind == "missing_notes":
        last_week = monday_of(timezone.localdate()) - datetime.timedelta(days=7)
        return missing_notes_participants(last_week, worker_id)
    raise ValueError(kind)


def attention_participants(kind: str, *, worker_id: int | None = None):
    """The participants of an attention list, with what the caseload shows and their workers."""
    active = Assignment.objects.filter(ended_at__isnull=True).select_related("worker")
    followups = attention_followups(kind, worker_id=worker_id)
    qs = (
        Participant.objects.filter(pk__in=followups.values("participant_id"))
        .select_related("referral", "followup")
        .prefetch_related(Prefetch("assignments", queryset=active, to_attr="active_assignments"))
    )
    return with_followup_state(qs).order_by("youth_id_year", "youth_id_number")


def missing_notes_by_worker(week: datetime.date) -> list[tuple[User, int]]:
    """(worker, count) of active follow-ups missing the note of `week`, most first (two
    queries)."""
    counts = missing_notes_counts(week)
    workers = User.objects.filter(pk__in=counts).order_by("last_name", "first_name")
    return sorted(((w, counts[w.pk]) for w in workers), key=lambda row: -row[1])


def attempts_before_inactive(participant: Participant) -> int | None:
    """How many more failed attempts the active follow-up takes before the inactivity job makes
    it inactive (0: the next run will); None when the follow-up is not active. One query."""
    row = (
        FollowUp.objects.filter(participant=participant, status=FollowUpStatus.ACTIVE)
        .values_list("failed_since_contact", flat=True)
        .first()
    )
    if row is None:
        return None
    return max(0, settings.SPHERES_INACTIVITY_FAILED_ATTEMPTS - row)


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


def missing_notes_reminded(week: datetime.date, worker_ids) -> set[int]:
    """The workers already reminded about `week`: the reminder is sent in the week after it, so
    a missing-notes notice received since that week began is this week's (one query)."""
    since = start_of_week(week + datetime.timedelta(days=7))
    return set(
        Notification.objects.filter(
            kind=Notification.Kind.MISSING_NOTES, recipient_id__in=worker_ids, created_at__gte=since
        ).values_list("recipient_id", flat=True)
    )


def handover_suggestions(assignments) -> dict[int, tuple[int | None, int | None]]:
    """Per assignment, (successor, new second) the case already knows: the other worker on the
    case first, then workers the person has met (earlier assignments, note authors). When the
    successor is the other worker on the case, the pair needs a new second: the next known
    worker, if any. Active youth workers only. Cases are keyed by referral: a candidate not yet
    admitted has assignments but no participant. Three queries."""
    cases = {a.case for a in assignments}
    referral_ids = [c[1] for c in cases if c[0] == "referral"]
    # A participant imported without a referral is a case of its own.
    participant_ids = [c[1] for c in cases if c[0] == "participant"]
    departing_ids = {a.worker_id for a in assignments}
    workers = set(people_with_role(Role.YOUTH_WORKER).values_list("pk", flat=True)) - departing_ids
    known: dict[tuple, list[int]] = {case: [] for case in cases}
    on_case: dict[tuple, set[int]] = {case: set() for case in cases}
    for rid, pid, wid, ended in (
        Assignment.objects.filter(
            Q(referral_id__in=referral_ids)
            | Q(participant_id__in=participant_ids, referral__isnull=True)
        )
        .order_by("ended_at", "-started_at")
        .values_list("referral_id", "participant_id", "worker_id", "ended_at")
    ):
        case = ("referral", rid) if rid else ("participant", pid)
        if ended is None:
            on_case[case].add(wid)
        if wid in workers and wid not in known[case]:
            if ended is None:  # on the case now: the first choice
                known[case].insert(0, wid)
            else:
                known[case].append(wid)
    # Distinct pairs, unsorted: a worker's notes can be tens of thousands of rows. The cases'
    # participants in a subquery: an OR across the join made PostgreSQL scan every note.
    cases_participants = Participant.objects.filter(
        Q(referral_id__in=referral_ids) | Q(pk__in=participant_ids)
    ).values("pk")
    for rid, pid, wid in (
        WeeklyNote.objects.filter(participant__in=cases_participants)
        .order_by()
        .values_list("participant__referral_id", "participant_id", "author_id")
        .distinct()
    ):
        case = ("referral", rid) if rid else ("participant", pid)
        if wid in workers and case in known and wid not in known[case]:
            known[case].append(wid)
    suggestions = {}
    for a in assignments:
        names = known[a.case]
        if not names:
            continue
        successor, second = names[0], None
        if successor in on_case[a.case]:
            second = next((w for w in names[1:] if w not in on_case[a.case]), None)
        suggestions[a.pk] = (successor, second)
    return suggestions


def _by_participant(qs):
    return qs.filter(participant_id=OuterRef("pk")).order_by()


def with_followup_state(qs: QuerySet[Participant]) -> QuerySet[Participant]:
    """Annotate what the caseload shows: the last real contact (a reached attempt, or a week
    whose note records face-to-face meetings) and, apart, the last failed attempt; failed
    attempts since the last successful contact (or reactivation); the last note's week; the
    latest risk level."""
    attempts = _by_participant(ContactAttempt.objects)
    failed = attempts.filter(outcome__in=FAILED_OUTCOMES).order_by("-at", "-pk")
    return qs.annotate(
        # Kept per follow-up by database triggers (followups.failedcount); 0 without one.
        failed_since_contact=Coalesce(F("followup__failed_since_contact"), 0),
        # Latest first, LIMIT 1: a backward walk of the (participant, …) index.
        last_reached_at=Subquery(
            attempts.filter(outcome=AttemptOutcome.REACHED).order_by("-at").values("at")[:1]
        ),
        last_meeting_week=Subquery(
            _by_participant(WeeklyNote.objects)
            .filter(meetings__gt=0)
            .order_by("-week")
            .values("week")[:1]
        ),
        last_failed_at=Subquery(failed.values("at")[:1]),
        last_failed_outcome=Subquery(failed.values("outcome")[:1]),
        last_note_week=Subquery(
            _by_participant(WeeklyNote.objects).order_by("-week").values("week")[:1]
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


# The caseload's views: what the home page counts and links to (docs/program.md: Follow-ups).
CASELOAD_VIEWS = ["note_due", "failed", "break_ending", "new"]
BREAK_ENDING_DAYS = 7
NEW_ASSIGNMENT_DAYS = 14


def _open_assignments(worker) -> QuerySet[Assignment]:
    """A worker's open assignments (the worker, or an OuterRef to one)."""
    return Assignment.objects.filter(worker=worker, ended_at__isnull=True)


def _caseload_base(worker: User) -> QuerySet[Participant]:
    mine = _open_assignments(worker).filter(participant_id=OuterRef("pk"))
    # "IN (uncorrelated subquery)" rather than EXISTS: PostgreSQL reads this week's notes once
    # into a hash (from the (week, participant) index), not once per participant.
    noted = WeeklyNote.objects.filter(week=monday_of(timezone.localdate()))
    return (
        access.participants_changeable_by(worker)
        .filter(Exists(mine))
        .annotate(
            note_this_week=ExpressionWrapper(
                Q(pk__in=noted.values("participant_id")), output_field=BooleanField()
            ),
        )
    )


def _caseload_view_filters(worker: User) -> dict[str, Q]:
    today = timezone.localdate()
    since = timezone.now() - datetime.timedelta(days=NEW_ASSIGNMENT_DAYS)
    mine = _open_assignments(worker)
    return {
        "note_due": Q(followup__status=FollowUpStatus.ACTIVE, note_this_week=False),
        "failed": Q(followup__status=FollowUpStatus.ACTIVE, followup__failed_since_contact__gt=0),
        "break_ending": Q(
            followup__status=FollowUpStatus.ON_BREAK,
            followup__break_resume_on__lte=today + datetime.timedelta(days=BREAK_ENDING_DAYS),
        ),
        "new": Q(pk__in=mine.filter(started_at__gte=since).values("participant_id")),
    }


def caseload(worker: User, *, view: str | None = None) -> QuerySet[Participant]:
    """The worker's participants with their follow-up state, by youth ID; `view` narrows it to
    what needs attention (CASELOAD_VIEWS). The page shows one page of it at a time."""
    qs = with_followup_state(_caseload_base(worker).select_related("referral", "followup"))
    if view in CASELOAD_VIEWS:
        qs = qs.filter(_caseload_view_filters(worker)[view])
    return qs.order_by("youth_id_year", "youth_id_number")


def caseload_counts(worker: User) -> dict[str, int]:
    """How many of the worker's participants each view holds, and in all (one query)."""
    return _caseload_base(worker).aggregate(
        all=Count("pk"),
        **{name: Count("pk", filter=q) for name, q in _caseload_view_filters(worker).items()},
    )


def caseload_rows(participants) -> list[Participant]:
    """What each row shows, worked out for one page: labels (translated, never the stored
    codes), weeks without a note, and the last real contact."""
    today = timezone.localdate()
    # The labels translated once for the page (lazy texts cost a translation per use).
    outcomes = {code: str(label) for code, label in AttemptOutcome.choices}
    levels = {code: str(label) for code, label in RiskLevel.choices}
    statuses = {code: str(label) for code, label in FollowUpStatus.choices}
    rows = list(participants)
    for p in rows:
        followup = getattr(p, "followup", None)
        p.status_label = statuses.get(followup.status, "") if followup else ""
        p.weeks_without_note = weeks_without_note(p, today)
        p.last_failed_outcome_label = outcomes.get(p.last_failed_outcome, "")
        p.risk_level_label = levels.get(p.risk_level, "")
        reached = timezone.localdate(p.last_reached_at) if p.last_reached_at else None
        if reached and (p.last_meeting_week is None or reached >= p.last_meeting_week):
            p.last_contact = {"at": p.last_reached_at, "kind": "reached"}
        elif p.last_meeting_week:
            p.last_contact = {"at": p.last_meeting_week, "kind": "meeting"}
        else:
            p.last_contact = None
    return rows


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


TIMELINE_TYPES = ["notes", "attempts", "status", "risk", "plans", "assignments", "consents"]


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
    if "plans" in types:
        # Needs evaluations, safety-plan versions and every change of a life-plan goal
        # (its creation included): three queries.
        for e in NeedsEvaluation.objects.filter(participant=participant).select_related(
            "recorded_by"
        ):
            events.append(Event(e.evaluated_on, "plans", e))
        for p in SafetyPlan.objects.filter(participant=participant).select_related("author"):
            events.append(Event(p.recorded_at, "plans", p))
        for c in LifePlanGoalChange.objects.filter(goal__participant=participant).select_related(
            "goal", "changed_by"
        ):
            events.append(Event(c.changed_on, "plans", c))
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


def departing_workers() -> QuerySet[User]:
    """Whom a handover can start from: youth workers, and anyone who still has follow-ups but
    is no longer an active youth worker (left, deactivated) — their follow-ups need a successor."""
    still_assigned = _open_assignments(OuterRef("pk"))
    return (
        User.objects.filter(Q(pk__in=youth_workers().values("pk")) | Exists(still_assigned))
        .annotate(caseload=open_caseload())
        .order_by("last_name", "first_name")
    )


# A departure is handed over this many cases at a time: each is a transition summary to write,
# and a page of two thousand (a province-scale caseload) was megabytes of form and seconds of work.
HANDOVER_BATCH = 50


def departing_assignments(departing: User, *, limit: int | None = None) -> list[Assignment]:
    """The worker's open assignments, participants by youth ID, then candidates (the first
    `limit` of them: the next batch of a handover)."""
    order = (
        F("participant__youth_id_year").asc(nulls_last=True),
        "participant__youth_id_number",
        "referral__created_at",
        "pk",
    )
    qs = _open_assignments(departing).order_by(*order)
    if limit is not None:
        # The batch chosen on ids alone: sorting thousands of whole rows joined to their
        # referral and participant, for the first fifty, cost twice as much.
        qs = Assignment.objects.filter(pk__in=qs.values("pk")[:limit]).order_by(*order)
    return list(qs.select_related("participant", "referral"))


def open_assignment_count(worker: User) -> int:
    return _open_assignments(worker).count()


def successors_for(departing: User) -> list[User]:
    """Active youth workers who can take over, with their organisations and current number of
    follow-ups; read once for the whole page."""
    return list(
        youth_workers()
        .exclude(pk=departing.pk)
        .annotate(caseload=open_caseload())
        .prefetch_related("memberships__organisation")
        .order_by("last_name", "first_name")
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


# --- The coordinator's flat notes export --------------------------------------------------------


def notes_for_export(
    user: User, *, since: datetime.date | None = None, until: datetime.date | None = None
) -> QuerySet[WeeklyNote]:
    """Weekly notes one row each, of the participants this person may see (the access policy),
    in youth-ID then week order; only the columns the export shows are read."""
    notes = WeeklyNote.objects.filter(participant__in=access.participants_visible_to(user))
    if since:
        notes = notes.filter(week__gte=monday_of(since))
    if until:
        notes = notes.filter(week__lte=until)
    return (
        notes.select_related("participant")
        .only("participant__youth_id", "week", *NOTE_FIELDS)
        .order_by("participant__youth_id_year", "participant__youth_id_number", "week")
    )


def participant_ids_of(notes: QuerySet[WeeklyNote]) -> list[int]:
    """The participants whose notes an export holds (for the read log): one query."""
    return list(notes.order_by().values_list("participant_id", flat=True).distinct())
