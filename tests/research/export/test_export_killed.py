"""A build process killed mid-export (SIGKILL, as the kernel's OOM killer or a redeploy would):
no partial file becomes downloadable; the purge ends the request as failed, or the redelivered
task rebuilds it. PostgreSQL only: the killed process must share the test database."""

import datetime
import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from research import services
from research.models import ExportStatus, ResearchExport

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a shared database"),
]

SLOW_BUILD = """
import time
from research import services
from research.export import workbook
workbook.PROGRESS_EVERY = 1
write = services.write_workbook
def slow(path, sections, progress=None, **kwargs):
    def step(written):
        progress(written)
        time.sleep(0.5)
    return write(path, sections, progress=step, **kwargs)
services.write_workbook = slow
services.export_build(export_id={export_id})
"""


def test_a_killed_build_leaves_nothing_downloadable_then_fails_or_rebuilds(
    research_participant, personas, login, time_machine
):
    for _ in range(5):
        research_participant()
    export = services.export_request(actor=personas["researcher"], purpose="Vague 3")
    tmp = services.export_dir() / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    before = set(tmp.iterdir())
    env = {**os.environ, "DATABASE_URL": _database_url()}
    process = subprocess.Popen(  # noqa: S603 - our interpreter, our code
        [sys.executable, "manage.py", "shell", "-c", SLOW_BUILD.format(export_id=export.pk)],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if ResearchExport.objects.get(pk=export.pk).rows_written >= 3:
                break
            time.sleep(0.1)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    export.refresh_from_db()
    assert export.status == ExportStatus.RUNNING and export.rows_written >= 3
    assert set(tmp.iterdir()) - before  # the writer's half-written temporary files…
    assert not (services.export_dir() / f"{export.public_id}.xlsx").exists()  # …never the file
    client = login(personas["researcher"])
    url = reverse("research:export_download", args=[export.public_id])
    assert client.get(url).status_code == 404

    # The task is redelivered (acks_late): the build starts afresh and completes.
    services.export_build(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE
    assert client.get(url).status_code == 200
    # The killed process's temporary files go with the periodic purge once stale.
    later = timezone.now() + datetime.timedelta(
        minutes=settings.SPHERES_RESEARCH_EXPORT_STALE_MINUTES + 1
    )
    services.exports_purge(now=later)
    assert list(tmp.iterdir()) == []


def test_a_killed_build_never_redelivered_ends_failed(research_participant, personas):
    export = services.export_request(actor=personas["researcher"], purpose="Vague 4")
    ResearchExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.RUNNING, started_at=timezone.now()
    )
    later = timezone.now() + datetime.timedelta(
        minutes=settings.SPHERES_RESEARCH_EXPORT_STALE_MINUTES + 1
    )
    assert services.exports_purge(now=later)["failed"] == 1
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
