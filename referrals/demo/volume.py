"""Admission rows for volume data (benchmarks): what the bulk path receives, drawn from the seeded
random generator (same seed, same data). No database writes here."""

import datetime

from django.utils import timezone

from referrals.bulk import Admission
from referrals.demo.data import (
    ADULT_SETTINGS,
    COORDINATOR,
    GENDERS,
    LANGUAGES,
    MINOR_SETTINGS,
    NEIGHBOURHOODS,
    PROGRAM_FORM,
    REASONS,
    RESEARCH_FORM,
    STAGES,
    WORKERS,
    admission_date,
    at,
    birth_date_for_age,
    fictional_phone,
    worker_organisations,
)
from referrals.rules import age_on
from spheres.demo import SeedContext


def _pairs(count: int) -> list[tuple[int, int]]:
    """Primary and second worker indexes, round-robin over every ordered pair of two workers."""
    n = len(WORKERS)
    pairs = [(a, (a + step) % n) for step in range(1, n) for a in range(n)]
    return [pairs[i % len(pairs)] for i in range(count)]


def admission_rows(ctx: SeedContext, count: int) -> list[Admission]:
    faker, rng = ctx.faker, ctx.faker.random
    today = timezone.localdate()
    organisations = worker_organisations(ctx)
    workers = [ctx.people[local] for local in WORKERS]
    worker_orgs = [organisations[local] for local in WORKERS]
    referrer_orgs = list(ctx.organisations.values())
    first_names = [faker.first_name() for _ in range(200)]
    last_names = [faker.last_name() for _ in range(200)]
    rows = []
    for a, b in _pairs(count):
        born = birth_date_for_age(rng, rng.randint(13, 23), today)
        admitted_on = admission_date(rng, born, today)
        created = admitted_on - datetime.timedelta(days=rng.randint(10, 45))
        screened = created + datetime.timedelta(days=rng.randint(1, 4))
        committee = screened + datetime.timedelta(days=rng.randint(1, 5))
        minor = age_on(born, admitted_on) < 18
        care_setting, legal_care = rng.choice(MINOR_SETTINGS if minor else ADULT_SETTINGS)
        rows.append(
            Admission(
                referral={
                    "first_name": rng.choice(first_names),
                    "last_name": rng.choice(last_names),
                    "date_of_birth": born,
                    "gender_identity": rng.choice(GENDERS),
                    "languages": rng.choice(LANGUAGES),
                    "phone": fictional_phone(rng),
                    "residence_area": rng.choice(NEIGHBOURHOODS),
                    "care_setting": care_setting,
                    "legal_care": legal_care,
                    "reasons": rng.choice(REASONS),
                    "referrer_name": f"{rng.choice(first_names)} {rng.choice(last_names)}",
                    "referrer_organisation": rng.choice(referrer_orgs),
                    "referrer_contact": fictional_phone(rng),
                },
                screening={
                    "screened_on": screened,
                    "lives_in_area": rng.random() < 0.85,
                    "frequents_area": True,
                    "recognises_harms": True,
                    "stage_of_change": rng.choice(STAGES),
                },
                referred_at=at(created, rng),
                committee_on=committee,
                admitted_on=admitted_on,
                primary=workers[a],
                second=workers[b],
                consent_place=f"Montréal — locaux de {worker_orgs[a].short_name}",
                consent_form_version=PROGRAM_FORM,
                sharing=[worker_orgs[a], worker_orgs[b]],
                research_form_version=RESEARCH_FORM if rng.random() < 0.7 else None,
                youth_protection={
                    "considered_on": admitted_on,
                    "reported": True,
                    "reported_on": admitted_on,
                    "reported_by": workers[a].get_full_name(),
                }
                if minor
                else None,
            )
        )
    return rows


def coordinator(ctx: SeedContext):
    return ctx.people[COORDINATOR]
