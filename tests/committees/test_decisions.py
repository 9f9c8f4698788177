"""Decisions that act: each kind runs through the existing service, inside the meeting's
transaction, and is linked by foreign key to what it changed; a refusal changes nothing and shows
its reason on the meeting screen.

(Assigning workers to a *referral* before admission waits for the workflow issue's service.)"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from committees import services
from committees.models import AgendaItem, Decision, DecisionKind, ItemKind
from followups import services as followup_services
from followups.models import FollowUp, FollowUpStatus, InactiveReason
from referrals import services as referral_services
from referrals.models import (
    Assignment,
    Participant,
    RecruiterRiskAssessment,
    Referral,
    ReferralStatus,
)

pytestmark = pytest.mark.django_db


def awaiting(make_referral, screen, coordinator, **screening):
    referral = make_referral(**screening.pop("referral", {}))
    screen(referral, **screening)
    referral_services.referral_set_status(
        referral=referral, to_status=ReferralStatus.AWAITING_COMMITTEE, actor=coordinator
    )
    return referral


def item_of(meeting, kind):
    return AgendaItem.objects.get(meeting=meeting, kind=kind)


def admission(**overrides):
    today = timezone.localdate()
    data = {
        "admitted_on": today,
        "consent_given_on": today,
        "consent_place": "Montréal",
        "consent_form_version": "2024-1",
        "research_use": "agreed",
        "confidentiality_explained": True,
        "copy_given": True,
    }
    data.update(overrides)
    return data


def test_the_committee_assigns_workers_to_a_candidate_before_the_initial_meeting(
    personas, clinical, make_referral, screen, schedule, django_capture_on_commit_callbacks
):
    coordinator = personas["coordinator"]
    referral = awaiting(make_referral, screen, coordinator)
    meeting = schedule(clinical)[0]
    item = item_of(meeting, ItemKind.REFERRAL_AWAITING)
    with django_capture_on_commit_callbacks() as callbacks:
        decision = services.decision_record(
            meeting=meeting,
            item=item,
            actor=coordinator,
            kind=DecisionKind.ASSIGN_CANDIDATE,
            primary=personas["worker_ccsmtl"],
            second=personas["worker_codim"],
        )
    active = Assignment.objects.filter(referral=referral, ended_at__isnull=True)
    assert {(a.role, a.worker_id, a.participant_id) for a in active} == {
        ("primary", personas["worker_ccsmtl"].pk, None),
        ("second", personas["worker_codim"].pk, None),
    }
    assert decision.assignment == active.get(role="primary")
    assert decision.second_assignment == active.get(role="second")
    assert len(callbacks) == 1  # the referrer is told who the worker is
    item.refresh_from_db()
    assert item.handled_at is not None


def test_a_candidate_assignment_the_service_refuses_changes_nothing(
    personas, clinical, make_referral, screen, schedule
):
    coordinator = personas["coordinator"]
    referral = awaiting(make_referral, screen, coordinator)
    meeting = schedule(clinical)[0]
    with pytest.raises(ValidationError):
        services.decision_record(
            meeting=meeting,
            item=item_of(meeting, ItemKind.REFERRAL_AWAITING),
            actor=coordinator,
            kind=DecisionKind.ASSIGN_CANDIDATE,
            primary=personas["police"],  # not a youth worker
        )
    assert not Assignment.objects.filter(referral=referral).exists()
    assert not Decision.objects.exists()


def test_assigning_workers_acts_through_the_assignment_service_and_is_linked(
    personas, clinical, make_participant, schedule
):
    coordinator = personas["coordinator"]
    participant = make_participant(primary="worker_enmarge", second=None)
    from spheres import services as core_services

    core_services.user_deactivate(user=personas["worker_enmarge"])
    meeting = schedule(clinical)[0]
    item = item_of(meeting, ItemKind.WITHOUT_WORKER)

    decision = services.decision_record(
        meeting=meeting,
        item=item,
        actor=coordinator,
        kind=DecisionKind.ASSIGN_WORKERS,
        primary=personas["worker_ccsmtl"],
        second=personas["worker_codim"],
        reason="Décision du comité clinique.",
    )

    active = Assignment.objects.filter(participant=participant, ended_at__isnull=True)
    assert {(a.role, a.worker_id) for a in active} == {
        ("primary", personas["worker_ccsmtl"].pk),
        ("second", personas["worker_codim"].pk),
    }
    assert decision.assignment == active.get(role="primary")
    assert decision.second_assignment == active.get(role="second")
    assert decision.assignment.committee_decision_ref == f"meeting:{meeting.public_id}"
    assert (decision.meeting, decision.item) == (meeting, item)
    item.refresh_from_db()
    assert item.handled_at is not None
    # The new worker may now see the file: permissions moved in the same transaction.
    from referrals.access import participants_visible_to

    assert participants_visible_to(personas["worker_ccsmtl"]).filter(pk=participant.pk).exists()


def test_the_recruiter_assessment_is_recorded_on_the_meeting_date_and_linked(
    personas, clinical, make_referral, screen, schedule
):
    coordinator = personas["coordinator"]
    referral = awaiting(
        make_referral, screen, coordinator, recruits_others=True, recruiter_acknowledges=True
    )
    meeting = schedule(clinical)[0]
    decision = services.decision_record(
        meeting=meeting,
        item=item_of(meeting, ItemKind.RECRUITER_ASSESSMENT),
        actor=coordinator,
        kind=DecisionKind.RECRUITER_ASSESSMENT,
        delinquent_profile="Aucun antécédent.",
        network_involvement="Faible.",
        benefits_versus_risks="Les bénéfices l’emportent.",
        decision=RecruiterRiskAssessment.Decision.BENEFITS_OUTWEIGH,
    )
    assessment = RecruiterRiskAssessment.objects.get(referral=referral)
    assert decision.risk_assessment == assessment
    assert assessment.decided_on == timezone.localdate(meeting.starts_at)


def test_admission_acts_through_participant_admit_and_is_linked(
    personas, clinical, make_referral, screen, schedule
):
    coordinator = personas["coordinator"]
    referral = awaiting(make_referral, screen, coordinator)
    meeting = schedule(clinical)[0]
    decision = services.decision_record(
        meeting=meeting,
        item=item_of(meeting, ItemKind.REFERRAL_AWAITING),
        actor=coordinator,
        kind=DecisionKind.ADMIT,
        **admission(declaration_signed_by=personas["worker_ccsmtl"]),
    )
    participant = Participant.objects.get(referral=referral)
    assert decision.admitted == participant
    assert FollowUp.objects.get(participant=participant).status == FollowUpStatus.ACTIVE
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ADMITTED


def test_reactivation_acts_through_followup_set_status_and_is_linked(
    personas, clinical, make_participant, schedule
):
    coordinator = personas["coordinator"]
    participant = make_participant()
    followup_services.followup_set_status(
        participant=participant,
        actor=coordinator,
        to_status=FollowUpStatus.INACTIVE,
        reason=InactiveReason.UNREACHABLE,
    )
    meeting = schedule(clinical)[0]
    decision = services.decision_record(
        meeting=meeting,
        item=item_of(meeting, ItemKind.FOLLOWUP_INACTIVE),
        actor=coordinator,
        kind=DecisionKind.REACTIVATE,
        note="Nouvelles de la police : elle souhaite reprendre.",
    )
    followup = FollowUp.objects.get(participant=participant)
    assert followup.status == FollowUpStatus.ACTIVE
    assert decision.followup_change.followup == followup
    assert decision.followup_change.to_status == FollowUpStatus.ACTIVE
    assert decision.followup_change.changed_by == coordinator


def test_a_referral_decision_acts_through_referral_set_status_and_is_linked(
    personas, clinical, make_referral, screen, schedule
):
    coordinator = personas["coordinator"]
    referral = awaiting(make_referral, screen, coordinator)
    meeting = schedule(clinical)[0]
    decision = services.decision_record(
        meeting=meeting,
        item=item_of(meeting, ItemKind.REFERRAL_AWAITING),
        actor=coordinator,
        kind=DecisionKind.REFERRAL_STATUS,
        to_status=ReferralStatus.REFERRED_ELSEWHERE,
        reason="Orientée vers une ressource spécialisée.",
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REFERRED_ELSEWHERE
    assert decision.referral_change.referral == referral
    assert decision.referral_change.to_status == ReferralStatus.REFERRED_ELSEWHERE


def test_a_refused_admission_changes_nothing(personas, clinical, make_referral, screen, schedule):
    coordinator = personas["coordinator"]
    referral = awaiting(make_referral, screen, coordinator, referral={"age": 25})
    meeting = schedule(clinical)[0]
    item = item_of(meeting, ItemKind.REFERRAL_AWAITING)
    with pytest.raises(ValidationError):
        services.decision_record(
            meeting=meeting,
            item=item,
            actor=coordinator,
            kind=DecisionKind.ADMIT,
            **admission(declaration_signed_by=personas["worker_ccsmtl"]),
        )
    assert not Participant.objects.filter(referral=referral).exists()
    assert not Decision.objects.exists()
    item.refresh_from_db()
    assert item.handled_at is None
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.AWAITING_COMMITTEE


def test_the_decision_runs_in_the_meeting_transaction_so_a_late_failure_undoes_the_service(
    personas, clinical, make_participant, schedule, monkeypatch
):
    coordinator = personas["coordinator"]
    participant = make_participant(second=None)
    meeting = schedule(clinical)[0]
    item = item_of(meeting, ItemKind.PRESENTATION)
    assert item.participant_id == participant.pk

    def fail(self, *args, **kwargs):
        raise ValidationError("the decision could not be stored")

    monkeypatch.setattr(Decision, "full_clean", fail)
    with pytest.raises(ValidationError):
        services.decision_record(
            meeting=meeting,
            item=item,
            actor=coordinator,
            kind=DecisionKind.ASSIGN_WORKERS,
            primary=personas["worker_ccsmtl"],
            second=personas["worker_codim"],
        )
    # The assignment service ran, then the decision failed: its second worker is gone too.
    assert not Assignment.objects.filter(
        participant=participant, worker=personas["worker_codim"]
    ).exists()


def test_a_closed_meeting_takes_no_decision_until_reopened(
    personas, clinical, make_referral, screen, schedule
):
    coordinator = personas["coordinator"]
    awaiting(make_referral, screen, coordinator)
    meeting = schedule(clinical)[0]
    item = item_of(meeting, ItemKind.REFERRAL_AWAITING)
    services.meeting_close(meeting=meeting, actor=coordinator)
    decide = {
        "meeting": meeting,
        "item": item,
        "actor": coordinator,
        "kind": DecisionKind.REFERRAL_STATUS,
        "to_status": ReferralStatus.REFLECTING,
    }
    with pytest.raises(ValidationError):
        services.decision_record(**decide)
    services.meeting_reopen(meeting=meeting, actor=coordinator, reason="Décision oubliée.")
    assert services.decision_record(**decide).referral_change.to_status == "reflecting"


def test_a_decision_that_does_not_fit_the_item_is_refused(
    personas, clinical, make_referral, screen, schedule
):
    coordinator = personas["coordinator"]
    awaiting(make_referral, screen, coordinator)
    meeting = schedule(clinical)[0]
    with pytest.raises(ValidationError):
        services.decision_record(
            meeting=meeting,
            item=item_of(meeting, ItemKind.REFERRAL_AWAITING),
            actor=coordinator,
            kind=DecisionKind.REACTIVATE,
        )
    assert not Decision.objects.exists()


# --- From the meeting screen -----------------------------------------------------------------


def test_a_refusal_shows_its_reason_on_the_meeting_screen(
    login, personas, clinical, make_referral, screen, schedule
):
    coordinator = personas["coordinator"]
    referral = awaiting(make_referral, screen, coordinator, referral={"age": 25})
    meeting = schedule(clinical)[0]
    item = item_of(meeting, ItemKind.REFERRAL_AWAITING)
    url = reverse("committees:decide", args=[meeting.public_id, item.pk, DecisionKind.ADMIT])
    client = login(coordinator)
    form = client.get(url)
    assert form.status_code == 200
    assert 'class="border rounded p-3 mb-2 decision-form"' in form.content.decode()

    response = client.post(
        url,
        admission(
            declaration_signed_by=personas["worker_ccsmtl"].pk,
            confidentiality_explained="on",
            copy_given="on",
        ),
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "le programme admet les personnes de 12 à 24 ans" in html
    assert 'id="agenda"' in html  # the meeting screen, with the form in place
    assert not Participant.objects.filter(referral=referral).exists()
    assert not Decision.objects.exists()


def test_a_decision_from_the_meeting_screen_is_carried_out(
    login, personas, clinical, make_participant, schedule
):
    coordinator = personas["coordinator"]
    participant = make_participant(second=None)
    meeting = schedule(clinical)[0]
    item = item_of(meeting, ItemKind.PRESENTATION)
    url = reverse(
        "committees:decide", args=[meeting.public_id, item.pk, DecisionKind.ASSIGN_WORKERS]
    )
    response = login(coordinator).post(
        url,
        {"primary": personas["worker_codim"].pk, "second": personas["worker_ccsmtl"].pk},
    )
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert decision.assignment.worker == personas["worker_codim"]
    assert decision.assignment.participant == participant


def test_only_the_coordinator_decides(login, personas, clinical, make_participant, schedule):
    make_participant(second=None)
    meeting = schedule(clinical)[0]
    item = item_of(meeting, ItemKind.PRESENTATION)
    url = reverse(
        "committees:decide", args=[meeting.public_id, item.pk, DecisionKind.ASSIGN_WORKERS]
    )
    response = login(personas["worker_ccsmtl"]).post(url, {"primary": personas["worker_codim"].pk})
    assert response.status_code == 404
    assert not Decision.objects.exists()


def test_time_is_not_an_issue_for_a_meeting_recorded_after_the_fact(
    personas, clinical, make_referral, screen, schedule
):
    coordinator = personas["coordinator"]
    awaiting(make_referral, screen, coordinator)
    meeting = schedule(clinical, days=-2)[0]
    assert meeting.starts_at < timezone.now() - datetime.timedelta(days=1)
    decision = services.decision_record(
        meeting=meeting,
        item=item_of(meeting, ItemKind.REFERRAL_AWAITING),
        actor=coordinator,
        kind=DecisionKind.REFERRAL_STATUS,
        to_status=ReferralStatus.REFLECTING,
    )
    assert decision.referral_change is not None


def test_an_item_with_a_decision_cannot_be_removed_and_the_screen_says_why(
    login, personas, clinical, make_referral, screen, schedule
):
    coordinator = personas["coordinator"]
    awaiting(make_referral, screen, coordinator)
    meeting = schedule(clinical)[0]
    item = item_of(meeting, ItemKind.REFERRAL_AWAITING)
    services.decision_record(
        meeting=meeting,
        item=item,
        actor=coordinator,
        kind=DecisionKind.REFERRAL_STATUS,
        to_status=ReferralStatus.REFLECTING,
    )
    response = login(coordinator).post(
        reverse("committees:item_action", args=[meeting.public_id, item.pk, "remove"])
    )
    assert response.status_code == 200
    assert "Une décision a été prise sur ce point" in response.content.decode()
    item.refresh_from_db()
    assert item.removed_at is None
