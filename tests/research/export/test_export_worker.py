"""The export is built by a real Celery worker on the configured broker (kombu's filesystem
transport by default, Redis in CI), queued after the request commits; the purge runs by the
name beat sends."""

import datetime
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.utils import timezone

from research import services
from research.models import ExportStatus, ResearchExport
from spheres.celery import app
from tests.research.export.conftest import read_workbook

SHEETS = ["participants", "weekly_notes", "risk_assessments", "status_periods", "dictionary",
          "manifest"]  # fmt: skip


def wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_requested_export(research_participant, personas):
    for _ in range(5):
        research_participant()
    with start_worker(app, perform_ping_check=False, shutdown_timeout=30):
        export = services.export_request(actor=personas["researcher"], purpose="Vague 2")
        done = wait_for(
            lambda: (
                ResearchExport.objects.get(pk=export.pk).status
                not in (ExportStatus.QUEUED, ExportStatus.RUNNING)
            )
        )
    assert done, "the worker never finished the export"
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE, export.error
    assert export.rows_written == export.rows_total == 5 + 10 + 5 + 5
    sheets = read_workbook(services.export_dir() / export.file_name)
    assert list(sheets) == SHEETS
    assert len(sheets["participants"]) == 6


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_purge_by_its_scheduled_name(personas):
    export = ResearchExport.objects.create(
        source="web", requested_by=personas["researcher"], requester_role="researcher",
        purpose="x", status=ExportStatus.DONE, file_name="gone.xlsx",
        expires_at=timezone.now() - datetime.timedelta(minutes=1),
    )  # fmt: skip
    path = services.export_dir() / "gone.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PK")
    entry = settings.CELERY_BEAT_SCHEDULE["research-export-purge"]
    with start_worker(app, perform_ping_check=False, shutdown_timeout=30):
        app.send_task(entry["task"])
        assert wait_for(
            lambda: ResearchExport.objects.get(pk=export.pk).status == ExportStatus.EXPIRED
        )
    assert not path.exists()
