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


# A panel lists at most this many; the rest are counted.
IMPORTED_SHOWN = 20


def imported_panel(user: User) -> dict | None:
    """Participants imported from a workbook, their consent to be confirmed (until it is)."""
    waiting = selectors.imported_to_confirm(user)
    shown = list(waiting[: IMPORTED_SHOWN + 1])
    if not shown:
        return None
    more = waiting.count() - IMPORTED_SHOWN if len(shown) > IMPORTED_SHOWN else 0
    return {"participants": shown[:IMPORTED_SHOWN], "more": more}
