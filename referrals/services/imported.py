"""Participants brought in from a worker's legacy workbook: their consent is to be confirmed by
the coordinator (the workbook holds none, and none is invented)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from referrals.access import require_coordinator
from referrals.models import Participant
from spheres.models import User


@transaction.atomic
def imported_consent_confirm(*, participant: Participant, actor: User) -> Participant:
    """The coordinator has checked the signed consent of an imported participant: the marker
    goes, with who confirmed it and when. Records no consent itself: the file's consents are
    recorded as for anyone else."""
    require_coordinator(actor)
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if participant.imported_at is None:
        raise ValidationError(_("This participant was not imported."))
    if participant.consent_confirmed_at is not None:
        raise ValidationError(_("The consent of this participant is already confirmed."))
    participant.consent_confirmed_at = timezone.now()
    participant.consent_confirmed_by = actor
    participant.save(update_fields=["consent_confirmed_at", "consent_confirmed_by"])
    return participant
