"""The small, hand-shaped demo set, built through referrals.services only (the actor is the demo
coordinator): referrals at every open stage, closed ones, and about eight admitted participants
with their workers, consents and youth-protection records. Idempotent: skipped entirely when demo
referrals already exist."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from referrals import services
from referrals.demo.data import (
    ADMITTED,
    COORDINATOR,
    PROGRAM_FORM,
    RESEARCH_FORM,
    STAGES,
    WORKERS,
    admission_date,
    at,
    candidate,
    external_referrer,
    partner_referrer,
    worker_organisations,
)
from referrals.models import (
    Assignment,
    Consent,
    ConsentKind,
    InitialMeeting,
    Participant,
    RecruiterRiskAssessment,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    StageOfChange,
    YouthProtectionReport,
)
from referrals.rules import age_on
from spheres.demo import DEMO_DOMAIN, SeedContext


def _backdate(
    referral: Referral,
    created: datetime.date,
    statuses: dict[str, datetime.date],
    rng: random.Random,
    participant: Participant | None = None,
    assigned_on: datetime.date | None = None,
) -> None:
    """The services stamp "now"; move the timestamps to the story's dates so timelines and queues
    read naturally. Dates only: no row is created or deleted here."""
    Referral.objects.filter(pk=referral.pk).update(created_at=at(created, rng))
    for status, day in statuses.items():
        ReferralStatusChange.objects.filter(referral=referral, to_status=status).update(
            changed_at=at(day, rng)
        )
    for model in (RecruiterRiskAssessment, InitialMeeting):
        for row in model.objects.filter(referral=referral):
            day = getattr(row, "decided_on", None) or row.met_on
            model.objects.filter(pk=row.pk).update(recorded_at=at(day, rng))
    if assigned_on is not None:
        Assignment.objects.filter(referral=referral).update(started_at=at(assigned_on, rng))
    if participant is None:
        return
    admitted_at = at(participant.admitted_on, rng)
    Participant.objects.filter(pk=participant.pk).update(created_at=admitted_at)
    for consent in Consent.objects.filter(participant=participant):
        Consent.objects.filter(pk=consent.pk).update(recorded_at=at(consent.given_on, rng))
    for report in YouthProtectionReport.objects.filter(participant=participant):
        YouthProtectionReport.objects.filter(pk=report.pk).update(
            recorded_at=at(report.considered_on, rng)
        )


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
            **candidate(ctx, age, today),
            **(referrer or external_referrer(ctx)),
        )
        return referral, today - days(ago)

    # New: one taken by phone by the coordinator, one sent by a youth worker (partner path).
    referral, created = refer(16, 2)
    _backdate(referral, created, {ReferralStatus.NEW: created}, rng)
    worker = "intervenant.enmarge"
    referral, created = refer(
        14, 1, submitted_by=ctx.people[worker], referrer=partner_referrer(ctx, worker)
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
    # The committee names the pair before the initial meeting; the demo sends no e-mail.
    services.assignment_set(
        referral=referral,
        actor=coordinator,
        primary=workers[0],
        second=workers[1],
        reason="Décision du Comité clinique.",
        notify_referrer=False,
    )
    services.initial_meeting_record(
        referral=referral,
        actor=workers[0],
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
        assigned_on=created + days(6),
    )

    # Not admitted: recruits others; the Clinical Committee found that risks outweigh benefits.
    referral, created = refer(19, 60)
    _screen(ctx, referral, created + days(3), recruits_others=True, recruiter_acknowledges=False)
    referral = services.referral_set_status(
        referral=referral, to_status=ReferralStatus.AWAITING_COMMITTEE, actor=coordinator
    )
    services.recruiter_risk_assessment_record(
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
    organisations = worker_organisations(ctx)
    rng = ctx.faker.random
    days = datetime.timedelta
    participants = []
    for index, spec in enumerate(ADMITTED):
        primary_local, second_local = WORKERS[spec["primary"]], WORKERS[spec["second"]]
        primary, second = ctx.people[primary_local], ctx.people[second_local]
        person = candidate(ctx, spec["age"], today)
        # Spread over the last two years, a window of about three months each.
        max_days = 720 - 90 * index
        admitted_on = admission_date(
            rng,
            person["date_of_birth"],
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
            submitted_by=coordinator, **person, **external_referrer(ctx, with_email=False)
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
            services.recruiter_risk_assessment_record(
                referral=referral,
                actor=coordinator,
                delinquent_profile="Aucun antécédent judiciaire; a présenté deux amies à son ex.",
                network_involvement="Faible : a coupé les liens avec le réseau il y a trois mois.",
                benefits_versus_risks="Bénéfices supérieurs aux risques, sans activité de groupe.",
                decision=RecruiterRiskAssessment.Decision.BENEFITS_OUTWEIGH,
                decided_on=committee_on,
            )
        # The Clinical Committee names the pair; they hold the initial meeting, then admission.
        services.assignment_set(
            referral=referral,
            actor=coordinator,
            primary=primary,
            second=second,
            reason="Décision du Comité clinique.",
        )
        services.initial_meeting_record(
            referral=referral,
            actor=primary,
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
            declaration_signed_by=primary,
            # One participant struck the research-use clause out of the form.
            research_use="agreed" if spec["research"] else "struck_out",
            confidentiality_explained=True,
            # One preferred not to keep a copy at home, for her safety.
            copy_given=spec.get("copy", True),
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
        if age_on(referral.date_of_birth, admitted_on) < 18:
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
            assigned_on=committee_on,
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
