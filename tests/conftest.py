"""Personas are built through the real services, never with raw inserts."""

import pytest
from django.core.cache import cache

from spheres import services
from spheres.models import Role, Sector

PASSWORD = "Correct-horse-battery-42"


@pytest.fixture(autouse=True)
def _clean_cache(request):
    # Rate limits and used TOTP codes live in the shared cache (Redis in CI): start each test clean.
    # The embedded cache is a database table, so only tests that use the database touch it.
    uses_db = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if uses_db:
        request.getfixturevalue(
            "transactional_db" if "transactional_db" in request.fixturenames else "db"
        )
        cache.clear()
    yield
    if uses_db:
        cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    # A request made in English (Accept-Language) leaves English active in the thread after it
    # (LocaleMiddleware activates, nothing deactivates): start the next test in the default.
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def organisations(db):
    make = services.organisation_create
    return {
        "ccsmtl": make(
            name="CIUSSS Centre-Sud (test)", short_name="CCSMTL", sector=Sector.INSTITUTIONAL
        ),
        "codim": make(name="CIUSSS Ouest (test)", short_name="CODIM", sector=Sector.INSTITUTIONAL),
        "enmarge": make(name="En Marge (test)", short_name="EnMarge", sector=Sector.COMMUNITY),
        "police": make(name="SPVM (test)", short_name="SPVM", sector=Sector.POLICE),
        "research": make(name="Recherche (test)", short_name="Recherche", sector=Sector.RESEARCH),
    }


def make_person(faker, organisation, roles, *, email=None):
    user = services.user_create(
        email=email or faker.unique.email(),
        first_name=faker.first_name(),
        last_name=faker.last_name(),
        password=PASSWORD,
    )
    services.user_mark_email_verified(user=user)
    services.membership_grant(user=user, organisation=organisation, roles=roles)
    return user


@pytest.fixture
def faker():
    from faker import Faker

    fake = Faker("fr_CA")
    fake.seed_instance(1234)
    return fake


@pytest.fixture
def personas(organisations, faker):
    o = organisations
    return {
        "coordinator": make_person(faker, o["ccsmtl"], [Role.COORDINATOR, Role.CLINICAL_COMMITTEE]),
        "worker_ccsmtl": make_person(
            faker, o["ccsmtl"], [Role.YOUTH_WORKER, Role.CLINICAL_COMMITTEE]
        ),
        "worker_codim": make_person(
            faker, o["codim"], [Role.YOUTH_WORKER, Role.CLINICAL_COMMITTEE]
        ),
        "worker_enmarge": make_person(faker, o["enmarge"], [Role.YOUTH_WORKER]),
        "police": make_person(faker, o["police"], [Role.CLINICAL_COMMITTEE]),
        "steering": make_person(faker, o["codim"], [Role.STEERING_COMMITTEE]),
        "researcher": make_person(faker, o["research"], [Role.RESEARCHER]),
        "administrator": make_person(faker, o["ccsmtl"], [Role.ADMINISTRATOR]),
    }


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
        return client

    return _login


def pytest_configure(config):
    # Hashing a password costs ~0.3 s with the production hasher; tests create many accounts.
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
