"""`make run` serves development mode with DEBUG off (issue 10, item 10): the demo answers as
production does, the port can change and e-mail links follow it, e-mails land in var/mail/."""

import re
import shutil
import subprocess
from pathlib import Path

from tests.spheres.test_settings import PRODUCTION_ENV, ROOT, run_manage

# What `make run` sets (Makefile, RUN_ENV), nothing else: no secret, no host list.
RUN_ENV = {
    "DJANGO_DEBUG": "0",
    "SPHERES_DEMO": "1",
    "SPHERES_BASE_URL": "http://127.0.0.1:8001",
    "SPHERES_PORT": "8001",
}
SHOW = (
    "from django.conf import settings as s; "
    "print(s.DEBUG, s.SPHERES_DEMO, s.SPHERES_REQUIRE_MFA, s.SECURE_SSL_REDIRECT, "
    "s.SESSION_COOKIE_SECURE, s.WHITENOISE_USE_FINDERS, s.EMAIL_BACKEND.rsplit('.', 2)[-2], "
    "s.EMAIL_FILE_PATH.endswith('/var/mail'), s.SPHERES_BASE_URL)"
)


def shown(env):
    result = run_manage("shell", "-c", SHOW, env_overrides=env, drop=["DATABASE_URL"])
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1].split()


def test_make_run_serves_development_mode_with_debug_off():
    assert shown(RUN_ENV) == [
        "False",  # Django's technical pages never show: French 404/500 instead
        "True",
        "False",  # MFA optional for the demo accounts
        "False",  # plain http on 127.0.0.1
        "False",
        "True",  # static files from the app (WhiteNoise, finders)
        "filebased",
        "True",  # e-mails in var/mail/
        "http://127.0.0.1:8001",  # e-mail links follow the port
    ]


def test_production_is_not_development_mode():
    values = shown({**PRODUCTION_ENV, "EMAIL_URL": "consolemail://"})
    assert values[:6] == ["False", "False", "True", "True", "True", "False"]
    assert values[6] == "console"


def test_the_deploy_check_refuses_development_mode():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_overrides={**PRODUCTION_ENV, "SPHERES_DEMO": "1"},
    )
    assert result.returncode != 0
    assert "spheres.E001" in result.stdout + result.stderr


def test_make_run_passes_the_port_to_the_server_and_the_links():
    dry = subprocess.run(
        [shutil.which("make"), "-n", "run", "PORT=8001"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    honcho = next(line for line in dry.splitlines() if "honcho" in line)
    assert "DJANGO_DEBUG=0" in honcho and "SPHERES_DEMO=1" in honcho
    assert "SPHERES_PORT=8001" in honcho
    assert "SPHERES_BASE_URL=http://127.0.0.1:8001" in honcho
    procfile = (Path(ROOT) / "Procfile.dev").read_text()
    assert re.search(r"runserver 127\.0\.0\.1:\$\{SPHERES_PORT:-8000\}", procfile)
    readme = (Path(ROOT) / "README.md").read_text()
    assert "var/mail/" in readme and "make run PORT=8001" in readme
