"""Reads for referral and participant pages. Participant queries start from referrals.access."""

import datetime

from auditlog.models import LogEntry
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce

from referrals import access
from referrals.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Assignment,
    AssignmentRole,
    Consent,
    ConsentKind,
    Participant,
    RecruiterRiskAssessment,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    Screening,
)
from referrals.rules import admission_problems, normalise_phone, search_key
from spheres.models import Organisation, Role, User
from spheres.selectors import people_with_role

CLOSED = "closed"


def referral_queue(status: str | None = None) -> QuerySet[Referral]:
    """Open referrals (oldest first), one open status, or the closed ones (not admitted,
    referred elsewhere; newest first) so that a closed referral can still be found."""
    if status == CLOSED:
        return (
            Referral.objects.filter(status__in=CLOSED_STATUSES)
            .select_related("referrer_organisation", "screening")
            .order_by("-updated_at", "-pk")
        )
    statuses = [status] if status in OPEN_STATUSES else OPEN_STATUSES
    return (
        Referral.objects.filter(status__in=statuses)
        .select_related("referrer_organisation", "screening")
        .order_by("created_at")
    )


def search_query(search: str) -> Q:
    """A youth ID, or names whatever their accents and case: every word typed must appear."""
    words = search_key(search).split()
    by_name = Q()
    for word in words:
        by_name &= Q(referral__search_text__contains=word)
    return Q(youth_id__icontains=search.strip()) | (by_name if words else Q(pk__in=[]))


def referral_history(referral: Referral) -> list[dict]:
    """Corrections of the referral, newest first, from the audit log (who, when, which fields,
    before and after). The coordinator, who alone sees the referral, alone reads them."""
    entries = (
        LogEntry.objects.get_for_object(referral)
        .filter(action=LogEntry.Action.UPDATE)
        .select_related("actor")
        .order_by("-timestamp")
    )
    labels = {f.name: f for f in Referral._meta.get_fields() if hasattr(f, "verbose_name")}
    organisations = dict(Organisation.objects.values_list("pk", "short_name"))
    history = []
    for entry in entries:
        changes = []
        for name, (before, after) in sorted(entry.changes_dict.items()):
            field = labels.get(name)
            if field is None or name in HIDDEN_HISTORY_FIELDS:
                continue
            changes.append(
                {
                    "label": field.verbose_name,
                    "before": _history_value(field, before, organisations),
                    "after": _history_value(field, after, organisations),
                }
            )
        if changes:
            history.append({"at": entry.timestamp, "by": entry.actor, "changes": changes})
    return history


# Derived or bookkeeping columns: they change with the fields shown, so they say nothing more.
HIDDEN_HISTORY_FIELDS = {"phone_digits", "search_text", "updated_at", "status"}


def _history_value(field, value, organisations) -> str:
    if value in (None, "None", ""):
        return "—"
    if field.choices:
        return str(dict(field.choices).get(value, value))
    if field.name == "referrer_organisation":
        return organisations.get(int(value), value) if str(value).isdigit() else value
    return str(value)


def referral_counts() -> dict[str, int]:
    rows = (
        Referral.objects.filter(status__in=OPEN_STATUSES).values("status").annotate(n=Count("pk"))
    )
    counts = {s: 0 for s in OPEN_STATUSES}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def possible_duplicates(
    *, first_name: str, last_name: str, date_of_birth, phone: str, exclude_pk=None
) -> QuerySet[Referral]:
    """Same name and date of birth, or same phone number (coordinator only: it shows files)."""
    query = Q(
        first_name__iexact=first_name.strip(),
        last_name__iexact=last_name.strip(),
        date_of_birth=date_of_birth,
    )
    digits = normalise_phone(phone)
    if len(digits) >= 7:
        query |= Q(phone_digits=digits)
    qs = Referral.objects.filter(query).select_related("participant")
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("-created_at")[:10]


def referrals_submitted_by(user: User) -> QuerySet[Referral]:
    """The referrer's own referrals with their current primary worker (`primary`): the referrer
    is told who follows the person, never anything of the case. Two queries."""
    primary = Assignment.objects.filter(
        ended_at__isnull=True, role=AssignmentRole.PRIMARY
    ).select_related("worker")
    return (
        Referral.objects.filter(submitted_by=user)
        .prefetch_related(Prefetch("assignments", queryset=primary, to_attr="primary"))
        .order_by("-created_at")
    )


def _active_assignments():
    return Prefetch(
        "assignments",
        queryset=Assignment.objects.filter(ended_at__isnull=True)
        .select_related("worker")
        .order_by("role"),
        to_attr="active_assignments",
    )


def unassigned_participants() -> QuerySet[Participant]:
    """Admitted participants nobody follows yet: the coordinator still has to assign them."""
    return Participant.objects.exclude(
        Exists(Assignment.objects.filter(participant_id=OuterRef("pk"), ended_at__isnull=True))
    )


def participant_list(
    user: User,
    *,
    search: str = "",
    worker_id=None,
    organisation_id=None,
    marker=False,
    unassigned=False,
):
    qs = (
        access.participants_visible_to(user)
        .select_related("referral")
        .prefetch_related(_active_assignments())
    )
    if search:
        qs = qs.filter(search_query(search))
    # Filters through assignments use EXISTS, so no row repeats and no DISTINCT is needed (the
    # access policy's own filter is an IN subquery): the SQL stays flat as the list grows.
    current = Assignment.objects.filter(participant_id=OuterRef("pk"), ended_at__isnull=True)
    if worker_id:
        qs = qs.filter(Exists(current.filter(worker_id=worker_id)))
    if organisation_id:
        qs = qs.filter(Exists(current.filter(worker__memberships__organisation_id=organisation_id)))
    if marker:
        qs = qs.filter(no_group_activities=True)
    if unassigned:
        qs = qs.filter(pk__in=unassigned_participants().values("pk"))
    return qs.order_by("-youth_id_year", "-youth_id_number")


def participant_file_queryset() -> QuerySet[Participant]:
    """Everything the file shows, in a fixed number of queries."""
    return Participant.objects.select_related(
        "referral",
        "referral__referrer_organisation",
        "referral__screening",
        "admitted_by",
        "consent_confirmed_by",
        "followup",
    ).prefetch_related(
        Prefetch(
            "assignments",
            queryset=Assignment.objects.select_related("worker", "assigned_by", "ended_by"),
        ),
        Prefetch(
            "consents",
            queryset=Consent.objects.select_related(
                "organisation", "recorded_by", "withdrawal_recorded_by", "declaration_signed_by"
            ),
        ),
        "youth_protection_reports__recorded_by",
        "referral__status_changes__changed_by",
        # Transition summaries written at a worker's departure, and the plans the follow-up
        # keeps on the file (followups' rows, named by relation only: nothing is imported from
        # above; the file shows them, the follow-up pages change them).
        "referral__handover_items__handover__departing",
        "referral__handover_items__successor",
        "safety_plans__author",
        "needs_evaluations",
        "life_plan_goals",
    )


def plans_on_file(participant: Participant) -> dict:
    """The current safety plan and needs evaluation and the life-plan goals, from the
    prefetched lists (newest first by the models' ordering): no query of its own."""
    plans = list(participant.safety_plans.all())
    evaluations = list(participant.needs_evaluations.all())
    return {
        "safety_plan": plans[0] if plans else None,
        "needs": evaluations[0] if evaluations else None,
        "goals": list(participant.life_plan_goals.all()),
    }


def open_caseload() -> Coalesce:
    """A worker's open assignments, counted per worker row by the index on open assignments
    (a COUNT(DISTINCT) over a join to them all, grouped by every user column, cost twice as
    much)."""
    count = (
        Assignment.objects.filter(worker=OuterRef("pk"), ended_at__isnull=True)
        .order_by()
        .values("worker")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(count, output_field=IntegerField()), 0)


def youth_workers_with_caseload() -> QuerySet[User]:
    """Active youth workers with their organisation and current number of follow-ups."""
    return (
        people_with_role(Role.YOUTH_WORKER)
        .annotate(caseload=open_caseload())
        .prefetch_related("memberships__organisation")
        .order_by("last_name", "first_name")
    )


def open_assignment_counts(user_ids: list[int]) -> dict[int, int]:
    """{worker id: open assignments (participants and candidates)}: what the departure handover
    must move before the person stops being a youth worker. One query."""
    rows = (
        Assignment.objects.filter(worker_id__in=user_ids, ended_at__isnull=True)
        .values("worker_id")
        .annotate(n=Count("pk"))
        .values_list("worker_id", "n")
    )
    return dict(rows)


def youth_workers() -> QuerySet[User]:
    """Active youth workers of active organisations, by name."""
    return people_with_role(Role.YOUTH_WORKER).order_by("last_name", "first_name")


def suggest_pair(workers) -> tuple[User | None, User | None]:
    """The least-loaded youth worker, then the least-loaded one from another organisation:
    pairs from two organisations let a familiar worker take over (DOMAIN.md)."""
    ranked = sorted(workers, key=lambda w: (w.caseload, w.last_name, w.first_name))
    if not ranked:
        return None, None
    first = ranked[0]
    first_orgs = {m.organisation_id for m in first.memberships.all() if m.is_active}
    for other in ranked[1:]:
        if not first_orgs & {m.organisation_id for m in other.memberships.all() if m.is_active}:
            return first, other
    return first, None


def admission_blockers(referral: Referral, on: datetime.date) -> list[str]:
    """Why this candidate cannot be admitted on this date (empty when admissible), read fresh:
    a cached reverse relation on the caller's copy may be stale. A recruiter's risk assessment
    counts from the date the Clinical Committee made it: the latest one made on or before `on`."""
    latest = (
        referral.risk_assessments.filter(decided_on__lte=on)
        .order_by("-decided_on", "-recorded_at")
        .first()
    )
    return admission_problems(
        date_of_birth=referral.date_of_birth,
        on=on,
        screening=Screening.objects.filter(referral_id=referral.pk).first(),
        recruiter_decision=latest.decision if latest else None,
    )


def participants_agreeing_to_research_use() -> QuerySet[Participant]:
    """Participants whose program form's research-use clause is agreed to and not withdrawn:
    the anonymised export rests on this clause (DOMAIN.md: Consent and confidentiality)."""
    agreed = Consent.objects.filter(
        participant=OuterRef("pk"), kind=ConsentKind.RESEARCH_USE, withdrawn_on__isnull=True
    )
    return Participant.objects.filter(Exists(agreed))


def participants_in_research_study() -> QuerySet[Participant]:
    """Participants with an active research-study consent (the research team's own form): the
    self-report questionnaires at times 1 and 2 and the interviews rest on it."""
    signed = Consent.objects.filter(
        participant=OuterRef("pk"), kind=ConsentKind.RESEARCH, withdrawn_on__isnull=True
    )
    return Participant.objects.filter(Exists(signed))


def referral_file_queryset() -> QuerySet[Referral]:
    """Everything the referral page shows, in a fixed number of queries."""
    return Referral.objects.select_related(
        "referrer_organisation", "submitted_by", "screening", "participant"
    ).prefetch_related(
        "status_changes__changed_by",
        "risk_assessments__recorded_by",
        "initial_meetings__attendees",
        Prefetch(
            "assignments",
            queryset=Assignment.objects.select_related("worker", "assigned_by", "ended_by"),
        ),
        # A candidate's transition summaries (followups' rows, named by relation only).
        "handover_items__handover__departing",
        "handover_items__successor",
    )


def fresh_referral(referral: Referral) -> Referral:
    """A copy read now: forms edit it without touching the caller's copy."""
    return Referral.objects.get(pk=referral.pk)


def current_pair(
    participant: Participant | None = None, referral: Referral | None = None
) -> dict[str, int]:
    """{role: worker id} of the current assignments of a participant or a candidate."""
    case = {"participant": participant} if participant is not None else {"referral": referral}
    return dict(
        Assignment.objects.filter(ended_at__isnull=True, **case).values_list("role", "worker_id")
    )


def assigned_workers(referral: Referral) -> list[int]:
    """Ids of the workers currently assigned to the candidate (the initial meeting's default)."""
    return list(current_pair(referral=referral).values())


def consents_by_kind(participant: Participant) -> dict[str, list[Consent]]:
    """The file's consents by kind, from the prefetched list (no query of its own)."""
    consents = list(participant.consents.all())
    return {f"{kind}_consents": [c for c in consents if c.kind == kind] for kind in ConsentKind}


def shared_organisations(participant: Participant) -> list[Organisation]:
    return [
        c.organisation
        for c in participant.consents.filter(
            kind=ConsentKind.SHARING, withdrawn_on__isnull=True
        ).select_related("organisation")
    ]


def active_consent(participant: Participant, consent_id: int) -> Consent | None:
    return participant.consents.filter(pk=consent_id, withdrawn_on__isnull=True).first()


def consent_with_scan(participant: Participant, consent_id: int) -> Consent | None:
    return participant.consents.filter(pk=consent_id).exclude(scan="").first()


# --- What the Clinical Committee's agenda pulls (committees sits above and asks) ---------------


def referrals_for_committee() -> QuerySet[Referral]:
    """Referrals the Clinical Committee decides on: awaiting its decision on who will follow the
    candidate, or waiting while the candidate reflects after the initial meeting. Each carries
    `status_change_id`, the change that put it in its current status (one agenda item per stay
    in a status)."""
    entered = (
        ReferralStatusChange.objects.filter(referral=OuterRef("pk"), to_status=OuterRef("status"))
        .order_by("-changed_at", "-pk")
        .values("pk")[:1]
    )
    return (
        Referral.objects.filter(
            status__in=[ReferralStatus.AWAITING_COMMITTEE, ReferralStatus.REFLECTING]
        )
        .annotate(status_change_id=Subquery(entered))
        .order_by("created_at", "pk")
    )


def recruiters_to_assess() -> QuerySet[Referral]:
    """Open referrals of candidates who also recruit others and whose risk the Clinical Committee
    has not assessed yet (DOMAIN.md: admission criterion 4)."""
    assessed = RecruiterRiskAssessment.objects.filter(referral=OuterRef("pk"))
    return (
        Referral.objects.filter(status__in=OPEN_STATUSES, screening__recruits_others=True)
        .exclude(Exists(assessed))
        .order_by("created_at", "pk")
    )


def imported_to_confirm(user: User) -> QuerySet[Participant]:
    """Participants brought in from a legacy workbook whose consent the coordinator has not yet
    confirmed, among those this person may see (youth IDs only on the page)."""
    return (
        access.participants_visible_to(user)
        .filter(imported_at__isnull=False, consent_confirmed_at__isnull=True)
        .only("public_id", "youth_id", "imported_at")
        .order_by("youth_id_year", "youth_id_number")
    )
