"""Withdrawing the program consent ends participation: in the same transaction the follow-up
becomes inactive for voluntary withdrawal, the reminders and the inactivity job leave it alone, and
access narrows. Giving the consent again reactivates it, with history."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from followups import selectors, services
from followups.models import AttemptOutcome, FollowUp, FollowUpStatus, InactiveReason
from followups.rules import monday_of
from referrals import access
from referrals.models import ConsentKind
from spheres.models import Role
from tests.conftest import make_person

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def participant(make_participant):
    p = make_participant()
    p.admitted_on = TODAY() - datetime.timedelta(days=60)
    p.save()
    FollowUp.objects.filter(participant=p).update(
        period_started_at=timezone.now() - datetime.timedelta(days=60)
    )
    return p


def program(participant):
    return participant.consents.get(kind=ConsentKind.PROGRAM, withdrawn_on__isnull=True)


def end(participant, actor, **extra):
    return services.participation_end(
        participant=participant, actor=actor, consent=program(participant), **extra
    )


def resume(participant, actor, personas, **extra):
    data = {
        "given_on": TODAY(),
        "place": "Montréal",
        "form_version": "2024-2",
        "declaration_signed_by": personas["worker_ccsmtl"],
        "research_use": "agreed",
        "confidentiality_explained": True,
    }
    data.update(extra)
    return services.participation_resume(participant=participant, actor=actor, **data)


def test_withdrawal_makes_the_follow_up_inactive_for_voluntary_withdrawal(participant, personas):
    worker = personas["worker_ccsmtl"]
    followup = end(participant, worker)
    assert (followup.status, followup.inactive_reason) == (
        FollowUpStatus.INACTIVE,
        InactiveReason.WITHDRAWAL,
    )
    change = followup.changes.latest("changed_at")
    assert (change.from_status, change.to_status, change.reason, change.changed_by) == (
        FollowUpStatus.ACTIVE,
        FollowUpStatus.INACTIVE,
        InactiveReason.WITHDRAWAL,
        worker,
    )
    consent = participant.consents.get(kind=ConsentKind.PROGRAM)
    assert consent.withdrawn_on == TODAY() and consent.withdrawal_note == ""
    participant.refresh_from_db()
    assert participant.program_consent_withdrawn


def test_withdrawal_stops_the_reminders_and_the_inactivity_job(participant, personas):
    worker = personas["worker_ccsmtl"]
    last_week = monday_of(TODAY()) - datetime.timedelta(days=7)
    assert worker.pk in selectors.missing_notes_counts(last_week)
    end(participant, worker)
    assert selectors.missing_notes_counts(last_week) == {}
    for minutes in (30, 20, 10):
        services.contact_attempt_record(
            participant=participant,
            actor=worker,
            at=timezone.now() - datetime.timedelta(minutes=minutes),
            channel="phone",
            outcome=AttemptOutcome.NO_ANSWER,
        )
    assert services.followups_mark_unreachable() == []
    assert FollowUp.objects.get(participant=participant).inactive_reason == "withdrawal"


def test_withdrawal_narrows_access_to_the_coordinator_and_assigned_workers(
    participant, personas, organisations, faker
):
    colleague = make_person(faker, organisations["codim"], [Role.CLINICAL_COMMITTEE])
    assert access.participants_visible_to(colleague).filter(pk=participant.pk).exists()
    end(participant, personas["coordinator"])
    assert not access.participants_visible_to(colleague).filter(pk=participant.pk).exists()
    assert access.may_change(personas["worker_ccsmtl"], participant)


def test_a_follow_up_on_break_also_ends(participant, personas):
    worker = personas["worker_ccsmtl"]
    services.followup_set_status(
        participant=participant, actor=worker, to_status="on_break", break_terms="Pause"
    )
    assert end(participant, worker).status == FollowUpStatus.INACTIVE


def test_the_research_use_clause_is_withdrawn_only_if_the_person_says_so(participant, personas):
    worker = personas["worker_ccsmtl"]
    end(participant, worker)
    assert participant.consents.filter(
        kind=ConsentKind.RESEARCH_USE, withdrawn_on__isnull=True
    ).exists()
    resume(participant, worker, personas, research_use="struck_out")
    end(participant, worker, research_use_too=True)
    assert not participant.consents.filter(
        kind=ConsentKind.RESEARCH_USE, withdrawn_on__isnull=True
    ).exists()


def test_a_refused_withdrawal_changes_nothing(participant, personas):
    consent = program(participant)
    with pytest.raises(ValidationError) as exc:
        end(
            participant, personas["worker_ccsmtl"], withdrawn_on=consent.given_on.replace(year=2000)
        )
    assert "withdrawn_on" in exc.value.error_dict
    assert FollowUp.objects.get(participant=participant).status == FollowUpStatus.ACTIVE
    assert program(participant).withdrawn_on is None


def test_giving_consent_again_reactivates_with_history(participant, personas, organisations, faker):
    worker = personas["worker_ccsmtl"]
    colleague = make_person(faker, organisations["codim"], [Role.CLINICAL_COMMITTEE])
    end(participant, worker)
    before = timezone.now()
    followup = resume(participant, worker, personas)
    assert followup.status == FollowUpStatus.ACTIVE and followup.inactive_reason == ""
    assert followup.period_started_at >= before  # failed attempts counted afresh
    history = list(followup.changes.values_list("from_status", "to_status", "reason"))
    assert history == [
        ("", "active", ""),
        ("active", "inactive", "withdrawal"),
        ("inactive", "active", ""),
    ]
    participant.refresh_from_db()
    assert not participant.program_consent_withdrawn
    assert participant.consents.filter(kind=ConsentKind.PROGRAM).count() == 2
    assert access.participants_visible_to(colleague).filter(pk=participant.pk).exists()


def test_consent_given_again_is_refused_without_the_declaration_and_nothing_changes(
    participant, personas
):
    worker = personas["worker_ccsmtl"]
    end(participant, worker)
    with pytest.raises(ValidationError) as exc:
        resume(participant, worker, personas, declaration_signed_by=None)
    assert "declaration_signed_by" in exc.value.error_dict
    assert FollowUp.objects.get(participant=participant).status == FollowUpStatus.INACTIVE
    assert participant.consents.filter(kind=ConsentKind.PROGRAM).count() == 1


# --- The pages ---------------------------------------------------------------------------------


def test_the_withdrawal_page_ends_participation(participant, personas, login):
    client = login(personas["worker_ccsmtl"])
    consent = program(participant)
    referral_url = reverse("referrals:consent_withdraw", args=[participant.public_id, consent.pk])
    assert client.get(referral_url).status_code == 404  # the follow-up's page records it
    url = reverse("followups:participation_end", args=[participant.public_id, consent.pk])
    html = client.get(url).content.decode()
    assert 'name="research_use_too"' in html
    response = client.post(url, {"withdrawn_on": TODAY().isoformat(), "note": ""})
    assert response.status_code == 302
    assert FollowUp.objects.get(participant=participant).inactive_reason == "withdrawal"
    detail = client.get(reverse("referrals:participant_detail", args=[participant.public_id]))
    assert reverse("followups:participation_resume", args=[participant.public_id]) in (
        detail.content.decode()
    )


def test_the_withdrawal_page_is_404_for_those_who_may_not_change_the_file(
    participant, personas, login
):
    consent = program(participant)
    url = reverse("followups:participation_end", args=[participant.public_id, consent.pk])
    for persona in ("worker_enmarge", "police", "steering"):
        assert login(personas[persona]).post(url, {"withdrawn_on": TODAY()}).status_code == 404
    assert program(participant).pk == consent.pk


def test_consent_given_again_from_the_page_refuses_beside_the_field_in_french(
    participant, personas, login
):
    worker = personas["worker_ccsmtl"]
    end(participant, worker)
    client = login(worker)
    url = reverse("followups:participation_resume", args=[participant.public_id])
    data = {"given_on": TODAY().isoformat(), "place": "Montréal", "research_use": "agreed"}
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "déclaration" in errors["declaration_signed_by"][0]
    assert errors["confidentiality_explained"]
    assert FollowUp.objects.get(participant=participant).status == FollowUpStatus.INACTIVE
    data.update(declaration_signed_by=worker.pk, confidentiality_explained="on", copy_given="on")
    assert client.post(url, data).status_code == 302
    assert FollowUp.objects.get(participant=participant).status == FollowUpStatus.ACTIVE
