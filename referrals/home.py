"""The coordinator's referral figures on the home page (registered in ReferralsConfig.ready)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from referrals import selectors
from referrals.models import ReferralStatus
from spheres.home import Tally
from spheres.models import User


def coordinator_tallies(user: User) -> list[Tally]:
    counts = selectors.referral_counts()
    queue = reverse("referrals:referral_queue")
    return [
        Tally(_("New referrals"), counts[ReferralStatus.NEW], f"{queue}?status=new", True),
        Tally(
            _("Referrals awaiting the Clinical Committee's decision"),
            counts[ReferralStatus.AWAITING_COMMITTEE],
            f"{queue}?status={ReferralStatus.AWAITING_COMMITTEE}",
        ),
        Tally(
            _("Participants awaiting an assignment"),
            selectors.unassigned_participants().count(),
            reverse("referrals:participant_list") + "?unassigned=1",
            True,
        ),
    ]
