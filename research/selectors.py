"""Dashboard figures, computed in SQL: conditional counts, sums and month truncation grouped in
the database; quartiles from ROW_NUMBER/COUNT windows (portable to SQLite, where PostgreSQL's
percentile_cont does not exist). No loop over notes or participants: Python only shapes the few
grouped rows each query returns. Imports models only.

Each figure is one function `<name>(scope)` returning a Table or MeasureTable of exact numbers;
research.dashboards.tables.publish applies what the viewer may see.
"""

from __future__ import annotations

import datetime
import re

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import (
    Lead,
    Lower,
    Trim,
    TruncDate,
    TruncMonth,
)
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from followups.models import (
    NOTE_CHANNELS,
    FollowUp,
    FollowUpStatus,
    FollowUpStatusChange,
    InactiveReason,
    NoContactReason,
    RiskAssessment,
    RiskLevel,
    Satisfaction,
    TargetedNeed,
    WeeklyNote,
)
from referrals.models import (
    Assignment,
    Consent,
    ConsentKind,
    InitialMeeting,
    Participant,
    RecruiterRiskAssessment,
    Referral,
    ReferralStatus,
    Screening,
)
from research import notemonths
from research.dashboards.scope import Level, Scope, add_months, month_starts, start_of_day
from research.dashboards.tables import MeasureTable, Table
from research.models import NoteActivity, NoteMonth
from research.notemonths import columns as notemonth_columns
from spheres import side_by_side
from spheres.models import Membership, Role, Sector

ONE_DAY = datetime.timedelta(days=1)

# --- Who is counted ------------------------------------------------------------------------------


def participants_in_scope(scope: Scope) -> QuerySet[Participant]:
    """The participants a figure may count: a worker's own caseload (active assignments), or
    those followed by a worker of the chosen organisations, or all."""
    qs = Participant.objects.all()
    if scope.level == Level.CASELOAD:
        return qs.filter(
            Exists(
                Assignment.objects.filter(
                    participant=OuterRef("pk"), worker_id=scope.worker_id, ended_at__isnull=True
                )
            )
        )
    if scope.organisations:
        qs = qs.filter(
            Exists(
                Assignment.objects.filter(
                    participant=OuterRef("pk"),
                    ended_at__isnull=True,
                    worker__memberships__organisation_id__in=scope.organisations,
                    worker__memberships__is_active=True,
                )
            )
        )
    return qs


def referrals_in_scope(scope: Scope, start: datetime.date, end: datetime.date):
    qs = Referral.objects.filter(
        created_at__gte=start_of_day(start),
        created_at__lt=start_of_day(end + datetime.timedelta(1)),
    )
    if scope.organisations:
        qs = qs.filter(referrer_organisation_id__in=scope.organisations)
    return qs


def _period_key(field: str, scope: Scope, *, as_date: bool = False):
    """1 for the chosen period, 0 for the previous one (same length, just before)."""
    if as_date:
        this = Q(**{f"{field}__gte": scope.start, f"{field}__lte": scope.end})
    else:
        this = Q(
            **{
                f"{field}__gte": start_of_day(scope.start),
                f"{field}__lt": start_of_day(scope.end + datetime.timedelta(1)),
            }
        )
    return Case(When(this, then=Value(1)), default=Value(0), output_field=IntegerField())


def _period_columns(scope: Scope) -> list[str]:
    if not scope.compare:
        return [_("This period")]
    return [_("Previous period"), _("This period")]


def _month_label(month: datetime.date) -> str:
    return date_format(month, "F Y")


def _month_key(value) -> datetime.date:
    if isinstance(value, str):  # SQLite, read without the ORM
        value = datetime.date.fromisoformat(value[:10])
    if isinstance(value, datetime.datetime):
        value = value.date()
    return value.replace(day=1)


# --- Quartiles in SQL ----------------------------------------------------------------------------


def quartiles(qs: QuerySet, value, group) -> dict[object, tuple[int, list[float]]]:
    """(n, [q1, median, q3]) of a duration per group, as PostgreSQL's percentile_cont would
    give, over the rows of qs."""
    rows = qs.annotate(v=value, g=group, k=F("pk")).values("k", "g", "v").order_by()
    sql, params = rows.query.sql_with_params()
    return _quartiles(sql, params)


def _quartiles(rows_sql: str, params) -> dict[object, tuple[int, list[float]]]:
    """Quartiles of the rows (k: a key, g, v: a duration) per group g, with the order statistics
    picked by window functions: only the few rows needed leave the database. Written by hand:
    the ORM's filter on a window (QUALIFY emulation) cost more to build than to run."""
    wanted = " OR ".join(f"r.rn = (r.cnt - 1) * {k} / 4 + {d}" for k in (1, 2, 3) for d in (1, 2))
    sql = (
        "SELECT r.g, r.rn, r.cnt, r.v FROM (SELECT t.g, t.v, "  # noqa: S608 - our own SQL
        "ROW_NUMBER() OVER (PARTITION BY t.g ORDER BY t.v, t.k) AS rn, "
        f"COUNT(*) OVER (PARTITION BY t.g) AS cnt FROM ({rows_sql}) t) r WHERE {wanted}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found_rows = cursor.fetchall()
    native = connection.features.has_native_duration_field
    found: dict[object, dict[int, float]] = {}
    counts: dict[object, int] = {}
    for g, rn, cnt, v in found_rows:
        if not native:  # SQLite: microseconds, as the ORM would convert them
            v = connection.ops.convert_durationfield_value(v, None, connection)
        found.setdefault(g, {})[rn] = _as_days(v)
        counts[g] = cnt
    result = {}
    for g, by_rank in found.items():
        n = counts[g]
        values = []
        for k in (1, 2, 3):
            position = (n - 1) * k / 4  # 0-based, fractional
            low = int(position)
            fraction = position - low
            a = by_rank[low + 1]
            b = by_rank.get(low + 2, a)
            values.append(a + (b - a) * fraction)
        result[g] = (n, values)
    return result


def _as_days(value) -> float:
    if isinstance(value, datetime.timedelta):
        return value.total_seconds() / 86400
    return float(value)


def _days_between(later, earlier):
    return ExpressionWrapper(later - earlier, output_field=DurationField())


# --- 1. Recruitment ------------------------------------------------------------------------------

CLOSED = [ReferralStatus.ADMITTED, ReferralStatus.NOT_ADMITTED, ReferralStatus.REFERRED_ELSEWHERE]


def _outcome_of(status: str) -> int:
    """Index in _outcomes(): admitted, not admitted, referred elsewhere, still open."""
    return CLOSED.index(status) if status in CLOSED else 3


def _outcomes():
    # Labels are translated when the figure is built, in the viewer's language.
    return [_("Admitted"), _("Not admitted"), _("Referred elsewhere"), _("Still open")]


OUTSIDE = "outside"


def _non_admission_reasons():
    """Reasons drawn from what the file records (the free-text reason is not counted)."""
    screening_out_of_area = Q(screening__lives_in_area=False, screening__frequents_area=False)
    return [
        (_("Did not live in or frequent the service area"), screening_out_of_area),
        (_("Did not yet recognise harms"), Q(screening__recognises_harms=False)),
        (
            _("Recruiter: risks outweigh benefits"),
            Q(
                Exists(
                    RecruiterRiskAssessment.objects.filter(
                        referral=OuterRef("pk"),
                        decision=RecruiterRiskAssessment.Decision.RISKS_OUTWEIGH,
                    )
                )
            ),
        ),
        (
            _("Declined after the initial meeting"),
            Q(
                Exists(
                    InitialMeeting.objects.filter(
                        referral=OuterRef("pk"), outcome=InitialMeeting.Outcome.DECLINED
                    )
                )
            ),
        ),
        (_("Referred elsewhere"), Q(status=ReferralStatus.REFERRED_ELSEWHERE)),
    ]


def recruitment(scope: Scope) -> tuple[Table, Table, Table, Table]:
    """Referrals by month and outcome, by referring organisation and sector, the conversion
    to admission and the reasons for non-admission, this period against the previous one.
    One query grouped by period, month, organisation and status; Python only adds up the
    grouped rows (a few per month)."""
    reasons = _non_admission_reasons()
    closed = Q(status__in=[ReferralStatus.NOT_ADMITTED, ReferralStatus.REFERRED_ELSEWHERE])
    rows = (
        referrals_in_scope(scope, scope.previous_start, scope.end)
        .annotate(period=_period_key("created_at", scope), month=TruncMonth("created_at"))
        .values(
            "period",
            "month",
            "status",
            "referrer_organisation__short_name",
            "referrer_organisation__sector",
        )
        .annotate(
            n=Count("pk"),
            **{f"r{k}": Count("pk", filter=closed & q) for k, (_l, q) in enumerate(reasons)},
        )
        .order_by()
    )
    outcomes = _outcomes()
    months = month_starts(scope.start, scope.end)
    by_month = {m: [0] * len(outcomes) for m in months}
    by_period = {0: [0] * len(outcomes), 1: [0] * len(outcomes)}
    reasons_by_period = {0: [0] * len(reasons), 1: [0] * len(reasons)}
    sectors = [s for s in Sector.values if s != Sector.RESEARCH] + [OUTSIDE]
    by_organisation: dict[str, list[int]] = {}
    for r in rows:
        outcome = _outcome_of(r["status"])
        by_period[r["period"]][outcome] += r["n"]
        for k in range(len(reasons)):
            reasons_by_period[r["period"]][k] += r[f"r{k}"]
        if r["period"] != 1:
            continue
        by_month[_month_key(r["month"])][outcome] += r["n"]
        name = r["referrer_organisation__short_name"] or _("Outside the program")
        sector = r["referrer_organisation__sector"] or OUTSIDE
        if sector not in sectors:
            sectors.insert(-1, sector)
        line = by_organisation.setdefault(name, [0] * len(sectors))
        line += [0] * (len(sectors) - len(line))
        line[sectors.index(sector)] += r["n"]
    labels = dict(Sector.choices) | {OUTSIDE: _("Outside the program")}
    used = [
        k for k in range(len(sectors)) if any(k < len(v) and v[k] for v in by_organisation.values())
    ]
    keys = [0, 1] if scope.compare else [1]
    columns = _period_columns(scope)
    month_table = Table(
        key="referrals_by_month",
        title=_("Referrals by month and outcome"),
        description=_("Referrals received each month of the period, by what became of them since."),
        row_header=_("Month"),
        rows=[_month_label(m) for m in months],
        columns=outcomes,
        cells=[by_month[m] for m in months],
        chart="stacked",
    )
    # One table for organisations and sectors (the column totals are the sectors), so that
    # the two breakdowns are protected together.
    organisation_table = Table(
        key="referrals_by_organisation",
        title=_("Referrals by referring organisation and sector"),
        description=_("Who referred the candidates of the period: organisation and its sector."),
        row_header=_("Referring organisation"),
        rows=sorted(by_organisation),
        columns=[str(labels[sectors[k]]) for k in used],
        cells=[
            [by_organisation[name][k] if k < len(by_organisation[name]) else 0 for k in used]
            for name in sorted(by_organisation)
        ],
        chart="hbar_stacked",
        blank_zeros=True,
    )
    outcome_table = Table(
        key="referral_outcomes",
        title=_("From referral to admission"),
        description=_(
            "What became of the referrals received in the period; the share admitted is the "
            "conversion rate."
        ),
        row_header=_("Outcome"),
        rows=outcomes,
        columns=columns,
        cells=[[by_period[p][k] for p in keys] for k in range(len(outcomes))],
        row_totals=False,
        grand_total=False,
        percent="column",
        chart="bar",
    )
    reasons_table = Table(
        key="non_admission_reasons",
        title=_("Reasons for non-admission"),
        description=_(
            "Referrals closed without admission, by the reasons the file records. A referral "
            "may have several reasons, so the rows do not add up."
        ),
        row_header=_("Reason"),
        rows=[label for label, _q in reasons],
        columns=columns,
        cells=[[reasons_by_period[p][k] for p in keys] for k in range(len(reasons))],
        row_totals=False,
        column_totals=False,
        grand_total=False,
        additive=False,
        chart="hbar",
    )
    return month_table, organisation_table, outcome_table, reasons_table


def first_assignments() -> QuerySet:
    """When a worker was first assigned to each candidate (referral, first_at): workers are
    assigned to the referral (before the initial meeting), and the row stays linked to the
    referral after admission. Referrals without an assignment have no row."""
    return (
        Assignment.objects.filter(referral__isnull=False)
        .order_by()
        .values("referral_id")
        .annotate(first_at=Min("started_at"))
        .values("referral_id", "first_at")
    )


def recruitment_delays(scope: Scope) -> MeasureTable:
    """Days from referral to the first assignment and to the initial meeting (quartiles).
    The referrals joined with the first of each, grouped once (a subquery per referral cost
    more than the rest of the figure)."""
    base, base_params = (
        referrals_in_scope(scope, scope.previous_start, scope.end)
        .annotate(period=_period_key("created_at", scope), day=TruncDate("created_at"), k=F("pk"))
        .values("k", "created_at", "day", "period")
        .order_by()
        .query.sql_with_params()
    )
    first_met = (
        InitialMeeting.objects.order_by()
        .values("referral_id")
        .annotate(first_on=Min("met_on"))
        .values("referral_id", "first_on")
    )
    subtract = connection.ops.subtract_temporals
    found = []
    for firsts, kind, first_column, from_column in (
        (first_assignments(), "DateTimeField", "f.first_at", "b.created_at"),
        (first_met, "DateField", "f.first_on", "b.day"),
    ):
        firsts_sql, firsts_params = firsts.query.sql_with_params()
        value, value_params = subtract(kind, (first_column, ()), (from_column, ()))
        rows = (
            f"SELECT b.k, b.period AS g, {value} AS v FROM ({base}) b "  # noqa: S608
            f"JOIN ({firsts_sql}) f ON f.referral_id = b.k"
        )
        found.append(_quartiles(rows, [*value_params, *base_params, *firsts_params]))
    assigned, met = found
    rows, n, values = [], [], []
    keys = [(1, _("this period")), (0, _("previous period"))] if scope.compare else [(1, "")]
    for label, found in (
        (_("Referral to assignment"), assigned),
        (_("Referral to initial meeting"), met),
    ):
        for key, suffix in keys:
            rows.append(f"{label} — {suffix}" if suffix else label)
            count, q = found.get(key, (0, [None, None, None]))
            n.append(count)
            values.append(q)
    return MeasureTable(
        key="recruitment_delays",
        title=_("Time from referral to assignment and to the initial meeting"),
        description=_(
            "Days between the referral and the first assignment of a worker, and the first "
            "initial meeting, for the referrals of the period: median and quartiles."
        ),
        row_header=_("Delay (days)"),
        rows=rows,
        columns=[_("First quartile"), _("Median"), _("Third quartile")],
        n=n,
        values=values,
        unit=_("days"),
        chart_column=1,
        n_label=_("Referrals"),
    )


AGE_BANDS = [(12, 14), (15, 17), (18, 20), (21, 24)]


def _gender_groups():
    return [
        (_("Woman"), ["femme", "f", "fille", "woman", "female", "femme trans", "trans woman"]),
        (_("Man"), ["homme", "h", "m", "garçon", "garcon", "man", "male", "homme trans"]),
    ]


def _age_gender_parts(scope: Scope) -> list[tuple[str, str, list]]:
    """Participants admitted in the period by age band and gender group (columns of
    _participant_rows: age at admission, gender group)."""
    admitted = "t.admitted >= %s AND t.admitted <= %s"
    period = [_date(scope.start), _date(scope.end)]
    bands = [(f"t.age >= {lo} AND t.age <= {hi}") for lo, hi in AGE_BANDS]
    bands.append(f"(t.age < {AGE_BANDS[0][0]} OR t.age > {AGE_BANDS[-1][1]})")
    return [
        (f"ag{b}_{k}", f"{admitted} AND {band} AND t.gk = {k}", period)
        for b, band in enumerate(bands)
        for k in range(len(_gender_groups()) + 2)
    ]


def _age_gender_table(found: dict) -> Table:
    columns = [label for label, _v in _gender_groups()] + [_("Another identity"), _("Not stated")]
    cells = [[found[f"ag{b}_{k}"] for k in range(len(columns))] for b in range(len(AGE_BANDS) + 1)]
    labels = [_("%(low)s to %(high)s") % {"low": lo, "high": hi} for lo, hi in AGE_BANDS]
    if any(cells[-1]):
        labels.append(_("Other ages"))
    else:
        cells.pop()
    return Table(
        key="admissions_by_age_and_gender",
        title=_("Participants admitted by age and gender"),
        description=_("Age at admission and the gender the participant identifies with."),
        row_header=_("Age at admission"),
        rows=labels,
        columns=columns,
        cells=cells,
        chart="stacked",
    )


# --- 2. Follow-ups -------------------------------------------------------------------------------


def _status_groups():
    return [
        (_("Active"), FollowUpStatus.ACTIVE, None),
        (_("On break"), FollowUpStatus.ON_BREAK, None),
        (_("Inactive: unreachable"), FollowUpStatus.INACTIVE, [InactiveReason.UNREACHABLE]),
        (_("Inactive: withdrawal"), FollowUpStatus.INACTIVE, [InactiveReason.WITHDRAWAL]),
        (
            _("Inactive: other reasons"),
            FollowUpStatus.INACTIVE,
            [
                InactiveReason.NO_LONGER_BENEFITING,
                InactiveReason.NEEDS_NOT_MET,
                InactiveReason.OTHER_ENDS,
            ],
        ),
        (_("Completed"), FollowUpStatus.COMPLETED, None),
    ]


def _events():
    reactivated = (FollowUpStatus.INACTIVE, FollowUpStatus.COMPLETED)
    return [
        (_("Breaks agreed"), lambda to, frm: to == FollowUpStatus.ON_BREAK),
        (_("Became inactive"), lambda to, frm: to == FollowUpStatus.INACTIVE),
        (_("Completed"), lambda to, frm: to == FollowUpStatus.COMPLETED),
        (_("Reactivations"), lambda to, frm: to == FollowUpStatus.ACTIVE and frm in reactivated),
    ]


def followup_statuses(scope: Scope) -> tuple[Table, Table]:
    """Follow-ups by status at the end of each month, and the changes of status."""
    status_table, events_table, _missing = _status_history(scope)
    return status_table, events_table


def _status_history(scope: Scope) -> tuple[Table, Table, Table]:
    """Status at the end of each month, from the status history: each change holds until the
    next one (LEAD over the follow-up's changes), counted once per month; the changes of
    the period and the previous one (breaks, inactivity, completions, reactivations); and, for
    the last weeks of the period, the follow-ups active at the end of the week with and
    without that week's note. One query over the history, grouped by kind of change: the
    status at a given time comes from the same window as the monthly counts, instead of one
    lookup per participant and week."""
    months = month_starts(scope.start, scope.end)
    ends = [min(add_months(m, 1), scope.end + datetime.timedelta(1)) for m in months]
    changes = (
        _in_scope(FollowUpStatusChange.objects.order_by(), scope, "followup__participant")
        .annotate(
            next_at=Window(
                Lead("changed_at"),
                partition_by=[F("followup_id")],
                order_by=[F("changed_at").asc(), F("pk").asc()],
            )
        )
        .values(
            "to_status",
            "from_status",
            "reason",
            "changed_at",
            "next_at",
            pid=F("followup__participant_id"),
            admitted=F("followup__participant__admitted_on"),
        )
    )
    inner, params = changes.query.sql_with_params()
    adapt = connection.ops.adapt_datetimefield_value
    columns, column_params = [], []
    for k, end in enumerate(ends):
        instant = adapt(start_of_day(end))
        columns.append(
            f"SUM(CASE WHEN t.changed_at < %s AND (t.next_at IS NULL OR t.next_at >= %s) "
            f"THEN 1 ELSE 0 END) AS m{k}"
        )
        column_params += [instant, instant]
    for k, (start, end) in enumerate(
        ((scope.previous_start, scope.start), (scope.start, scope.end + datetime.timedelta(1)))
    ):
        columns.append(
            f"SUM(CASE WHEN t.changed_at >= %s AND t.changed_at < %s THEN 1 ELSE 0 END) AS p{k}"
        )
        column_params += [adapt(start_of_day(start)), adapt(start_of_day(end))]
    weeks = _missing_weeks(scope)
    joined, joined_params = "", []
    if weeks:
        # Which of these weeks have a note, as bits of one number per participant.
        noted = (
            WeeklyNote.objects.filter(week__in=weeks)
            .order_by()
            .values("participant")
            .annotate(
                bits=Sum(
                    Case(
                        *[When(week=week, then=Value(1 << k)) for k, week in enumerate(weeks)],
                        default=Value(0),
                        output_field=IntegerField(),
                    )
                )
            )
            .values("participant", "bits")
        )
        noted_sql, joined_params = noted.query.sql_with_params()
        joined = f" LEFT JOIN ({noted_sql}) n ON n.participant = t.pid"
        for k, week in enumerate(weeks):
            instant = adapt(start_of_day(week + datetime.timedelta(days=7)))
            active = (
                "t.to_status = %s AND t.changed_at < %s "
                "AND (t.next_at IS NULL OR t.next_at >= %s) AND t.admitted <= %s"
            )
            active_params = [
                FollowUpStatus.ACTIVE.value,
                instant,
                instant,
                connection.ops.adapt_datefield_value(week),
            ]
            for name, test in (("w", "<>"), ("n", "=")):
                columns.append(
                    f"SUM(CASE WHEN {active} AND (COALESCE(n.bits, 0) & {1 << k}) {test} 0 "
                    f"THEN 1 ELSE 0 END) AS {name}{k}"
                )
                column_params += active_params
    sql = (
        f"SELECT t.to_status, t.from_status, t.reason, {', '.join(columns)} "  # noqa: S608
        f"FROM ({inner}) t{joined} GROUP BY t.to_status, t.from_status, t.reason"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*column_params, *params, *joined_params])
        found = cursor.fetchall()
    groups, events = _status_groups(), _events()
    cells = [[0] * len(months) for _g in groups]
    changes_by_period = [[0, 0] for _e in events]
    notes_by_week = [[0, 0] for _w in weeks]
    for status, from_status, reason, *counts in found:
        counts = [int(v or 0) for v in counts]
        *at_month_end, previous, this = counts[: len(months) + 2]
        for k, _week in enumerate(weeks):
            notes_by_week[k][0] += counts[len(months) + 2 + 2 * k]
            notes_by_week[k][1] += counts[len(months) + 3 + 2 * k]
        for k, (_l, wanted, reasons) in enumerate(groups):
            if status == wanted and (reasons is None or reason in reasons):
                for j, value in enumerate(at_month_end):
                    cells[k][j] += value
        for k, (_l, matches) in enumerate(events):
            if matches(status, from_status):
                changes_by_period[k][0] += previous
                changes_by_period[k][1] += this
    keys = [0, 1] if scope.compare else [1]
    events_table = Table(
        key="followup_events",
        title=_("Breaks, inactivity, completions and reactivations"),
        description=_("Number of times follow-ups changed status during the period."),
        row_header=_("Change"),
        rows=[label for label, _m in events],
        columns=_period_columns(scope),
        cells=[[row[p] for p in keys] for row in changes_by_period],
        row_totals=False,
        column_totals=False,
        grand_total=False,
        additive=False,
        chart="bar",
    )
    status_table = Table(
        key="followups_by_status",
        title=_("Follow-ups by status, at the end of each month"),
        description=_(
            "How many follow-ups were active, on break, inactive (by reason) or "
            "completed at the end of each month."
        ),
        row_header=_("Status"),
        rows=[label for label, _s, _r in groups],
        columns=[_month_label(m) for m in months],
        cells=cells,
        row_totals=False,
        grand_total=False,
        chart="stacked_by_column",
    )
    return status_table, events_table, _missing_notes_table(scope, notes_by_week)


DROPOUT_REASONS = [InactiveReason.UNREACHABLE, InactiveReason.WITHDRAWAL]
HORIZONS = [3, 6, 12]


def _dropout_parts(scope: Scope) -> list[tuple[str, str, list]]:
    """Participants admitted in the period who became inactive (unreachable or withdrawal)
    within 3, 6 and 12 months of admission, among those admitted long enough ago (columns of
    _participant_rows: months from admission to the first such change)."""
    admitted = "t.admitted >= %s AND t.admitted <= %s AND t.admitted <= %s"
    found = []
    for h in HORIZONS:
        params = [_date(scope.start), _date(scope.end), _date(add_months(scope.as_of, -h))]
        found.append((f"e{h}", admitted, params))
        found.append((f"d{h}", f"{admitted} AND t.dropped_after < {h}", params))
    return found


def _dropout_table(found: dict) -> Table:
    cells = [[found[f"d{h}"], found[f"e{h}"] - found[f"d{h}"]] for h in HORIZONS]
    return Table(
        key="dropout",
        title=_("Dropout within 3, 6 and 12 months of admission"),
        description=_(
            "Participants admitted in the period whose follow-up became inactive because they "
            "could not be reached or withdrew, within 3, 6 or 12 months; counted among those "
            "admitted at least that long ago."
        ),
        row_header=_("Within"),
        rows=[_("%(months)s months") % {"months": h} for h in HORIZONS],
        columns=[_("Dropped out"), _("Still in the program or ended otherwise")],
        cells=cells,
        column_totals=False,
        grand_total=False,
        percent="row",
        chart="stacked",
    )


def followup_length(scope: Scope) -> MeasureTable:
    """Months from admission to the end of the follow-up (ended in the period) or to the end
    of the period (still open), quartiles in SQL."""
    ended = Q(
        followup__status__in=[FollowUpStatus.INACTIVE, FollowUpStatus.COMPLETED],
        followup__status_since__gte=start_of_day(scope.start),
        followup__status_since__lt=start_of_day(scope.end + datetime.timedelta(1)),
    )
    still_open = Q(
        followup__status__in=[FollowUpStatus.ACTIVE, FollowUpStatus.ON_BREAK],
        admitted_on__lte=scope.end,
    )
    qs = participants_in_scope(scope).filter(ended | still_open)
    group = Case(When(ended, then=Value(0)), default=Value(1), output_field=IntegerField())
    end_day = Case(
        When(ended, then=TruncDate("followup__status_since")),
        default=Value(scope.end),
    )
    found = quartiles(qs, _days_between(end_day, F("admitted_on")), group)
    rows, n, values = [], [], []
    for key, label in (
        (0, _("Ended in the period")),
        (1, _("Still open at the end of the period")),
    ):
        count, q = found.get(key, (0, [None, None, None]))
        rows.append(label)
        n.append(count)
        values.append([None if v is None else v / 30.44 for v in q])
    return MeasureTable(
        key="followup_length",
        title=_("Follow-up length"),
        description=_(
            "Months from admission to the end of the follow-up (completed or "
            "inactive), or to the end of the period for follow-ups still open."
        ),
        row_header=_("Follow-ups"),
        rows=rows,
        columns=[_("First quartile"), _("Median"), _("Third quartile")],
        n=n,
        values=values,
        unit=_("months"),
        chart_column=1,
    )


# --- 3 and 4. Intensity and experience (one query over the notes) --------------------------------


def _in_scope(qs: QuerySet, scope: Scope, field: str = "participant") -> QuerySet:
    """Rows of the participants in scope. Unfiltered, everyone is in scope: no semi-join."""
    if scope.level != Level.CASELOAD and not scope.organisations:
        return qs
    return qs.filter(**{f"{field}__in": participants_in_scope(scope).values("pk")})


def _notes_in_scope(scope: Scope, start: datetime.date, end: datetime.date):
    return _in_scope(WeeklyNote.objects.filter(week__gte=start, week__lte=end), scope)


def _cut_months(start: datetime.date, end: datetime.date):
    """The months of start..end, for the per-participant monthly summaries: (first month, last
    month, [(month cut by start or end, the participants with a note in the part cut off)])."""
    first, last = start.replace(day=1), end.replace(day=1)
    cut_at_start, cut_at_end = start.day != 1, (end + ONE_DAY).month == end.month
    edges = []
    for month in sorted({m for m, cut in ((first, cut_at_start), (last, cut_at_end)) if cut}):
        # The weeks of the month before start, after end: as narrow ranges, which the planner
        # sees are short (usually empty: nothing is written ahead of today).
        cut_off = Q()
        if month < start:
            cut_off |= Q(week__gte=month, week__lt=start)
        if add_months(month, 1) > end + ONE_DAY:
            cut_off |= Q(week__gt=end, week__lt=add_months(month, 1))
        edges.append((month, WeeklyNote.objects.filter(cut_off).values("participant")))
    return first, last, edges


def _from_summary(summary: QuerySet, start: datetime.date, end: datetime.date):
    """The rows of a per-participant monthly summary for start..end, and the notes to count
    one by one instead (a queryset per month cut): a month cut by start or end is read from
    the summary for every participant with no note in the part cut off (usually everyone: the
    period ends today and no note is written ahead), and from the notes of the others. One
    queryset per month (not one with OR): PostgreSQL then starts from the few participants cut
    off instead of reading every note of the month."""
    first, last, edges = _cut_months(start, end)
    whole = summary.filter(month__gte=first, month__lte=last)
    counted = []
    for month, cut_off in edges:
        whole = whole.exclude(month=month, participant__in=cut_off)
        counted.append(
            WeeklyNote.objects.filter(
                week__gte=max(month, start),
                week__lt=min(add_months(month, 1), end + ONE_DAY),
                participant__in=cut_off,
            )
        )
    return whole, counted


# The note columns the summary's measures read (research.notemonths.measures).
_MEASURED = [
    "week",
    "meetings",
    "meetings_minutes",
    "other_channels",
    "no_contact_reason",
    "targeted_need",
    "worker_satisfaction",
    "participant_satisfaction",
]


def _note_months(
    scope: Scope, start: datetime.date, end: datetime.date
) -> dict[datetime.date, dict]:
    """The note measures by month (of the note's Monday) for the notes whose week is in
    start..end, from the per-participant monthly summary (research.notemonths) rather than the
    notes (_from_summary). One query (UNION ALL); a month may come in two rows over disjoint
    participants, which add up. The notes of a month cut by the period are counted with the
    very SQL the triggers keep the summary with (notemonths.measures): the same counts by
    construction, and no ORM aggregate of 36 conditional counts to build."""
    whole, counted = _from_summary(NoteMonth.objects.all(), start, end)
    vendor = connection.vendor
    measured = notemonths.measures(vendor)
    names = [name for name, _sql in measured]
    summary_sql, params = (
        _in_scope(whole, scope).values("month", *names).order_by().query.sql_with_params()
    )
    sums = ", ".join(f"SUM(w.{name})" for name in names)
    parts = [f"SELECT w.month, COUNT(*), {sums} FROM ({summary_sql}) w GROUP BY w.month"]  # noqa: S608
    params = list(params)
    month = notemonths.month_sql(vendor, "n")
    # (% doubled: the query has parameters, and the channels are matched with LIKE '%...%'.)
    counts = ", ".join(f"SUM({sql.format(n='n')})".replace("%", "%%") for _n, sql in measured)
    for notes in counted:
        notes_sql, notes_params = (
            _in_scope(notes, scope)
            .values("participant_id", *_MEASURED)
            .order_by()
            .query.sql_with_params()
        )
        parts.append(
            f"SELECT {month}, COUNT(DISTINCT n.participant_id), {counts} "  # noqa: S608
            f"FROM ({notes_sql}) n GROUP BY {month}"
        )
        params += notes_params
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    by_month: dict[datetime.date, dict] = {}
    for row in rows:
        month_of = _month_key(row[0])
        found = dict(zip(["people", *names], row[1:], strict=True))
        if month_of in by_month:
            by_month[month_of] = {
                k: (v or 0) + (found[k] or 0) for k, v in by_month[month_of].items()
            }
        else:
            by_month[month_of] = found
    return by_month


def intensity_and_experience(scope: Scope) -> list[Table | MeasureTable]:
    """Every weekly-note figure from one grouped query (by month of the week's Monday)."""
    start = scope.previous_start if scope.compare else scope.start
    by_month = _note_months(scope, start, scope.end)
    months = month_starts(scope.start, scope.end)
    empty = dict.fromkeys(["people", *notemonth_columns()], 0)

    def month_row(m):
        return by_month.get(m, empty)

    def period_sum(name, previous):
        lo, hi = (
            (scope.previous_start, scope.previous_end) if previous else (scope.start, scope.end)
        )
        return sum(r[name] or 0 for m, r in by_month.items() if lo.replace(day=1) <= m <= hi)

    def by_period(name):
        keys = [True, False] if scope.compare else [False]
        return [period_sum(name, previous) for previous in keys]

    month_labels = [_month_label(m) for m in months]
    why = [(v, label) for v, label in NoContactReason.choices]
    contact_columns = (
        [_("Face-to-face meeting"), _("Other communication only")]
        + [_("No contact: %(reason)s") % {"reason": label} for _v, label in why]
        + [_("No contact: reason not given")]
    )
    contact = Table(
        key="contact_weeks",
        title=_("Weeks of follow-up by kind of contact"),
        description=_(
            "Each weekly note is one participant-week: with at least one face-to-face meeting, "
            "with other communications only, or without contact and why."
        ),
        row_header=_("Month"),
        rows=month_labels,
        columns=contact_columns,
        cells=[
            [month_row(m)["met"], month_row(m)["other_only"]]
            + [month_row(m)[f"why_{v}"] for v, _l in why]
            + [month_row(m)["why_blank"]]
            for m in months
        ],
        chart="stacked",
    )

    def average(total, count):
        return None if not count else total / count

    intensity_rows, n, values = [], [], []
    for m in months:
        r = month_row(m)
        intensity_rows.append(_month_label(m))
        n.append(r["people"])
        values.append(
            [
                average(r["meetings_sum"] or 0, r["notes"]),
                average(r["minutes_sum"] or 0, r["meetings_sum"] or 0),
                average(r["meetings_sum"] or 0, r["people"]),
            ]
        )
    intensity = MeasureTable(
        key="meeting_intensity",
        title=_("Face-to-face meetings per week and per participant"),
        description=_(
            "Average number of face-to-face meetings per participant-week, their average "
            "duration, and meetings per participant in the month."
        ),
        row_header=_("Month"),
        rows=intensity_rows,
        columns=[
            _("Meetings per participant-week"),
            _("Minutes per meeting"),
            _("Meetings per participant"),
        ],
        n=n,
        values=values,
        chart_column=0,
        decimals=2,
    )
    columns = _period_columns(scope)
    channels = Table(
        key="channels",
        title=_("Other communications by channel"),
        description=_(
            "Participant-weeks in which each channel was used besides meetings; a week may use "
            "several channels, so the rows do not add up."
        ),
        row_header=_("Channel"),
        rows=[str(c.label) for c in NOTE_CHANNELS],
        columns=columns,
        cells=[by_period(f"ch_{c.value}") for c in NOTE_CHANNELS],
        row_totals=False,
        column_totals=False,
        grand_total=False,
        additive=False,
        chart="hbar",
    )
    needs = Table(
        key="targeted_needs",
        title=_("Targeted needs"),
        description=_("Participant-weeks by the need the week's work targeted."),
        row_header=_("Need"),
        rows=[str(label) for _v, label in TargetedNeed.choices],
        columns=columns,
        cells=[by_period(f"need_{v}") for v in TargetedNeed.values],
        row_totals=False,
        grand_total=False,
        percent="column",
        chart="hbar",
    )
    satisfaction = []
    for prefix, key, title in (
        ("ws", "worker_satisfaction", _("Worker's satisfaction by month")),
        ("ps", "participant_satisfaction", _("Participant's satisfaction (as perceived) by month")),
    ):
        satisfaction.append(
            Table(
                key=key,
                title=title,
                description=_("Participant-weeks by the satisfaction recorded in the note."),
                row_header=_("Month"),
                rows=month_labels,
                columns=[str(label) for _v, label in Satisfaction.choices],
                cells=[
                    [month_row(m)[f"{prefix}_{v}"] for v in Satisfaction.values] for m in months
                ],
                chart="stacked",
            )
        )
    return [contact, intensity, channels, needs, *satisfaction]


def main_activities(scope: Scope, *, limit: int = 10) -> Table:
    """The most frequent main activities (free text, compared without case or spaces). Below
    the coordinator, only activities recorded for at least threshold participants are named:
    free text could carry something personal. From the weeks counted by participant, month and
    activity (research.notemonths), not the period's notes."""
    whole, counted = _from_summary(NoteActivity.objects.all(), scope.start, scope.end)
    summary = _in_scope(whole, scope).values_list("participant_id", "activity", "weeks").order_by()
    notes = [
        _in_scope(cut.exclude(main_activity=""), scope)
        .annotate(activity=Lower(Trim("main_activity")), weeks=Value(1))
        .values_list("participant_id", "activity", "weeks")
        .order_by()
        for cut in counted
    ]
    rows = summary.union(*notes, all=True) if notes else summary
    rows_sql, params = rows.query.sql_with_params()
    sql = f"SELECT t.activity, SUM(t.weeks) AS w FROM ({rows_sql}) t GROUP BY t.activity"  # noqa: S608
    if not scope.exact:
        # Enough participants? The first threshold distinct participants of the activity in
        # the summary, found in its index (activity, participant, month), rather than every
        # participant of every activity grouped; only if there are fewer, with those of the
        # notes of the months cut by the period (the same participant may be in both).
        summary_sql, summary_params = summary.query.sql_with_params()
        first_few = (
            "(SELECT COUNT(*) FROM (SELECT DISTINCT s.participant_id "  # noqa: S608
            f"FROM ({summary_sql}) s WHERE s.activity = a.activity "
            "ORDER BY s.participant_id LIMIT %s) f) >= %s"
        )
        check, check_params = first_few, [*summary_params, scope.threshold, scope.threshold]
        if notes:
            notes_sql, notes_params = notes[0].union(*notes[1:], all=True).query.sql_with_params()
            check = (
                f"CASE WHEN {first_few} THEN 1 WHEN (SELECT COUNT(*) FROM ("  # noqa: S608
                f"SELECT s.participant_id FROM ({summary_sql}) s WHERE s.activity = a.activity "
                f"UNION SELECT n.participant_id FROM ({notes_sql}) n "
                "WHERE n.activity = a.activity) e) >= %s THEN 1 ELSE 0 END = 1"
            )
            check_params += [*summary_params, *notes_params, scope.threshold]
        sql = f"SELECT a.activity, a.w FROM ({sql}) a WHERE {check}"  # noqa: S608
        params = (*params, *check_params)
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY w DESC, 1 LIMIT %s", (*params, limit))
        rows = [{"a": activity, "weeks": weeks} for activity, weeks in cursor.fetchall()]
    return Table(
        key="main_activities",
        title=_("Main activities"),
        description=_(
            "The most frequent main activities of the weeks of the period (participant-weeks)."
        ),
        row_header=_("Main activity"),
        rows=[r["a"].capitalize() for r in rows],
        columns=[_("Weeks")],
        cells=[[r["weeks"]] for r in rows],
        row_totals=False,
        column_totals=False,
        grand_total=False,
        additive=False,
        chart="hbar",
    )


# --- 5. Risk -------------------------------------------------------------------------------------


def _risk_parts(scope: Scope) -> list[tuple[str, str, list]]:
    """Level at admission against the level at time 1 and at time 2 (assessed by the end of
    the period; columns of _participant_rows)."""
    levels = RiskLevel.values
    return [
        (f"t{t}_{a}_{b}", f"t.l0 = %s AND t.l{t} = %s", [levels[a], levels[b]])
        for t in (1, 2)
        for a in range(len(levels))
        for b in range(len(levels))
    ]


def _risk_tables(found: dict) -> list[Table]:
    levels = RiskLevel.values
    labels = [str(label) for _v, label in RiskLevel.choices]
    return [
        Table(
            key=f"risk_transitions_t{t}",
            title=_("Risk level: admission to time %(t)s") % {"t": t},
            description=_(
                "Participants by their risk level at admission (rows) and at time %(t)s (columns)."
            )
            % {"t": t},
            row_header=_("At admission"),
            rows=labels,
            columns=labels,
            cells=[
                [found[f"t{t}_{a}_{b}"] for b in range(len(levels))] for a in range(len(levels))
            ],
            chart="stacked",
        )
        for t in (1, 2)
    ]


T2_AFTER_MONTHS = 12


def _questionnaire_parts(scope: Scope) -> list[tuple[str, str, list]]:
    """Time 1 is due for every participant who consented to research; time 2 once time 1 is
    at least 12 months old. Done = the self-report instrument was administered (columns of
    _participant_rows)."""
    admitted = "t.admitted <= %s"
    end = [_date(scope.end)]
    return [
        ("done1", f"{admitted} AND t.d1 = 1", end),
        ("due1", f"{admitted} AND (t.research = 1 OR t.d1 = 1)", end),
        ("done2", f"{admitted} AND t.d2 = 1", end),
        ("due2", f"{admitted} AND (t.t1_old = 1 OR t.d2 = 1)", end),
    ]


def _questionnaire_table(found: dict) -> Table:
    cells = [
        [found["done1"], found["due1"] - found["done1"]],
        [found["done2"], found["due2"] - found["done2"]],
    ]
    return Table(
        key="questionnaires",
        title=_("Self-report questionnaires at time 1 and time 2"),
        description=_(
            "Due at time 1 for participants who consented to research; due at time 2 twelve "
            "months after time 1. Done: the questionnaires were administered."
        ),
        row_header=_("Time"),
        rows=[_("Time 1"), _("Time 2")],
        columns=[_("Done"), _("Due, not done")],
        cells=cells,
        column_totals=False,
        grand_total=False,
        percent="row",
        chart="stacked",
    )


# --- 6. Workload ---------------------------------------------------------------------------------

FULL_TIME_HOURS = 35


def _workers(scope: Scope):
    """Active youth workers' memberships with their hours, and their current caseload."""
    qs = Membership.objects.filter(
        is_active=True, organisation__is_active=True, roles__role=Role.YOUTH_WORKER
    )
    if scope.level == Level.CASELOAD:
        qs = qs.filter(user_id=scope.worker_id)
    elif scope.organisations:
        qs = qs.filter(organisation_id__in=scope.organisations)
    return qs


def workload(scope: Scope) -> list[Table | MeasureTable]:
    """Caseload per organisation (and per worker for the coordinator) against hours per week,
    and the weekly notes missing over the last weeks of the period."""
    active = Q(
        user__assignments__ended_at__isnull=True,
        user__assignments__participant__followup__status__in=[
            FollowUpStatus.ACTIVE,
            FollowUpStatus.ON_BREAK,
        ],
    )
    memberships = (
        _workers(scope)
        .values("pk", "user_id", "organisation__short_name", "hours_per_week")
        .annotate(caseload=Count("user__assignments__participant", filter=active, distinct=True))
        .order_by("organisation__short_name")
    )
    if scope.exact:
        memberships = memberships.values(
            "pk",
            "user_id",
            "organisation__short_name",
            "hours_per_week",
            "user__first_name",
            "user__last_name",
        ).annotate(caseload=Count("user__assignments__participant", filter=active, distinct=True))
    memberships = list(memberships)
    tables: list[Table | MeasureTable] = []

    def per_full_time(caseload, hours):
        return None if not hours else caseload * FULL_TIME_HOURS / hours

    by_org: dict[str, dict] = {}
    for m in memberships:
        org = by_org.setdefault(
            m["organisation__short_name"], {"workers": 0, "hours": 0, "caseload": 0}
        )
        org["workers"] += 1
        org["hours"] += m["hours_per_week"] or 0
        org["caseload"] += m["caseload"]
    tables.append(
        MeasureTable(
            key="caseload_by_organisation",
            title=_("Caseload per organisation against hours per week"),
            description=_(
                "Follow-ups (active or on break) of each organisation's youth workers, their "
                "hours per week, and participants per full-time week of %(hours)s hours. A "
                "participant followed by two workers counts for each."
            )
            % {"hours": FULL_TIME_HOURS},
            row_header=_("Organisation"),
            rows=list(by_org),
            columns=[_("Youth workers"), _("Hours per week"), _("Participants per full time")],
            n_label=_("Participants followed"),
            n=[o["caseload"] for o in by_org.values()],
            values=[
                [o["workers"], o["hours"], per_full_time(o["caseload"], o["hours"])]
                for o in by_org.values()
            ],
            chart_column=2,
        )
    )
    if scope.exact:
        tables.append(
            MeasureTable(
                key="caseload_by_worker",
                title=_("Caseload per worker against hours per week"),
                description=_(
                    "Coordinator only. Follow-ups (active or on break) of each youth worker, "
                    "hours per week, and participants per full-time week of %(hours)s hours."
                )
                % {"hours": FULL_TIME_HOURS},
                row_header=_("Youth worker"),
                rows=[
                    "{} {} ({})".format(
                        m["user__first_name"], m["user__last_name"], m["organisation__short_name"]
                    )
                    for m in memberships
                ],
                columns=[_("Hours per week"), _("Participants per full time")],
                n_label=_("Participants followed"),
                n=[m["caseload"] for m in memberships],
                values=[
                    [m["hours_per_week"], per_full_time(m["caseload"], m["hours_per_week"])]
                    for m in memberships
                ],
                chart_column=1,
            )
        )
    return tables


def participant_counts(scope: Scope) -> dict[str, Table | list[Table]]:
    """Admissions by age and gender, dropout, risk transitions, questionnaire completion (one
    aggregate over participants) and missing notes (from the status history)."""
    _status, _events, missing_notes = _status_history(scope)
    return _participant_counts(scope) | {"missing_notes": missing_notes}


def _date(day: datetime.date):
    return connection.ops.adapt_datefield_value(day)


def _compose(template: str, **pieces) -> tuple[str, list]:
    """_sql over a template naming its pieces ({name}), each (SQL, parameters); a piece may
    appear several times (its parameters then do too)."""
    found = re.split(r"\{(\w+)\}", template)
    return _sql(*(pieces[text] if k % 2 else text for k, text in enumerate(found)))


def _sql(*pieces) -> tuple[str, list]:
    """SQL text and its parameters from pieces: text, or (SQL, parameters) as the database
    operations give them (the same expression differs between PostgreSQL and SQLite)."""
    text, params = [], []
    for piece in pieces:
        if isinstance(piece, str):
            text.append(piece)
        else:
            text.append(piece[0])
            params += list(piece[1])
    return "".join(text), params


def _participant_rows(scope: Scope) -> tuple[str, list]:
    """One row per participant in scope (alias t in the counts): admission date, age at
    admission, gender group, months from admission to the first inactivity for dropout, risk
    levels at times 0 to 2 and the questionnaires (assessed by the end of the period), research
    consent. Hand-written: the related rows are grouped once and joined (the ORM's correlated
    subqueries ran once per participant each, and building its 60-count aggregate cost as much
    as running it)."""
    ops = connection.ops

    def extract(part, expression):
        sql, params = expression
        return ops.date_extract_sql(part, sql, tuple(params))

    admitted_on, born_on = ("p.admitted_on", ()), ("p.date_of_birth", ())
    parts = {f"a{x[0]}": extract(x, admitted_on) for x in ("year", "month", "day")}
    parts |= {f"b{x[0]}": extract(x, born_on) for x in ("year", "month", "day")}
    # Dropout: the day (local, as TruncDate) of the first inactivity for an unreachable
    # participant or a withdrawal.
    drop_day = ops.datetime_cast_date_sql("d.first_at", (), timezone.get_current_timezone_name())
    parts |= {f"d{x[0]}": extract(x, drop_day) for x in ("year", "month", "day")}
    in_period = (
        "p.admitted_on >= %s AND p.admitted_on <= %s",
        (_date(scope.start), _date(scope.end)),
    )
    # Age at admission: the difference of years, minus one before the birthday. Only the
    # participants admitted in the period are counted by age (and gender): the others are
    # spared the date arithmetic.
    age = _compose(
        "CASE WHEN {in_period} THEN {ay} - {by} - CASE WHEN {am} < {bm} OR ({am} = {bm} AND "
        "{ad} < {bd}) THEN 1 ELSE 0 END END",
        in_period=in_period,
        **parts,
    )
    # Months from admission to the dropout, minus one before the day of the month.
    dropped = _compose(
        "CASE WHEN d.first_at IS NOT NULL THEN ({dy} - {ay}) * 12 + {dm} - {am} - "
        "CASE WHEN {dd} < {ad} THEN 1 ELSE 0 END END",
        **parts,
    )
    # Gender: the free text compared without case or spaces, in four groups (a simple CASE:
    # the text is lowered and trimmed once).
    groups = _gender_groups()
    whens = [
        (f" WHEN %s THEN {k}", [value])
        for k, (_label, values) in enumerate(groups)
        for value in values
    ]
    gender = _sql(
        "CASE LOWER(TRIM(p.gender_identity))",
        *whens,
        f" WHEN '' THEN {len(groups) + 1} ELSE {len(groups)} END",
    )
    quote = ops.quote_name
    tables = {
        m: quote(m._meta.db_table)
        for m in (Participant, FollowUp, FollowUpStatusChange, RiskAssessment, Consent)
    }
    end = _date(scope.end)
    select, select_params = _sql(
        "SELECT p.admitted_on AS admitted, ",
        age,
        " AS age, ",
        gender,
        " AS gk, ",
        dropped,
        " AS dropped_after, ",
    )
    # Table names from our models, values as parameters.
    sql = select + (  # noqa: S608
        "r.l0, r.l1, r.l2, r.d1, r.d2, r.t1_old, "  # noqa: S608
        "CASE WHEN c.participant_id IS NULL THEN 0 ELSE 1 END AS research "
        f"FROM {tables[Participant]} p "
        f"LEFT JOIN {tables[FollowUp]} f ON f.participant_id = p.id "
        "LEFT JOIN (SELECT followup_id, MIN(changed_at) AS first_at "
        f"FROM {tables[FollowUpStatusChange]} WHERE to_status = %s "
        "AND reason IN (%s, %s) GROUP BY followup_id) d ON d.followup_id = f.id "
        # One assessment per participant and time point (a unique constraint): MAX picks it.
        "LEFT JOIN (SELECT participant_id, "
        "MAX(CASE WHEN time_point = 0 THEN level END) AS l0, "
        "MAX(CASE WHEN time_point = 1 THEN level END) AS l1, "
        "MAX(CASE WHEN time_point = 2 THEN level END) AS l2, "
        "MAX(CASE WHEN time_point = 1 AND instrument_done = %s THEN 1 ELSE 0 END) AS d1, "
        "MAX(CASE WHEN time_point = 2 AND instrument_done = %s THEN 1 ELSE 0 END) AS d2, "
        "MAX(CASE WHEN time_point = 1 AND instrument_done = %s AND assessed_on <= %s "
        "THEN 1 ELSE 0 END) AS t1_old "
        f"FROM {tables[RiskAssessment]} WHERE assessed_on <= %s GROUP BY participant_id) r "
        "ON r.participant_id = p.id "
        f"LEFT JOIN (SELECT DISTINCT participant_id FROM {tables[Consent]} "
        "WHERE kind = %s AND withdrawn_on IS NULL AND given_on <= %s) c "
        "ON c.participant_id = p.id"
    )
    params = [
        *select_params,
        FollowUpStatus.INACTIVE.value,
        *[r.value for r in DROPOUT_REASONS],
        True,
        True,
        True,
        _date(add_months(scope.end, -T2_AFTER_MONTHS)),
        end,
        ConsentKind.RESEARCH.value,
        end,
    ]
    if scope.level == Level.CASELOAD or scope.organisations:
        in_scope, scope_params = participants_in_scope(scope).values("pk").query.sql_with_params()
        sql += f" WHERE p.id IN ({in_scope})"
        params += scope_params
    return sql, params


# Computes a subquery's columns once per row: PostgreSQL would otherwise copy the age, gender
# and dropout expressions into each of the 60 counts that read them (OFFSET 0 keeps the subquery
# as it is; measured: 52 of 68 ms). SQLite has no OFFSET without LIMIT, and no need.
_FENCE = " OFFSET 0" if connection.vendor == "postgresql" else ""


def _participant_counts(scope: Scope) -> dict[str, Table | list[Table]]:
    """Admissions by age and gender, dropout, risk transitions and questionnaire completion:
    one aggregate (conditional counts) over one row per participant."""
    counts = []
    for parts in (_age_gender_parts, _dropout_parts, _risk_parts, _questionnaire_parts):
        counts += parts(scope)
    rows, row_params = _participant_rows(scope)
    columns = ", ".join(f"COUNT(CASE WHEN {condition} THEN 1 END)" for _k, condition, _p in counts)
    params = [value for _k, _c, count_params in counts for value in count_params]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM ({rows}{_FENCE}) t", [*params, *row_params])  # noqa: S608
        found = dict(zip((key for key, _c, _p in counts), cursor.fetchone(), strict=True))
    return {
        "age_gender": _age_gender_table(found),
        "dropout": _dropout_table(found),
        "risk": _risk_tables(found),
        "questionnaires": _questionnaire_table(found),
    }


MISSING_WEEKS = 8


def _missing_weeks(scope: Scope) -> list[datetime.date]:
    last_monday = scope.end - datetime.timedelta(days=scope.end.weekday() + 7)
    weeks = [last_monday - datetime.timedelta(weeks=k) for k in range(MISSING_WEEKS)]
    return sorted(w for w in weeks if w >= scope.start - datetime.timedelta(days=6))


def _missing_notes_table(scope: Scope, counts: list[list[int]]) -> Table:
    weeks = _missing_weeks(scope)
    return Table(
        key="missing_notes",
        title=_("Weekly notes written and missing"),
        description=_(
            "For each of the last weeks of the period, follow-ups active at the end of the "
            "week with and without that week's note."
        ),
        row_header=_("Week of"),
        rows=[date_format(w, "j N Y") for w in weeks],  # "28 sept. 2026", not "28 Sep"
        columns=[_("Written"), _("Missing")],
        cells=counts,
        percent="row",
        chart="stacked",
    )


# --- The dashboard -------------------------------------------------------------------------------


def dashboard(scope: Scope) -> list[tuple[str, list[Table | MeasureTable]]]:
    """Every figure the viewer's level allows, in sections. A fixed number of queries, the
    independent reads side by side (spheres.side_by_side), the longest first."""
    program = scope.level != Level.CASELOAD
    reads = {
        "notes": lambda: intensity_and_experience(scope),
        "activities": lambda: main_activities(scope),
        "history": lambda: _status_history(scope),
        "counts": lambda: _participant_counts(scope),
        "delays": lambda: recruitment_delays(scope) if program else None,
        "length": lambda: followup_length(scope),
        "recruitment": lambda: recruitment(scope) if program else None,
        "workload": lambda: workload(scope),
    }
    read = dict(zip(reads, side_by_side.run(reads.values()), strict=True))
    counts = read["counts"]
    status, events, counts["missing_notes"] = read["history"]
    sections = []
    if program:
        by_month, by_organisation, outcomes, reasons = read["recruitment"]
        sections.append(
            (
                _("Recruitment"),
                [
                    by_month,
                    by_organisation,
                    outcomes,
                    reasons,
                    read["delays"],
                    counts["age_gender"],
                ],
            )
        )
    sections.append((_("Follow-ups"), [status, counts["dropout"], read["length"], events]))
    contact, intensity, channels, needs, worker_sat, participant_sat = read["notes"]
    sections.append((_("Intensity"), [contact, intensity, channels, read["activities"], needs]))
    sections.append((_("Experience"), [worker_sat, participant_sat]))
    sections.append((_("Risk"), [*counts["risk"], counts["questionnaires"]]))
    sections.append((_("Workload"), [*read["workload"], counts["missing_notes"]]))
    return sections


# Tables whose rows feed the figures: (model, column that grows or changes when a row is
# written, whether to count rows too). Counting the notes would scan the biggest table.
_VERSIONED = [
    (Referral, "updated_at", True),
    (FollowUpStatusChange, "id", True),
    (WeeklyNote, "id", False),
    (WeeklyNote, "updated_at", False),
    (RiskAssessment, "id", True),
    (Assignment, "id", True),
    (Assignment, "ended_at", False),
    (Consent, "recorded_at", True),
    (Consent, "withdrawn_on", False),
    (InitialMeeting, "id", True),
    (RecruiterRiskAssessment, "id", True),
    (Screening, "updated_at", True),
    (Membership, "id", True),
]


def data_version() -> str:
    """A fingerprint of the data behind the figures (latest change, and row count where
    cheap, of each source table), so that cached figures are never stale: one query, one scan
    per table (each table's aggregates together)."""
    quote = connection.ops.quote_name
    by_table: dict[str, list[str]] = {}
    order = []  # (table, position of the value among its aggregates), as listed above
    for model, column, count in _VERSIONED:
        aggregates = by_table.setdefault(quote(model._meta.db_table), [])
        order.append((model._meta.db_table, len(aggregates)))
        aggregates.append(f"MAX({quote(column)})")
        if count:
            order.append((model._meta.db_table, len(aggregates)))
            aggregates.append("COUNT(*)")
    # Hours per week change in place without a timestamp of their own.
    membership = Membership._meta.db_table
    order.append((membership, len(by_table[quote(membership)])))
    by_table[quote(membership)].append("SUM(COALESCE(hours_per_week, 0))")
    tables = list(by_table)
    # Table names from our models.
    scans = " CROSS JOIN ".join(
        f"(SELECT {', '.join(aggregates)} FROM {table}) v{k}"  # noqa: S608
        for k, (table, aggregates) in enumerate(by_table.items())
    )
    sql = f"SELECT * FROM {scans}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    starts, position = {}, 0
    for table in tables:
        starts[table] = position
        position += len(by_table[table])
    values = [row[starts[quote(table)] + k] for table, k in order]
    return "|".join(str(v) for v in values)
