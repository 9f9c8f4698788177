"""A small program seeded through the real services, on dates chosen so that every figure of
the dashboard can be counted by hand (see the numbers in test_figures.py)."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from followups import services as followup_services
from followups.models import FollowUpStatus, InactiveReason, RiskLevel
from referrals import services
from referrals.models import ConsentKind, InitialMeeting, ReferralStatus, StageOfChange
from spheres import services as core_services
from tests.referrals.conftest import *  # noqa: F403

PERIOD = {"start": "2025-01-01", "end": "2025-06-30"}


def at(day: str, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(f"{day}T{hour:02d}:00"))


def on(day: str) -> datetime.date:
    return datetime.date.fromisoformat(day)


def born(age: int, admitted: str) -> datetime.date:
    day = on(admitted)
    return day.replace(year=day.year - age) - datetime.timedelta(days=30)


@pytest.fixture
def small_program(personas, organisations, faker):
    """Seven referrals (six in the period January-June 2025, one in the previous period),
    three admitted participants with notes, status changes and risk assessments."""
    o, p = organisations, personas
    coordinator = p["coordinator"]

    def refer(day, *, organisation, gender, age, admitted_day=None):
        with time_machine.travel(at(day), tick=False):
            return services.referral_create(
                submitted_by=coordinator,
                first_name=faker.first_name(),
                last_name=faker.last_name(),
                date_of_birth=born(age, admitted_day or day),
                gender_identity=gender,
                reasons="Exploitation sexuelle soupçonnée.",
                referrer_name=faker.name(),
                referrer_contact="514-555-0000",
                referrer_organisation=organisation,
            )

    def screen(referral, day, **overrides):
        data = {
            "screened_on": on(day),
            "lives_in_area": True,
            "recognises_harms": True,
            "stage_of_change": StageOfChange.CONTEMPLATION,
        }
        data.update(overrides)
        with time_machine.travel(at(day), tick=False):
            services.screening_record(referral=referral, actor=coordinator, **data)

    def meet(referral, day, outcome=InitialMeeting.Outcome.ADMITTED_NOW):
        with time_machine.travel(at(day), tick=False):
            services.initial_meeting_record(
                referral=referral,
                actor=coordinator,
                met_on=on(day),
                mode="in_person",
                outcome=outcome,
            )

    def admit(referral, day, assign_day, primary, second=None):
        with time_machine.travel(at(day), tick=False):
            participant = services.participant_admit(
                referral=referral,
                actor=coordinator,
                admitted_on=on(day),
                consent_given_on=on(day),
                consent_place="Montréal",
                consent_form_version="1",
                declaration_signed_by=p[primary],
                research_use="agreed",
                confidentiality_explained=True,
                copy_given=True,
            )
        with time_machine.travel(at(assign_day), tick=False):
            services.assignment_set(
                participant=participant,
                actor=coordinator,
                primary=p[primary],
                second=p[second] if second else None,
                notify_referrer=False,
            )
        return participant

    def status(participant, day, to_status, **extra):
        with time_machine.travel(at(day), tick=False):
            followup_services.followup_set_status(
                participant=participant, actor=coordinator, to_status=to_status, **extra
            )

    def note(participant, week, **data):
        with time_machine.travel(at("2025-06-30"), tick=False):
            followup_services.note_save(
                participant=participant, actor=coordinator, week=on(week), **data
            )

    def risk(participant, day, time_point, level, done=False):
        with time_machine.travel(at(day), tick=False):
            followup_services.risk_assessment_record(
                participant=participant,
                actor=coordinator,
                time_point=time_point,
                assessed_on=on(day),
                level=level,
                instrument_done=done,
            )

    # The previous period: G, declined after the initial meeting (7 days after the referral).
    g = refer("2024-10-01", organisation=o["ccsmtl"], gender="femme", age=17)
    meet(g, "2024-10-08", InitialMeeting.Outcome.DECLINED)
    with time_machine.travel(at("2024-10-09"), tick=False):
        services.referral_set_status(
            referral=g, to_status=ReferralStatus.NOT_ADMITTED, actor=coordinator, reason="Refus"
        )

    # A: CCSMTL, woman of 16; met after 4 days, assigned after 10; primary CCSMTL, second CODIM.
    a_ref = refer(
        "2025-01-10", organisation=o["ccsmtl"], gender="Femme", age=16, admitted_day="2025-01-20"
    )
    screen(a_ref, "2025-01-12")
    meet(a_ref, "2025-01-14")
    a = admit(a_ref, "2025-01-20", "2025-01-20", "worker_ccsmtl", "worker_codim")
    # B: En Marge, man of 19; met after 11 days, assigned after 16; primary CODIM.
    b_ref = refer(
        "2025-01-25", organisation=o["enmarge"], gender="homme", age=19, admitted_day="2025-02-10"
    )
    screen(b_ref, "2025-01-27")
    meet(b_ref, "2025-02-05")
    b = admit(b_ref, "2025-02-10", "2025-02-10", "worker_codim")
    # C: police, non-binary, 22; no initial meeting recorded; assigned after 28 days.
    c_ref = refer(
        "2025-02-03",
        organisation=o["police"],
        gender="non binaire",
        age=22,
        admitted_day="2025-03-01",
    )
    screen(c_ref, "2025-02-05")
    c = admit(c_ref, "2025-03-01", "2025-03-03", "worker_enmarge")
    # D: outside the program, not admitted: neither lives in nor frequents the area.
    d = refer("2025-03-15", organisation=None, gender="femme", age=14)
    screen(d, "2025-03-16", lives_in_area=False, frequents_area=False)
    with time_machine.travel(at("2025-03-20"), tick=False):
        services.referral_set_status(
            referral=d, to_status=ReferralStatus.NOT_ADMITTED, actor=coordinator, reason="Zone"
        )
    # E: CCSMTL, referred elsewhere. F: CODIM, still open.
    e = refer("2025-04-02", organisation=o["ccsmtl"], gender="femme", age=18)
    with time_machine.travel(at("2025-04-10"), tick=False):
        services.referral_set_status(
            referral=e,
            to_status=ReferralStatus.REFERRED_ELSEWHERE,
            actor=coordinator,
            reason="Ailleurs",
        )
    refer("2025-05-05", organisation=o["codim"], gender="", age=15)

    # Follow-ups: A on break in March; B unreachable in April, reactivated in May; C completed.
    status(a, "2025-03-10", FollowUpStatus.ON_BREAK, break_terms="Reprise en avril")
    status(a, "2025-04-01", FollowUpStatus.ACTIVE)
    status(b, "2025-04-15", FollowUpStatus.INACTIVE, reason=InactiveReason.UNREACHABLE)
    status(b, "2025-05-20", FollowUpStatus.ACTIVE)
    status(c, "2025-06-10", FollowUpStatus.COMPLETED, participant_view="Objectifs atteints")

    # Weekly notes: two in January (A), three in February (A, B, B).
    note(
        a,
        "2025-01-20",
        meetings=2,
        meetings_minutes=90,
        other_channels=["phone"],
        targeted_need="stability",
        worker_satisfaction="satisfied",
        participant_satisfaction="very",
        main_activity="Discussion informelle",
    )
    note(
        a,
        "2025-01-27",
        other_channels=["text", "messenger"],
        targeted_need="relationship",
        worker_satisfaction="somewhat",
    )
    note(a, "2025-02-03", no_contact_reason="no_news")
    note(
        b,
        "2025-02-10",
        meetings=1,
        meetings_minutes=60,
        targeted_need="emergency",
        participant_satisfaction="satisfied",
        main_activity="discussion informelle ",
    )
    note(b, "2025-02-17", no_contact_reason="other", no_contact_other="Vacances")

    # Risk: A red -> yellow (T1) -> green (T2); B red -> red (T1); C yellow at admission only.
    risk(a, "2025-01-20", 0, RiskLevel.RED)
    risk(a, "2025-02-20", 1, RiskLevel.YELLOW, done=True)
    risk(a, "2025-06-01", 2, RiskLevel.GREEN, done=True)
    risk(b, "2025-02-10", 0, RiskLevel.RED)
    risk(b, "2025-03-01", 1, RiskLevel.RED, done=True)
    risk(c, "2025-03-01", 0, RiskLevel.YELLOW)
    for participant in (a, c):
        with time_machine.travel(at("2025-03-05"), tick=False):
            services.consent_record(
                participant=participant,
                actor=coordinator,
                kind=ConsentKind.RESEARCH,
                given_on=on("2025-03-05"),
            )

    # Hours per week: 35 at CCSMTL, 28 at CODIM, not given at En Marge.
    for key, hours in (("worker_ccsmtl", 35), ("worker_codim", 28)):
        membership = p[key].memberships.get()
        core_services.membership_set_hours(membership=membership, hours_per_week=hours)
    return {"a": a, "b": b, "c": c, "referrals": [a_ref, b_ref, c_ref, d, e]}
