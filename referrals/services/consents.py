"""Consents: program (with its research-use clause), research study, information sharing, and the
duty to report (DOMAIN.md: Consent and confidentiality). Withdrawal at any time, without
justification.

Withdrawing the program consent ends participation: the follow-up becomes inactive in the same
transaction. The follow-up lives above this app, so that entry point is
followups.services.participation_end (and participation_resume to give consent again), which
calls consent_withdraw / consent_record here; the pages call those."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from referrals import permissions
from referrals.access import require_change
from referrals.models import (
    Consent,
    ConsentKind,
    Participant,
    ResearchClause,
    YouthProtectionReport,
)
from referrals.rules import validate_scan
from spheres import uploads
from spheres.models import Organisation, Role, User
from spheres.selectors import roles_of

# What the program form records besides the date, place and version.
PROGRAM_FORM_FIELDS = {
    "declaration_signed_by",
    "research_use",
    "copy_given",
    "confidentiality_explained",
}


def consent_create(
    *, participant, actor, kind, given_on, organisation=None, scan=None, **data
) -> Consent:
    consent = Consent(
        participant=participant,
        kind=kind,
        organisation=organisation,
        given_on=given_on,
        recorded_by=actor,
        **data,
    )
    if given_on and given_on > timezone.localdate():
        raise ValidationError({"given_on": _("The date cannot be in the future.")})
    scan_type = validate_scan(scan) if scan else ""
    consent.full_clean()
    try:
        with transaction.atomic():
            consent.save()
    except IntegrityError as exc:  # recorded by someone else at the same moment
        raise ValidationError(
            _("An active consent of this kind already exists; withdraw it first.")
        ) from exc
    if scan:
        # The file is written once the row is committed: a rollback leaves nothing on disk.
        uploads.save_after_commit(
            instance=consent, field_name="scan", upload=scan, scan_content_type=scan_type
        )
    return consent


def program_form_problems(
    *,
    declaration_signed_by: User | None,
    research_use: str,
    confidentiality_explained: bool,
) -> dict:
    """DOMAIN.md (Consent and confidentiality): the worker signs a declaration of
    responsibility; the worker makes sure confidentiality and information sharing are clearly
    explained; the research-use clause is agreed to or struck out — recorded explicitly."""
    errors = {}
    if declaration_signed_by is None:
        errors["declaration_signed_by"] = _(
            "Choose the worker who signed the declaration of responsibility."
        )
    elif not declaration_signed_by.is_active or Role.YOUTH_WORKER not in roles_of(
        declaration_signed_by, fresh=True
    ):
        errors["declaration_signed_by"] = _(
            "%(name)s is not an active youth worker of an active organisation."
        ) % {"name": declaration_signed_by.get_full_name()}
    if research_use not in (ResearchClause.AGREED, ResearchClause.STRUCK_OUT):
        errors["research_use"] = _(
            "Record whether the research-use clause was agreed to or struck out."
        )
    if not confidentiality_explained:
        errors["confidentiality_explained"] = _(
            "Confidentiality and information sharing must be explained before the form is signed."
        )
    return errors


def program_consent_create(
    *,
    participant: Participant,
    actor: User,
    given_on: datetime.date,
    place: str,
    form_version: str,
    declaration_signed_by: User | None,
    research_use: str,
    confidentiality_explained: bool,
    copy_given: bool = False,
    scan=None,
) -> Consent:
    """The signed program consent as the form has it; when the research-use clause was agreed
    to, its own consent row too (withdrawable on its own). Runs in the caller's transaction."""
    errors = program_form_problems(
        declaration_signed_by=declaration_signed_by,
        research_use=research_use,
        confidentiality_explained=confidentiality_explained,
    )
    if not place.strip():
        errors["place"] = _("Where was the form signed?")
    if errors:
        raise ValidationError(errors)
    consent = consent_create(
        participant=participant,
        actor=actor,
        kind=ConsentKind.PROGRAM,
        given_on=given_on,
        place=place.strip(),
        form_version=form_version,
        worker_declaration=True,
        declaration_signed_by=declaration_signed_by,
        research_clause=research_use,
        copy_given=bool(copy_given),
        confidentiality_explained=True,
        scan=scan,
    )
    active_use = participant.consents.filter(
        kind=ConsentKind.RESEARCH_USE, withdrawn_on__isnull=True
    )
    if research_use == ResearchClause.AGREED and not active_use.exists():
        consent_create(
            participant=participant,
            actor=actor,
            kind=ConsentKind.RESEARCH_USE,
            given_on=given_on,
            place=place.strip(),
            form_version=form_version,
        )
    return consent


@transaction.atomic
def consent_record(
    *, participant: Participant, actor: User, kind: str, given_on: datetime.date, **data
) -> Consent:
    """Program consent given again (through followups.services.participation_resume, which
    also reactivates the follow-up), the research-use clause agreed to later (it needs an active
    program consent: it is a clause of that form), or the research-study consent. Sharing goes
    through sharing_set."""
    require_change(actor, participant)
    if kind not in {ConsentKind.PROGRAM, ConsentKind.RESEARCH, ConsentKind.RESEARCH_USE}:
        raise ValidationError({"kind": _("Unknown consent.")})
    # Two people recording the same consent at once: the second waits here, then is told.
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if participant.consents.filter(kind=kind, withdrawn_on__isnull=True).exists():
        raise ValidationError(
            _("An active consent of this kind already exists; withdraw it first.")
        )
    if kind == ConsentKind.PROGRAM:
        consent = program_consent_create(
            participant=participant, actor=actor, given_on=given_on, **data
        )
        if participant.program_consent_withdrawn:
            participant.program_consent_withdrawn = False
            participant.save(update_fields=["program_consent_withdrawn"])
    else:
        if (
            kind == ConsentKind.RESEARCH_USE
            and not participant.consents.filter(
                kind=ConsentKind.PROGRAM, withdrawn_on__isnull=True
            ).exists()
        ):
            raise ValidationError(
                _("The research-use clause is part of the program consent: record that first.")
            )
        consent = consent_create(
            participant=participant, actor=actor, kind=kind, given_on=given_on, **data
        )
    permissions.sync_permissions([participant.pk])
    return consent


@transaction.atomic
def consent_withdraw(
    *, consent: Consent, actor: User, withdrawn_on: datetime.date | None = None, note: str = ""
) -> Consent:
    """Withdrawal at any time, without having to justify it: the note is optional. Withdrawing
    program consent keeps the file for the coordinator and assigned workers only (and ends the
    follow-up: see followups.services.participation_end, the entry point for that kind). The
    research-use clause and the research-study consent are withdrawn on their own."""
    participant = consent.participant
    require_change(actor, participant)
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_on is not None:
        raise ValidationError(_("This consent is already withdrawn."))
    withdrawn_on = withdrawn_on or timezone.localdate()
    if withdrawn_on > timezone.localdate():
        raise ValidationError({"withdrawn_on": _("The date cannot be in the future.")})
    if withdrawn_on < consent.given_on:
        raise ValidationError({"withdrawn_on": _("The withdrawal is dated before the consent.")})
    consent.withdrawn_on = withdrawn_on
    consent.withdrawal_recorded_by = actor
    consent.withdrawal_note = note.strip()
    consent.save(update_fields=["withdrawn_on", "withdrawal_recorded_by", "withdrawal_note"])
    if consent.kind == ConsentKind.PROGRAM:
        participant.program_consent_withdrawn = True
        participant.save(update_fields=["program_consent_withdrawn"])
    permissions.sync_permissions([participant.pk])
    return consent


@transaction.atomic
def sharing_set(
    *,
    participant: Participant,
    actor: User,
    organisations: list[Organisation],
    given_on: datetime.date,
    note: str = "",
) -> None:
    """The organisations the participant agrees may see the file. Organisations dropped from the
    list have their consent withdrawn (and lose access) in the same transaction."""
    require_change(actor, participant)
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    wanted = {o.pk: o for o in organisations}
    active = {
        c.organisation_id: c
        for c in participant.consents.filter(kind=ConsentKind.SHARING, withdrawn_on__isnull=True)
    }
    today = timezone.localdate()
    for org_id, consent in active.items():
        if org_id not in wanted:
            consent.withdrawn_on, consent.withdrawal_recorded_by = today, actor
            consent.withdrawal_note = note.strip()
            consent.save(
                update_fields=["withdrawn_on", "withdrawal_recorded_by", "withdrawal_note"]
            )
    for org_id, organisation in wanted.items():
        if org_id not in active:
            if not organisation.is_active:
                raise ValidationError({"organisations": _("This organisation is inactive.")})
            consent_create(
                participant=participant,
                actor=actor,
                kind=ConsentKind.SHARING,
                organisation=organisation,
                given_on=given_on,
            )
    permissions.sync_permissions([participant.pk])


@transaction.atomic
def youth_protection_record(
    *, participant: Participant, actor: User, **data
) -> YouthProtectionReport:
    """For a minor, the file shows that the duty to report to the DYP was considered."""
    require_change(actor, participant)
    report = YouthProtectionReport(participant=participant, recorded_by=actor, **data)
    if report.reported and not report.reported_on:
        raise ValidationError({"reported_on": _("Give the date of the report.")})
    today = timezone.localdate()
    future = {
        name: _("The date cannot be in the future.")
        for name in ("considered_on", "reported_on")
        if getattr(report, name) and getattr(report, name) > today
    }
    if future:
        raise ValidationError(future)
    report.full_clean()
    report.save()
    return report
