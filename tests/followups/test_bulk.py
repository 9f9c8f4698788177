"""The bulk path and the one-by-one services write the same rows for the same input."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from followups import services as followup_services
from followups.bulk import Admission, NoteRow, notes_create_bulk, participants_admit_bulk
from followups.models import FollowUp, WeeklyNote
from referrals import permissions
from referrals import services as referral_services
from referrals.models import (
    CANDIDATE_FIELDS,
    REFERRER_FIELDS,
    SCREENING_FIELDS,
    ConsentKind,
    Participant,
    StageOfChange,
)
from tests.referrals.conftest import years_ago

pytestmark = pytest.mark.django_db


@pytest.fixture
def admission(personas, organisations):
    today = timezone.localdate()
    return Admission(
        referral={
            "first_name": "Prénom",
            "last_name": "Nom",
            "date_of_birth": years_ago(17, days=10),
            "gender_identity": "femme",
            "phone": "514-555-0142",
            "residence_area": "Ville-Marie",
            "care_setting": "group_home",
            "legal_care": "youth_protection",
            "reasons": "Exploitation sexuelle soupçonnée.",
            "referrer_name": "Référente",
            "referrer_contact": "438-555-0100",
        },
        screening={
            "screened_on": today - datetime.timedelta(days=25),
            "lives_in_area": True,
            "recognises_harms": True,
            "stage_of_change": StageOfChange.CONTEMPLATION,
        },
        admitted_on=today - datetime.timedelta(days=20),
        primary=personas["worker_ccsmtl"],
        second=personas["worker_codim"],
        consent_place="Montréal",
        consent_form_version="2024-1",
        sharing=[organisations["ccsmtl"], organisations["codim"]],
        research_form_version="r-2024",
    )


def one_by_one(row: Admission, actor) -> Participant:
    referral = referral_services.referral_create(submitted_by=actor, **row.referral)
    referral_services.screening_record(referral=referral, actor=actor, **row.screening)
    participant = referral_services.participant_admit(
        referral=referral,
        actor=actor,
        admitted_on=row.admitted_on,
        consent_given_on=row.admitted_on,
        consent_place=row.consent_place,
        consent_form_version=row.consent_form_version,
        declaration_signed_by=row.primary,
        research_use="agreed" if row.research_use else "struck_out",
        confidentiality_explained=True,
        copy_given=row.copy_given,
    )
    referral_services.assignment_set(
        participant=participant, actor=actor, primary=row.primary, second=row.second
    )
    referral_services.sharing_set(
        participant=participant, actor=actor, organisations=row.sharing, given_on=row.admitted_on
    )
    referral_services.consent_record(
        participant=participant,
        actor=actor,
        kind=ConsentKind.RESEARCH,
        given_on=row.admitted_on,
        form_version=row.research_form_version,
    )
    return participant


def rows_of(participant: Participant) -> dict:
    """What a reader of the database sees of one participant, without ids and timestamps."""
    p = Participant.objects.select_related("referral__screening", "followup").get(pk=participant.pk)
    referral = p.referral
    user_perms, group_perms = permissions.expected_permissions([p.pk])
    return {
        "referral": {f: getattr(referral, f) for f in CANDIDATE_FIELDS + REFERRER_FIELDS},
        "phone_digits": referral.phone_digits,
        "status": referral.status,
        "status_history": list(referral.status_changes.values_list("from_status", "to_status")),
        "screening": {f: getattr(referral.screening, f) for f in SCREENING_FIELDS},
        "participant": (p.admitted_on, p.youth_id_year, p.no_group_activities),
        "assignments": sorted(
            p.assignments.filter(ended_at__isnull=True).values_list("role", "worker_id")
        ),
        "consents": sorted(
            p.consents.values_list(
                "kind",
                "organisation_id",
                "given_on",
                "place",
                "form_version",
                "withdrawn_on",
                "worker_declaration",
                "declaration_signed_by",
                "research_clause",
                "copy_given",
                "confidentiality_explained",
            ),
            key=str,
        ),
        "followup": (p.followup.status, p.followup.inactive_reason),
        "followup_history": list(p.followup.changes.values_list("from_status", "to_status")),
        "permissions": (
            sorted((u, c) for _p, u, c in user_perms),
            sorted((g, c) for _p, g, c in group_perms),
        ),
        "permission_rows": permissions.drift([p.pk]),
    }


def test_bulk_and_services_write_the_same_rows(admission, personas):
    coordinator = personas["coordinator"]
    by_service = one_by_one(admission, coordinator)
    (by_bulk,) = participants_admit_bulk(rows=[admission], actor=coordinator)
    assert rows_of(by_bulk) == rows_of(by_service)
    # Both numbered from the same per-year counter, one after the other.
    assert by_bulk.youth_id_number == by_service.youth_id_number + 1


def test_bulk_refuses_what_admission_refuses_and_writes_nothing(admission, personas):
    too_old = Admission(**{**admission.__dict__, "referral": dict(admission.referral)})
    too_old.referral["date_of_birth"] = years_ago(25, days=30)
    with pytest.raises(ValidationError, match="row 1: 25"):
        participants_admit_bulk(rows=[admission, too_old], actor=personas["coordinator"])
    assert Participant.objects.count() == 0


def test_bulk_notes_follow_the_note_rules(admission, personas):
    (participant,) = participants_admit_bulk(rows=[admission], actor=personas["coordinator"])
    worker = personas["worker_ccsmtl"]
    last_week = timezone.localdate() - datetime.timedelta(days=7)
    data = {"meetings": 1, "meetings_minutes": 90, "main_activity": "Discussion"}
    (bulk,) = notes_create_bulk(rows=[NoteRow(participant, last_week, worker, data)])
    WeeklyNote.objects.filter(pk=bulk.pk).delete()
    by_service = followup_services.note_save(
        participant=participant, actor=worker, week=last_week, **data
    )
    fields = ["week", "meetings", "meetings_minutes", "main_activity", "author_id", "version"]
    assert {f: getattr(bulk, f) for f in fields} == {f: getattr(by_service, f) for f in fields}
    silent = NoteRow(participant, last_week - datetime.timedelta(days=7), worker, {})
    with pytest.raises(ValidationError) as by_bulk:
        notes_create_bulk(rows=[silent])
    with pytest.raises(ValidationError) as by_save:
        followup_services.note_save(participant=participant, actor=worker, week=silent.week)
    assert by_bulk.value.message_dict == {
        f"row 0: {field}": messages for field, messages in by_save.value.message_dict.items()
    }
    assert FollowUp.objects.get(participant=participant).changes.count() == 1
