import datetime

import pytest
from django.utils import timezone

from referrals import services
from referrals.models import StageOfChange


def years_ago(years: int, days: int = 0) -> datetime.date:
    today = timezone.localdate()
    try:
        date = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        date = today.replace(year=today.year - years, day=28)
    return date - datetime.timedelta(days=days)


@pytest.fixture
def make_referral(personas, faker):
    def _make(*, age=17, submitted_by=None, **overrides):
        data = {
            "first_name": faker.first_name(),
            "last_name": faker.last_name(),
            "date_of_birth": years_ago(age, days=30),
            "gender_identity": "femme",
            "languages": "français",
            "phone": faker.numerify("514-###-####"),
            "residence_area": "Ville-Marie",
            "care_setting": "group_home",
            "legal_care": "youth_protection",
            "reasons": "Exploitation sexuelle soupçonnée.",
            "referrer_name": faker.name(),
            "referrer_contact": faker.numerify("438-###-####"),
            "referrer_email": "referent@example.org",
        }
        data.update(overrides)
        return services.referral_create(
            submitted_by=submitted_by or personas["coordinator"], **data
        )

    return _make


@pytest.fixture
def screen(personas):
    def _screen(referral, **overrides):
        data = {
            "screened_on": timezone.localdate(),
            "lives_in_area": True,
            "recognises_harms": True,
            "stage_of_change": StageOfChange.CONTEMPLATION,
        }
        data.update(overrides)
        return services.screening_record(referral=referral, actor=personas["coordinator"], **data)

    return _screen


@pytest.fixture
def admit(personas):
    def _admit(referral, **overrides):
        data = {
            "admitted_on": timezone.localdate(),
            "consent_given_on": timezone.localdate(),
            "consent_place": "Montréal",
            "consent_form_version": "2024-1",
            "declaration_signed_by": personas["worker_ccsmtl"],
            "research_use": "agreed",
            "confidentiality_explained": True,
            "copy_given": True,
        }
        data.update(overrides)
        return services.participant_admit(referral=referral, actor=personas["coordinator"], **data)

    return _admit


@pytest.fixture
def make_participant(make_referral, screen, admit, personas, organisations):
    """An admitted participant followed by the CCSMTL worker (primary) and the CODIM worker
    (second), who consented to share with CCSMTL and CODIM (not the police)."""

    def _make(*, share_with=("ccsmtl", "codim"), primary="worker_ccsmtl", second="worker_codim"):
        referral = make_referral()
        screen(referral)
        participant = admit(referral)
        coordinator = personas["coordinator"]
        services.assignment_set(
            participant=participant,
            actor=coordinator,
            primary=personas[primary],
            second=personas[second] if second else None,
        )
        services.sharing_set(
            participant=participant,
            actor=coordinator,
            organisations=[organisations[k] for k in share_with],
            given_on=timezone.localdate(),
        )
        return participant

    return _make


@pytest.fixture
def bulk_participants(personas, organisations):
    """Many admitted participants fast (for query budgets), through the product's bulk path:
    each is followed by worker_ccsmtl, shared with CCSMTL, and has its follow-up."""
    from followups.bulk import Admission, participants_admit_bulk

    def _bulk(n: int):
        today = timezone.localdate()
        screening = {
            "screened_on": today,
            "lives_in_area": True,
            "recognises_harms": True,
            "stage_of_change": StageOfChange.CONTEMPLATION,
        }
        rows = [
            Admission(
                referral={
                    "first_name": f"Prénom{i}",
                    "last_name": f"Nom{i}",
                    "date_of_birth": years_ago(16),
                    "reasons": "-",
                    "referrer_name": "-",
                    "referrer_contact": "-",
                },
                screening=screening,
                admitted_on=today,
                primary=personas["worker_ccsmtl"],
                consent_place="Montréal",
                sharing=[organisations["ccsmtl"]],
            )
            for i in range(n)
        ]
        return participants_admit_bulk(rows=rows, actor=personas["coordinator"])

    return _bulk
