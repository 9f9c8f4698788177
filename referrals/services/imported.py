"""Participants brought in from a worker's legacy workbook: their consent is to be confirmed by
the coordinator (the workbook holds none, and none is invented)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from referrals.access import require_coordinator
from referrals.models import ConsentKind, Participant
from spheres.models import User


@transaction.atomic
def imported_consent_confirm(*, participant: Participant, actor: User) -> Participant:
    """The coordinator has the signed program consent of an imported participant on file (it
    is recorded on the file as for anyone else, research-use clause included): the marker goes,
    with who confirmed it and when. Records no consent itself."""
    require_coordinator(actor)
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if participant.imported_at is None:
        raise ValidationError(_("This participant was not imported."))
    if participant.consent_confirmed_at is not None:
        raise ValidationError(_("The consent of this participant is already confirmed."))
    if not participant.consents.filter(
        kind=ConsentKind.PROGRAM, withdrawn_on__isnull=True
    ).exists():
        raise ValidationError(
            _("Record the signed program consent on the file first: none is assumed.")
        )
    participant.consent_confirmed_at = timezone.now()
    participant.consent_confirmed_by = actor
    participant.save(update_fields=["consent_confirmed_at", "consent_confirmed_by"])
    return participant
