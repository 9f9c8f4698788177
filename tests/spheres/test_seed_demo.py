"""Demo accounts (whose password is published) exist in development mode only."""

import io

import pytest
from django.core.management import CommandError, call_command

from spheres.models import Organisation, User
from tests.spheres.test_settings import PRODUCTION_ENV, run_manage

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_outside_development_mode(settings):
    settings.SPHERES_DEMO = False
    settings.DEBUG = True  # DEBUG alone is not development mode
    with pytest.raises(CommandError, match="development mode only"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not User.objects.exists()
    assert not Organisation.objects.exists()


def test_seed_demo_refuses_with_production_settings():
    result = run_manage("seed_demo", env_overrides=PRODUCTION_ENV)
    assert result.returncode != 0
    assert "development mode only" in result.stderr


def test_seed_demo_runs_in_development_mode(settings):
    settings.SPHERES_DEMO = True
    settings.DEBUG = False  # as `make run` serves the demo
    call_command("seed_demo", stdout=io.StringIO())
    assert User.objects.filter(email="admin@demo.spheres.test").exists()
