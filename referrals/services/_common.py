"""Helpers shared by the referral services: status history and the open-referral lock."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from referrals.models import OPEN_STATUSES, Referral, ReferralStatusChange
from spheres.models import User


def _record_status(referral: Referral, to_status: str, actor: User, reason: str = "") -> None:
    from_status = referral.status
    referral.status = to_status
    referral.save(update_fields=["status", "updated_at"])
    ReferralStatusChange.objects.create(
        referral=referral,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        changed_by=actor,
    )


def _open_referral(referral: Referral) -> Referral:
    """Lock and re-read: the caller's copy may be stale. Closed referrals take no new steps."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status not in OPEN_STATUSES:
        raise ValidationError(
            _("This referral is closed (%(status)s).") % {"status": referral.get_status_display()}
        )
    return referral
