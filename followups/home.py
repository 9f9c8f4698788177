"""Follow-up figures on the home pages (registered in FollowupsConfig.ready): what the
coordinator and each youth worker need to act on, each linking to its list."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from followups import selectors
from followups.rules import monday_of
from spheres import side_by_side
from spheres.home import Tally
from spheres.models import User


def coordinator_tallies(user: User) -> list[Tally]:
    """Program-wide counts, each over every follow-up: read side by side (spheres.side_by_side),
    the longest first (the failed attempts of every participant)."""
    attention = reverse("followups:attention")
    last_week = monday_of(timezone.localdate()) - datetime.timedelta(days=7)
    one_left, by_worker, inactive, missing, without = side_by_side.run(
        [
            lambda: selectors.one_attempt_from_inactive().count(),
            lambda: selectors.missing_notes_by_worker(last_week),
            lambda: selectors.attention_followups("inactive_this_week").count(),
            lambda: selectors.attention_followups("missing_notes").count(),
            lambda: _without_worker(user)[0],
        ]
    )
    return [
        Tally(
            _("Follow-ups one failed attempt from inactive"),
            one_left,
            f"{attention}?list=one_attempt_left",
            True,
        ),
        Tally(
            _("Follow-ups made inactive this week"),
            inactive,
            f"{attention}?list=inactive_this_week",
        ),
        Tally(
            _("Follow-ups without an active worker"),
            without,
            f"{attention}?list=without_worker",
            True,
        ),
        Tally(
            _("Notes missing last week"),
            missing,
            f"{attention}?list=missing_notes",
            True,
            rows=[
                (w.get_full_name(), n, f"{attention}?list=missing_notes&worker={w.pk}")
                for w, n in by_worker
            ],
        ),
    ]


def worker_tallies(user: User) -> list[Tally]:
    counts = selectors.caseload_counts(user)
    caseload = reverse("followups:caseload")
    return [
        Tally(
            _("This week's notes still to write"),
            counts["note_due"],
            f"{caseload}?view=note_due",
            True,
        ),
        Tally(
            _("Follow-ups with failed attempts"), counts["failed"], f"{caseload}?view=failed", True
        ),
        Tally(_("Breaks ending soon"), counts["break_ending"], f"{caseload}?view=break_ending"),
        Tally(_("New assignments"), counts["new"], f"{caseload}?view=new"),
    ]


# The home shows the first few; a departure without handover can leave hundreds, which the
# attention list pages through.
PANEL_ROWS = 10


def _without_worker(user: User) -> tuple[int, list]:
    """How many follow-ups nobody active follows, and the first PANEL_ROWS + 1 of them. The
    figure and the panel both show them: read once per request (kept on the request's user
    object), and counted only when there are more than the panel holds."""
    found = getattr(user, "_without_worker", None)
    if found is None:
        followups = list(selectors.followups_without_active_worker()[: PANEL_ROWS + 1])
        if len(followups) > PANEL_ROWS:
            count = selectors.followups_without_active_worker().count()
        else:
            count = len(followups)
        found = user._without_worker = (count, followups)
    return found


def without_worker_panel(user: User) -> dict | None:
    """The coordinator's list of follow-ups nobody active follows, each with what to do: the
    first PANEL_ROWS, and a link to the whole list when there are more."""
    followups = _without_worker(user)[1]
    if not followups:
        return None
    return {
        "followups": followups[:PANEL_ROWS],
        "more": len(followups) > PANEL_ROWS,
        "list_url": reverse("followups:attention") + "?list=without_worker",
    }
