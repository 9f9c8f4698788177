"""HSTS preload is a commitment: off unless asked for."""

import pytest

from tests.spheres.test_settings import PRODUCTION_ENV, run_manage

PRINT = "from django.conf import settings as s; print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_PRELOAD)"


@pytest.mark.parametrize(("value", "expected"), [(None, "False"), ("1", "True"), ("0", "False")])
def test_hsts_preload_is_off_unless_set(value, expected):
    env = dict(PRODUCTION_ENV)
    if value is not None:
        env["DJANGO_SECURE_HSTS_PRELOAD"] = value
    result = run_manage("shell", "-c", PRINT, env_overrides=env)
    assert result.stdout.strip().splitlines()[-1] == f"31536000 {expected}", result.stderr
