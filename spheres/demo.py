"""Demo data of the shared core: the original Montréal partners and one person per role.

seed_demo runs every app's `demo.seed(ctx)` in order; each step is idempotent. Later issues add
participants and notes with bulk inserts, driven by ctx.participants / ctx.weeks / ctx.faker.
"""

from dataclasses import dataclass, field

from django.conf import settings
from faker import Faker

from spheres import services
from spheres.models import Organisation, Role, Sector, User

ORGANISATIONS = [
    ("CIUSSS du Centre-Sud-de-l'Île-de-Montréal", "CCSMTL", Sector.INSTITUTIONAL),
    ("CIUSSS de l'Ouest-de-l'Île-de-Montréal", "CODIM", Sector.INSTITUTIONAL),
    ("Service de police de la Ville de Montréal — Les Survivantes", "SPVM", Sector.POLICE),
    ("Fondation Marie-Vincent", "Marie-Vincent", Sector.SPECIALISED),
    ("En Marge 12-17", "En Marge", Sector.COMMUNITY),
    ("L'Anonyme", "L'Anonyme", Sector.COMMUNITY),
    ("Équipe de recherche universitaire", "Recherche", Sector.RESEARCH),
]

DEMO_DOMAIN = "demo.spheres.test"

# (e-mail local part, organisation short name, roles)
PEOPLE = [
    ("coordination", "CCSMTL", [Role.COORDINATOR, Role.CLINICAL_COMMITTEE]),
    ("intervenant.ccsmtl", "CCSMTL", [Role.YOUTH_WORKER, Role.CLINICAL_COMMITTEE]),
    ("intervenant.codim", "CODIM", [Role.YOUTH_WORKER, Role.CLINICAL_COMMITTEE]),
    ("intervenant.enmarge", "En Marge", [Role.YOUTH_WORKER, Role.CLINICAL_COMMITTEE]),
    ("intervenant.anonyme", "L'Anonyme", [Role.YOUTH_WORKER, Role.CLINICAL_COMMITTEE]),
    ("intervenant.mariev", "Marie-Vincent", [Role.YOUTH_WORKER, Role.CLINICAL_COMMITTEE]),
    ("police", "SPVM", [Role.CLINICAL_COMMITTEE]),
    ("direction.ccsmtl", "CCSMTL", [Role.STEERING_COMMITTEE]),
    ("direction.enmarge", "En Marge", [Role.STEERING_COMMITTEE]),
    ("recherche", "Recherche", [Role.RESEARCHER]),
    ("admin", "CCSMTL", [Role.ADMINISTRATOR]),
]


@dataclass
class SeedContext:
    seed: int = 2026
    participants: int = 0
    weeks: int = 0
    faker: Faker = field(init=False)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    people: dict[str, User] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.faker = Faker("fr_CA")
        self.faker.seed_instance(self.seed)


def demo_email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


def seed(ctx: SeedContext) -> None:
    for name, short_name, sector in ORGANISATIONS:
        organisation = Organisation.objects.filter(short_name=short_name).first()
        if organisation is None:
            organisation = services.organisation_create(
                name=name, short_name=short_name, sector=sector
            )
        ctx.organisations[short_name] = organisation

    created = 0
    for local, short_name, roles in PEOPLE:
        email = demo_email(local)
        # Names are drawn even for existing people so the sequence (and later data) stays stable.
        first_name, last_name = ctx.faker.first_name(), ctx.faker.last_name()
        user = User.objects.filter(email=email).first()
        if user is None:
            user = services.user_create(
                email=email,
                first_name=first_name,
                last_name=last_name,
                password=settings.SPHERES_DEMO_PASSWORD,
            )
            services.user_mark_email_verified(user=user)
            created += 1
        services.membership_grant(
            user=user, organisation=ctx.organisations[short_name], roles=roles
        )
        ctx.people[local] = user
    ctx.log.append(
        f"organisations: {len(ctx.organisations)}, people: {len(ctx.people)} ({created} new)"
    )
