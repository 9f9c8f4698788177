"""Program figures for the Steering, Joint and Extended Committees' agendas.

Registered with committees (committees.figures.register) from ResearchConfig.ready(): committees
sits below research and never imports it. The figures are the dashboard's own tables at the
program level, whoever reads the agenda — the same small-count suppression a Steering member
gets on the dashboard — because the agenda is printed, e-mailed to members outside the program
and kept with the minutes. No name, youth ID or per-worker figure can appear: the program level
has none.
"""

from __future__ import annotations

import datetime

from django.core.cache import cache
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from committees.models import Meeting
from research import selectors
from research.dashboards.page import CACHE_SECONDS, versioned_key
from research.dashboards.scope import Level, Scope, add_months
from research.dashboards.tables import Published, Shown, publish


def agenda_period(meeting) -> tuple[datetime.date, datetime.date]:
    """Since the committee's previous meeting (or three months for a first one) up to the eve
    of this meeting: what happened between two meetings is what a meeting reviews."""
    day = timezone.localdate(meeting.starts_at)
    previous = (
        Meeting.objects.filter(committee_id=meeting.committee_id, starts_at__lt=meeting.starts_at)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    start = timezone.localdate(previous) if previous else add_months(day, -3)
    return start, max(start, day - datetime.timedelta(days=1))


def _with_share(count: Shown, share: Shown) -> str:
    # A share is blank when its count or its total is hidden.
    return f"{count.text or '0'} ({share.text})" if share.text else count.text or "0"


def _headings() -> dict[str, str]:
    return {
        "referral_outcomes": _("Referrals of the period"),
        "followups_by_status": _("Follow-ups at the end of the period"),
        "followup_events": _("Changes of status during the period"),
        "dropout": _("Dropout"),
    }


def _rows(published: Published) -> list[tuple[str, str]]:
    """One (label, value) pair per row of the table, for the end of the period. A table withheld
    for suppression says so once instead of its rows."""
    heading = _headings()[published.key]
    if published.withheld:
        return [(heading, _("withheld to protect small counts"))]
    columns = len(published.series)  # count columns come first, after the row label
    rows = []
    for label, shown in published.body:
        if published.key == "referral_outcomes":  # [count, share of the referrals]
            value = _with_share(shown[0], shown[1])
        elif published.key == "dropout":  # [dropped, still in, total, dropped %, still %]
            value = _with_share(shown[0], shown[3])
        else:  # the last column: the end of the period
            value = shown[columns - 1].text or "0"
        rows.append((f"{heading} — {label}", value))
    if published.key == "referral_outcomes" and published.footer:
        rows.insert(0, (_("Referrals received"), published.footer[1][0].text or "0"))
    return rows


def _tables(scope: Scope) -> list[Published]:
    # Only the tables quoted (three queries), not the whole dashboard: the agenda page keeps
    # its budget of fewer than 20 queries even when nothing is cached.
    _by_month, _by_organisation, outcomes, _reasons = selectors.recruitment(scope)
    status, events = selectors.followup_statuses(scope)
    dropout = selectors.participant_counts(scope)["dropout"]
    return [publish(t, threshold=scope.threshold) for t in (outcomes, status, events, dropout)]


def agenda_figures(*, meeting) -> list[tuple[str, str]]:
    start, end = agenda_period(meeting)
    scope = Scope(
        start=start, end=end, level=Level.PROGRAM, compare=False, today=timezone.localdate()
    )
    key = "research:agenda-figures:" + versioned_key(start, end, scope.as_of)
    rows = cache.get(key)
    if rows is None:
        period = _("%(start)s to %(end)s") % {
            "start": date_format(start, "j F Y"),
            "end": date_format(end, "j F Y"),
        }
        rows = [(_("Period"), period)]
        for published in _tables(scope):
            rows += _rows(published)
        cache.set(key, rows, CACHE_SECONDS)
    return rows
