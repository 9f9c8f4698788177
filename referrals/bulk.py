"""The bulk path for admitted participants: referral, status history, screening, participant with
its youth ID, assignments, consents and the derived permissions — many at a time, in a fixed number
of queries per batch, validated by the same rules as the one-by-one services.

Callers use followups.bulk.participants_admit_bulk, which adds the follow-up each admission opens
(the layer above does it, so referrals never imports followups here). seed_demo's volume data, the
test fixtures, the legacy import and the benchmarks all go through it. It writes no audit-log rows
(like any bulk insert) and sends no e-mail.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from referrals import permissions
from referrals.models import (
    CANDIDATE_FIELDS,
    REFERRER_FIELDS,
    SCREENING_FIELDS,
    Assignment,
    AssignmentRole,
    Consent,
    ConsentKind,
    Participant,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    ResearchClause,
    Screening,
    YouthIdCounter,
    YouthProtectionReport,
)
from referrals.rules import (
    admission_problems,
    normalise_phone,
    referral_search_text,
    youth_id_format,
)
from spheres.models import Organisation, User

BATCH_SIZE = 1000
SYNC_CHUNK = 2000


@dataclass
class Admission:
    """Everything one admitted participant needs, as the services would receive it.

    `referral` holds candidate and referrer fields; `screening` the screening fields; the dates
    tell the story (referred, screened, optionally discussed by the committee, admitted)."""

    referral: dict
    screening: dict
    admitted_on: datetime.date
    primary: User
    second: User | None = None
    referred_at: datetime.datetime | None = None
    committee_on: datetime.date | None = None
    consent_place: str = ""
    consent_form_version: str = ""
    sharing: list[Organisation] = field(default_factory=list)
    research_use: bool = True  # the program form's research-use clause: agreed or struck out
    copy_given: bool = True
    declaration_signed_by: User | None = None  # None: the primary worker
    research_form_version: str | None = None  # None: no research-study consent
    youth_protection: dict | None = None  # YouthProtectionReport fields, for minors


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


def _validate(rows: list[Admission]) -> None:
    """The services' rules, row by row; the first broken row stops everything (all or nothing)."""
    today = timezone.localdate()
    allowed = set(CANDIDATE_FIELDS) | set(REFERRER_FIELDS)
    for index, row in enumerate(rows):
        unknown = (set(row.referral) - allowed) | (set(row.screening) - set(SCREENING_FIELDS))
        if unknown:
            raise TypeError(f"row {index}: unknown fields {sorted(unknown)}")
        problems = admission_problems(
            date_of_birth=row.referral["date_of_birth"],
            on=row.admitted_on,
            screening=Screening(**row.screening),
            recruiter_decision=None,
        )
        if row.admitted_on > today:
            problems.append("admission date in the future")
        if row.second is not None and row.second.pk == row.primary.pk:
            problems.append("the second worker is the primary worker")
        if not row.consent_place.strip():
            problems.append("the place where the form was signed is missing")
        if problems:
            raise ValidationError(f"row {index}: " + "; ".join(str(p) for p in problems))


def _locked_counters(years) -> dict[int, YouthIdCounter]:
    """The youth-ID counters of these years, created if missing, locked until the transaction
    ends (concurrent admissions and imports wait for each other)."""
    YouthIdCounter.objects.bulk_create(
        [YouthIdCounter(year=year) for year in years], ignore_conflicts=True
    )
    return {c.year: c for c in YouthIdCounter.objects.select_for_update().filter(year__in=years)}


def youth_ids_allocate(admitted_on: list[datetime.date]) -> list[tuple[int, int]]:
    """(year, number) for each admission date, continuing the per-year counters (locked, then
    moved past the numbers used), numbered in admission order within each year. A fixed number
    of queries whatever the count."""
    years = sorted({day.year for day in admitted_on})
    counters = _locked_counters(years)
    # Never collide with a number used without the counter (e.g. imported youth IDs).
    used = dict(
        Participant.objects.filter(youth_id_year__in=years)
        .values("youth_id_year")
        .annotate(last=Max("youth_id_number"))
        .values_list("youth_id_year", "last")
    )
    last = {year: max(counters[year].last_number, used.get(year) or 0) for year in years}
    numbers: list[tuple[int, int]] = [(0, 0)] * len(admitted_on)
    for index in sorted(range(len(admitted_on)), key=lambda i: (admitted_on[i], i)):
        year = admitted_on[index].year
        last[year] += 1
        numbers[index] = (year, last[year])
    for year, counter in counters.items():
        counter.last_number = last[year]
    YouthIdCounter.objects.bulk_update(counters.values(), ["last_number"])
    return numbers


@transaction.atomic
def participants_create_bulk(*, rows: list[Admission], actor: User) -> list[Participant]:
    """Admit many candidates at once, with the rows participant_admit, assignment_set,
    sharing_set and consent_record would write one by one (the same statuses and consents),
    then the set-based permission sync. Follow-ups: see followups.bulk."""
    if not rows:
        return []
    _validate(rows)
    referrals = [
        Referral(
            status=ReferralStatus.ADMITTED,
            submitted_by=actor,
            created_at=row.referred_at or _at(row.screening["screened_on"]),
            phone_digits=normalise_phone(row.referral.get("phone", "")),
            **row.referral,
        )
        for row in rows
    ]
    for referral in referrals:
        referral.search_text = referral_search_text(referral)
    Referral.objects.bulk_create(referrals, batch_size=BATCH_SIZE)
    changes, screenings = [], []
    for referral, row in zip(referrals, rows, strict=True):
        steps = [("", ReferralStatus.NEW, referral.created_at)]
        steps.append(
            (ReferralStatus.NEW, ReferralStatus.SCREENING, _at(row.screening["screened_on"]))
        )
        if row.committee_on:
            steps.append(
                (ReferralStatus.SCREENING, ReferralStatus.AWAITING_COMMITTEE, _at(row.committee_on))
            )
        steps.append((steps[-1][1], ReferralStatus.ADMITTED, _at(row.admitted_on)))
        changes += [
            ReferralStatusChange(
                referral=referral, from_status=a, to_status=b, changed_by=actor, changed_at=at
            )
            for a, b, at in steps
        ]
        screenings.append(Screening(referral=referral, screened_by=actor, **row.screening))
    ReferralStatusChange.objects.bulk_create(changes, batch_size=BATCH_SIZE)
    Screening.objects.bulk_create(screenings, batch_size=BATCH_SIZE)

    youth_ids = youth_ids_allocate([row.admitted_on for row in rows])
    participants = [
        Participant(
            referral=referral,
            date_of_birth=referral.date_of_birth,
            gender_identity=referral.gender_identity,
            youth_id=youth_id_format(year, number),
            youth_id_year=year,
            youth_id_number=number,
            admitted_on=row.admitted_on,
            admitted_by=actor,
            no_group_activities=bool(row.screening.get("recruits_others")),
            created_at=_at(row.admitted_on),
        )
        for referral, (year, number), row in zip(referrals, youth_ids, rows, strict=True)
    ]
    Participant.objects.bulk_create(participants, batch_size=BATCH_SIZE)

    assignments, consents, reports = [], [], []
    for participant, row in zip(participants, rows, strict=True):
        started = participant.created_at
        pair = [(AssignmentRole.PRIMARY, row.primary), (AssignmentRole.SECOND, row.second)]
        assignments += [
            Assignment(
                referral=participant.referral,
                participant=participant,
                worker=worker,
                role=role,
                assigned_by=actor,
                started_at=started,
            )
            for role, worker in pair
            if worker is not None
        ]
        base = {"participant": participant, "recorded_by": actor, "recorded_at": started}
        clause = ResearchClause.AGREED if row.research_use else ResearchClause.STRUCK_OUT
        consents.append(
            Consent(
                kind=ConsentKind.PROGRAM,
                given_on=row.admitted_on,
                place=row.consent_place,
                form_version=row.consent_form_version,
                worker_declaration=True,
                declaration_signed_by=row.declaration_signed_by or row.primary,
                research_clause=clause,
                copy_given=row.copy_given,
                confidentiality_explained=True,
                **base,
            )
        )
        if row.research_use:
            consents.append(
                Consent(
                    kind=ConsentKind.RESEARCH_USE,
                    given_on=row.admitted_on,
                    place=row.consent_place,
                    form_version=row.consent_form_version,
                    **base,
                )
            )
        consents += [
            Consent(kind=ConsentKind.SHARING, organisation=o, given_on=row.admitted_on, **base)
            for o in row.sharing
        ]
        if row.research_form_version is not None:
            consents.append(
                Consent(
                    kind=ConsentKind.RESEARCH,
                    given_on=row.admitted_on,
                    form_version=row.research_form_version,
                    **base,
                )
            )
        if row.youth_protection:
            reports.append(YouthProtectionReport(**base, **row.youth_protection))
    Assignment.objects.bulk_create(assignments, batch_size=BATCH_SIZE)
    Consent.objects.bulk_create(consents, batch_size=BATCH_SIZE)
    YouthProtectionReport.objects.bulk_create(reports, batch_size=BATCH_SIZE)

    ids = [p.pk for p in participants]
    for start in range(0, len(ids), SYNC_CHUNK):
        permissions.sync_permissions(ids[start : start + SYNC_CHUNK])
    return participants


@dataclass
class ImportedParticipant:
    """A participant known only from a worker's legacy workbook: no referral, no screening and
    no consent are made up; the coordinator confirms the consent later."""

    youth_id: str
    youth_id_year: int
    youth_id_number: int
    date_of_birth: datetime.date
    gender_identity: str
    admitted_on: datetime.date  # the first day of the entry month the workbook gives
    primary: User


@transaction.atomic
def _counters_past(participants: list[Participant]) -> None:
    """Move each year's youth-ID counter past the numbers imported participants brought, so a
    later admission (youth_id_allocate, one at a time) never hands out a number in use."""
    last: dict[int, int] = {}
    for p in participants:
        last[p.youth_id_year] = max(last.get(p.youth_id_year, 0), p.youth_id_number)
    behind = [c for c in _locked_counters(last).values() if c.last_number < last[c.year]]
    for counter in behind:
        counter.last_number = last[counter.year]
    YouthIdCounter.objects.bulk_update(behind, ["last_number"])


def participants_import_bulk(*, rows: list[ImportedParticipant], actor: User) -> list[Participant]:
    """Participants brought in from a legacy workbook, with their worker assigned (no referral)
    and the derived permissions, marked as imported. A fixed number of queries."""
    if not rows:
        return []
    today = timezone.localdate()
    for index, row in enumerate(rows):
        if row.admitted_on > today or row.date_of_birth > today:
            raise ValidationError(f"row {index}: date in the future")
    now = timezone.now()
    participants = [
        Participant(
            referral=None,
            date_of_birth=row.date_of_birth,
            gender_identity=row.gender_identity,
            youth_id=row.youth_id,
            youth_id_year=row.youth_id_year,
            youth_id_number=row.youth_id_number,
            admitted_on=row.admitted_on,
            admitted_by=actor,
            created_at=_at(row.admitted_on),
            imported_at=now,
        )
        for row in rows
    ]
    Participant.objects.bulk_create(participants, batch_size=BATCH_SIZE)
    _counters_past(participants)
    Assignment.objects.bulk_create(
        [
            Assignment(
                referral=None,
                participant=participant,
                worker=row.primary,
                role=AssignmentRole.PRIMARY,
                assigned_by=actor,
                started_at=participant.created_at,
            )
            for participant, row in zip(participants, rows, strict=True)
        ],
        batch_size=BATCH_SIZE,
    )
    ids = [p.pk for p in participants]
    for start in range(0, len(ids), SYNC_CHUNK):
        permissions.sync_permissions(ids[start : start + SYNC_CHUNK])
    return participants
