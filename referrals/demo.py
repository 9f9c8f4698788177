"""Demo data of the referral-to-admission flow (DOMAIN.md: Referral and admission; Consent and
confidentiality).

- seed(ctx): a small, hand-shaped set built through referrals.services only (the actor is the demo
  coordinator): referrals at every open stage, closed ones, and about eight admitted participants
  with their workers, consents and youth-protection records. Idempotent: skipped entirely when demo
  referrals already exist.
- seed_volume(ctx): ctx.participants more admitted participants for benchmarks, in bulk inserts and
  one set-based permission sync per chunk (a fixed number of queries per 1,000 rows).

Everything is fictitious: names from Faker (fr_CA), phone numbers in the 555-01xx range reserved for
fiction, e-mails at example.org or the demo domain.
"""

import datetime
import random

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from referrals import permissions, services
from referrals.models import (
    Assignment,
    AssignmentRole,
    CareSetting,
    Consent,
    ConsentKind,
    InitialMeeting,
    LegalCare,
    Participant,
    RecruiterRiskAssessment,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    Screening,
    StageOfChange,
    YouthIdCounter,
    YouthProtectionReport,
)
from spheres.demo import DEMO_DOMAIN, PEOPLE, SeedContext

COORDINATOR = "coordination"
# The demo youth workers: each belongs to a different organisation (spheres.demo.PEOPLE).
WORKERS = [
    "intervenant.ccsmtl",
    "intervenant.codim",
    "intervenant.enmarge",
    "intervenant.anonyme",
    "intervenant.mariev",
]
PROGRAM_FORM = "programme-2024-1"
RESEARCH_FORM = "recherche-2024-1"
BATCH_SIZE = 1000
SYNC_CHUNK = 2000

NEIGHBOURHOODS = [
    "Ville-Marie",
    "Le Plateau-Mont-Royal",
    "Hochelaga-Maisonneuve",
    "Rosemont–La Petite-Patrie",
    "Villeray–Saint-Michel–Parc-Extension",
    "Côte-des-Neiges–Notre-Dame-de-Grâce",
    "Le Sud-Ouest",
    "Verdun",
    "LaSalle",
    "Lachine",
    "Montréal-Nord",
    "Saint-Laurent",
    "Ahuntsic-Cartierville",
    "Saint-Léonard",
    "Anjou",
    "Rivière-des-Prairies–Pointe-aux-Trembles",
    "Pierrefonds-Roxboro",
    "Laval (Chomedey)",
    "Longueuil (Vieux-Longueuil)",
]
GENDERS = ["femme", "femme", "femme", "femme", "homme", "non binaire", "femme trans"]
LANGUAGES = [
    "français",
    "français",
    "français, anglais",
    "anglais",
    "français, créole haïtien",
    "français, espagnol",
    "arabe, français",
]
REASONS = [
    "Fugues répétées; soupçon d'exploitation sexuelle par un conjoint plus âgé.",
    "Annonces en ligne repérées par l'intervenante; la jeune en parle à demi-mot.",
    "Dit échanger des services sexuels contre un hébergement.",
    "Rencontrée lors d'une intervention dans un hôtel; souhaite de l'aide.",
    "Endettée envers un proxénète; veut s'en sortir.",
    "Recrutement suspecté par les réseaux sociaux; entourage inquiet.",
    "Consommation et échanges sexuels pour de la drogue; demande du soutien.",
]
EXTERNAL_REFERRERS = [
    "Maison des jeunes du quartier (démo)",
    "École secondaire du quartier (démo)",
    "Clinique jeunesse (démo)",
    "Refuge pour jeunes (démo)",
]
MINOR_SETTINGS = [
    (CareSetting.GROUP_HOME, LegalCare.YOUTH_PROTECTION),
    (CareSetting.REHABILITATION_UNIT, LegalCare.YOUTH_PROTECTION),
    (CareSetting.FAMILY, LegalCare.NONE),
    (CareSetting.FOSTER_FAMILY, LegalCare.YOUTH_PROTECTION),
    (CareSetting.REHABILITATION_UNIT, LegalCare.YOUTH_CRIMINAL_JUSTICE),
]
ADULT_SETTINGS = [
    (CareSetting.AUTONOMOUS, LegalCare.NONE),
    (CareSetting.STREET, LegalCare.NONE),
    (CareSetting.SHELTER, LegalCare.UNKNOWN),
    (CareSetting.HALFWAY_HOUSE, LegalCare.ADULT_JUSTICE),
    (CareSetting.FAMILY, LegalCare.NONE),
]
STAGES = [
    StageOfChange.CONTEMPLATION,
    StageOfChange.CONTEMPLATION,
    StageOfChange.PREPARATION,
    StageOfChange.ACTION,
    StageOfChange.MAINTENANCE,
]

# The admitted participants of the small set: age today, primary and second worker, sharing
# ("team" = the two workers' organisations plus CCSMTL; "police" = the same plus SPVM; "none"),
# research consent, and the special cases the demo must show.
ADMITTED = [
    {"age": 15, "primary": 2, "second": 0, "sharing": "team", "research": True},
    {"age": 17, "primary": 4, "second": 1, "sharing": "police", "research": True},
    {"age": 19, "primary": 3, "second": 1, "sharing": "team", "research": False},
    {"age": 16, "primary": 0, "second": 2, "sharing": "none", "research": True},
    {"age": 21, "primary": 1, "second": 3, "sharing": "police", "research": True},
    {"age": 23, "primary": 3, "second": 4, "sharing": "team", "research": True, "withdraw": True},
    {"age": 20, "primary": 1, "second": 0, "sharing": "team", "research": False, "recruiter": True},
    {"age": 14, "primary": 4, "second": 2, "sharing": "team", "research": True},
]


# --- Helpers -----------------------------------------------------------------------------------


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a non-leap year: the birthday falls on 1 March
        return day.replace(year=day.year + years, month=3, day=1)


def _date_of_birth(rng: random.Random, age: int, today: datetime.date) -> datetime.date:
    """A date of birth making the person exactly `age` years old today."""
    latest = _add_years(today, -age)
    earliest = _add_years(today, -age - 1) + datetime.timedelta(days=1)
    return earliest + datetime.timedelta(days=rng.randint(0, (latest - earliest).days))


def _admission_date(
    rng: random.Random,
    date_of_birth: datetime.date,
    today: datetime.date,
    *,
    min_days: int = 1,
    max_days: int = 730,
) -> datetime.date:
    """Between max_days and min_days ago (the last two years by default), never before the 12th
    birthday: participant_admit checks the age on the admission date."""
    earliest = max(today - datetime.timedelta(days=max_days), _add_years(date_of_birth, 12))
    latest = max(earliest, today - datetime.timedelta(days=min_days))
    return earliest + datetime.timedelta(days=rng.randint(0, (latest - earliest).days))


def _phone(rng: random.Random) -> str:
    # 555-0100 to 555-0199: reserved for fiction in the North American numbering plan.
    return f"{rng.choice(['514', '438'])}-555-01{rng.randint(0, 99):02d}"


def _at(day: datetime.date, rng: random.Random) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(rng.randint(9, 16), rng.randint(0, 59)))
    )


def _candidate(ctx: SeedContext, age: int, today: datetime.date) -> dict:
    rng = ctx.faker.random
    care_setting, legal_care = rng.choice(MINOR_SETTINGS if age < 18 else ADULT_SETTINGS)
    return {
        "first_name": ctx.faker.first_name_female()
        if rng.random() < 0.8
        else ctx.faker.first_name(),
        "last_name": ctx.faker.last_name(),
        "date_of_birth": _date_of_birth(rng, age, today),
        "gender_identity": rng.choice(GENDERS),
        "languages": rng.choice(LANGUAGES),
        "phone": _phone(rng),
        "residence_area": rng.choice(NEIGHBOURHOODS),
        "care_setting": care_setting,
        "legal_care": legal_care,
        "reasons": rng.choice(REASONS),
    }


def _external_referrer(ctx: SeedContext, *, with_email: bool = True) -> dict:
    name = ctx.faker.name()
    return {
        "referrer_name": name,
        "referrer_organisation_other": ctx.faker.random.choice(EXTERNAL_REFERRERS),
        "referrer_contact": _phone(ctx.faker.random),
        "referrer_email": f"referent.{ctx.faker.random.randint(100, 999)}@example.org"
        if with_email
        else "",
    }


def _partner_referrer(ctx: SeedContext, local: str) -> dict:
    """Referrer fields as the partner path fills them: the signed-in worker and organisation."""
    user = ctx.people[local]
    return {
        "referrer_name": user.get_full_name(),
        "referrer_organisation": _worker_organisations(ctx)[local],
        "referrer_contact": user.email,
        "referrer_email": user.email,
    }


def _worker_organisations(ctx: SeedContext) -> dict:
    short_names = {local: short_name for local, short_name, _roles in PEOPLE}
    return {local: ctx.organisations[short_names[local]] for local in WORKERS}


def _backdate(
    referral: Referral,
    created: datetime.date,
    statuses: dict[str, datetime.date],
    rng: random.Random,
    participant: Participant | None = None,
) -> None:
    """The services stamp "now"; move the timestamps to the story's dates so timelines and queues
    read naturally. Dates only: no row is created or deleted here."""
    Referral.objects.filter(pk=referral.pk).update(created_at=_at(created, rng))
    for status, day in statuses.items():
        ReferralStatusChange.objects.filter(referral=referral, to_status=status).update(
            changed_at=_at(day, rng)
        )
    for model in (RecruiterRiskAssessment, InitialMeeting):
        for row in model.objects.filter(referral=referral):
            day = getattr(row, "decided_on", None) or row.met_on
            model.objects.filter(pk=row.pk).update(recorded_at=_at(day, rng))
    if participant is None:
        return
    admitted_at = _at(participant.admitted_on, rng)
    Participant.objects.filter(pk=participant.pk).update(created_at=admitted_at)
    Assignment.objects.filter(participant=participant).update(started_at=admitted_at)
    for consent in Consent.objects.filter(participant=participant):
        Consent.objects.filter(pk=consent.pk).update(recorded_at=_at(consent.given_on, rng))
    for report in YouthProtectionReport.objects.filter(participant=participant):
        YouthProtectionReport.objects.filter(pk=report.pk).update(
            recorded_at=_at(report.considered_on, rng)
        )


# --- The small, hand-shaped set ----------------------------------------------------------------


def _demo_referrals_exist() -> bool:
    return Referral.objects.filter(submitted_by__email__endswith=f"@{DEMO_DOMAIN}").exists()


def _screen(ctx, referral, on, **overrides):
    data = {
        "screened_on": on,
        "lives_in_area": True,
        "frequents_area": ctx.faker.random.random() < 0.5,
        "recognises_harms": True,
        "stage_of_change": ctx.faker.random.choice(STAGES),
    }
    data.update(overrides)
    return services.screening_record(referral=referral, actor=ctx.people[COORDINATOR], **data)


def _seed_open_and_closed(ctx: SeedContext, today: datetime.date) -> int:
    coordinator = ctx.people[COORDINATOR]
    rng = ctx.faker.random
    days = datetime.timedelta
    count = 0

    def refer(age, ago, submitted_by=coordinator, referrer=None):
        nonlocal count
        count += 1
        referral = services.referral_create(
            submitted_by=submitted_by,
            **_candidate(ctx, age, today),
            **(referrer or _external_referrer(ctx)),
        )
        return referral, today - days(ago)

    # New: one taken by phone by the coordinator, one sent by a youth worker (partner path).
    referral, created = refer(16, 2)
    _backdate(referral, created, {ReferralStatus.NEW: created}, rng)
    worker = "intervenant.enmarge"
    referral, created = refer(
        14, 1, submitted_by=ctx.people[worker], referrer=_partner_referrer(ctx, worker)
    )
    _backdate(referral, created, {ReferralStatus.NEW: created}, rng)

    # Screening: one living elsewhere but frequenting the area, one precontemplation exception.
    referral, created = refer(18, 6)
    _screen(ctx, referral, created + days(2), lives_in_area=False, frequents_area=True)
    _backdate(
        referral,
        created,
        {ReferralStatus.NEW: created, ReferralStatus.SCREENING: created + days(2)},
        rng,
    )
    referral, created = refer(15, 10)
    _screen(
        ctx,
        referral,
        created + days(3),
        stage_of_change=StageOfChange.PRECONTEMPLATION,
        recognises_harms=False,
        precontemplation_exception_reason=(
            "Très isolée, en danger immédiat; la DPJ souhaite un suivi rapproché."
        ),
    )
    _backdate(
        referral,
        created,
        {ReferralStatus.NEW: created, ReferralStatus.SCREENING: created + days(3)},
        rng,
    )

    # Awaiting the Clinical Committee. (Keep the referral referral_set_status returns: it is the
    # fresh, locked copy; later services trust the status of the object they are given.)
    referral, created = refer(20, 14)
    _screen(ctx, referral, created + days(2))
    referral = services.referral_set_status(
        referral=referral, to_status=ReferralStatus.AWAITING_COMMITTEE, actor=coordinator
    )
    _backdate(
        referral,
        created,
        {
            ReferralStatus.NEW: created,
            ReferralStatus.SCREENING: created + days(2),
            ReferralStatus.AWAITING_COMMITTEE: created + days(3),
        },
        rng,
    )

    # Reflecting after the initial meeting.
    referral, created = refer(22, 25)
    _screen(ctx, referral, created + days(2))
    referral = services.referral_set_status(
        referral=referral, to_status=ReferralStatus.AWAITING_COMMITTEE, actor=coordinator
    )
    workers = [ctx.people["intervenant.anonyme"], ctx.people["intervenant.codim"]]
    services.initial_meeting_record(
        referral=referral,
        actor=coordinator,
        attendees=workers,
        met_on=created + days(12),
        mode=InitialMeeting.Mode.IN_PERSON,
        outcome=InitialMeeting.Outcome.REFLECTING,
        notes="Intéressée, veut en parler à sa sœur avant de s'engager.",
    )
    _backdate(
        referral,
        created,
        {
            ReferralStatus.NEW: created,
            ReferralStatus.SCREENING: created + days(2),
            ReferralStatus.AWAITING_COMMITTEE: created + days(5),
            ReferralStatus.REFLECTING: created + days(12),
        },
        rng,
    )

    # Not admitted: recruits others; the Clinical Committee found that risks outweigh benefits.
    referral, created = refer(19, 60)
    _screen(ctx, referral, created + days(3), recruits_others=True, recruiter_acknowledges=False)
    referral = services.referral_set_status(
        referral=referral, to_status=ReferralStatus.AWAITING_COMMITTEE, actor=coordinator
    )
    services.risk_assessment_record(
        referral=referral,
        actor=coordinator,
        delinquent_profile="Antécédents de leurre d'adolescentes; nie les faits.",
        network_involvement="Liens actifs avec un réseau de proxénétisme.",
        benefits_versus_risks="Risque élevé pour les autres participantes.",
        decision=RecruiterRiskAssessment.Decision.RISKS_OUTWEIGH,
        decided_on=created + days(9),
    )
    services.referral_set_status(
        referral=referral,
        to_status=ReferralStatus.NOT_ADMITTED,
        actor=coordinator,
        reason="Recrute d'autres jeunes sans le reconnaître; risques supérieurs aux bénéfices "
        "selon le Comité clinique.",
    )
    _backdate(
        referral,
        created,
        {
            ReferralStatus.NEW: created,
            ReferralStatus.SCREENING: created + days(3),
            ReferralStatus.AWAITING_COMMITTEE: created + days(4),
            ReferralStatus.NOT_ADMITTED: created + days(9),
        },
        rng,
    )

    # Referred elsewhere: neither lives in nor frequents the service area.
    referral, created = refer(17, 45)
    _screen(ctx, referral, created + days(2), lives_in_area=False, frequents_area=False)
    services.referral_set_status(
        referral=referral,
        to_status=ReferralStatus.REFERRED_ELSEWHERE,
        actor=coordinator,
        reason="Vit et fréquente la Rive-Nord seulement : orientée vers le programme régional "
        "de sa région.",
    )
    _backdate(
        referral,
        created,
        {
            ReferralStatus.NEW: created,
            ReferralStatus.SCREENING: created + days(2),
            ReferralStatus.REFERRED_ELSEWHERE: created + days(6),
        },
        rng,
    )
    return count


def _seed_admitted(ctx: SeedContext, today: datetime.date) -> list[Participant]:
    coordinator = ctx.people[COORDINATOR]
    organisations = _worker_organisations(ctx)
    rng = ctx.faker.random
    days = datetime.timedelta
    participants = []
    for index, spec in enumerate(ADMITTED):
        primary_local, second_local = WORKERS[spec["primary"]], WORKERS[spec["second"]]
        primary, second = ctx.people[primary_local], ctx.people[second_local]
        candidate = _candidate(ctx, spec["age"], today)
        # Spread over the last two years, a window of about three months each.
        max_days = 720 - 90 * index
        admitted_on = _admission_date(
            rng,
            candidate["date_of_birth"],
            today,
            min_days=max(21, max_days - 80),
            max_days=max_days,
        )
        created = admitted_on - days(rng.randint(20, 45))
        screened_on = created + days(rng.randint(1, 4))
        committee_on = screened_on + days(rng.randint(2, 7))
        met_on = admitted_on - days(rng.randint(1, 5))
        # No referrer e-mail: assignment_set would queue a real notification to the referrer.
        referral = services.referral_create(
            submitted_by=coordinator, **candidate, **_external_referrer(ctx, with_email=False)
        )
        recruiter = spec.get("recruiter", False)
        _screen(
            ctx,
            referral,
            screened_on,
            recruits_others=recruiter,
            recruiter_acknowledges=recruiter,
            notes="Reconnaît recruter des amies; s'engage à cesser." if recruiter else "",
        )
        referral = services.referral_set_status(
            referral=referral, to_status=ReferralStatus.AWAITING_COMMITTEE, actor=coordinator
        )
        if recruiter:
            services.risk_assessment_record(
                referral=referral,
                actor=coordinator,
                delinquent_profile="Aucun antécédent judiciaire; a présenté deux amies à son ex.",
                network_involvement="Faible : a coupé les liens avec le réseau il y a trois mois.",
                benefits_versus_risks="Bénéfices supérieurs aux risques, sans activité de groupe.",
                decision=RecruiterRiskAssessment.Decision.BENEFITS_OUTWEIGH,
                decided_on=committee_on,
            )
        services.initial_meeting_record(
            referral=referral,
            actor=coordinator,
            attendees=[primary, second],
            met_on=met_on,
            mode=rng.choice(list(InitialMeeting.Mode)),
            outcome=InitialMeeting.Outcome.ADMITTED_NOW,
        )
        place = f"Montréal — locaux de {organisations[primary_local].short_name}"
        participant = services.participant_admit(
            referral=referral,
            actor=coordinator,
            admitted_on=admitted_on,
            consent_given_on=admitted_on,
            consent_place=place,
            consent_form_version=PROGRAM_FORM,
            worker_declaration=True,
        )
        services.assignment_set(
            participant=participant,
            actor=coordinator,
            primary=primary,
            second=second,
            reason="Décision du Comité clinique.",
        )
        if spec["sharing"] != "none":
            shared = {organisations[primary_local], organisations[second_local]}
            shared.add(ctx.organisations["CCSMTL"])
            if spec["sharing"] == "police":
                shared.add(ctx.organisations["SPVM"])
            services.sharing_set(
                participant=participant,
                actor=coordinator,
                organisations=sorted(shared, key=lambda o: o.short_name),
                given_on=admitted_on,
            )
        if spec["research"]:
            services.consent_record(
                participant=participant,
                actor=coordinator,
                kind=ConsentKind.RESEARCH,
                given_on=min(today, admitted_on + days(rng.randint(0, 14))),
                place=place,
                form_version=RESEARCH_FORM,
            )
        if services.age_on(referral.date_of_birth, admitted_on) < 18:
            reported = rng.random() < 0.75
            services.youth_protection_record(
                participant=participant,
                actor=coordinator,
                considered_on=admitted_on,
                reported=reported,
                reported_on=admitted_on if reported else None,
                reported_by=primary.get_full_name() if reported else "",
                reference=f"DEMO-{rng.randint(1000, 9999)}" if reported else "",
                note="" if reported else "Déjà signalée par le centre de réadaptation.",
            )
        if spec.get("withdraw"):
            consent = participant.consents.get(kind=ConsentKind.PROGRAM)
            services.consent_withdraw(
                consent=consent,
                actor=coordinator,
                withdrawn_on=min(today, admitted_on + days(rng.randint(30, 90))),
            )
        _backdate(
            referral,
            created,
            {
                ReferralStatus.NEW: created,
                ReferralStatus.SCREENING: screened_on,
                ReferralStatus.AWAITING_COMMITTEE: committee_on,
                ReferralStatus.ADMITTED: admitted_on,
            },
            rng,
            participant,
        )
        participants.append(participant)
    return participants


@transaction.atomic
def seed(ctx: SeedContext) -> None:
    if _demo_referrals_exist():
        ctx.log.append("referrals: demo referrals already present, nothing added")
        return
    today = timezone.localdate()
    closed_and_open = _seed_open_and_closed(ctx, today)
    participants = _seed_admitted(ctx, today)
    consents = Consent.objects.filter(participant__in=participants).count()
    ctx.log.append(
        f"referrals: {closed_and_open + len(participants)} referrals "
        f"({closed_and_open} open or closed, {len(participants)} admitted), "
        f"{consents} consents"
    )


# --- Volume for benchmarks ---------------------------------------------------------------------


def _pairs(count: int) -> list[tuple[int, int]]:
    """Primary and second worker indexes, round-robin over every ordered pair of two workers."""
    n = len(WORKERS)
    pairs = [(a, (a + step) % n) for step in range(1, n) for a in range(n)]
    return [pairs[i % len(pairs)] for i in range(count)]


def _allocate_youth_ids(admitted_on: list[datetime.date]) -> list[tuple[int, int]]:
    """(year, number) for each admission date, continuing the per-year counters; the counter rows
    are locked, then moved past the numbers used. A fixed number of queries whatever the count."""
    years = sorted({day.year for day in admitted_on})
    YouthIdCounter.objects.bulk_create(
        [YouthIdCounter(year=year) for year in years], ignore_conflicts=True
    )
    counters = {
        c.year: c for c in YouthIdCounter.objects.select_for_update().filter(year__in=years)
    }
    # Defensive: never collide with a number used without the counter (e.g. imported rows).
    used = dict(
        Participant.objects.filter(youth_id_year__in=years)
        .values("youth_id_year")
        .annotate(last=Max("youth_id_number"))
        .values_list("youth_id_year", "last")
    )
    last = {year: max(counters[year].last_number, used.get(year) or 0) for year in years}
    numbers = [None] * len(admitted_on)
    # Numbered in admission order within each year.
    for index in sorted(range(len(admitted_on)), key=lambda i: (admitted_on[i], i)):
        year = admitted_on[index].year
        last[year] += 1
        numbers[index] = (year, last[year])
    for year, counter in counters.items():
        counter.last_number = last[year]
    YouthIdCounter.objects.bulk_update(counters.values(), ["last_number"])
    return numbers


@transaction.atomic
def seed_volume(ctx: SeedContext) -> None:
    """ctx.participants more admitted participants, fast: bulk inserts in batches of 1,000, youth
    IDs from the per-year counters, then the set-based permission sync in chunks. Not idempotent
    by design: each run adds that many. Skips services and audit log on purpose (benchmarks).

    ctx.weeks (weekly follow-up notes) belongs to the follow-ups issue: followups.demo.seed_volume
    will add the notes for these participants; nothing to do with it here.
    """
    count = ctx.participants
    if count <= 0:
        return
    faker, rng = ctx.faker, ctx.faker.random  # seeded from --seed: same seed, same data
    today = timezone.localdate()
    coordinator = ctx.people[COORDINATOR]
    organisations = _worker_organisations(ctx)
    workers = [ctx.people[local] for local in WORKERS]
    worker_orgs = [organisations[local] for local in WORKERS]
    referrer_orgs = list(ctx.organisations.values())
    first_names = [faker.first_name() for _ in range(200)]
    last_names = [faker.last_name() for _ in range(200)]

    # 1. Referrals (status admitted) and their dates.
    referrals, story = [], []
    for _ in range(count):
        age = rng.randint(13, 23)
        date_of_birth = _date_of_birth(rng, age, today)
        admitted_on = _admission_date(rng, date_of_birth, today)
        created = admitted_on - datetime.timedelta(days=rng.randint(10, 45))
        screened = created + datetime.timedelta(days=rng.randint(1, 4))
        committee = screened + datetime.timedelta(days=rng.randint(1, 5))
        minor = services.age_on(date_of_birth, admitted_on) < 18
        care_setting, legal_care = rng.choice(MINOR_SETTINGS if minor else ADULT_SETTINGS)
        phone = _phone(rng)
        referrals.append(
            Referral(
                status=ReferralStatus.ADMITTED,
                first_name=rng.choice(first_names),
                last_name=rng.choice(last_names),
                date_of_birth=date_of_birth,
                gender_identity=rng.choice(GENDERS),
                languages=rng.choice(LANGUAGES),
                phone=phone,
                phone_digits=services.normalise_phone(phone),
                residence_area=rng.choice(NEIGHBOURHOODS),
                care_setting=care_setting,
                legal_care=legal_care,
                reasons=rng.choice(REASONS),
                referrer_name=f"{rng.choice(first_names)} {rng.choice(last_names)}",
                referrer_organisation=rng.choice(referrer_orgs),
                referrer_contact=_phone(rng),
                submitted_by=coordinator,
                created_at=_at(created, rng),
            )
        )
        story.append((created, screened, committee, admitted_on, minor))
    Referral.objects.bulk_create(referrals, batch_size=BATCH_SIZE)
    if referrals[0].pk is None:
        raise RuntimeError("seed_volume needs a database returning ids from bulk inserts.")

    # 2. Status history and screenings.
    changes, screenings = [], []
    for referral, (created, screened, committee, admitted_on, _minor) in zip(
        referrals, story, strict=True
    ):
        steps = [
            ("", ReferralStatus.NEW, created),
            (ReferralStatus.NEW, ReferralStatus.SCREENING, screened),
            (ReferralStatus.SCREENING, ReferralStatus.AWAITING_COMMITTEE, committee),
            (ReferralStatus.AWAITING_COMMITTEE, ReferralStatus.ADMITTED, admitted_on),
        ]
        changes += [
            ReferralStatusChange(
                referral=referral,
                from_status=from_status,
                to_status=to_status,
                changed_by=coordinator,
                changed_at=_at(day, rng),
            )
            for from_status, to_status, day in steps
        ]
        screenings.append(
            Screening(
                referral=referral,
                screened_on=screened,
                lives_in_area=rng.random() < 0.85,
                frequents_area=True,
                recognises_harms=True,
                stage_of_change=rng.choice(STAGES),
                screened_by=coordinator,
            )
        )
    ReferralStatusChange.objects.bulk_create(changes, batch_size=BATCH_SIZE)
    Screening.objects.bulk_create(screenings, batch_size=BATCH_SIZE)

    # 3. Participants with youth IDs continuing the per-year counters.
    youth_ids = _allocate_youth_ids([s[3] for s in story])
    participants = [
        Participant(
            referral=referral,
            youth_id=f"#{year}-{number:02d}",
            youth_id_year=year,
            youth_id_number=number,
            admitted_on=admitted_on,
            admitted_by=coordinator,
            created_at=_at(admitted_on, rng),
        )
        for referral, (year, number), (*_, admitted_on, _minor) in zip(
            referrals, youth_ids, story, strict=True
        )
    ]
    Participant.objects.bulk_create(participants, batch_size=BATCH_SIZE)

    # 4. Assignments, consents and youth-protection records.
    assignments, consents, reports = [], [], []
    for participant, (a, b), (*_, minor) in zip(participants, _pairs(count), story, strict=True):
        admitted_on, started = participant.admitted_on, participant.created_at
        for role, index in ((AssignmentRole.PRIMARY, a), (AssignmentRole.SECOND, b)):
            assignments.append(
                Assignment(
                    participant=participant,
                    worker=workers[index],
                    role=role,
                    assigned_by=coordinator,
                    started_at=started,
                )
            )
        consents.append(
            Consent(
                participant=participant,
                kind=ConsentKind.PROGRAM,
                given_on=admitted_on,
                place=f"Montréal — locaux de {worker_orgs[a].short_name}",
                form_version=PROGRAM_FORM,
                worker_declaration=True,
                recorded_by=coordinator,
                recorded_at=started,
            )
        )
        consents += [
            Consent(
                participant=participant,
                kind=ConsentKind.SHARING,
                organisation=worker_orgs[index],
                given_on=admitted_on,
                recorded_by=coordinator,
                recorded_at=started,
            )
            for index in (a, b)
        ]
        if rng.random() < 0.7:
            consents.append(
                Consent(
                    participant=participant,
                    kind=ConsentKind.RESEARCH,
                    given_on=admitted_on,
                    form_version=RESEARCH_FORM,
                    recorded_by=coordinator,
                    recorded_at=started,
                )
            )
        if minor:
            reports.append(
                YouthProtectionReport(
                    participant=participant,
                    considered_on=admitted_on,
                    reported=True,
                    reported_on=admitted_on,
                    reported_by=workers[a].get_full_name(),
                    recorded_by=coordinator,
                    recorded_at=started,
                )
            )
    Assignment.objects.bulk_create(assignments, batch_size=BATCH_SIZE)
    Consent.objects.bulk_create(consents, batch_size=BATCH_SIZE)
    YouthProtectionReport.objects.bulk_create(reports, batch_size=BATCH_SIZE)

    # 5. Derived object permissions, set-based, a chunk at a time.
    ids = [p.pk for p in participants]
    for start in range(0, len(ids), SYNC_CHUNK):
        permissions.sync_permissions(ids[start : start + SYNC_CHUNK])
    ctx.log.append(
        f"referrals (volume): {count} participants, {len(assignments)} assignments, "
        f"{len(consents)} consents, {len(reports)} youth-protection records"
    )
