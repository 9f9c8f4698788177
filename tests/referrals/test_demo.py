"""seed_demo's referral data: the small hand-shaped set (idempotent, built through the services)
and the bulk volume for benchmarks (fixed query budget, permissions in sync)."""

import io
import re

import pytest
from django.core.management import call_command
from django.db.models import Max
from django.utils import timezone

from referrals import permissions
from referrals.models import (
    OPEN_STATUSES,
    Assignment,
    Consent,
    ConsentKind,
    InitialMeeting,
    Participant,
    RecruiterRiskAssessment,
    Referral,
    ReferralStatus,
    YouthIdCounter,
)
from referrals.rules import age_on
from spheres.models import Membership, Organisation, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _development_mode(settings):
    settings.SPHERES_DEMO = True  # seed_demo runs in development mode only


YOUTH_ID = re.compile(r"^#\d{4}-\d{2,}$")
FICTIONAL_PHONE = re.compile(r"^(514|438)-555-01\d\d$")
# seed_demo as a whole (core people and organisations included) with 300 or 600 more
# participants: bulk inserts and set-based permission sync keep it far below one query per
# participant (SQLite splits bulk inserts at 999 parameters, hence the margin).
VOLUME_QUERY_CAP = 400


def seed_demo(*args):
    call_command("seed_demo", *args, stdout=io.StringIO())


def counts():
    return {
        "referrals": Referral.objects.count(),
        "participants": Participant.objects.count(),
        "consents": Consent.objects.count(),
        "assignments": Assignment.objects.count(),
    }


def all_ids():
    return list(Participant.objects.values_list("pk", flat=True))


def assert_youth_ids_valid():
    youth_ids = list(Participant.objects.values_list("youth_id", flat=True))
    assert all(YOUTH_ID.match(y) for y in youth_ids), youth_ids
    assert len(set(youth_ids)) == len(youth_ids)
    # The counters were moved past every number used: the next admission gets a fresh one.
    last_used = dict(
        Participant.objects.values("youth_id_year")
        .annotate(last=Max("youth_id_number"))
        .values_list("youth_id_year", "last")
    )
    counters = dict(YouthIdCounter.objects.values_list("year", "last_number"))
    for year, last in last_used.items():
        assert counters[year] >= last


def worker_organisations(worker):
    return set(
        Membership.objects.filter(user=worker, is_active=True).values_list(
            "organisation_id", flat=True
        )
    )


def assert_followed_by_two_organisations(participants):
    for participant in participants:
        active = list(participant.assignments.filter(ended_at__isnull=True))
        assert sorted(a.role for a in active) == ["primary", "second"], participant.youth_id
        first, second = (worker_organisations(a.worker) for a in active)
        assert first and second and not first & second, participant.youth_id


def test_seed_demo_builds_the_referral_flow_once():
    seed_demo()
    first = counts()
    seed_demo()
    assert counts() == first  # the second run adds nothing

    statuses = set(Referral.objects.values_list("status", flat=True))
    assert (
        set(OPEN_STATUSES)
        | {
            ReferralStatus.ADMITTED,
            ReferralStatus.NOT_ADMITTED,
            ReferralStatus.REFERRED_ELSEWHERE,
        }
        <= statuses
    )
    for status in (ReferralStatus.NOT_ADMITTED, ReferralStatus.REFERRED_ELSEWHERE):
        referral = Referral.objects.get(status=status)
        assert referral.status_changes.get(to_status=status).reason.strip()
    reflecting = Referral.objects.get(status=ReferralStatus.REFLECTING)
    assert reflecting.initial_meetings.filter(outcome=InitialMeeting.Outcome.REFLECTING).exists()

    # One new referral came through the partner path: the referrer is the youth worker.
    partner = Referral.objects.get(
        status=ReferralStatus.NEW, submitted_by__email__startswith="intervenant."
    )
    assert partner.referrer_email == partner.submitted_by.email
    assert partner.referrer_organisation_id in worker_organisations(partner.submitted_by)
    assert Role.YOUTH_WORKER in Membership.objects.filter(user=partner.submitted_by).values_list(
        "roles__role", flat=True
    )

    # Fictitious contact details; ages 13 to 23 today.
    today = timezone.localdate()
    for referral in Referral.objects.all():
        assert FICTIONAL_PHONE.match(referral.phone), referral.phone
        assert 13 <= age_on(referral.date_of_birth, today) <= 23

    # Admitted through the referral flow (the research demo also imports an old workbook, whose
    # participants have the importing worker only, as their workbook had).
    participants = list(Participant.objects.filter(imported_at=None).select_related("referral"))
    assert len(participants) >= 8
    assert_followed_by_two_organisations(participants)
    assert len({p.admitted_on.year for p in participants}) >= 2

    withdrawn = Consent.objects.filter(kind=ConsentKind.PROGRAM, withdrawn_on__isnull=False)
    assert withdrawn.count() == 1
    assert withdrawn.get().participant.program_consent_withdrawn

    recruiter = Participant.objects.get(no_group_activities=True)
    assert recruiter.referral.screening.recruits_others
    assert recruiter.referral.screening.recruiter_acknowledges
    assessment = recruiter.referral.risk_assessments.get()
    assert assessment.decision == RecruiterRiskAssessment.Decision.BENEFITS_OUTWEIGH
    assert assessment.decided_on <= recruiter.admitted_on

    police = Organisation.objects.get(short_name="SPVM")
    shared_with_police = set(
        Consent.objects.filter(
            kind=ConsentKind.SHARING, organisation=police, withdrawn_on__isnull=True
        ).values_list("participant_id", flat=True)
    )
    assert shared_with_police
    assert {p.pk for p in participants} - shared_with_police
    with_research = set(
        Consent.objects.filter(kind=ConsentKind.RESEARCH).values_list("participant_id", flat=True)
    )
    assert 0 < len(with_research) < len(participants)

    for participant in participants:
        if age_on(participant.referral.date_of_birth, participant.admitted_on) < 18:
            assert participant.youth_protection_reports.exists(), participant.youth_id

    assert permissions.drift(all_ids()) == {"missing": [], "excess": []}
    assert_youth_ids_valid()


def test_seed_demo_volume_in_bulk(django_assert_max_num_queries):
    seed_demo()
    before = counts()

    with django_assert_max_num_queries(VOLUME_QUERY_CAP):
        seed_demo("--participants", "300", "--seed", "7")
    assert Participant.objects.count() == before["participants"] + 300
    # The small set was not rebuilt.
    assert Referral.objects.count() == before["referrals"] + 300

    # Twice as many participants, the same budget.
    with django_assert_max_num_queries(VOLUME_QUERY_CAP):
        seed_demo("--participants", "600", "--seed", "7")
    assert Participant.objects.count() == before["participants"] + 900

    new = list(
        Participant.objects.select_related("referral").order_by("pk")[before["participants"] :]
    )
    assert len(new) == 900
    assert all(p.referral.status == ReferralStatus.ADMITTED for p in new)
    assert all(hasattr(p.referral, "screening") for p in new[:50])
    assert_followed_by_two_organisations(new[:50])
    program = set(
        Consent.objects.filter(kind=ConsentKind.PROGRAM, withdrawn_on__isnull=True).values_list(
            "participant_id", flat=True
        )
    )
    assert {p.pk for p in new} <= program
    research = Consent.objects.filter(
        kind=ConsentKind.RESEARCH, participant__in=[p.pk for p in new]
    ).count()
    assert 0.5 * len(new) < research < 0.9 * len(new)
    today = timezone.localdate()
    for participant in new:
        assert participant.admitted_on <= today
        assert 12 <= age_on(participant.referral.date_of_birth, participant.admitted_on) <= 24
        assert participant.youth_id_year == participant.admitted_on.year

    assert permissions.drift(all_ids()) == {"missing": [], "excess": []}
    assert_youth_ids_valid()
