"""The failed attempts since the last contact, kept per follow-up by database triggers
(followups.failedcount): after every kind of write, on every write path, the column equals the
definition computed afresh; a stale copy of the follow-up never writes it back; and on
PostgreSQL two concurrent saves for the same person do not lose one."""

import datetime
import random
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from followups import failedcount, services
from followups.models import AttemptOutcome, ContactAttempt, FollowUp, WeeklyNote
from followups.rules import monday_of
from referrals.models import Participant

pytestmark = pytest.mark.django_db

WEEKS = 8


def kept_and_defined() -> tuple[dict[int, int], dict[int, int]]:
    rows = FollowUp.objects.annotate(defined=failedcount.expression()).values_list(
        "pk", "failed_since_contact", "defined"
    )
    return {pk: kept for pk, kept, _d in rows}, {pk: defined for pk, _k, defined in rows}


def moment(rng: random.Random, start: datetime.datetime) -> datetime.datetime:
    """A time in the last weeks; often late on a Sunday, which is Monday already in UTC."""
    day = timezone.localdate(start) + datetime.timedelta(days=rng.randrange(WEEKS * 7))
    day = min(day, timezone.localdate())
    if rng.random() < 0.3:
        day = monday_of(day) + datetime.timedelta(days=6)
        clock = datetime.time(23, 30)
    else:
        clock = datetime.time(rng.randrange(8, 20), rng.choice([0, 15, 45]))
    return min(timezone.make_aware(datetime.datetime.combine(day, clock)), timezone.now())


def test_the_kept_count_equals_the_definition_after_every_kind_of_write(make_participant, personas):
    worker = personas["worker_ccsmtl"]
    start = timezone.now() - datetime.timedelta(weeks=WEEKS)
    people = [make_participant() for _ in range(3)]
    Participant.objects.filter(pk__in=[p.pk for p in people]).update(
        admitted_on=timezone.localdate(start) - datetime.timedelta(days=7)
    )
    for p in people:
        p.refresh_from_db()
    FollowUp.objects.update(period_started_at=start)  # a raw update: the triggers recount
    rng = random.Random(20261127)
    seen = set()

    def add_attempt(p):
        outcome = rng.choice(
            [AttemptOutcome.NO_ANSWER, AttemptOutcome.MESSAGE_LEFT, AttemptOutcome.NO_ANSWER,
             AttemptOutcome.OUT_OF_SERVICE, AttemptOutcome.REACHED, AttemptOutcome.NO_SHOW,
             AttemptOutcome.REFUSED]
        )  # fmt: skip
        ContactAttempt.objects.create(
            participant=p, at=moment(rng, start), channel="phone", outcome=outcome,
            recorded_by=worker,
        )  # fmt: skip

    def note(p):
        week = monday_of(timezone.localdate(moment(rng, start)))
        met = rng.random() < 0.5
        fields = {"meetings": 1 if met else 0, "meetings_minutes": 60 if met else 0}
        if WeeklyNote.objects.filter(participant=p, week=week).update(
            **fields, other_channels=[] if met else ["text"]
        ):
            return  # a note edited (UPDATE): its meetings may have changed
        services.note_save(
            participant=p, actor=worker, week=week, meetings=1 if met else 0,
            meetings_minutes=60 if met else 0, other_channels=[] if met else ["text"],
        )  # fmt: skip

    def change_attempt(p):
        attempt = ContactAttempt.objects.filter(participant=p).order_by("?").first()
        if attempt is None:
            return
        if rng.random() < 0.5:
            attempt.outcome = rng.choice([AttemptOutcome.REACHED, AttemptOutcome.NO_ANSWER])
            attempt.save()
        else:
            ContactAttempt.objects.filter(pk=attempt.pk).update(at=moment(rng, start))

    def delete_attempt(p):
        ContactAttempt.objects.filter(
            pk__in=ContactAttempt.objects.filter(participant=p).order_by("?").values("pk")[:1]
        ).delete()

    def delete_note(p):
        WeeklyNote.objects.filter(
            pk__in=WeeklyNote.objects.filter(participant=p).order_by("?").values("pk")[:1]
        ).delete()

    def new_period(p):
        FollowUp.objects.filter(participant=p).update(period_started_at=moment(rng, start))

    steps = [add_attempt] * 6 + [note] * 3 + [change_attempt, change_attempt, delete_attempt,
                                              delete_note, new_period]  # fmt: skip
    for _ in range(90):
        step = rng.choice(steps)
        step(rng.choice(people))
        kept, defined = kept_and_defined()
        assert kept == defined, step.__name__
        seen.update(kept.values())
    # Counts went up and back to zero: the comparison was not between zeros only.
    assert 0 in seen and max(seen) >= 2
    failedcount.rebuild()
    assert kept_and_defined()[0] == kept


def test_a_stale_copy_of_the_follow_up_never_writes_the_count_back(make_participant, personas):
    participant = make_participant()
    followup = FollowUp.objects.get(participant=participant)  # read before the attempt
    ContactAttempt.objects.create(
        participant=participant,
        at=timezone.now(),
        channel="phone",
        outcome=AttemptOutcome.NO_ANSWER,
        recorded_by=personas["worker_ccsmtl"],
    )
    followup.break_terms = "—"
    followup.save()
    followup.refresh_from_db()
    assert (followup.failed_since_contact, followup.break_terms) == (1, "—")


def test_the_bulk_path_keeps_the_count(bulk_participants, personas):
    """Follow-ups opened in bulk after attempts already exist (a legacy import's order)."""
    [participant] = bulk_participants(1)
    FollowUp.objects.filter(participant=participant).delete()
    ContactAttempt.objects.bulk_create(
        ContactAttempt(
            participant=participant,
            at=timezone.now() - datetime.timedelta(hours=h),
            channel="phone",
            outcome=AttemptOutcome.NO_ANSWER,
            recorded_by=personas["worker_ccsmtl"],
        )
        for h in (1, 2)
    )
    from followups.bulk import followups_open_bulk

    participant.created_at = timezone.now() - datetime.timedelta(days=1)
    followups_open_bulk(participants=[participant], actor=None)
    assert FollowUp.objects.get(participant=participant).failed_since_contact == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need it")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_attempts_for_the_same_person_are_both_counted(make_participant, personas):
    """The second writer's trigger waits for the first's row lock, then counts both: without the
    lock it would count with a snapshot taken before the first committed, and write 1."""
    participant = make_participant()
    worker = personas["worker_ccsmtl"]
    first_written = threading.Event()
    errors = []

    def attempt(wait: threading.Event | None, hold: float):
        try:
            if wait:
                wait.wait(5)
            with transaction.atomic():
                ContactAttempt.objects.create(
                    participant=participant,
                    at=timezone.now(),
                    channel="phone",
                    outcome=AttemptOutcome.NO_ANSWER,
                    recorded_by=worker,
                )
                if not wait:
                    first_written.set()
                    time.sleep(hold)  # the second writes while this one is not committed
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=(None, 0.5)),
        threading.Thread(target=attempt, args=(first_written, 0)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == []
    assert FollowUp.objects.get(participant=participant).failed_since_contact == 2


def test_a_weeks_meetings_taken_back_bring_its_attempts_back_into_the_count(
    make_participant, personas
):
    worker = personas["worker_ccsmtl"]
    participant = make_participant()
    two_weeks_ago = monday_of(timezone.localdate()) - datetime.timedelta(weeks=2)
    Participant.objects.filter(pk=participant.pk).update(
        admitted_on=two_weeks_ago - datetime.timedelta(weeks=1)
    )
    participant.refresh_from_db()
    FollowUp.objects.filter(participant=participant).update(
        period_started_at=timezone.now() - datetime.timedelta(weeks=3)
    )
    for day in (1, 2):
        ContactAttempt.objects.create(
            participant=participant,
            at=timezone.make_aware(
                datetime.datetime.combine(two_weeks_ago + datetime.timedelta(days=day),
                                          datetime.time(10))
            ),
            channel="phone",
            outcome=AttemptOutcome.NO_ANSWER,
            recorded_by=worker,
        )  # fmt: skip

    def count():
        return FollowUp.objects.get(participant=participant).failed_since_contact

    assert count() == 2
    services.note_save(
        participant=participant, actor=worker, week=two_weeks_ago, meetings=1, meetings_minutes=60
    )
    assert count() == 0  # met that week: its attempts no longer count
    WeeklyNote.objects.filter(participant=participant).update(
        meetings=0, meetings_minutes=0, other_channels=["text"]
    )
    assert count() == 2  # the meeting taken back
    WeeklyNote.objects.filter(participant=participant).update(meetings=1, meetings_minutes=60)
    assert count() == 0
    WeeklyNote.objects.filter(participant=participant).delete()
    assert count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row versions are PostgreSQL's")
def test_a_write_that_leaves_the_count_as_it_was_leaves_the_follow_up_row_alone(
    make_participant, personas
):
    """A note with meetings when nothing failed (most notes) writes no new version of the
    follow-up's row; an attempt that changes the count does."""
    worker = personas["worker_ccsmtl"]
    participant = make_participant()
    followup = FollowUp.objects.get(participant=participant)

    def row_version():
        with connection.cursor() as cursor:
            cursor.execute("SELECT ctid::text FROM followups_followup WHERE id = %s", [followup.pk])
            return cursor.fetchone()[0]

    def attempt(outcome):
        ContactAttempt.objects.create(
            participant=participant,
            at=timezone.now(),
            channel="phone",
            outcome=outcome,
            recorded_by=worker,
        )

    created = row_version()
    attempt(AttemptOutcome.NO_ANSWER)
    failed = row_version()
    assert failed != created
    attempt(AttemptOutcome.REACHED)
    reached = row_version()
    assert reached != failed
    assert FollowUp.objects.get(pk=followup.pk).failed_since_contact == 0
    services.note_save(
        participant=participant,
        actor=worker,
        week=monday_of(timezone.localdate()),
        meetings=1,
        meetings_minutes=60,
    )
    attempt(AttemptOutcome.REACHED)
    assert row_version() == reached
