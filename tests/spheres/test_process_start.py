"""What a process that serves no page (a Celery worker started with --skip-checks, a command)
loads at start-up: not the admin nor the heavy libraries only some pages use
(docs/research-export.md, "What a process holds before it exports")."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
HEAVY = ["import_export.admin", "openpyxl", "numpy", "xhtml2pdf", "icalendar", "pygal"]


def _start(then: str) -> dict:
    code = (
        "import json, sys, django; django.setup()\n"
        f"{then}\n"
        "from django.contrib import admin\n"
        f"print(json.dumps({{'loaded': [m for m in {HEAVY!r} if m in sys.modules], "
        "'registered': len(admin.site._registry)}))"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "spheres.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_process_that_serves_no_page_loads_neither_the_admin_nor_the_heavy_libraries():
    started = _start("")
    assert started == {"loaded": [], "registered": 0}


def test_the_system_checks_see_every_admin_registration():
    checked = _start("from django.core import checks; assert not checks.run_checks(tags=['admin'])")
    assert checked["registered"] > 5
    assert "import_export.admin" in checked["loaded"]
