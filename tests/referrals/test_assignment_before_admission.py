"""A worker is assigned to the candidate before the initial meeting, the referrer is told then,
the assigned workers hold and record the initial meeting, and the assignment carries over to the
participant at admission (the program's order: referral, screening, assignment, initial meeting,
admission)."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from referrals import access, services
from referrals.models import Assignment, InitialMeeting, ReferralStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_tasks(django_capture_on_commit_callbacks):
    """Run what is queued after commit, Celery tasks in place: e-mails land in the outbox."""
    from spheres.celery import app

    app.conf.task_always_eager = True
    try:
        yield lambda: django_capture_on_commit_callbacks(execute=True)
    finally:
        app.conf.task_always_eager = False


@pytest.fixture
def screened(make_referral, screen):
    referral = make_referral()
    screen(referral)
    return referral


def assign(referral, personas, primary="worker_ccsmtl", second="worker_codim", **extra):
    return services.assignment_set(
        referral=referral,
        actor=personas["coordinator"],
        primary=personas[primary],
        second=personas[second] if second else None,
        **extra,
    )


def meet(referral, actor, **extra):
    data = {
        "met_on": timezone.localdate(),
        "mode": InitialMeeting.Mode.IN_PERSON,
        "outcome": InitialMeeting.Outcome.ADMITTED_NOW,
    }
    data.update(extra)
    return services.initial_meeting_record(referral=referral, actor=actor, **data)


def test_the_referrer_is_told_who_the_worker_is_before_any_meeting(screened, personas, eager_tasks):
    with eager_tasks():
        created = assign(screened, personas)
    assert {(a.role, a.worker) for a in created} == {
        ("primary", personas["worker_ccsmtl"]),
        ("second", personas["worker_codim"]),
    }
    assert all(a.participant is None for a in created)
    assert not screened.initial_meetings.exists()
    [message] = mail.outbox
    assert message.to == ["referent@example.org"]
    worker = personas["worker_ccsmtl"]
    assert worker.get_full_name() in message.body and worker.email in message.body
    for secret in (screened.first_name, screened.last_name, screened.reasons):
        assert secret not in message.body and secret not in message.subject


def test_a_referral_is_screened_before_a_worker_is_assigned(make_referral, personas):
    referral = make_referral()
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        assign(referral, personas)
    assert "screening" in " ".join(exc.value.messages)
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("closed", [ReferralStatus.NOT_ADMITTED, ReferralStatus.REFERRED_ELSEWHERE])
def test_an_assignment_on_a_closed_referral_is_refused(screened, personas, closed):
    services.referral_set_status(
        referral=screened, to_status=closed, actor=personas["coordinator"], reason="Hors mandat"
    )
    with pytest.raises(ValidationError):
        assign(screened, personas)
    assert not Assignment.objects.exists()


def test_only_the_coordinator_assigns(screened, personas):
    with pytest.raises(PermissionDenied):
        services.assignment_set(
            referral=screened, actor=personas["worker_ccsmtl"], primary=personas["worker_ccsmtl"]
        )


def test_closing_the_referral_ends_the_assignments_and_the_workers_access(screened, personas):
    assign(screened, personas)
    worker = personas["worker_ccsmtl"]
    assert access.may_open_referral(worker, screened)
    services.referral_set_status(
        referral=screened,
        to_status=ReferralStatus.NOT_ADMITTED,
        actor=personas["coordinator"],
        reason="Ne souhaite pas s'engager.",
    )
    assert not Assignment.objects.filter(referral=screened, ended_at__isnull=True).exists()
    ended = Assignment.objects.filter(referral=screened)
    assert {a.ended_by for a in ended} == {personas["coordinator"]}
    assert all("Non admis" in a.end_reason for a in ended)  # in the program's language
    assert not access.may_open_referral(worker, screened)
    assert not access.referrals_assigned_to(worker).exists()


def test_the_assigned_worker_records_the_initial_meeting_and_nobody_else(screened, personas):
    assign(screened, personas, second=None)
    for outsider in ("worker_codim", "worker_enmarge", "police", "steering"):
        with pytest.raises(PermissionDenied):
            meet(screened, personas[outsider])
    assert not screened.initial_meetings.exists()
    meeting = meet(
        screened,
        personas["worker_ccsmtl"],
        outcome=InitialMeeting.Outcome.REFLECTING,
        attendees=[personas["worker_ccsmtl"]],
    )
    assert meeting.recorded_by == personas["worker_ccsmtl"]
    screened.refresh_from_db()
    assert screened.status == ReferralStatus.REFLECTING


def test_the_assignment_carries_over_to_the_participant_with_its_history(screened, admit, personas):
    assign(screened, personas, primary="worker_enmarge", second="worker_codim")
    # The committee changes its mind before the meeting: history is kept.
    assign(screened, personas, primary="worker_ccsmtl", second="worker_codim", reason="Langue")
    meet(screened, personas["worker_ccsmtl"])
    participant = admit(screened)

    rows = list(participant.assignments.order_by("pk").values_list("worker", "role", "ended_at"))
    assert [(w, r) for w, r, _e in rows] == [
        (personas["worker_enmarge"].pk, "primary"),
        (personas["worker_codim"].pk, "second"),
        (personas["worker_ccsmtl"].pk, "primary"),
    ]
    assert rows[0][2] is not None and rows[1][2] is None and rows[2][2] is None
    assert not Assignment.objects.filter(participant__isnull=True).exists()
    # The pair now follows the participant: they see and change the file.
    for worker in ("worker_ccsmtl", "worker_codim"):
        assert access.may_change(personas[worker], participant)
    assert not access.participants_visible_to(personas["worker_enmarge"]).exists()
    # The referral page was for the candidate: the file takes over.
    assert not access.may_open_referral(personas["worker_ccsmtl"], screened)


def test_a_worker_assigned_twice_to_the_same_candidate_is_refused(screened, personas):
    with pytest.raises(ValidationError) as exc:
        assign(screened, personas, primary="worker_ccsmtl", second="worker_ccsmtl")
    assert "second" in exc.value.error_dict
