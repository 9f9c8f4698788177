import datetime

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from followups import services
from followups.models import FollowUp, WeeklyNote
from followups.rules import monday_of
from referrals.models import Participant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _development_mode(settings):
    settings.SPHERES_DEMO = True  # seed_demo runs in development mode only


def test_demo_follow_ups_are_seeded_once_and_feed_the_inactivity_job():
    call_command("seed_demo")
    notes = WeeklyNote.objects.count()
    assert notes > 0
    call_command("seed_demo")
    assert WeeklyNote.objects.count() == notes
    assert FollowUp.objects.filter(status="on_break").count() == 1
    assert len(services.followups_mark_unreachable()) == 1  # the demo's unreachable participant


def test_volume_seeding_adds_weeks_of_notes_within_each_follow_up():
    call_command("seed_demo", "--participants", "40", "--weeks", "12", "--seed", "3")
    assert not Participant.objects.filter(followup__isnull=True).exists()
    this_week = monday_of(timezone.localdate())
    volume = WeeklyNote.objects.filter(
        participant__referral__submitted_by__email__endswith="demo.spheres.test"
    )
    assert volume.count() > 40
    assert not volume.filter(week__gte=this_week).exists()
    assert not volume.filter(week__lt=this_week - datetime.timedelta(weeks=12)).exists()
    early = volume.filter(week__lt=F("participant__admitted_on") - datetime.timedelta(days=6))
    assert not early.exists()
