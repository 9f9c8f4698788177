"""Each figure of the dashboard against a hand count of the small program (conftest.py), as
the coordinator sees it: exact numbers.

The program, January to June 2025 (the previous period: July to December 2024):
- G (previous period, CCSMTL): declined after the initial meeting, not admitted.
- A (CCSMTL, woman, 16): met after 4 days, admitted and assigned after 10; on break in March.
- B (En Marge, man, 19): met after 11 days, assigned after 16; unreachable in April,
  reactivated in May.
- C (police, non-binary, 22): assigned after 28 days; completed in June.
- D (outside the program): not admitted, outside the area. E (CCSMTL): referred elsewhere.
  F (CODIM): still open.
"""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import translation

from research import selectors
from research.dashboards.scope import Level, Scope
from research.dashboards.tables import publish, publish_measures
from spheres import side_by_side

pytestmark = pytest.mark.django_db


@pytest.fixture
def scope(small_program):
    return Scope(
        start=datetime.date(2025, 1, 1), end=datetime.date(2025, 6, 30), level=Level.COORDINATOR
    )


def cells(table):
    return dict(zip(table.rows, table.cells, strict=True))


def test_referrals_by_month_and_outcome(scope):
    table, _org, _outcomes, _reasons = selectors.recruitment(scope)
    # Admitted, not admitted, referred elsewhere, still open.
    assert table.cells == [
        [2, 0, 0, 0],  # January: A, B
        [1, 0, 0, 0],  # February: C
        [0, 1, 0, 0],  # March: D
        [0, 0, 1, 0],  # April: E
        [0, 0, 0, 1],  # May: F
        [0, 0, 0, 0],  # June
    ]


def test_referrals_by_organisation_and_sector(scope):
    _month, table, _outcomes, _reasons = selectors.recruitment(scope)
    by_org = {name: sum(row) for name, row in cells(table).items()}
    (outside,) = set(table.rows) - {"CCSMTL", "CODIM", "EnMarge", "SPVM"}
    assert by_org == {"CCSMTL": 2, "CODIM": 1, "EnMarge": 1, "SPVM": 1, outside: 1}
    assert sum(by_org.values()) == 6
    sector_totals = [sum(col) for col in zip(*table.cells, strict=True)]
    # Institutional (CCSMTL 2 + CODIM 1), community, police, outside the program.
    assert sector_totals == [3, 1, 1, 1]


def test_conversion_and_reasons_for_non_admission(scope):
    _month, _org, outcomes, reasons = selectors.recruitment(scope)
    assert len(outcomes.columns) == 2  # the previous period, then this one
    assert outcomes.cells == [[0, 3], [1, 1], [0, 1], [0, 1]]
    shown = publish(outcomes, threshold=1)
    assert shown.body[0][1][3].text == "50,0 %"  # admitted / referrals of the period
    assert [row for row in reasons.cells] == [
        [0, 1],  # outside the area: D
        [0, 0],
        [0, 0],
        [1, 0],  # declined after the initial meeting: G (previous period)
        [0, 1],  # referred elsewhere: E
    ]


def test_time_from_referral_to_assignment_and_initial_meeting(scope):
    table = selectors.recruitment_delays(scope)
    rows = dict(zip(table.rows, zip(table.n, table.values, strict=True), strict=True))
    assignment_now, assignment_before, meeting_now, meeting_before = table.rows
    assert rows[assignment_now] == (3, [13.0, 16.0, 22.0])  # 10, 16, 28 days
    assert rows[assignment_before][0] == 0
    assert rows[meeting_now] == (2, [5.75, 7.5, 9.25])  # 4 and 11 days
    assert rows[meeting_before] == (1, [7.0, 7.0, 7.0])  # G: 7 days


def test_admissions_by_age_band_and_gender(scope):
    table = selectors.participant_counts(scope)["age_gender"]
    assert table.cells == [
        [0, 0, 0, 0],  # 12-14
        [1, 0, 0, 0],  # 15-17: A, woman
        [0, 1, 0, 0],  # 18-20: B, man
        [0, 0, 1, 0],  # 21-24: C, another identity
    ]


def test_followups_by_status_at_each_month_end(scope):
    table, _events = selectors.followup_statuses(scope)
    active, on_break, unreachable, withdrawal, other, completed = table.cells
    assert active == [1, 2, 2, 2, 3, 2]
    assert on_break == [0, 0, 1, 0, 0, 0]  # A in March
    assert unreachable == [0, 0, 0, 1, 0, 0]  # B in April
    assert withdrawal == other == [0] * 6
    assert completed == [0, 0, 0, 0, 0, 1]  # C in June


def test_dropout_within_3_6_and_12_months(scope):
    dropout = selectors.participant_counts(scope)["dropout"]
    # B became unreachable two months after admission; A, B and C are all old enough.
    assert dropout.cells == [[1, 2], [1, 2], [1, 2]]
    shown = publish(dropout, threshold=1)
    assert shown.body[0][1][3].text == "33,3 %"


def test_followup_length_median_and_quartiles(scope):
    table = selectors.followup_length(scope)
    (ended_n, still_n) = table.n
    assert (ended_n, still_n) == (1, 2)
    assert table.values[0] == pytest.approx([101 / 30.44] * 3)  # C: 1 March to 10 June
    # A: 161 days, B: 140 days at the end of June.
    assert table.values[1] == pytest.approx([145.25 / 30.44, 150.5 / 30.44, 155.75 / 30.44])


def test_breaks_inactivity_completions_and_reactivations(scope):
    _status, table = selectors.followup_statuses(scope)
    assert table.cells == [[0, 1], [0, 1], [0, 1], [0, 1]]


def test_intensity_channels_needs_and_activities(scope):
    contact, intensity, channels, needs, worker, participant = selectors.intensity_and_experience(
        scope
    )
    january, february, *rest = contact.cells
    # Meeting, other only, then no contact: not scheduled, no news, impossible, withdrawal,
    # other reason, not given.
    assert january == [1, 1, 0, 0, 0, 0, 0, 0]
    assert february == [1, 0, 0, 1, 0, 0, 1, 0]
    assert all(sum(r) == 0 for r in rest)
    assert intensity.n[:2] == [1, 2]
    assert intensity.values[0] == pytest.approx([1.0, 45.0, 2.0])
    assert intensity.values[1] == pytest.approx([1 / 3, 60.0, 0.5])
    assert channels.cells == [[0, 1], [0, 1], [0, 1], [0, 0], [0, 0], [0, 0]]
    assert needs.cells == [[0, 1], [0, 1], [0, 0], [0, 0], [0, 1]]
    # Satisfaction: dissatisfied, somewhat, satisfied, very.
    assert worker.cells[0] == [0, 1, 1, 0]
    assert participant.cells[0] == [0, 0, 0, 1] and participant.cells[1] == [0, 0, 1, 0]
    activities = selectors.main_activities(scope)
    assert activities.rows == ["Discussion informelle"] and activities.cells == [[2]]


def test_risk_transitions_and_questionnaires(scope):
    t1, t2 = selectors.participant_counts(scope)["risk"]
    # Rows: level at admission (red, yellow, green, none); columns: level at time 1 or 2.
    assert t1.cells == [[1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    assert t2.cells == [[0, 0, 1, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    questionnaires = selectors.participant_counts(scope)["questionnaires"]
    # Time 1: due for A and C (research consent) and B (done); done by A and B.
    # Time 2: done by A, due for nobody else yet.
    assert questionnaires.cells == [[2, 1], [1, 0]]


def test_workload_against_hours_and_missing_notes(scope, personas):
    by_organisation, by_worker = selectors.workload(scope)
    rows = dict(zip(by_organisation.rows, zip(by_organisation.n, by_organisation.values,
                                              strict=True), strict=True))  # fmt: skip
    assert rows["CCSMTL"] == (1, [1, 35, 1.0])  # A
    assert rows["CODIM"] == (2, [1, 28, 2.5])  # A (second worker) and B
    assert rows["EnMarge"] == (0, [1, 0, None])  # C completed
    worker = personas["worker_codim"]
    assert f"{worker.first_name} {worker.last_name} (CODIM)" in by_worker.rows
    missing = selectors.participant_counts(scope)["missing_notes"]
    # Weeks of 5 May to 23 June: A active throughout; C until 10 June; B from 20 May.
    assert [m for _w, m in missing.cells] == [2, 2, 3, 3, 3, 2, 2, 2]
    assert all(w == 0 for w, _m in missing.cells)


def test_the_weeks_of_the_missing_notes_are_dated_in_the_viewers_language(scope):
    with translation.override("fr"):
        french = selectors.participant_counts(scope)["missing_notes"].rows
    with translation.override("en"):
        english = selectors.participant_counts(scope)["missing_notes"].rows
    assert french[0].startswith("5 mai ") and french[-1].startswith("23 juin ")
    assert english[0].startswith("5 May ") and english[-1].startswith("23 June ")


def test_the_coordinator_sees_every_count_exactly(scope):
    for _title, tables in selectors.dashboard(scope):
        for table in tables:
            if hasattr(table, "cells"):
                shown = publish(table, threshold=scope.threshold)
            else:
                shown = publish_measures(table, threshold=scope.threshold)
            assert not shown.suppressed
            assert not any(c.hidden for _l, row in shown.body for c in row)


READS = [
    "intensity_and_experience",
    "main_activities",
    "_status_history",
    "_participant_counts",
    "recruitment_delays",
    "followup_length",
    "recruitment",
    "workload",
]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a second connection needs one")
@pytest.mark.django_db(transaction=True)
def test_the_figures_read_side_by_side_are_those_read_one_after_the_other(scope, monkeypatch):
    """Outside a transaction (as a web request runs) the dashboard's reads share two
    connections: the same figures, titles in the same language."""
    threads = []
    for name in READS:
        read = getattr(selectors, name)

        def noted(*args, read=read, **kwargs):
            threads.append(threading.current_thread().name)
            return read(*args, **kwargs)

        monkeypatch.setattr(selectors, name, noted)
    together = selectors.dashboard(scope)
    assert len(threads) == len(READS) and "side-by-side" in threads
    monkeypatch.setattr(side_by_side, "possible", lambda: False)
    threads.clear()
    assert selectors.dashboard(scope) == together
    assert "side-by-side" not in threads
    assert [title for title, _tables in together][:2] == ["Recrutement", "Suivis"]
