"""seed_demo imports an old workbook, so `make run` shows an imported participant whose consent
is to be confirmed, and leaves the workbook to try the import page with."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from followups.models import WeeklyNote
from referrals.models import Participant
from research import demo
from spheres.demo import demo_email
from spheres.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _development_mode(settings):
    settings.SPHERES_DEMO = True  # seed_demo runs in development mode only


def test_the_demo_holds_imported_participants_to_confirm_and_the_workbook(client):
    call_command("seed_demo")
    imported = Participant.objects.filter(imported_at__isnull=False)
    assert imported.count() == 2
    assert all(p.consent_to_confirm and p.referral_id is None for p in imported)
    notes = WeeklyNote.objects.filter(participant__in=imported).count()
    assert notes > 0
    assert (settings.VAR_DIR / "demo" / demo.WORKBOOK).exists()
    call_command("seed_demo")  # again: nothing added
    assert Participant.objects.filter(imported_at__isnull=False).count() == 2
    assert WeeklyNote.objects.filter(participant__in=imported).count() == notes

    coordinator = User.objects.get(email=demo_email("coordination"))
    client.force_login(coordinator, backend="allauth.account.auth_backends.AuthenticationBackend")
    html = client.get(reverse("home")).content.decode()
    assert 'id="imported-to-confirm"' in html
    for participant in imported:
        assert participant.youth_id in html
