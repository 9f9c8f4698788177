"""Referral-to-admission rules, through the services."""

import datetime
import threading

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.utils import timezone, translation

from referrals import access, rules, selectors, services
from referrals.models import (
    Consent,
    ConsentKind,
    Participant,
    RecruiterRiskAssessment,
    Referral,
    ReferralStatus,
    StageOfChange,
)
from spheres import services as core_services
from spheres.models import Role
from tests.files import PDF, PNG

pytestmark = pytest.mark.django_db


def assess(referral, personas, decision, decided_on):
    """The Clinical Committee's assessment of a candidate who recruits others."""
    outweigh = decision == RecruiterRiskAssessment.Decision.BENEFITS_OUTWEIGH
    services.recruiter_risk_assessment_record(
        referral=referral,
        actor=personas["coordinator"],
        delinquent_profile="Faible" if outweigh else "Élevé",
        network_involvement="Périphérique" if outweigh else "Centrale",
        benefits_versus_risks="Bénéfices supérieurs" if outweigh else "Risques trop élevés",
        decision=decision,
        decided_on=decided_on,
    )


# --- Intake and history ------------------------------------------------------------------------


def test_any_partner_staff_member_may_refer_and_the_referral_is_new(make_referral, personas):
    referral = make_referral(submitted_by=personas["worker_enmarge"])
    assert referral.status == ReferralStatus.NEW
    [change] = referral.status_changes.all()
    assert (
        change.to_status == ReferralStatus.NEW and change.changed_by == personas["worker_enmarge"]
    )


def test_a_person_without_a_role_cannot_refer(make_referral, faker):
    outsider = core_services.user_create(email="x@example.org", first_name="X", last_name="Y")
    with pytest.raises(PermissionDenied):
        make_referral(submitted_by=outsider)


def test_missing_required_fields_save_nothing(make_referral):
    with pytest.raises(ValidationError) as exc:
        make_referral(reasons="", referrer_name="")
    assert {"reasons", "referrer_name"} <= set(exc.value.error_dict)
    assert Referral.objects.count() == 0


def test_every_status_change_is_kept_with_who_and_why(make_referral, personas):
    referral = make_referral()
    coordinator = personas["coordinator"]
    services.referral_set_status(
        referral=referral, to_status=ReferralStatus.AWAITING_COMMITTEE, actor=coordinator
    )
    services.referral_set_status(
        referral=referral,
        to_status=ReferralStatus.REFERRED_ELSEWHERE,
        actor=coordinator,
        reason="Mieux servie par un organisme de sa région.",
    )
    history = list(referral.status_changes.values_list("from_status", "to_status", "reason"))
    assert history == [
        ("", "new", ""),
        ("new", "awaiting_committee", ""),
        ("awaiting_committee", "referred_elsewhere", "Mieux servie par un organisme de sa région."),
    ]


def test_not_admitted_needs_a_reason(make_referral, personas):
    referral = make_referral()
    with pytest.raises(ValidationError) as exc:
        services.referral_set_status(
            referral=referral, to_status=ReferralStatus.NOT_ADMITTED, actor=personas["coordinator"]
        )
    assert "reason" in exc.value.error_dict


def test_only_the_coordinator_decides(make_referral, personas):
    referral = make_referral()
    with pytest.raises(PermissionDenied):
        services.referral_set_status(
            referral=referral, to_status=ReferralStatus.SCREENING, actor=personas["worker_codim"]
        )


# --- Screening and admission criteria ----------------------------------------------------------


@pytest.mark.parametrize("age", [11, 25])
def test_it_refuses_a_candidate_outside_12_to_24(make_referral, screen, admit, age):
    referral = make_referral(age=age)
    screen(referral)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        admit(referral)
    assert f"Aged {age}" in " ".join(exc.value.messages)
    assert not Participant.objects.exists()


@pytest.mark.parametrize("age", [12, 24])
def test_it_admits_at_12_and_at_24(make_referral, screen, admit, age):
    referral = make_referral(age=age)
    screen(referral)
    assert admit(referral).youth_id.startswith(f"#{timezone.localdate().year}-")


def test_age_is_computed_at_the_screening_date_not_the_referral_date():
    dob = datetime.date(2001, 6, 15)
    assert rules.age_on(dob, datetime.date(2025, 6, 14)) == 23
    assert rules.age_on(dob, datetime.date(2025, 6, 15)) == 24
    assert rules.age_on(dob, datetime.date(2026, 6, 15)) == 25


def test_precontemplation_needs_a_written_exception_reason(make_referral, screen):
    referral = make_referral()
    with pytest.raises(ValidationError) as exc:
        screen(referral, stage_of_change=StageOfChange.PRECONTEMPLATION, recognises_harms=False)
    assert "precontemplation_exception_reason" in exc.value.error_dict
    screening = screen(
        referral,
        stage_of_change=StageOfChange.PRECONTEMPLATION,
        recognises_harms=False,
        precontemplation_exception_reason="Demande d'aide explicite malgré l'ambivalence.",
    )
    assert selectors.admission_blockers(referral, timezone.localdate()) == []
    assert screening.referral.status == ReferralStatus.SCREENING


def test_a_candidate_outside_the_service_area_is_not_admissible(make_referral, screen, admit):
    referral = make_referral()
    screen(referral, lives_in_area=False, frequents_area=False)
    with pytest.raises(ValidationError):
        admit(referral)


def test_a_recruiter_is_blocked_until_the_committee_assesses_the_risk(
    make_referral, screen, admit, personas
):
    referral = make_referral()
    screen(referral, recruits_others=True, recruiter_acknowledges=True)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        admit(referral)
    assert "risk assessment" in " ".join(exc.value.messages)
    assess(
        referral, personas, RecruiterRiskAssessment.Decision.BENEFITS_OUTWEIGH, timezone.localdate()
    )
    participant = admit(referral)
    assert participant.no_group_activities is True


def test_a_recruiter_the_committee_refused_cannot_be_admitted(
    make_referral, screen, admit, personas
):
    referral = make_referral()
    screen(referral, recruits_others=True, recruiter_acknowledges=True)
    assess(
        referral, personas, RecruiterRiskAssessment.Decision.RISKS_OUTWEIGH, timezone.localdate()
    )
    with pytest.raises(ValidationError):
        admit(referral)


def test_a_recruiter_is_admitted_only_on_a_date_the_committee_had_assessed_the_risk(
    make_referral, screen, admit, personas
):
    """The criteria hold on the admission date: an assessment the Clinical Committee made after
    that date does not admit the candidate on it (an admission recorded after the fact)."""
    today = timezone.localdate()
    referral = make_referral()
    screen(
        referral,
        screened_on=today - datetime.timedelta(days=20),
        recruits_others=True,
        recruiter_acknowledges=True,
    )
    assess(
        referral,
        personas,
        RecruiterRiskAssessment.Decision.BENEFITS_OUTWEIGH,
        today - datetime.timedelta(days=5),
    )
    ten_days_ago = today - datetime.timedelta(days=10)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        admit(referral, admitted_on=ten_days_ago, consent_given_on=ten_days_ago)
    assert "risk assessment" in " ".join(exc.value.messages)
    assert not Participant.objects.exists()
    five_days_ago = today - datetime.timedelta(days=5)
    participant = admit(referral, admitted_on=five_days_ago, consent_given_on=five_days_ago)
    assert participant.no_group_activities is True


def test_a_second_admission_of_the_same_referral_is_refused(make_referral, screen, admit):
    referral = make_referral()
    screen(referral)
    admit(referral)
    with pytest.raises(ValidationError):
        admit(referral)
    assert Participant.objects.count() == 1


@pytest.mark.parametrize(
    ("missing", "field"),
    [
        ({"declaration_signed_by": None}, "declaration_signed_by"),
        ({"research_use": ""}, "research_use"),
        ({"confidentiality_explained": False}, "confidentiality_explained"),
        ({"consent_place": " "}, "consent_place"),
    ],
)
def test_admission_records_the_form_as_signed_and_saves_nothing_otherwise(
    make_referral, screen, admit, missing, field
):
    referral = make_referral()
    screen(referral)
    with pytest.raises(ValidationError) as exc:
        admit(referral, **missing)
    assert field in exc.value.error_dict
    assert not Participant.objects.exists()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SCREENING


# --- Youth IDs ---------------------------------------------------------------------------------


def test_youth_ids_follow_admission_order_per_year_and_are_never_reused(
    make_referral, screen, admit
):
    year = timezone.localdate().year
    ids = []
    for _ in range(3):
        referral = make_referral()
        screen(referral)
        ids.append(admit(referral).youth_id)
    assert ids == [f"#{year}-01", f"#{year}-02", f"#{year}-03"]
    last_year = make_referral()
    screen(last_year)
    jan = datetime.date(year - 1, 12, 31)
    assert admit(last_year, admitted_on=jan).youth_id == f"#{year - 1}-01"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises all writers")
@pytest.mark.django_db(transaction=True)
def test_concurrent_admissions_get_distinct_consecutive_ids(make_referral, screen, personas):
    referrals = []
    for _ in range(2):
        referral = make_referral()
        screen(referral)
        referrals.append(referral)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def admit_in_thread(referral):
        try:
            barrier.wait(timeout=10)
            participant = services.participant_admit(
                referral=referral,
                actor=personas["coordinator"],
                admitted_on=timezone.localdate(),
                consent_given_on=timezone.localdate(),
                consent_place="Montréal",
                consent_form_version="1",
                declaration_signed_by=personas["worker_ccsmtl"],
                research_use="agreed",
                confidentiality_explained=True,
            )
            results.append(participant.youth_id)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=admit_in_thread, args=(r,)) for r in referrals]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    year = timezone.localdate().year
    assert sorted(results) == [f"#{year}-01", f"#{year}-02"]


# --- Assignment --------------------------------------------------------------------------------


def test_assignment_history_keeps_from_to_by_whom_and_why(make_participant, personas):
    participant = make_participant()
    services.assignment_set(
        participant=participant,
        actor=personas["coordinator"],
        primary=personas["worker_enmarge"],
        second=personas["worker_codim"],
        reason="Départ de l'intervenante",
    )
    rows = list(
        participant.assignments.order_by("pk").values_list(
            "worker", "role", "ended_at", "end_reason"
        )
    )
    assert rows[0][0] == personas["worker_ccsmtl"].pk and rows[0][2] is not None
    assert rows[0][3] == "Départ de l'intervenante"
    assert rows[1][0] == personas["worker_codim"].pk and rows[1][2] is None  # second kept
    assert rows[2][0] == personas["worker_enmarge"].pk and rows[2][1] == "primary"


@pytest.mark.parametrize("persona", ["police", "steering", "researcher"])
def test_assigning_someone_who_is_not_a_youth_worker_is_refused(
    make_participant, personas, persona
):
    participant = make_participant()
    with pytest.raises(ValidationError):
        services.assignment_set(
            participant=participant, actor=personas["coordinator"], primary=personas[persona]
        )


def test_assigning_a_worker_of_an_inactive_organisation_is_refused(
    make_participant, personas, organisations
):
    participant = make_participant()
    org = organisations["enmarge"]
    core_services.organisation_update(
        organisation=org,
        name=org.name,
        short_name=org.short_name,
        sector=org.sector,
        is_active=False,
    )
    with pytest.raises(ValidationError):
        services.assignment_set(
            participant=participant,
            actor=personas["coordinator"],
            primary=personas["worker_enmarge"],
        )


def test_the_referrer_is_told_the_workers_name_and_nothing_about_the_case(
    make_referral, screen, admit, personas, django_capture_on_commit_callbacks
):
    referral = make_referral()
    screen(referral)
    participant = admit(referral)
    from spheres.celery import app

    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.assignment_set(
                participant=participant,
                actor=personas["coordinator"],
                primary=personas["worker_codim"],
            )
    finally:
        app.conf.task_always_eager = False
    [message] = mail.outbox
    assert message.to == ["referent@example.org"]
    worker = personas["worker_codim"]
    assert worker.get_full_name() in message.body and worker.email in message.body
    for secret in (referral.first_name, referral.last_name, participant.youth_id, referral.reasons):
        assert secret not in message.body and secret not in message.subject


# --- Consents ----------------------------------------------------------------------------------


def test_a_consent_scan_must_really_be_a_pdf_jpeg_or_png(make_participant, personas):
    participant = make_participant()
    html = SimpleUploadedFile(
        "formulaire.pdf", b"<html><script>alert(1)</script></html>", "application/pdf"
    )
    with pytest.raises(ValidationError) as exc:
        services.consent_record(
            participant=participant,
            actor=personas["worker_ccsmtl"],
            kind=ConsentKind.RESEARCH,
            given_on=timezone.localdate(),
            form_version="R-1",
            scan=html,
        )
    assert "scan" in exc.value.error_dict
    assert not participant.consents.filter(kind=ConsentKind.RESEARCH).exists()


def test_a_consent_scan_over_10_mb_is_refused(make_participant, personas):
    participant = make_participant()
    big = SimpleUploadedFile("scan.pdf", PDF + b"0" * (10 * 1024 * 1024), "application/pdf")
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.consent_record(
            participant=participant,
            actor=personas["worker_ccsmtl"],
            kind=ConsentKind.RESEARCH,
            given_on=timezone.localdate(),
            scan=big,
        )
    assert "10 MB" in " ".join(exc.value.messages)


def test_a_png_scan_is_stored_privately_under_an_opaque_name(
    make_participant, personas, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": None},
        },
    }
    participant = make_participant()
    with django_capture_on_commit_callbacks(execute=True):
        consent = services.consent_record(
            participant=participant,
            actor=personas["worker_ccsmtl"],
            kind=ConsentKind.RESEARCH,
            given_on=timezone.localdate(),
            scan=SimpleUploadedFile("Marie Tremblay.png", PNG, "image/png"),
        )
    consent.refresh_from_db()
    assert consent.scan_content_type == "image/png"
    assert "Tremblay" not in consent.scan.name and consent.scan.name.startswith("consents/")
    assert (tmp_path / consent.scan.name).exists()


def test_withdrawal_needs_no_justification(make_participant, personas):
    participant = make_participant()
    consent = participant.consents.get(kind=ConsentKind.PROGRAM)
    services.consent_withdraw(consent=consent, actor=personas["worker_ccsmtl"])
    consent.refresh_from_db()
    assert consent.withdrawn_on == timezone.localdate()
    assert consent.withdrawal_recorded_by == personas["worker_ccsmtl"]
    assert consent.withdrawal_note == ""


def test_a_worker_without_write_access_cannot_change_consents(make_participant, personas):
    participant = make_participant(second=None)
    consent = participant.consents.get(kind=ConsentKind.PROGRAM)
    with pytest.raises(PermissionDenied):
        services.consent_withdraw(consent=consent, actor=personas["worker_codim"])
    assert Consent.objects.get(pk=consent.pk).withdrawn_on is None


def test_a_dyp_report_needs_its_date(make_participant, personas):
    participant = make_participant()
    with pytest.raises(ValidationError):
        services.youth_protection_record(
            participant=participant,
            actor=personas["worker_ccsmtl"],
            considered_on=timezone.localdate(),
            reported=True,
        )


# --- Permissions follow changes ----------------------------------------------------------------


def visible(user, participant):
    return access.participants_visible_to(user).filter(pk=participant.pk).exists()


def test_permissions_follow_reassignment(make_participant, personas):
    participant = make_participant(share_with=())
    assert visible(personas["worker_ccsmtl"], participant)
    assert not visible(personas["worker_enmarge"], participant)
    services.assignment_set(
        participant=participant,
        actor=personas["coordinator"],
        primary=personas["worker_enmarge"],
        second=personas["worker_codim"],
    )
    assert not visible(personas["worker_ccsmtl"], participant)
    assert visible(personas["worker_enmarge"], participant)
    assert access.may_change(personas["worker_enmarge"], participant)


def test_withdrawing_sharing_for_one_organisation_removes_only_its_access(
    make_participant, personas, organisations, faker
):
    participant = make_participant(
        share_with=("ccsmtl", "codim"), primary="worker_enmarge", second=None
    )
    from tests.conftest import make_person

    ccsmtl_member = make_person(faker, organisations["ccsmtl"], [Role.CLINICAL_COMMITTEE])
    codim_member = personas["worker_codim"]
    assert visible(ccsmtl_member, participant) and visible(codim_member, participant)
    services.sharing_set(
        participant=participant,
        actor=personas["coordinator"],
        organisations=[organisations["ccsmtl"]],
        given_on=timezone.localdate(),
    )
    assert visible(ccsmtl_member, participant)
    assert not visible(codim_member, participant)


def test_withdrawing_program_consent_keeps_the_file_for_coordinator_and_assigned_workers(
    make_participant, personas, faker, organisations
):
    from tests.conftest import make_person

    participant = make_participant(share_with=("ccsmtl", "codim", "enmarge"), second=None)
    colleague = make_person(faker, organisations["enmarge"], [Role.YOUTH_WORKER])
    assert visible(colleague, participant)
    services.consent_withdraw(
        consent=participant.consents.get(kind=ConsentKind.PROGRAM), actor=personas["coordinator"]
    )
    assert not visible(colleague, participant)
    assert visible(personas["worker_ccsmtl"], participant)
    assert visible(personas["coordinator"], participant)


def test_steering_members_never_see_files_shared_with_their_organisation(
    make_participant, personas
):
    participant = make_participant(share_with=("codim",))
    assert personas["steering"].memberships.get().organisation.short_name == "CODIM"
    assert not visible(personas["steering"], participant)


def test_a_superuser_sees_no_participant_file(make_participant):
    from spheres.models import User

    participant = make_participant()
    root = User.objects.create_superuser(email="root@example.org", password="x")
    assert not visible(root, participant)


def test_a_withdrawal_cannot_predate_the_consent(make_participant, personas):
    participant = make_participant()
    consent = participant.consents.get(kind=ConsentKind.PROGRAM)
    with pytest.raises(ValidationError):
        services.consent_withdraw(
            consent=consent,
            actor=personas["coordinator"],
            withdrawn_on=consent.given_on - datetime.timedelta(days=1),
        )


def test_closed_referrals_take_no_new_step_even_from_a_stale_copy(make_referral, screen, personas):
    referral = make_referral()
    stale = Referral.objects.get(pk=referral.pk)
    services.referral_set_status(
        referral=referral,
        to_status=ReferralStatus.NOT_ADMITTED,
        actor=personas["coordinator"],
        reason="Hors territoire",
    )
    with pytest.raises(ValidationError):
        screen(stale)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.NOT_ADMITTED


def test_sync_removes_many_permissions_in_a_fixed_number_of_queries(
    bulk_participants, personas, organisations, django_assert_max_num_queries
):
    from referrals import permissions
    from referrals.models import Consent

    participants = bulk_participants(50)
    Consent.objects.filter(kind="sharing").update(withdrawn_on=timezone.localdate())
    with django_assert_max_num_queries(10):
        added, removed = permissions.sync_permissions([p.pk for p in participants])
    assert (added, removed) == (0, 50)


def test_an_initial_meeting_is_recorded_and_reflecting_moves_the_referral(
    make_referral, screen, personas
):
    from referrals.models import InitialMeeting

    referral = make_referral()
    screen(referral)
    meeting = services.initial_meeting_record(
        referral=referral,
        actor=personas["coordinator"],
        met_on=timezone.localdate(),
        mode=InitialMeeting.Mode.IN_PERSON,
        outcome=InitialMeeting.Outcome.REFLECTING,
        attendees=[personas["worker_ccsmtl"], personas["worker_codim"]],
    )
    assert set(meeting.attendees.all()) == {personas["worker_ccsmtl"], personas["worker_codim"]}
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REFLECTING
    assert referral.status_changes.latest("changed_at").from_status == ReferralStatus.SCREENING


def test_deactivating_an_organisation_closes_the_files_shared_with_it(
    make_participant, personas, organisations, faker
):
    from tests.conftest import make_person

    participant = make_participant(share_with=("ccsmtl", "enmarge"), second=None)
    colleague = make_person(faker, organisations["enmarge"], [Role.CLINICAL_COMMITTEE])
    assert visible(colleague, participant)
    org = organisations["enmarge"]
    core_services.organisation_update(
        organisation=org,
        name=org.name,
        short_name=org.short_name,
        sector=org.sector,
        is_active=False,
    )
    assert not visible(colleague, participant)
    core_services.organisation_update(
        organisation=org,
        name=org.name,
        short_name=org.short_name,
        sector=org.sector,
        is_active=True,
    )
    assert visible(colleague, participant)


def test_dates_of_what_already_happened_cannot_be_in_the_future(
    make_referral, screen, make_participant, personas
):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    coordinator = personas["coordinator"]
    referral = make_referral()
    with pytest.raises(ValidationError) as refused:
        screen(referral, screened_on=tomorrow)
    assert "screened_on" in refused.value.message_dict
    participant = make_participant()
    with pytest.raises(ValidationError) as refused:
        services.youth_protection_record(
            participant=participant,
            actor=coordinator,
            considered_on=tomorrow + datetime.timedelta(days=29),
            reported=True,
            reported_on=timezone.localdate(),
        )
    assert set(refused.value.message_dict) == {"considered_on"}
    assert not participant.youth_protection_reports.exists()
