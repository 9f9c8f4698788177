"""Dates read from a query string (?week=2026-02-02). A bad one — malformed, or impossible like
2026-02-30 — gives a message and the default, never an error page."""

import datetime

from django.contrib import messages
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _


def date_from_query(request, name: str, default: datetime.date) -> datetime.date:
    raw = (request.GET.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = parse_date(raw)  # None when malformed; ValueError when impossible
    except ValueError:
        value = None
    if value is None:
        messages.warning(
            request,
            _("The date in the address is not a valid date (YYYY-MM-DD): %(date)s is shown.")
            % {"date": default.isoformat()},
        )
        return default
    return value
