"""Committees built through the services: a Clinical Committee with the case personas as members
(the police member included), a Steering Committee, and the next week's meeting of each."""

import datetime

import pytest
from django.utils import timezone

from committees import services as committee_services
from committees.models import CommitteeKind, MemberRole
from tests.referrals.conftest import *  # noqa: F403


def next_week(hour=9) -> tuple[datetime.date, datetime.time]:
    return timezone.localdate() + datetime.timedelta(days=7), datetime.time(hour, 30)


@pytest.fixture
def clinical(personas):
    coordinator = personas["coordinator"]
    committee = committee_services.committee_create(
        actor=coordinator,
        kind=CommitteeKind.CLINICAL,
        name="Comité clinique",
        default_place="CCSMTL, salle 3",
    )
    today = timezone.localdate() - datetime.timedelta(days=30)
    for key in ("coordinator", "worker_ccsmtl", "worker_codim", "police"):
        committee_services.member_add(
            committee=committee, actor=coordinator, user=personas[key], starts_on=today
        )
    committee_services.member_add(
        committee=committee,
        actor=coordinator,
        user=personas["worker_enmarge"],
        starts_on=today,
        role=MemberRole.SUBSTITUTE,
    )
    return committee


@pytest.fixture
def steering(personas):
    coordinator = personas["coordinator"]
    committee = committee_services.committee_create(
        actor=coordinator, kind=CommitteeKind.STEERING, name="Comité directeur"
    )
    start = timezone.localdate() - datetime.timedelta(days=30)
    for key in ("coordinator", "steering"):
        committee_services.member_add(
            committee=committee, actor=coordinator, user=personas[key], starts_on=start
        )
    return committee


@pytest.fixture
def schedule(personas):
    def _schedule(committee, *, days=7, hour=9, **kwargs):
        day = timezone.localdate() + datetime.timedelta(days=days)
        return committee_services.meeting_schedule(
            committee=committee,
            actor=personas["coordinator"],
            day=day,
            start_time=datetime.time(hour, 30),
            **kwargs,
        )

    return _schedule


@pytest.fixture
def meeting(clinical, schedule):
    """Next week's Clinical Committee meeting."""
    return schedule(clinical)[0]
