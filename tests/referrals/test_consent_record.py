"""The consent record as the program's form has it: the research-use clause recorded explicitly
at admission and withdrawable on its own, kept apart from the research-study consent; the worker
who signed the declaration; the signed copy given; confidentiality explained. And how existing
rows were migrated."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import Consent, ConsentKind, Participant, ResearchClause

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def active(participant, kind):
    return participant.consents.filter(kind=kind, withdrawn_on__isnull=True)


def test_admission_records_the_form_with_the_research_use_clause_agreed(
    make_referral, screen, admit, personas
):
    referral = make_referral()
    screen(referral)
    participant = admit(referral, copy_given=False)
    program = active(participant, ConsentKind.PROGRAM).get()
    assert program.declaration_signed_by == personas["worker_ccsmtl"]
    assert program.worker_declaration is True
    assert program.research_clause == ResearchClause.AGREED
    assert (program.confidentiality_explained, program.copy_given) == (True, False)
    clause = active(participant, ConsentKind.RESEARCH_USE).get()
    assert (clause.given_on, clause.form_version) == (program.given_on, program.form_version)
    # The research-study consent is another form, recorded on its own.
    assert not participant.consents.filter(kind=ConsentKind.RESEARCH).exists()


def test_a_struck_out_clause_is_recorded_and_gives_no_research_use(make_referral, screen, admit):
    referral = make_referral()
    screen(referral)
    participant = admit(referral, research_use="struck_out")
    program = active(participant, ConsentKind.PROGRAM).get()
    assert program.research_clause == ResearchClause.STRUCK_OUT
    assert not participant.consents.filter(kind=ConsentKind.RESEARCH_USE).exists()


def test_the_research_use_clause_is_withdrawn_on_its_own(make_participant, personas):
    participant = make_participant()
    worker = personas["worker_ccsmtl"]
    study = services.consent_record(
        participant=participant,
        actor=worker,
        kind=ConsentKind.RESEARCH,
        given_on=TODAY(),
        form_version="R-1",
    )
    services.consent_withdraw(
        consent=active(participant, ConsentKind.RESEARCH_USE).get(), actor=worker
    )
    assert not active(participant, ConsentKind.RESEARCH_USE).exists()
    assert active(participant, ConsentKind.PROGRAM).exists()
    assert Consent.objects.get(pk=study.pk).withdrawn_on is None
    participant.refresh_from_db()
    assert not participant.program_consent_withdrawn
    # Agreed to again later: a new row, history kept.
    services.consent_record(
        participant=participant, actor=worker, kind=ConsentKind.RESEARCH_USE, given_on=TODAY()
    )
    assert participant.consents.filter(kind=ConsentKind.RESEARCH_USE).count() == 2


def test_research_use_needs_an_active_program_consent(make_participant, personas):
    from followups.services import participation_end

    participant = make_participant()
    worker = personas["worker_ccsmtl"]
    participation_end(
        participant=participant,
        actor=worker,
        consent=active(participant, ConsentKind.PROGRAM).get(),
        research_use_too=True,
    )
    with pytest.raises(ValidationError):
        services.consent_record(
            participant=participant, actor=worker, kind=ConsentKind.RESEARCH_USE, given_on=TODAY()
        )
    assert not active(participant, ConsentKind.RESEARCH_USE).exists()


@pytest.mark.parametrize("persona", ["police", "steering"])
def test_the_declaration_is_signed_by_a_youth_worker(
    make_referral, screen, admit, personas, persona
):
    referral = make_referral()
    screen(referral)
    with pytest.raises(ValidationError) as exc:
        admit(referral, declaration_signed_by=personas[persona])
    assert "declaration_signed_by" in exc.value.error_dict
    assert not Participant.objects.exists()


def test_the_admission_page_refuses_beside_each_field_in_french(
    make_referral, screen, personas, login
):
    referral = make_referral()
    screen(referral)
    response = login(personas["coordinator"]).post(
        reverse("referrals:referral_admit", args=[referral.public_id]),
        {
            "admitted_on": TODAY().isoformat(),
            "consent_given_on": TODAY().isoformat(),
            "consent_place": "Montréal",
            "consent_form_version": "1",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"declaration_signed_by", "research_use", "confidentiality_explained"}
    assert (
        "clause" in errors["research_use"][0]
        and "Choisissez" in (errors["declaration_signed_by"][0])
    )
    html = response.content.decode()
    for field in errors:
        assert f'id="id_{field}_error"' in html
    assert not Participant.objects.exists()


def test_the_file_shows_the_form_as_signed(make_participant, personas, login):
    participant = make_participant()
    html = (
        login(personas["worker_ccsmtl"])
        .get(
            reverse("referrals:participant_detail", args=[participant.public_id]),
            **{"HTTP_ACCEPT_LANGUAGE": "en"},
        )
        .content.decode()
    )
    assert f"signed by {personas['worker_ccsmtl'].get_full_name()}" in html
    assert "Research-use clause: Agreed" in html


# --- Existing rows -------------------------------------------------------------------------------


BEFORE = [("referrals", "0001_initial"), ("followups", "0003_channels_and_notifications_to_core")]
AFTER = [("referrals", "0004_consent_as_the_form_has_it")]


@pytest.mark.django_db(transaction=True)
def test_existing_assignments_and_consents_are_migrated_without_inventing_anything():
    """Assignments get their participant's referral; program consents get the research-use
    clause "not recorded" (no research use assumed) and unknown signer, copy and explanation;
    research consents stay research-study consents."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        User = old.get_model("spheres", "User")
        coordinator = User.objects.create(email="c@example.org", first_name="C", last_name="C")
        worker = User.objects.create(email="w@example.org", first_name="W", last_name="W")
        referral = old.get_model("referrals", "Referral").objects.create(
            first_name="A",
            last_name="B",
            date_of_birth=datetime.date(2008, 1, 1),
            reasons="-",
            referrer_name="-",
            referrer_contact="-",
            submitted_by=coordinator,
            status="admitted",
        )
        participant = old.get_model("referrals", "Participant").objects.create(
            referral=referral,
            youth_id="#2024-01",
            youth_id_year=2024,
            youth_id_number=1,
            admitted_on=datetime.date(2024, 3, 1),
            admitted_by=coordinator,
        )
        old.get_model("referrals", "Assignment").objects.create(
            participant=participant, worker=worker, role="primary", assigned_by=coordinator
        )
        OldConsent = old.get_model("referrals", "Consent")
        common = {"participant": participant, "given_on": datetime.date(2024, 3, 1)}
        OldConsent.objects.create(
            kind="program", worker_declaration=True, recorded_by=coordinator, **common
        )
        OldConsent.objects.create(
            kind="research", form_version="R-1", recorded_by=coordinator, **common
        )

        executor.loader.build_graph()
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        [assignment] = new.get_model("referrals", "Assignment").objects.all()
        assert (assignment.referral_id, assignment.participant_id) == (
            referral.pk,
            participant.pk,
        )
        rows = {
            c.kind: c
            for c in new.get_model("referrals", "Consent").objects.filter(
                participant_id=participant.pk
            )
        }
        assert set(rows) == {"program", "research"}  # no research use invented
        program = rows["program"]
        assert program.research_clause == "not_recorded"
        assert program.worker_declaration is True
        assert (program.declaration_signed_by_id, program.copy_given) == (None, None)
        assert program.confidentiality_explained is None
        assert (rows["research"].research_clause, rows["research"].form_version) == ("", "R-1")
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_research_use_and_the_research_study_are_asked_of_separately(make_participant, personas):
    from referrals import selectors

    both, clause_only, struck_out = make_participant(), make_participant(), make_participant()
    worker = personas["worker_ccsmtl"]
    services.consent_record(
        participant=both, actor=worker, kind=ConsentKind.RESEARCH, given_on=TODAY()
    )
    services.consent_withdraw(
        consent=active(struck_out, ConsentKind.RESEARCH_USE).get(), actor=worker
    )
    assert set(selectors.participants_agreeing_to_research_use()) == {both, clause_only}
    assert set(selectors.participants_in_research_study()) == {both}
