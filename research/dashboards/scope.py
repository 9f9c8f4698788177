"""What a dashboard covers (period, organisations, whose caseload) and at which level of detail."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from spheres.models import Role
from spheres.selectors import roles_of

# Who may open the dashboards, and at which level (DOMAIN.md: the Steering Committee sees
# program-level figures; researchers work from anonymised data; workers see their own caseload).
PROGRAM_ROLES = frozenset({Role.STEERING_COMMITTEE, Role.RESEARCHER})
DASHBOARD_ROLES = frozenset({Role.COORDINATOR, Role.YOUTH_WORKER, *PROGRAM_ROLES})


class Level:
    COORDINATOR = "coordinator"  # everything, exact, per organisation and per worker
    PROGRAM = "program"  # program and organisation level, small counts hidden
    CASELOAD = "caseload"  # a youth worker's own caseload, small counts hidden


def level_of(user) -> str | None:
    roles = roles_of(user)
    if Role.COORDINATOR in roles:
        return Level.COORDINATOR
    # Until committees have members, Joint Committee members are the Steering role's holders.
    if roles & PROGRAM_ROLES:
        return Level.PROGRAM
    if Role.YOUTH_WORKER in roles:
        return Level.CASELOAD
    return None


def add_months(day: datetime.date, months: int) -> datetime.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    last = [31, 29 if _leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return datetime.date(year, month, min(day.day, last))


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def month_starts(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months, cursor = [], start.replace(day=1)
    while cursor <= end:
        months.append(cursor)
        cursor = add_months(cursor, 1)
    return months


def start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclass(frozen=True)
class Scope:
    start: datetime.date
    end: datetime.date  # inclusive
    level: str
    organisations: tuple[int, ...] = ()
    worker_id: int | None = None  # the caseload level: this worker's participants only
    compare: bool = True
    today: datetime.date | None = None

    @property
    def previous_end(self) -> datetime.date:
        return self.start - datetime.timedelta(days=1)

    @property
    def previous_start(self) -> datetime.date:
        return self.previous_end - (self.end - self.start)

    @property
    def exact(self) -> bool:
        return self.level == Level.COORDINATOR

    @property
    def threshold(self) -> int:
        return 1 if self.exact else settings.SPHERES_SMALL_COUNT_THRESHOLD

    @property
    def as_of(self) -> datetime.date:
        return self.today or timezone.localdate()
