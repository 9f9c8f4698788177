"""The per-participant monthly note counts the dashboard reads (research.notemonths) stay equal
to the notes, whatever writes them: the services, the bulk path, plain ORM saves, moves,
deletions. Checked against a count of the notes in Python (the oracle), on SQLite and on
PostgreSQL (their triggers differ)."""

import datetime
from collections import Counter, defaultdict

import pytest
from django.db import connection
from django.test import override_settings

from followups import services as followup_services
from followups.bulk import NoteRow, notes_create_bulk
from followups.models import NOTE_CHANNELS, NoContactReason, Satisfaction, TargetedNeed, WeeklyNote
from research import notemonths, selectors
from research.dashboards.scope import Level, Scope
from research.models import NoteActivity, NoteMonth

pytestmark = pytest.mark.django_db


def expected() -> dict:
    """Every measure of every (participant, month), counted from the notes one by one."""
    found: dict = defaultdict(Counter)
    for n in WeeklyNote.objects.all():
        row = found[(n.participant_id, n.week.replace(day=1))]
        row["notes"] += 1
        row["meetings_sum"] += n.meetings
        row["minutes_sum"] += n.meetings_minutes
        row["met"] += n.meetings > 0
        row["other_only"] += n.meetings == 0 and bool(n.other_channels)
        for value in [*NoContactReason.values, ""]:
            row[f"why_{value or 'blank'}"] += (
                n.meetings == 0 and not n.other_channels and n.no_contact_reason == value
            )
        for channel in NOTE_CHANNELS:
            row[f"ch_{channel.value}"] += channel.value in n.other_channels
        for value in TargetedNeed.values:
            row[f"need_{value}"] += n.targeted_need == value
        for value in Satisfaction.values:
            row[f"ws_{value}"] += n.worker_satisfaction == value
            row[f"ps_{value}"] += n.participant_satisfaction == value
    columns = notemonths.columns()
    return {key: {c: row[c] for c in columns} for key, row in found.items()}


def summary() -> dict:
    columns = notemonths.columns()
    return {
        (r["participant_id"], r["month"]): {c: r[c] for c in columns}
        for r in NoteMonth.objects.values("participant_id", "month", *columns)
    }


def expected_activities() -> dict:
    """Weeks by participant, month and main activity (lower case, surrounding spaces off)."""
    found: Counter = Counter()
    for n in WeeklyNote.objects.exclude(main_activity=""):
        found[(n.participant_id, n.week.replace(day=1), n.main_activity.strip(" ").lower())] += 1
    return dict(found)


def activities() -> dict:
    return {(r.participant_id, r.month, r.activity): r.weeks for r in NoteActivity.objects.all()}


def test_the_notes_written_through_the_services_are_counted(small_program):
    assert summary() == expected()
    assert len(summary()) == 3  # A in January and February, B in February
    assert activities() == expected_activities()
    # A's and B's "Discussion informelle", spelt differently, are one activity.
    assert sorted(activities().values()) == [1, 1]
    assert {activity for _p, _m, activity in activities()} == {"discussion informelle"}


def test_edits_moves_deletions_and_the_bulk_path_keep_the_counts_exact(small_program, personas):
    a, b, c = small_program["a"], small_program["b"], small_program["c"]
    coordinator = personas["coordinator"]
    note = WeeklyNote.objects.get(participant=a, week=datetime.date(2025, 1, 27))
    # An edit through the service: meetings instead of messages, another need.
    followup_services.note_save(
        participant=a,
        actor=coordinator,
        week=note.week,
        version=note.version,
        meetings=1,
        meetings_minutes=30,
        other_channels=[],
        targeted_need="recovery",
        main_activity="Sport",
    )
    assert summary() == expected()
    assert activities() == expected_activities()
    # A note moved to another month, and one deleted (the last of its month).
    WeeklyNote.objects.filter(participant=b, week=datetime.date(2025, 2, 17)).update(
        week=datetime.date(2025, 3, 3)
    )
    WeeklyNote.objects.filter(participant=a, week=datetime.date(2025, 2, 3)).delete()
    # An activity changed in place, one removed.
    WeeklyNote.objects.filter(participant=a, week=datetime.date(2025, 1, 20)).update(
        main_activity="  SPORT"
    )
    WeeklyNote.objects.filter(participant=b, week=datetime.date(2025, 2, 10)).update(
        main_activity=""
    )
    assert summary() == expected()
    assert activities() == expected_activities()
    assert (a.pk, datetime.date(2025, 2, 1)) not in summary()  # no empty row left behind
    # The bulk path, and a plain bulk insert.
    notes_create_bulk(
        rows=[
            NoteRow(
                participant=c,
                week=datetime.date(2025, 3, 10 + 7 * k),
                author=coordinator,
                data={
                    "other_channels": ["email", "video"],
                    "worker_satisfaction": "very",
                    "main_activity": " Art ",
                },
            )
            for k in range(3)
        ]
    )
    WeeklyNote.objects.bulk_create(
        [
            WeeklyNote(
                participant=b,
                week=datetime.date(2025, 3, 10),
                no_contact_reason="withdrawal",
                main_activity="art",
                author=coordinator,
            )
        ]
    )
    assert summary() == expected()
    assert activities() == expected_activities()
    assert activities()[(c.pk, datetime.date(2025, 3, 1), "art")] == 3
    # Everything gone: nothing left.
    WeeklyNote.objects.all().delete()
    assert summary() == {}
    assert activities() == {}


def test_rebuilding_from_the_notes_gives_what_the_triggers_kept(small_program):
    kept, kept_activities = summary(), activities()
    notemonths.rebuild(connection)
    assert summary() == kept
    assert activities() == kept_activities


def test_a_period_cut_in_mid_month_counts_only_the_weeks_inside(small_program):
    """A: notes on 20 and 27 January, 3 February; B: 10 and 17 February. From 22 January to
    12 February, the weeks of 20 January and 17 February are left out, whole months or not."""
    scope = Scope(
        start=datetime.date(2025, 1, 22),
        end=datetime.date(2025, 2, 12),
        level=Level.COORDINATOR,
        compare=False,
    )
    contact, intensity, *_rest = selectors.intensity_and_experience(scope)
    # Face-to-face, other communication only, then no contact by reason (not scheduled, no
    # news, impossible, withdrawal, other, not given).
    assert contact.cells == [
        [0, 1, 0, 0, 0, 0, 0, 0],  # January: A's 27th (messages)
        [1, 0, 0, 1, 0, 0, 0, 0],  # February: B's 10th (met), A's 3rd (no news)
    ]
    assert intensity.n == [1, 2]
    # Main activities: A's of 20 January is left out, B's of 10 February counted.
    activities = selectors.main_activities(scope)
    assert activities.rows == ["Discussion informelle"] and activities.cells == [[1]]


@override_settings(SPHERES_SMALL_COUNT_THRESHOLD=2)
def test_an_activity_is_named_below_the_coordinator_only_for_enough_participants(small_program):
    """A and B both recorded "Discussion informelle": named at a threshold of 2 over January
    and February, not when the period leaves A's week out (one participant left)."""
    whole = Scope(
        start=datetime.date(2025, 1, 1),
        end=datetime.date(2025, 2, 28),
        level=Level.PROGRAM,
        compare=False,
    )
    found = selectors.main_activities(whole)
    assert found.rows == ["Discussion informelle"] and found.cells == [[2]]
    cut = Scope(
        start=datetime.date(2025, 1, 22),
        end=datetime.date(2025, 2, 28),
        level=Level.PROGRAM,
        compare=False,
    )
    assert selectors.main_activities(cut).rows == []


@override_settings(SPHERES_SMALL_COUNT_THRESHOLD=2)
def test_the_participants_of_an_activity_count_the_notes_of_a_cut_month_too(
    small_program, personas
):
    """From 5 to 28 February: B's "discussion informelle" of the 10th is read from the summary;
    C also wrote a note on 3 February (before the period), so C's February is counted from
    the notes, with "Discussion informelle" on the 17th: two participants, two weeks."""
    c = small_program["c"]
    for week, activity in (
        (datetime.date(2025, 2, 3), ""),
        (datetime.date(2025, 2, 17), "Discussion informelle"),
    ):
        WeeklyNote.objects.create(
            participant=c, week=week, main_activity=activity, author=personas["coordinator"]
        )
    scope = Scope(
        start=datetime.date(2025, 2, 5),
        end=datetime.date(2025, 2, 28),
        level=Level.PROGRAM,
        compare=False,
    )
    found = selectors.main_activities(scope)
    assert found.rows == ["Discussion informelle"] and found.cells == [[2]]
    # Without C's note of the 17th, B alone: not named.
    WeeklyNote.objects.filter(participant=c, week=datetime.date(2025, 2, 17)).delete()
    assert selectors.main_activities(scope).rows == []
