"""What the referral demo draws from: fictitious places, reasons, settings, and the helpers that
make a believable candidate. Everything is fictitious: names from Faker (fr_CA), phone numbers in
the 555-01xx range reserved for fiction, e-mails at example.org or the demo domain."""

import datetime
import random

from django.utils import timezone

from referrals.models import CareSetting, LegalCare, StageOfChange
from spheres.demo import PEOPLE, SeedContext

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
# research consent, and the special cases the demo must show (the program-consent withdrawal is
# recorded by followups.demo: it ends the follow-up).
ADMITTED = [
    {"age": 15, "primary": 2, "second": 0, "sharing": "team", "research": True},
    {"age": 17, "primary": 4, "second": 1, "sharing": "police", "research": True},
    {"age": 19, "primary": 3, "second": 1, "sharing": "team", "research": False},
    {"age": 16, "primary": 0, "second": 2, "sharing": "none", "research": True, "copy": False},
    {"age": 21, "primary": 1, "second": 3, "sharing": "police", "research": True},
    {"age": 23, "primary": 3, "second": 4, "sharing": "team", "research": True, "withdraw": True},
    {"age": 20, "primary": 1, "second": 0, "sharing": "team", "research": False, "recruiter": True},
    {"age": 14, "primary": 4, "second": 2, "sharing": "team", "research": True},
]


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a non-leap year: the birthday falls on 1 March
        return day.replace(year=day.year + years, month=3, day=1)


def birth_date_for_age(rng: random.Random, age: int, today: datetime.date) -> datetime.date:
    """A date of birth making the person exactly `age` years old today."""
    latest = add_years(today, -age)
    earliest = add_years(today, -age - 1) + datetime.timedelta(days=1)
    return earliest + datetime.timedelta(days=rng.randint(0, (latest - earliest).days))


def admission_date(
    rng: random.Random,
    date_of_birth: datetime.date,
    today: datetime.date,
    *,
    min_days: int = 1,
    max_days: int = 730,
) -> datetime.date:
    """Between max_days and min_days ago (the last two years by default), never before the 12th
    birthday: participant_admit checks the age on the admission date."""
    earliest = max(today - datetime.timedelta(days=max_days), add_years(date_of_birth, 12))
    latest = max(earliest, today - datetime.timedelta(days=min_days))
    return earliest + datetime.timedelta(days=rng.randint(0, (latest - earliest).days))


def fictional_phone(rng: random.Random) -> str:
    # 555-0100 to 555-0199: reserved for fiction in the North American numbering plan.
    return f"{rng.choice(['514', '438'])}-555-01{rng.randint(0, 99):02d}"


def at(day: datetime.date, rng: random.Random) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(rng.randint(9, 16), rng.randint(0, 59)))
    )


def candidate(ctx: SeedContext, age: int, today: datetime.date) -> dict:
    rng = ctx.faker.random
    care_setting, legal_care = rng.choice(MINOR_SETTINGS if age < 18 else ADULT_SETTINGS)
    return {
        "first_name": ctx.faker.first_name_female()
        if rng.random() < 0.8
        else ctx.faker.first_name(),
        "last_name": ctx.faker.last_name(),
        "date_of_birth": birth_date_for_age(rng, age, today),
        "gender_identity": rng.choice(GENDERS),
        "languages": rng.choice(LANGUAGES),
        "phone": fictional_phone(rng),
        "residence_area": rng.choice(NEIGHBOURHOODS),
        "care_setting": care_setting,
        "legal_care": legal_care,
        "reasons": rng.choice(REASONS),
    }


def external_referrer(ctx: SeedContext, *, with_email: bool = True) -> dict:
    name = ctx.faker.name()
    return {
        "referrer_name": name,
        "referrer_organisation_other": ctx.faker.random.choice(EXTERNAL_REFERRERS),
        "referrer_contact": fictional_phone(ctx.faker.random),
        "referrer_email": f"referent.{ctx.faker.random.randint(100, 999)}@example.org"
        if with_email
        else "",
    }


def partner_referrer(ctx: SeedContext, local: str) -> dict:
    """Referrer fields as the partner path fills them: the signed-in worker and organisation."""
    user = ctx.people[local]
    return {
        "referrer_name": user.get_full_name(),
        "referrer_organisation": worker_organisations(ctx)[local],
        "referrer_contact": user.email,
        "referrer_email": user.email,
    }


def worker_organisations(ctx: SeedContext) -> dict:
    short_names = {local: short_name for local, short_name, _roles in PEOPLE}
    return {local: ctx.organisations[short_names[local]] for local in WORKERS}
