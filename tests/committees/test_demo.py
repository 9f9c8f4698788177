import pytest
from django.core.management import call_command

from committees import services
from committees.models import AgendaItem, Committee, ItemKind, Meeting
from followups import services as followup_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _development_mode(settings):
    settings.SPHERES_DEMO = True  # seed_demo runs in development mode only


def test_demo_committees_are_seeded_once_with_prepared_agendas():
    call_command("seed_demo")
    assert set(Committee.objects.values_list("kind", flat=True)) == {
        "clinical",
        "steering",
        "joint",
        "extended",
    }
    meetings = Meeting.objects.count()
    call_command("seed_demo")
    assert Meeting.objects.count() == meetings
    clinical = Committee.objects.get(kind="clinical")
    held, upcoming = (
        clinical.meetings.order_by("starts_at")[0],
        clinical.meetings.order_by("starts_at")[1],
    )
    assert held.is_closed and held.attendances.filter(replaces__isnull=False).exists()
    kinds = set(upcoming.items.values_list("kind", flat=True))
    assert {ItemKind.PRESENTATION, ItemKind.ACTION_ITEM} <= kinds
    # The break resumes in three weeks: on the agendas of the meetings before it, once each.
    breaks = AgendaItem.objects.filter(meeting__committee=clinical, kind=ItemKind.BREAK_ENDING)
    assert breaks.exists()
    assert breaks.count() == breaks.values("meeting").distinct().count()
    # The demo's unreachable participant reaches the next agenda once the job has run.
    assert len(followup_services.followups_mark_unreachable()) == 1
    services.agendas_refresh_upcoming()
    assert AgendaItem.objects.filter(meeting=upcoming, kind=ItemKind.FOLLOWUP_INACTIVE).count() == 1
    steering = Committee.objects.get(kind="steering").meetings.first()
    assert set(steering.items.values_list("kind", flat=True)) == {ItemKind.FIGURES}
    assert Committee.objects.get(kind="extended").members.filter(user__isnull=True).count() == 1
