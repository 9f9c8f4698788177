"""Admission: criteria on the admission date, signed program consent, youth ID (DOMAIN.md:
Referral and admission)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from referrals import permissions
from referrals.access import require_coordinator
from referrals.models import (
    Assignment,
    Participant,
    Referral,
    ReferralStatus,
    Screening,
    YouthIdCounter,
)
from referrals.rules import youth_id_format
from referrals.selectors import admission_blockers
from referrals.services._common import _record_status
from referrals.services.consents import program_consent_create, program_form_problems
from spheres.models import User


def youth_id_allocate(year: int) -> tuple[int, str]:
    """Next `#YYYY-NN` for the year. The counter row is locked until the caller's transaction
    ends, so concurrent admissions are numbered one after the other and a number is never reused."""
    YouthIdCounter.objects.bulk_create([YouthIdCounter(year=year)], ignore_conflicts=True)
    counter = YouthIdCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number, youth_id_format(year, counter.last_number)


ADMISSION_CONSENT_FIELDS = {"given_on", "place", "form_version", "scan"}


@transaction.atomic
def participant_admit(
    *,
    referral: Referral,
    actor: User,
    admitted_on: datetime.date,
    consent_given_on: datetime.date,
    consent_place: str,
    consent_form_version: str,
    declaration_signed_by: User | None,
    research_use: str,
    confidentiality_explained: bool,
    copy_given: bool = False,
    consent_scan=None,
) -> Participant:
    """Admission (DOMAIN.md: Referral and admission; Consent and confidentiality): the criteria
    hold on the admission date; the program consent is signed, with the worker who signed the
    declaration of responsibility, the research-use clause agreed to or struck out (recorded
    explicitly either way), confidentiality and information sharing explained and whether a
    signed copy was given; a youth ID is assigned; the workers assigned to the candidate carry
    over to the participant; the follow-up opens."""
    require_coordinator(actor)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if (
        referral.status == ReferralStatus.ADMITTED
        or Participant.objects.filter(referral=referral).exists()
    ):
        raise ValidationError(_("This candidate is already admitted."))
    if referral.status in {ReferralStatus.NOT_ADMITTED, ReferralStatus.REFERRED_ELSEWHERE}:
        raise ValidationError(_("This referral is closed; reopen it before admitting."))
    if admitted_on > timezone.localdate():
        raise ValidationError({"admitted_on": _("The admission date cannot be in the future.")})
    blockers = admission_blockers(referral, admitted_on)
    if blockers:
        raise ValidationError(blockers)
    errors = program_form_problems(
        declaration_signed_by=declaration_signed_by,
        research_use=research_use,
        confidentiality_explained=confidentiality_explained,
    )
    if not consent_place.strip():
        errors["consent_place"] = _("Where was the form signed?")
    if errors:
        raise ValidationError(errors)
    number, youth_id = youth_id_allocate(admitted_on.year)
    participant = Participant(
        referral=referral,
        date_of_birth=referral.date_of_birth,
        gender_identity=referral.gender_identity,
        youth_id=youth_id,
        youth_id_year=admitted_on.year,
        youth_id_number=number,
        admitted_on=admitted_on,
        admitted_by=actor,
        no_group_activities=Screening.objects.get(referral_id=referral.pk).recruits_others,
    )
    participant.full_clean()
    participant.save()
    try:
        program_consent_create(
            participant=participant,
            actor=actor,
            given_on=consent_given_on,
            place=consent_place,
            form_version=consent_form_version,
            declaration_signed_by=declaration_signed_by,
            research_use=research_use,
            confidentiality_explained=confidentiality_explained,
            copy_given=copy_given,
            scan=consent_scan,
        )
    except ValidationError as exc:
        # Report on the admission form's own field names.
        raise ValidationError(
            {
                f"consent_{k}" if k in ADMISSION_CONSENT_FIELDS else k: v
                for k, v in exc.error_dict.items()
            }
        ) from exc
    _record_status(referral, ReferralStatus.ADMITTED, actor)
    # The workers assigned to the candidate follow the participant: every assignment row, ended
    # ones too, joins the file, so its history carries over.
    Assignment.objects.filter(referral=referral).update(participant=participant)
    # The one seam in the import order (documented in docs/workflow.md): admission opens the
    # follow-up in the same transaction. followups sits above referrals; asking it here costs
    # one function-level import, where a pull from above would leave admitted participants
    # without a follow-up until someone asked.
    from followups.services import followup_open

    followup_open(participant=participant, actor=actor)
    permissions.sync_permissions([participant.pk])
    return participant


@transaction.atomic
def participant_group_activities_set(
    *, participant: Participant, actor: User, marked: bool
) -> Participant:
    """Marked at admission for a recruiter the Clinical Committee admitted (DOMAIN.md rule 4),
    a participant may also be found to recruit others later, or arrive from a legacy workbook
    that says nothing of it: the coordinator marks them on the committee's assessment (never
    placed in activities with other participants), or lifts the mark on its decision. Who did
    it, and when, is in the audit log."""
    require_coordinator(actor)
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if participant.no_group_activities == marked:
        raise ValidationError(
            _("This participant is already marked.")
            if marked
            else _("This participant is not marked.")
        )
    participant.no_group_activities = marked
    participant.save(update_fields=["no_group_activities"])
    return participant
