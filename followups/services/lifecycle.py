"""The follow-up's status and its history (DOMAIN.md: Follow-ups — break, inactive, completed,
reactivation at any time), and the program consent's two ends: withdrawing it ends participation,
giving it again reactivates the follow-up."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from followups.models import FollowUp, FollowUpStatus, FollowUpStatusChange, InactiveReason
from referrals.access import require_change
from referrals.models import Consent, ConsentKind, Participant
from referrals.services import consent_record, consent_withdraw
from spheres.models import User


def followup_open(*, participant: Participant, actor: User) -> FollowUp:
    """At admission: the follow-up starts active."""
    now = timezone.now()
    followup = FollowUp.objects.create(
        participant=participant,
        status=FollowUpStatus.ACTIVE,
        status_since=now,
        period_started_at=now,
    )
    FollowUpStatusChange.objects.create(
        followup=followup, to_status=FollowUpStatus.ACTIVE, changed_by=actor, changed_at=now
    )
    return followup


ALLOWED = {
    FollowUpStatus.ACTIVE: {
        FollowUpStatus.ON_BREAK,
        FollowUpStatus.INACTIVE,
        FollowUpStatus.COMPLETED,
    },
    FollowUpStatus.ON_BREAK: {
        FollowUpStatus.ACTIVE,
        FollowUpStatus.INACTIVE,
        FollowUpStatus.COMPLETED,
    },
    FollowUpStatus.INACTIVE: {FollowUpStatus.ACTIVE},
    FollowUpStatus.COMPLETED: {FollowUpStatus.ACTIVE},
}


@transaction.atomic
def followup_set_status(
    *,
    participant: Participant,
    actor: User,
    to_status: str,
    reason: str = "",
    note: str = "",
    break_terms: str = "",
    break_resume_on: datetime.date | None = None,
    participant_view: str = "",
) -> FollowUp:
    """Only assigned workers and the coordinator change it. A break records its terms; inactive
    needs a reason; completed records the participant's own view; any follow-up can be
    reactivated at any time, and a break ends, each opening a new active period."""
    require_change(actor, participant)
    followup = FollowUp.objects.select_for_update().get(participant=participant)
    if to_status not in ALLOWED.get(followup.status, set()):
        raise ValidationError(
            {
                "to_status": _("A follow-up that is %(from)s cannot become %(to)s.")
                % {"from": followup.get_status_display(), "to": FollowUpStatus(to_status).label}
            }
        )
    errors = {}
    if to_status == FollowUpStatus.ON_BREAK and not break_terms.strip():
        errors["break_terms"] = _("Record the terms agreed for resuming contact.")
    if to_status == FollowUpStatus.INACTIVE and reason not in InactiveReason.values:
        errors["reason"] = _("Choose why the follow-up becomes inactive.")
    if to_status == FollowUpStatus.COMPLETED and not participant_view.strip():
        errors["participant_view"] = _("Record the participant's own view of the completion.")
    if break_resume_on and break_resume_on < timezone.localdate():
        errors["break_resume_on"] = _("The expected resume date is in the past.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    from_status = followup.status
    followup.status = to_status
    followup.status_since = now
    followup.inactive_reason = reason if to_status == FollowUpStatus.INACTIVE else ""
    if to_status == FollowUpStatus.ON_BREAK:
        followup.break_terms, followup.break_resume_on = break_terms.strip(), break_resume_on
    if to_status == FollowUpStatus.COMPLETED:
        followup.participant_view = participant_view.strip()
    if to_status == FollowUpStatus.ACTIVE:
        # Reactivation, or the end of a break agreed with the person: a new active period, in
        # which failed attempts are counted afresh (those from before, or during the break, no
        # longer make the follow-up inactive as soon as it resumes).
        followup.period_started_at = now
        followup.break_terms, followup.break_resume_on = "", None
    followup.full_clean()
    followup.save()
    FollowUpStatusChange.objects.create(
        followup=followup,
        from_status=from_status,
        to_status=to_status,
        reason=followup.inactive_reason,
        note=note.strip(),
        changed_by=actor,
        changed_at=now,
    )
    return followup


# --- Program consent: ending and resuming participation -----------------------------------------


def _program_language(text) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


@transaction.atomic
def participation_end(
    *,
    participant: Participant,
    actor: User,
    consent: Consent,
    withdrawn_on: datetime.date | None = None,
    note: str = "",
    research_use_too: bool = False,
) -> FollowUp:
    """DOMAIN.md (Consent and confidentiality; Follow-ups): the person may withdraw the program
    consent at any time without having to justify it, and that is ending participation. In one
    transaction: the program consent is withdrawn (the file narrows to the coordinator and the
    assigned workers), and an active follow-up (or one on a break) becomes inactive for
    voluntary withdrawal, with its history — so the inactivity job and the Monday reminders,
    which only look at active follow-ups, leave it alone. The research-use clause is withdrawn
    on its own: `research_use_too` records the person's choice to withdraw it as well.

    This is the entry point for withdrawing a program consent: referrals cannot reach the
    follow-up (it sits above them), so the pages call this, which calls referrals' service."""
    if consent.participant_id != participant.pk or consent.kind != ConsentKind.PROGRAM:
        raise ValueError("participation_end takes the participant's program consent")
    consent_withdraw(consent=consent, actor=actor, withdrawn_on=withdrawn_on, note=note)
    if research_use_too:
        for clause in participant.consents.filter(
            kind=ConsentKind.RESEARCH_USE, withdrawn_on__isnull=True
        ):
            consent_withdraw(consent=clause, actor=actor, withdrawn_on=withdrawn_on, note=note)
    followup = FollowUp.objects.select_for_update().get(participant=participant)
    if followup.status in (FollowUpStatus.ACTIVE, FollowUpStatus.ON_BREAK):
        followup = followup_set_status(
            participant=participant,
            actor=actor,
            to_status=FollowUpStatus.INACTIVE,
            reason=InactiveReason.WITHDRAWAL,
            note=_program_language(gettext_lazy("Program consent withdrawn.")),
        )
    return followup


@transaction.atomic
def participation_resume(
    *, participant: Participant, actor: User, given_on: datetime.date, **program_form
) -> FollowUp:
    """DOMAIN.md (Follow-ups): any follow-up can be reactivated at any time. Giving the program
    consent again (signed as at admission: declaration, research-use clause, confidentiality
    explained) reactivates an inactive or completed follow-up in the same transaction, with its
    history; failed attempts are counted afresh from then."""
    consent_record(
        participant=participant,
        actor=actor,
        kind=ConsentKind.PROGRAM,
        given_on=given_on,
        **program_form,
    )
    followup = FollowUp.objects.select_for_update().get(participant=participant)
    if followup.status in (FollowUpStatus.INACTIVE, FollowUpStatus.COMPLETED):
        followup = followup_set_status(
            participant=participant,
            actor=actor,
            to_status=FollowUpStatus.ACTIVE,
            note=_program_language(gettext_lazy("Program consent given again.")),
        )
    return followup
