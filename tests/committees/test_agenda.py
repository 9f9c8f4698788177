"""The agenda the system prepares: each source exactly once, handled items never back, case
presentations by rotation, action items rolling over, and no refresh once the meeting started."""

import datetime
from collections import Counter

import pytest
import time_machine
from django.utils import timezone

from committees import services
from committees.models import ActionStatus, AgendaItem, ItemKind
from followups import services as followup_services
from followups.models import FollowUpStatus, InactiveReason
from referrals import services as referral_services
from referrals.models import Assignment, InitialMeeting, ReferralStatus
from spheres import services as core_services
from spheres.models import Role
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


def keys(meeting, kind=None):
    items = AgendaItem.objects.filter(meeting=meeting, removed_at__isnull=True)
    if kind:
        items = items.filter(kind=kind)
    return list(items.values_list("source_key", flat=True))


def kinds(meeting):
    return Counter(
        AgendaItem.objects.filter(meeting=meeting, removed_at__isnull=True).values_list(
            "kind", flat=True
        )
    )


@pytest.fixture
def sources(personas, organisations, faker, make_referral, screen, make_participant):
    """One of each source of the Clinical agenda, built through the services."""
    coordinator = personas["coordinator"]
    awaiting = make_referral()
    screen(awaiting)
    referral_services.referral_set_status(
        referral=awaiting, to_status=ReferralStatus.AWAITING_COMMITTEE, actor=coordinator
    )
    reflecting = make_referral()
    screen(reflecting)
    referral_services.initial_meeting_record(
        referral=reflecting,
        actor=coordinator,
        met_on=timezone.localdate(),
        mode=InitialMeeting.Mode.IN_PERSON,
        outcome=InitialMeeting.Outcome.REFLECTING,
    )
    recruiter = make_referral()
    screen(recruiter, recruits_others=True, recruiter_acknowledges=True)
    referral_services.referral_set_status(
        referral=recruiter, to_status=ReferralStatus.AWAITING_COMMITTEE, actor=coordinator
    )
    inactive = make_participant()
    followup_services.followup_set_status(
        participant=inactive,
        actor=coordinator,
        to_status=FollowUpStatus.INACTIVE,
        reason=InactiveReason.WITHDRAWAL,
    )
    on_break = make_participant()
    followup_services.followup_set_status(
        participant=on_break,
        actor=coordinator,
        to_status=FollowUpStatus.ON_BREAK,
        break_terms="Elle écrit à son retour.",
        break_resume_on=timezone.localdate() + datetime.timedelta(days=3),
    )
    orphan = make_participant(primary="worker_enmarge", second=None)
    core_services.user_deactivate(user=personas["worker_enmarge"])
    moved = make_participant(primary="worker_codim", second=None)
    assignment = Assignment.objects.get(participant=moved, ended_at__isnull=True)
    # Where the successor already follows the case, a new second keeps the pair.
    new_second = make_person(faker, organisations["enmarge"], [Role.YOUTH_WORKER])
    followup_services.handover_perform(
        departing=personas["worker_codim"],
        actor=coordinator,
        items=[
            (
                a,
                personas["worker_ccsmtl"],
                "Résumé de transition.",
                None if a.participant == moved else new_second,
            )
            for a in Assignment.objects.filter(
                worker=personas["worker_codim"], ended_at__isnull=True
            ).select_related("participant")
        ],
    )
    return {
        "awaiting": awaiting,
        "reflecting": reflecting,
        "recruiter": recruiter,
        "inactive": inactive,
        "on_break": on_break,
        "orphan": orphan,
        "moved": moved,
        "handover_assignment": assignment,
    }


def test_each_source_appears_exactly_once_in_its_section(clinical, sources, schedule):
    meeting = schedule(clinical)[0]
    services.agenda_refresh(meeting=meeting)
    services.agenda_refresh(meeting=meeting)  # a second refresh adds nothing

    all_keys = keys(meeting)
    assert [k for k, n in Counter(all_keys).items() if n > 1] == []
    by_kind = {
        kind: list(
            AgendaItem.objects.filter(meeting=meeting, kind=kind).values_list(
                "referral_id", "participant_id"
            )
        )
        for kind in ItemKind.values
    }
    assert by_kind[ItemKind.REFERRAL_AWAITING] == [(sources["awaiting"].pk, None)]
    assert by_kind[ItemKind.REFERRAL_REFLECTING] == [(sources["reflecting"].pk, None)]
    # A recruiter's referral is discussed once, under its risk assessment.
    assert by_kind[ItemKind.RECRUITER_ASSESSMENT] == [(sources["recruiter"].pk, None)]
    assert by_kind[ItemKind.FOLLOWUP_INACTIVE] == [(None, sources["inactive"].pk)]
    assert by_kind[ItemKind.BREAK_ENDING] == [(None, sources["on_break"].pk)]
    assert by_kind[ItemKind.WITHOUT_WORKER] == [(None, sources["orphan"].pk)]
    handed_over = {pid for _r, pid in by_kind[ItemKind.HANDOVER]}
    assert sources["moved"].pk in handed_over
    assert len(handed_over) == len(by_kind[ItemKind.HANDOVER])
    # Nothing nominative on a Clinical agenda is outside its sections.
    assert by_kind[ItemKind.FIGURES] == []


def test_a_handled_item_does_not_come_back_but_an_unhandled_one_stays(
    clinical, sources, schedule, personas
):
    first, second = schedule(clinical, frequency="weekly", count=2)
    awaiting_key = keys(first, ItemKind.REFERRAL_AWAITING)[0]
    reflecting_key = keys(first, ItemKind.REFERRAL_REFLECTING)[0]
    # Prepared in advance, the next meeting lists the same pending referrals.
    assert awaiting_key in keys(second) and reflecting_key in keys(second)

    item = AgendaItem.objects.get(meeting=first, source_key=awaiting_key)
    services.item_set_handled(item=item, actor=personas["coordinator"], handled=True)
    services.agenda_refresh(meeting=second)

    assert awaiting_key not in keys(second)
    assert reflecting_key in keys(second)
    services.agenda_refresh(meeting=second)
    assert awaiting_key not in keys(second)
    # On the meeting where it was handled, it stays (that is the record of the meeting).
    assert awaiting_key in keys(first)


def test_an_item_the_coordinator_removed_is_not_brought_back(clinical, sources, meeting, personas):
    item = AgendaItem.objects.get(meeting=meeting, kind=ItemKind.FOLLOWUP_INACTIVE)
    services.item_remove(item=item, actor=personas["coordinator"])
    services.agenda_refresh(meeting=meeting)
    assert keys(meeting, ItemKind.FOLLOWUP_INACTIVE) == []
    assert AgendaItem.objects.filter(source_key=item.source_key, meeting=meeting).count() == 1


def test_a_source_that_no_longer_applies_leaves_an_untouched_agenda(
    clinical, sources, meeting, personas
):
    coordinator = personas["coordinator"]
    referral_services.referral_set_status(
        referral=sources["awaiting"],
        to_status=ReferralStatus.REFERRED_ELSEWHERE,
        actor=coordinator,
        reason="Suivi ailleurs.",
    )
    reflecting = AgendaItem.objects.get(meeting=meeting, kind=ItemKind.REFERRAL_REFLECTING)
    services.minutes_save(item=reflecting, actor=coordinator, minutes="À revoir.", version=1)
    referral_services.referral_set_status(
        referral=sources["reflecting"],
        to_status=ReferralStatus.NOT_ADMITTED,
        actor=coordinator,
        reason="Ne souhaite pas.",
    )

    services.agenda_refresh(meeting=meeting)

    assert keys(meeting, ItemKind.REFERRAL_AWAITING) == []
    # Someone wrote on it: it stays, as written.
    assert keys(meeting, ItemKind.REFERRAL_REFLECTING) == [reflecting.source_key]


def test_a_follow_up_made_inactive_by_the_job_reaches_the_next_agenda(
    clinical, meeting, make_participant, settings
):
    from followups.models import AttemptOutcome, Channel, FollowUp
    from followups.tasks import flag_unreachable_followups

    settings.SPHERES_INACTIVITY_FAILED_ATTEMPTS = 2
    participant = make_participant()
    FollowUp.objects.filter(participant=participant).update(
        period_started_at=timezone.now() - datetime.timedelta(days=1)
    )
    for hours in (5, 2):
        followup_services.contact_attempt_record(
            participant=participant,
            actor=participant.assignments.first().worker,
            channel=Channel.PHONE,
            outcome=AttemptOutcome.NO_ANSWER,
            at=timezone.now() - datetime.timedelta(hours=hours),
        )
    assert keys(meeting, ItemKind.FOLLOWUP_INACTIVE) == []

    assert flag_unreachable_followups() == 1
    from committees.tasks import refresh_agendas

    assert refresh_agendas() >= 1

    items = AgendaItem.objects.filter(meeting=meeting, kind=ItemKind.FOLLOWUP_INACTIVE)
    assert [i.participant_id for i in items] == [participant.pk]


def test_the_agenda_is_no_longer_refreshed_once_the_meeting_started(
    clinical, meeting, make_participant, personas
):
    participant = make_participant()
    with time_machine.travel(meeting.starts_at + datetime.timedelta(minutes=5)):
        followup_services.followup_set_status(
            participant=participant,
            actor=personas["coordinator"],
            to_status=FollowUpStatus.INACTIVE,
            reason=InactiveReason.WITHDRAWAL,
        )
        assert services.agenda_refresh(meeting=meeting) == 0
    assert keys(meeting, ItemKind.FOLLOWUP_INACTIVE) == []


def test_rotation_picks_the_follow_ups_presented_least_recently(
    clinical, schedule, make_participant, personas
):
    from committees.models import Committee

    Committee.objects.filter(pk=clinical.pk).update(presentations_per_worker=1)
    clinical.refresh_from_db()
    p1, p2, p3 = (make_participant(second=None) for _ in range(3))

    def presented(meeting):
        return [
            (i.participant_id, i.presenter_id)
            for i in AgendaItem.objects.filter(meeting=meeting, kind=ItemKind.PRESENTATION)
        ]

    worker = personas["worker_ccsmtl"].pk
    # Two meetings recorded after the fact, then two ahead.
    m1 = schedule(clinical, days=-21)[0]
    m2 = schedule(clinical, days=-14)[0]
    assert presented(m1) == [(p1.pk, worker)]  # never presented: the first admitted
    assert presented(m2) == [(p2.pk, worker)]
    m3 = schedule(clinical, days=7)[0]
    assert presented(m3) == [(p3.pk, worker)]  # the only one never presented
    m4 = schedule(clinical, days=14)[0]
    assert presented(m4) == [(p1.pk, worker)]  # presented longest ago (m1)


def test_rotation_count_is_per_worker_and_configurable(
    clinical, schedule, make_participant, personas
):
    from committees.models import Committee

    Committee.objects.filter(pk=clinical.pk).update(presentations_per_worker=2)
    clinical.refresh_from_db()
    for _ in range(3):
        make_participant(primary="worker_ccsmtl", second=None)
    for _ in range(3):
        make_participant(primary="worker_codim", second=None)
    meeting = schedule(clinical)[0]
    presenters = Counter(
        AgendaItem.objects.filter(meeting=meeting, kind=ItemKind.PRESENTATION).values_list(
            "presenter_id", flat=True
        )
    )
    assert presenters == {personas["worker_ccsmtl"].pk: 2, personas["worker_codim"].pk: 2}


def test_open_action_items_roll_over_until_done(clinical, schedule, personas):
    coordinator = personas["coordinator"]
    first, second, third = schedule(clinical, frequency="weekly", count=3)
    action = services.action_create(
        meeting=first,
        actor=coordinator,
        title="Relancer le partenaire pour la salle",
        owner=personas["worker_codim"],
        due_on=timezone.localdate() + datetime.timedelta(days=10),
    )
    services.agenda_refresh(meeting=second)
    services.agenda_refresh(meeting=third)
    assert keys(first, ItemKind.ACTION_ITEM) == []  # not on the meeting that created it
    assert [i.action_item_id for i in second.items.filter(kind=ItemKind.ACTION_ITEM)] == [action.pk]
    assert third.items.filter(kind=ItemKind.ACTION_ITEM).count() == 1

    services.action_set_status(
        action=action, actor=personas["worker_codim"], status=ActionStatus.DONE
    )
    services.agenda_refresh(meeting=second)
    services.agenda_refresh(meeting=third)
    assert keys(second, ItemKind.ACTION_ITEM) == []
    assert keys(third, ItemKind.ACTION_ITEM) == []


def test_steering_agenda_has_figures_and_action_items_and_no_case(
    steering, schedule, personas, sources
):
    first, second = schedule(steering, frequency="quarterly", count=2)
    services.action_create(
        meeting=first,
        actor=personas["coordinator"],
        title="Préparer l'entente de partenariat",
        owner=personas["steering"],
    )
    services.agenda_refresh(meeting=second)
    assert kinds(second) == {ItemKind.FIGURES: 1, ItemKind.ACTION_ITEM: 1}
    assert not AgendaItem.objects.filter(
        meeting__committee=steering, participant__isnull=False
    ).exists()
    assert not AgendaItem.objects.filter(
        meeting__committee=steering, referral__isnull=False
    ).exists()
    # Quarterly: three months apart, same time of day.
    assert timezone.localtime(second.starts_at).month in {
        (timezone.localtime(first.starts_at).month + 2) % 12 + 1
    }
