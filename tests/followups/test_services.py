"""Follow-up lifecycle, weekly-note rules and the inactivity rule, through the services."""

import datetime
import threading

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.utils import timezone

from followups import selectors, services
from followups.models import (
    AttemptOutcome,
    ContactAttempt,
    FollowUp,
    FollowUpStatus,
    InactiveReason,
    WeeklyNote,
)
from followups.rules import monday_of, parse_duration
from spheres.models import Notification

pytestmark = pytest.mark.django_db


def twice_at_once(job):
    """`job` run by two threads released together (each on its own connection): its results,
    after checking that neither failed."""
    barrier, results, errors = threading.Barrier(2), [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(job())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    return results


TODAY = timezone.localdate


def this_monday():
    return monday_of(TODAY())


# --- Durations and weeks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [("1h30", 90), ("90", 90), ("1:30", 90), ("1 h 30", 90), ("2h", 120), ("45 min", 45), ("", 0),
     ("2 heures", 120), ("1 heure", 60), ("2 hours", 120), ("1 hr", 60), ("90 mn", 90),
     ("1,5 heure", 90), ("1h30 mn", 90)],
)  # fmt: skip
def test_durations_are_read_as_workers_type_them(typed, minutes):
    assert parse_duration(typed) == minutes


@pytest.mark.parametrize("typed", ["une heure", "1h75", "-5", "1:3"])
def test_unreadable_durations_are_refused(typed):
    with pytest.raises(ValidationError):
        parse_duration(typed)


def test_the_week_is_stored_as_its_monday(make_participant, personas):
    participant = make_participant()
    participant.admitted_on = TODAY() - datetime.timedelta(days=30)
    participant.save()
    wednesday = this_monday() - datetime.timedelta(days=5)
    note = services.note_save(
        participant=participant,
        actor=personas["worker_ccsmtl"],
        week=wednesday,
        meetings=1,
        meetings_minutes=90,
    )
    assert note.week == monday_of(wednesday) and note.week.weekday() == 0


# --- Note rules --------------------------------------------------------------------------------


@pytest.fixture
def participant(make_participant):
    p = make_participant()
    p.admitted_on = TODAY() - datetime.timedelta(days=60)
    p.save()
    # Admitted two months ago: the active period started then.
    FollowUp.objects.filter(participant=p).update(
        period_started_at=timezone.now() - datetime.timedelta(days=60)
    )
    return p


def save(participant, actor, **data):
    return services.note_save(participant=participant, actor=actor, week=this_monday(), **data)


def test_no_meeting_and_no_communication_needs_a_reason(participant, personas):
    with pytest.raises(ValidationError) as exc:
        save(participant, personas["worker_ccsmtl"])
    assert "no_contact_reason" in exc.value.error_dict
    assert save(participant, personas["worker_ccsmtl"], no_contact_reason="no_news").pk


def test_other_reason_needs_its_text(participant, personas):
    with pytest.raises(ValidationError) as exc:
        save(participant, personas["worker_ccsmtl"], no_contact_reason="other")
    assert "no_contact_other" in exc.value.error_dict


def test_communications_alone_are_enough(participant, personas):
    assert save(participant, personas["worker_ccsmtl"], other_channels=["text", "messenger"]).pk


@pytest.mark.parametrize(
    ("meetings", "minutes", "field"), [(2, 0, "meetings_minutes"), (0, 30, "meetings")]
)
def test_meetings_and_duration_go_together(participant, personas, meetings, minutes, field):
    with pytest.raises(ValidationError) as exc:
        save(
            participant,
            personas["worker_ccsmtl"],
            meetings=meetings,
            meetings_minutes=minutes,
            other_channels=["phone"],
        )
    assert field in exc.value.error_dict


def test_future_weeks_are_refused(participant, personas):
    with pytest.raises(ValidationError) as exc:
        services.note_save(
            participant=participant,
            actor=personas["worker_ccsmtl"],
            week=this_monday() + datetime.timedelta(days=7),
            no_contact_reason="no_news",
        )
    assert "week" in exc.value.error_dict


def test_weeks_before_admission_are_refused(participant, personas):
    with pytest.raises(ValidationError):
        services.note_save(
            participant=participant,
            actor=personas["worker_ccsmtl"],
            week=participant.admitted_on - datetime.timedelta(days=14),
            no_contact_reason="no_news",
        )
    assert not WeeklyNote.objects.exists()


def test_one_note_per_week_and_edits_need_the_current_version(participant, personas):
    note = save(participant, personas["worker_ccsmtl"], meetings=1, meetings_minutes=60)
    with pytest.raises(services.NoteConflict):
        save(participant, personas["worker_codim"], meetings=2, meetings_minutes=90)  # no version
    updated = save(
        participant, personas["worker_codim"], meetings=2, meetings_minutes=90, version=note.version
    )
    assert (updated.pk, updated.version, updated.meetings) == (note.pk, 2, 2)
    assert (
        updated.author == personas["worker_ccsmtl"]
        and updated.updated_by == personas["worker_codim"]
    )
    with pytest.raises(services.NoteConflict):  # a stale form
        save(participant, personas["worker_ccsmtl"], meetings=3, meetings_minutes=90, version=1)
    assert WeeklyNote.objects.get().meetings == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises all writers")
@pytest.mark.django_db(transaction=True)
def test_two_first_saves_of_the_same_week_at_once_keep_one_note(participant, personas):
    """Both workers opened the empty week and save at the same moment: one note is saved with its
    history row; the other person is told of the conflict, and nothing of theirs is kept."""
    import threading

    from auditlog.models import LogEntry
    from django.db import connections
    from django.db.models.signals import pre_save

    both_checked = threading.Barrier(2)
    saved, conflicts, errors = [], [], []

    def wait_for_the_other(sender, **kwargs):
        both_checked.wait(timeout=10)  # each save has looked for the week's note: none yet

    def run(worker, minutes):
        try:
            saved.append(save(participant, personas[worker], meetings=1, meetings_minutes=minutes))
        except services.NoteConflict:
            conflicts.append(worker)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    pre_save.connect(wait_for_the_other, sender=WeeklyNote)
    try:
        threads = [
            threading.Thread(target=run, args=("worker_ccsmtl", 60)),
            threading.Thread(target=run, args=("worker_codim", 90)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        pre_save.disconnect(wait_for_the_other, sender=WeeklyNote)
    assert errors == []
    assert (len(saved), len(conflicts)) == (1, 1)
    note = WeeklyNote.objects.get()
    assert (note.pk, note.meetings_minutes) == (saved[0].pk, saved[0].meetings_minutes)
    assert LogEntry.objects.get_for_model(WeeklyNote).count() == 1


def test_edits_keep_history(participant, personas):
    from auditlog.models import LogEntry

    note = save(participant, personas["worker_ccsmtl"], meetings=1, meetings_minutes=60)
    save(
        participant,
        personas["worker_ccsmtl"],
        meetings=1,
        meetings_minutes=75,
        version=note.version,
    )
    changes = LogEntry.objects.get_for_object(note).filter(action=LogEntry.Action.UPDATE)
    assert changes.get().changes_dict["meetings_minutes"] == ["60", "75"]


def test_a_worker_not_assigned_cannot_write_a_note(participant, personas):
    with pytest.raises(PermissionDenied):
        save(participant, personas["worker_enmarge"], no_contact_reason="no_news")


# --- Lifecycle ---------------------------------------------------------------------------------


def test_admission_opens_an_active_follow_up(participant):
    assert participant.followup.status == FollowUpStatus.ACTIVE


def test_a_break_records_its_terms_and_reactivation_keeps_history(participant, personas):
    worker = personas["worker_ccsmtl"]
    with pytest.raises(ValidationError):
        services.followup_set_status(participant=participant, actor=worker, to_status="on_break")
    services.followup_set_status(
        participant=participant,
        actor=worker,
        to_status="on_break",
        break_terms="Elle rappelle après ses examens.",
        break_resume_on=TODAY() + datetime.timedelta(days=20),
    )
    services.followup_set_status(participant=participant, actor=worker, to_status="active")
    history = list(
        participant.followup.changes.values_list("from_status", "to_status", "changed_by")
    )
    assert history == [
        ("", "active", personas["coordinator"].pk),
        ("active", "on_break", worker.pk),
        ("on_break", "active", worker.pk),
    ]


def test_inactive_needs_a_reason_and_completed_the_participants_view(participant, personas):
    worker = personas["worker_ccsmtl"]
    with pytest.raises(ValidationError):
        services.followup_set_status(participant=participant, actor=worker, to_status="inactive")
    with pytest.raises(ValidationError):
        services.followup_set_status(participant=participant, actor=worker, to_status="completed")
    services.followup_set_status(
        participant=participant,
        actor=worker,
        to_status="completed",
        participant_view="Elle se sent prête à continuer seule.",
    )
    assert FollowUp.objects.get(participant=participant).status == "completed"


def test_only_assigned_workers_and_the_coordinator_change_the_status(participant, personas):
    for persona in ("worker_enmarge", "police", "steering"):
        with pytest.raises(PermissionDenied):
            services.followup_set_status(
                participant=participant,
                actor=personas[persona],
                to_status="inactive",
                reason=InactiveReason.WITHDRAWAL,
            )


# --- The inactivity rule -----------------------------------------------------------------------


def attempt(participant, actor, outcome, minutes_ago):
    return services.contact_attempt_record(
        participant=participant,
        actor=actor,
        at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        channel="phone",
        outcome=outcome,
    )


def test_two_failed_attempts_make_the_follow_up_inactive_and_notify(
    participant, personas, django_capture_on_commit_callbacks
):
    worker = personas["worker_ccsmtl"]
    attempt(participant, worker, AttemptOutcome.NO_ANSWER, 30)
    assert services.followups_mark_unreachable() == []
    attempt(participant, worker, AttemptOutcome.MESSAGE_LEFT, 10)
    with django_capture_on_commit_callbacks() as callbacks:
        changed = services.followups_mark_unreachable()
    assert changed == [participant.followup.pk]
    followup = FollowUp.objects.get(pk=participant.followup.pk)
    assert (followup.status, followup.inactive_reason) == ("inactive", "unreachable")
    change = followup.changes.latest("changed_at")
    assert change.changed_by is None and change.reason == "unreachable"
    # The committee's agenda pulls it (once) from the selector: nothing is queued for it.
    pulled = selectors.followups_made_inactive(timezone.now() - datetime.timedelta(hours=1))
    assert [c.followup.participant_id for c in pulled] == [participant.pk]
    recipients = set(
        Notification.objects.filter(participant_id=participant.pk).values_list(
            "recipient", flat=True
        )
    )
    assigned = {personas["worker_ccsmtl"].pk, personas["worker_codim"].pk}
    assert recipients == assigned | {personas["coordinator"].pk}
    assert len(callbacks) == 3  # one e-mail per recipient, after commit


def test_a_successful_contact_resets_the_count(participant, personas):
    worker = personas["worker_ccsmtl"]
    attempt(participant, worker, AttemptOutcome.NO_ANSWER, 50)
    attempt(participant, worker, AttemptOutcome.REACHED, 40)
    attempt(participant, worker, AttemptOutcome.NO_ANSWER, 30)
    assert services.followups_mark_unreachable() == []
    attempt(participant, worker, AttemptOutcome.NO_ANSWER, 20)
    assert services.followups_mark_unreachable() == [participant.followup.pk]


def test_the_threshold_is_a_setting(participant, personas, settings):
    settings.SPHERES_INACTIVITY_FAILED_ATTEMPTS = 3
    for minutes in (30, 20):
        attempt(participant, personas["worker_ccsmtl"], AttemptOutcome.NO_ANSWER, minutes)
    assert services.followups_mark_unreachable() == []
    attempt(participant, personas["worker_ccsmtl"], AttemptOutcome.OUT_OF_SERVICE, 10)
    assert services.followups_mark_unreachable() == [participant.followup.pk]


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def failed_call(participant, actor, at):
    return services.contact_attempt_record(
        participant=participant,
        actor=actor,
        at=at,
        channel="phone",
        outcome=AttemptOutcome.NO_ANSWER,
    )


@pytest.mark.parametrize(("meetings", "inactive"), [(2, False), (0, True)])
def test_a_note_with_meetings_between_two_failed_calls_keeps_the_follow_up_active(
    participant, personas, meetings, inactive
):
    """A week whose note records face-to-face meetings is a contact, made at the end of the
    week. The same note with communications only is not (the counterpart row)."""
    worker = personas["worker_ccsmtl"]
    two_weeks_ago = this_monday() - datetime.timedelta(weeks=2)
    failed_call(participant, worker, local(two_weeks_ago + datetime.timedelta(days=2), 10))
    services.note_save(
        participant=participant,
        actor=worker,
        week=this_monday() - datetime.timedelta(weeks=1),
        meetings=meetings,
        meetings_minutes=120 if meetings else 0,
        other_channels=[] if meetings else ["text"],
    )
    failed_call(participant, worker, timezone.now() - datetime.timedelta(minutes=1))
    changed = services.followups_mark_unreachable()
    assert (changed == [participant.followup.pk]) is inactive
    participant.followup.refresh_from_db()
    assert participant.followup.failed_since_contact == (2 if inactive else 1)


def test_attempts_during_a_week_with_meetings_count_only_after_its_end(participant, personas):
    """Sunday 23:30 in Montréal is already Monday in UTC: it still belongs to the note's week."""
    worker = personas["worker_ccsmtl"]
    last_week = this_monday() - datetime.timedelta(weeks=1)
    services.note_save(
        participant=participant, actor=worker, week=last_week, meetings=1, meetings_minutes=60
    )
    failed_call(participant, worker, local(last_week, 9))
    failed_call(participant, worker, local(last_week + datetime.timedelta(days=6), 23, 30))
    assert services.followups_mark_unreachable() == []
    failed_call(participant, worker, local(this_monday(), 0, 1))
    assert services.followups_mark_unreachable() == []
    failed_call(participant, worker, local(this_monday(), 0, 2))
    assert services.followups_mark_unreachable() == [participant.followup.pk]


def test_two_no_shows_alone_do_not_make_the_follow_up_inactive(participant, personas):
    worker = personas["worker_ccsmtl"]
    for minutes in (40, 30):
        attempt(participant, worker, AttemptOutcome.NO_SHOW, minutes)
    assert services.followups_mark_unreachable() == []
    assert FollowUp.objects.get(participant=participant).status == FollowUpStatus.ACTIVE
    # The attempts to reach the person afterwards are what count.
    for minutes in (20, 10):
        attempt(participant, worker, AttemptOutcome.NO_ANSWER, minutes)
    assert services.followups_mark_unreachable() == [participant.followup.pk]


def test_the_strategy_agreed_after_a_no_show_is_recorded_later(participant, personas):
    worker = personas["worker_ccsmtl"]
    no_show = services.missed_meeting_record(participant=participant, actor=worker)
    assert (no_show.outcome, no_show.strategy) == (AttemptOutcome.NO_SHOW, "")
    with pytest.raises(ValidationError) as exc:
        services.no_show_strategy_record(
            participant=participant, actor=worker, attempt=no_show, strategy="  "
        )
    assert "strategy" in exc.value.error_dict
    services.no_show_strategy_record(
        participant=participant, actor=worker, attempt=no_show, strategy="Texto la veille."
    )
    assert ContactAttempt.objects.get(pk=no_show.pk).strategy == "Texto la veille."
    with pytest.raises(ValidationError) as exc:
        attempt_with_strategy = services.contact_attempt_record(
            participant=participant,
            actor=worker,
            at=timezone.now(),
            channel="phone",
            outcome=AttemptOutcome.NO_ANSWER,
            strategy="Texto la veille.",
        )
        assert attempt_with_strategy is None
    assert "strategy" in exc.value.error_dict
    with pytest.raises(PermissionDenied):
        services.no_show_strategy_record(
            participant=participant,
            actor=personas["worker_enmarge"],
            attempt=no_show,
            strategy="x",
        )


def test_a_follow_up_on_break_is_never_touched(participant, personas):
    worker = personas["worker_ccsmtl"]
    services.followup_set_status(
        participant=participant, actor=worker, to_status="on_break", break_terms="Pause"
    )
    for minutes in (30, 20, 10):
        attempt(participant, worker, AttemptOutcome.NO_ANSWER, minutes)
    assert services.followups_mark_unreachable() == []
    assert FollowUp.objects.get(participant=participant).status == "on_break"


@pytest.mark.parametrize("before_the_break", [1, 2])
def test_a_break_ending_counts_failed_attempts_afresh(participant, personas, before_the_break):
    """A break is agreed with the person (its terms recorded): once it ends, the worker tries
    again at most two more times. Attempts from before the break, or made during it, do not
    make the follow-up inactive as soon as it resumes."""
    worker = personas["worker_ccsmtl"]
    for minutes in range(before_the_break):
        attempt(participant, worker, AttemptOutcome.NO_ANSWER, 60 - minutes)
    services.followup_set_status(
        participant=participant, actor=worker, to_status="on_break", break_terms="Pause"
    )
    attempt(participant, worker, AttemptOutcome.NO_ANSWER, 30)
    services.followup_set_status(participant=participant, actor=worker, to_status="active")
    assert services.followups_mark_unreachable() == []
    attempt(participant, worker, AttemptOutcome.NO_ANSWER, 0)
    assert services.followups_mark_unreachable() == []
    assert FollowUp.objects.get(participant=participant).status == FollowUpStatus.ACTIVE


def test_the_job_is_idempotent(participant, personas):
    for minutes in (30, 20):
        attempt(participant, personas["worker_ccsmtl"], AttemptOutcome.NO_ANSWER, minutes)
    assert len(services.followups_mark_unreachable()) == 1
    counts = (
        FollowUp.objects.filter(status="inactive").count(),
        Notification.objects.count(),
        selectors.followups_made_inactive(timezone.now() - datetime.timedelta(hours=1)).count(),
    )
    assert services.followups_mark_unreachable() == []
    assert counts == (
        1,
        Notification.objects.count(),
        selectors.followups_made_inactive(timezone.now() - datetime.timedelta(hours=1)).count(),
    )


def test_reactivation_counts_failures_afresh(participant, personas):
    worker = personas["worker_ccsmtl"]
    for minutes in (30, 20):
        attempt(participant, worker, AttemptOutcome.NO_ANSWER, minutes)
    services.followups_mark_unreachable()
    services.followup_set_status(participant=participant, actor=worker, to_status="active")
    assert services.followups_mark_unreachable() == []
    attempt(participant, worker, AttemptOutcome.NO_ANSWER, 0)
    assert services.followups_mark_unreachable() == []


@pytest.mark.parametrize("size", [10, 1000])
def test_the_job_runs_in_a_fixed_number_of_queries(
    size, bulk_participants, personas, django_assert_max_num_queries
):
    from followups.models import FollowUp as F

    participants = bulk_participants(size)
    now = timezone.now()
    F.objects.filter(participant__in=participants).update(
        period_started_at=now - datetime.timedelta(days=1)
    )
    ContactAttempt.objects.bulk_create(
        [
            ContactAttempt(
                participant=p,
                at=now - datetime.timedelta(minutes=m),
                channel="phone",
                outcome="no_answer",
                recorded_by=personas["worker_ccsmtl"],
            )
            for p in participants
            for m in (20, 10)
        ]
    )
    # PostgreSQL inserts each bulk in one statement. SQLite caps a statement at 999 parameters,
    # so Django splits big bulk inserts there: the cap is higher but still the same at both sizes.
    cap = 12 if connection.vendor == "postgresql" else 40
    with django_assert_max_num_queries(cap):
        changed = services.followups_mark_unreachable()
    assert len(changed) == size


def test_the_email_names_nobody(participant, personas, django_capture_on_commit_callbacks):
    from spheres.celery import app

    for minutes in (30, 20):
        attempt(participant, personas["worker_ccsmtl"], AttemptOutcome.NO_ANSWER, minutes)
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.followups_mark_unreachable()
    finally:
        app.conf.task_always_eager = False
    assert len(mail.outbox) == 3  # two assigned workers and the coordinator
    for message in mail.outbox:
        for secret in (
            participant.referral.first_name,
            participant.referral.last_name,
            participant.youth_id,
        ):
            assert secret not in message.body and secret not in message.subject


def test_missing_notes_are_counted_per_worker(participant, personas):
    last_week = this_monday() - datetime.timedelta(days=7)
    counts = selectors.missing_notes_counts(last_week)
    assert counts == {personas["worker_ccsmtl"].pk: 1, personas["worker_codim"].pk: 1}
    services.note_save(
        participant=participant,
        actor=personas["worker_ccsmtl"],
        week=last_week,
        no_contact_reason="no_news",
    )
    assert selectors.missing_notes_counts(last_week) == {}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises all writers")
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_firing_at_once_flag_each_follow_up_once(make_participant, personas):
    from followups.models import FollowUpStatusChange

    participants = [make_participant() for _ in range(3)]
    FollowUp.objects.update(period_started_at=timezone.now() - datetime.timedelta(days=1))
    for p in participants:
        for minutes in (30, 20):
            attempt(p, personas["worker_ccsmtl"], AttemptOutcome.NO_ANSWER, minutes)
    results = twice_at_once(services.followups_mark_unreachable)
    assert sorted(pk for r in results for pk in r) == sorted(p.followup.pk for p in participants)
    assert FollowUpStatusChange.objects.filter(to_status="inactive").count() == 3
    assert (
        selectors.followups_made_inactive(timezone.now() - datetime.timedelta(hours=1)).count() == 3
    )
    assert (
        Notification.objects.filter(kind=Notification.Kind.INACTIVE).count() == 3 * 3
    )  # two workers and the coordinator, once each


def test_the_monday_reminder_sends_counts_and_no_names(
    participant, personas, django_capture_on_commit_callbacks
):
    from followups.tasks import send_missing_notes_reminders
    from spheres.celery import app

    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            sent = send_missing_notes_reminders()
    finally:
        app.conf.task_always_eager = False
    assert sent == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [personas["worker_ccsmtl"].email, personas["worker_codim"].email]
    )
    for message in mail.outbox:
        assert participant.referral.last_name not in message.body
        assert participant.youth_id not in message.body
        assert "1" in message.body
        last_week = this_monday() - datetime.timedelta(days=7)
        assert f"{last_week:%Y-%m-%d}" in message.body
        assert f"{settings.SPHERES_BASE_URL}/caseload/" in message.body
    assert Notification.objects.filter(kind="missing_notes", count=1).count() == 2


def test_the_monday_reminder_run_twice_notifies_and_emails_once(
    participant, personas, django_capture_on_commit_callbacks
):
    """A redelivered task (acks_late: the worker was lost after the commit) or beat firing twice
    must not remind anyone twice about the same week."""
    from followups.tasks import send_missing_notes_reminders
    from spheres.celery import app

    app.conf.task_always_eager = True
    try:
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                send_missing_notes_reminders()
    finally:
        app.conf.task_always_eager = False
    assert Notification.objects.filter(kind="missing_notes").count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [personas["worker_ccsmtl"].email, personas["worker_codim"].email]
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises all writers")
@pytest.mark.django_db(transaction=True)
def test_two_monday_reminders_at_once_remind_each_worker_once(participant, personas):
    last_week = this_monday() - datetime.timedelta(days=7)
    results = twice_at_once(lambda: services.missing_notes_remind(week=last_week))
    assert sorted(uid for r in results for uid in r) == sorted(
        [personas["worker_ccsmtl"].pk, personas["worker_codim"].pk]
    )
    assert Notification.objects.filter(kind=Notification.Kind.MISSING_NOTES).count() == 2
