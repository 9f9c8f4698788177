"""Pure rules of follow-ups: weeks, durations as workers type them, and what a weekly note must
say (DOMAIN.md: The weekly progress notes). No database: services and the bulk path share them."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from followups.models import NoContactReason


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


_DURATION = [
    re.compile(r"^(?P<h>\d{1,2})\s*h\s*(?P<m>\d{1,2})?\s*(min|mn)?$"),  # 1h30, 1 h 30, 2h
    re.compile(r"^(?P<h>\d{1,2})\s*(hr|hrs|heures?|hours?)$"),  # 2 heures, 1 heure, 2 hours
    re.compile(r"^(?P<h>\d{1,2}):(?P<m>\d{2})$"),  # 1:30
    re.compile(r"^(?P<m>\d{1,4})\s*(min|mn|minutes?)?$"),  # 90, 90 min, 90 mn
]
# Decimal hours, with a comma (French) or a point: "1,5 h", "1.5h", "2,25 heures", "1,5".
_DECIMAL_HOURS = re.compile(r"^(?P<h>\d{1,3}\.\d{1,2})\s*(h|hr|hrs|heures?|hours?)?$")
# A week's meetings beyond this ask the worker to confirm (a typo such as 150 for 1h50).
LONG_WEEK_MINUTES = 20 * 60


def parse_duration(text: str) -> int:
    """Minutes from what workers type: "1h30", "90", "1:30", "1 h 30", "45 min", "90 mn",
    "1,5 h", "2 heures"."""
    value = (text or "").strip().lower().replace(",", ".")
    if not value:
        return 0
    decimal = _DECIMAL_HOURS.match(value)
    if decimal:
        return round(float(decimal.group("h")) * 60)
    for pattern in _DURATION:
        match = pattern.match(value)
        if match:
            parts = match.groupdict()
            minutes = int(parts.get("h") or 0) * 60 + int(parts.get("m") or 0)
            if parts.get("h") is not None and int(parts.get("m") or 0) >= 60:
                break
            return minutes
    raise ValidationError(_("Write a duration like 1h30, 1,5 h, 90 or 1:30."), code="duration")


def minutes_as_text(minutes: int) -> str:
    if not minutes:
        return ""
    hours, rest = divmod(minutes, 60)
    return f"{hours}h{rest:02d}" if hours else str(rest)


def note_errors(
    admitted_on: datetime.date,
    week: datetime.date,
    data: dict,
    *,
    today: datetime.date | None = None,
) -> dict:
    """Why this note cannot be saved as it is (empty when it can); `week` is a Monday. `today`
    lets the bulk path read the date once for thousands of rows."""
    errors = {}
    if week > monday_of(today or timezone.localdate()):
        errors["week"] = _("You cannot write a note for a future week.")
    elif week + datetime.timedelta(days=6) < admitted_on:
        errors["week"] = _("This week ends before the participant's admission.")
    meetings, minutes = data.get("meetings") or 0, data.get("meetings_minutes") or 0
    if meetings > 0 and minutes <= 0:
        errors["meetings_minutes"] = _("Give the total duration of the meetings.")
    if minutes > 0 and meetings <= 0:
        errors["meetings"] = _("A duration was given but no meeting.")
    if minutes > 7 * 24 * 60:
        errors["meetings_minutes"] = _("That is longer than a week.")
    if meetings > 0 and data.get("no_contact_reason"):
        errors["no_contact_reason"] = _(
            "This week had meetings: leave “no meeting or communication” empty."
        )
    if meetings == 0 and not data.get("other_channels") and not data.get("no_contact_reason"):
        errors["no_contact_reason"] = _("No meeting and no communication this week: say why.")
    other = data.get("no_contact_reason") == NoContactReason.OTHER
    other_text = (data.get("no_contact_other") or "").strip()
    if other and not other_text:
        errors["no_contact_other"] = _("Specify the other reason.")
    elif other_text and not other:
        # Text left there when the week's answer changed: the note would contradict itself.
        errors["no_contact_other"] = _(
            "This text goes with “Other reason”: choose it, or erase the text."
        )
    return errors
