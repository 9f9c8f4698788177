"""The coordinator's import page: upload (kept privately), preview (a dry run with every problem
by sheet and cell), confirm, result; refused to anyone else; a fixed query budget; the file
deleted after the import or once expired. The Celery tasks' bodies are run inline here (the
browser journey runs a real worker)."""

import datetime
import logging
import os
import stat

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from followups.models import WeeklyNote
from referrals.models import Participant
from research.legacy import jobs
from research.models import LegacyImport, LegacyImportStatus
from spheres.models import ReadLogEntry
from tests.research.legacy.conftest import FIRST_WEEK_ROW, week

pytestmark = pytest.mark.django_db

PAGE = reverse("research:legacy_import")


def upload(client, path, worker, **extra):
    with path.open("rb") as handle:
        return client.post(PAGE, {"workbook": handle, "worker": worker.pk, **extra})


@pytest.fixture
def coordinator(personas, login):
    return login(personas["coordinator"]), personas["coordinator"]


@pytest.mark.parametrize(
    "persona", ["worker_ccsmtl", "researcher", "steering", "police", "administrator"]
)
def test_only_the_coordinator_opens_the_import_page(personas, login, persona):
    client = login(personas[persona])
    assert client.get(PAGE).status_code == 404
    assert client.post(PAGE).status_code == 404


def test_the_navigation_offers_the_page_to_the_coordinator_only(personas, login):
    assert PAGE in login(personas["coordinator"]).get(reverse("home")).content.decode()
    assert PAGE not in login(personas["worker_ccsmtl"]).get(reverse("home")).content.decode()


def test_upload_preview_confirm_then_the_file_is_gone(
    coordinator, personas, workbook_file, simple_sheet, settings
):
    client, _user = coordinator
    worker = personas["worker_ccsmtl"]
    response = upload(client, workbook_file([simple_sheet()]), worker)
    legacy = LegacyImport.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "research:legacy_status", args=[legacy.public_id]
    )
    stored = jobs.upload_path(legacy)
    assert stored.is_relative_to(settings.PRIVATE_STORAGE_ROOT)
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert legacy.public_id.hex in stored.name  # an opaque name

    jobs.legacy_preview_run(legacy_id=legacy.pk)  # the Celery task's body
    legacy.refresh_from_db()
    assert legacy.status == LegacyImportStatus.PREVIEWED
    assert not Participant.objects.exists()  # the preview is a dry run
    page = client.get(reverse("research:legacy_status", args=[legacy.public_id]))
    html = page.content.decode()
    assert "#2019-02" in html and "data-legacy-summary" in html
    assert legacy.preview["totals"]["created"] == 2

    response = client.post(reverse("research:legacy_status", args=[legacy.public_id]))
    assert response.status_code == 302
    legacy.refresh_from_db()
    assert legacy.status == LegacyImportStatus.IMPORTING
    jobs.legacy_import_execute(legacy_id=legacy.pk)
    legacy.refresh_from_db()
    assert legacy.status == LegacyImportStatus.DONE
    assert WeeklyNote.objects.count() == 2
    assert not stored.exists()
    assert (
        "data-legacy-done-message"
        in client.get(reverse("research:legacy_status", args=[legacy.public_id])).content.decode()
    )
    # The result page named the imported file: read-logged like any list (the preview named
    # none yet — the participant did not exist).
    imported = Participant.objects.get(youth_id="#2019-02")
    assert list(
        ReadLogEntry.objects.filter(user=_user, view_name="legacy_status").values_list(
            "object_type", "object_id"
        )
    ) == [("participant", imported.pk)]


def test_a_workbook_with_problems_is_refused_with_sheet_and_cell_in_french(
    coordinator, personas, workbook_file, simple_sheet
):
    client, _user = coordinator
    sheet = simple_sheet(weeks=[week(datetime.date(2019, 3, 4), worker="Bof")])
    upload(client, workbook_file([sheet]), personas["worker_ccsmtl"])
    legacy = LegacyImport.objects.get()
    jobs.legacy_preview_run(legacy_id=legacy.pk)
    legacy.refresh_from_db()
    assert legacy.status == LegacyImportStatus.REFUSED
    assert not jobs.upload_path(legacy).exists()
    html = client.get(reverse("research:legacy_status", args=[legacy.public_id])).content.decode()
    assert f"J!I{FIRST_WEEK_ROW}" in html and "Valeur inconnue" in html
    assert "Très satisfait·e" in html and "Bof" not in html  # what is expected, not what was typed
    # Nothing to confirm.
    client.post(reverse("research:legacy_status", args=[legacy.public_id]))
    legacy.refresh_from_db()
    assert legacy.status == LegacyImportStatus.REFUSED and not Participant.objects.exists()


def test_a_file_over_the_limit_is_refused_by_the_form(coordinator, personas, workbook_file,
                                                      simple_sheet, monkeypatch):  # fmt: skip
    client, _user = coordinator
    monkeypatch.setattr("research.legacy.workbook.MAX_BYTES", 100)
    response = upload(client, workbook_file([simple_sheet()]), personas["worker_ccsmtl"])
    assert response.status_code == 200 and not LegacyImport.objects.exists()
    assert "Mo" in response.content.decode() or "MB" in response.content.decode()


def test_a_file_over_the_upload_limit_is_refused_with_that_limit(
    coordinator, personas, settings, tmp_path
):
    """The upload handler stops receiving a file past SPHERES_MAX_UPLOAD_BYTES: the form says
    so, with that limit, rather than storing an empty file and calling it not a workbook."""
    client, _user = coordinator
    settings.SPHERES_MAX_UPLOAD_BYTES = 1024 * 1024
    big = tmp_path / "gros-classeur.xlsx"
    big.write_bytes(b"PK\x03\x04" + b"\0" * (1024 * 1024 + 10))
    response = upload(client, big, personas["worker_ccsmtl"])
    assert response.status_code == 200 and not LegacyImport.objects.exists()
    html = response.content.decode()
    assert "1 Mo" in html and "20 Mo" not in html


def test_another_coordinators_import_is_404(coordinator, personas, workbook_file, simple_sheet,
                                             organisations, faker, login):  # fmt: skip
    from spheres.models import Role
    from tests.conftest import make_person

    client, _user = coordinator
    upload(client, workbook_file([simple_sheet()]), personas["worker_ccsmtl"])
    legacy = LegacyImport.objects.get()
    other = login(make_person(faker, organisations["codim"], [Role.COORDINATOR]))
    for name in ("research:legacy_status", "research:legacy_progress"):
        assert other.get(reverse(name, args=[legacy.public_id])).status_code == 404


def test_the_progress_answers_counts_and_state_only(coordinator, personas, workbook_file,
                                                    simple_sheet):  # fmt: skip
    client, _user = coordinator
    upload(client, workbook_file([simple_sheet()]), personas["worker_ccsmtl"])
    legacy = LegacyImport.objects.get()
    data = client.get(reverse("research:legacy_progress", args=[legacy.public_id])).json()
    assert data == {"status": "previewing", "running": True, "done": 0, "total": 0}
    jobs.legacy_preview_run(legacy_id=legacy.pk)
    data = client.get(reverse("research:legacy_progress", args=[legacy.public_id])).json()
    assert data == {"status": "previewed", "running": False, "done": 1, "total": 1}


def test_a_preview_that_fails_ends_as_failed_and_logs_the_class_only(
    coordinator, personas, workbook_file, simple_sheet, caplog
):
    client, _user = coordinator
    upload(client, workbook_file([simple_sheet()]), personas["worker_ccsmtl"])
    legacy = LegacyImport.objects.get()
    jobs.upload_path(legacy).unlink()  # gone before the worker reads it
    with caplog.at_level(logging.ERROR, logger="research.legacy.jobs"):
        jobs.legacy_preview_run(legacy_id=legacy.pk)
    legacy.refresh_from_db()
    assert legacy.status == LegacyImportStatus.FAILED
    assert legacy.error == "FileNotFoundError" and legacy.finished_at is not None
    (record,) = caplog.records
    assert record.getMessage() == f"legacy import {legacy.pk}: preview failed: FileNotFoundError"
    assert record.exc_info is None  # no traceback: its message could quote the workbook
    page = client.get(reverse("research:legacy_status", args=[legacy.public_id]))
    assert page.status_code == 200


def test_an_upload_not_confirmed_in_time_is_deleted(coordinator, personas, workbook_file,
                                                    simple_sheet):  # fmt: skip
    client, _user = coordinator
    upload(client, workbook_file([simple_sheet()]), personas["worker_ccsmtl"])
    legacy = LegacyImport.objects.get()
    jobs.legacy_preview_run(legacy_id=legacy.pk)
    LegacyImport.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert jobs.legacy_imports_purge() == 1
    legacy.refresh_from_db()
    assert legacy.status == LegacyImportStatus.EXPIRED and not jobs.upload_path(legacy).exists()
    client.post(reverse("research:legacy_status", args=[legacy.public_id]))
    assert not Participant.objects.exists()


def test_an_upload_whose_transaction_is_rolled_back_leaves_no_workbook_behind(
    coordinator, personas, workbook_file, simple_sheet
):
    """The file is written before its record commits: if the transaction is rolled back, the
    workbook (names in every sheet) is deleted by the purge once an hour old; a recent one (an
    upload still committing) and a file whose record exists stay."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    _client, user = coordinator
    path = workbook_file([simple_sheet()])
    content = path.read_bytes()
    with transaction.atomic():
        rolled_back = jobs.legacy_upload(
            actor=user,
            upload=SimpleUploadedFile("a.xlsx", content),
            worker=personas["worker_ccsmtl"],
        )
        transaction.set_rollback(True)
    kept = jobs.legacy_upload(
        actor=user, upload=SimpleUploadedFile("b.xlsx", content), worker=personas["worker_ccsmtl"]
    )
    orphan, recorded = jobs.upload_path(rolled_back), jobs.upload_path(kept)
    assert orphan.exists()
    assert not LegacyImport.objects.filter(public_id=rolled_back.public_id).exists()
    jobs.legacy_imports_purge()
    assert orphan.exists()  # written minutes ago: perhaps an upload still committing
    hours_ago = (timezone.now() - datetime.timedelta(hours=2)).timestamp()
    for written in (orphan, recorded):
        os.utime(written, (hours_ago, hours_ago))
    jobs.legacy_imports_purge()
    assert not orphan.exists()
    assert recorded.exists()


def test_an_upload_that_cannot_be_recorded_deletes_its_file(
    coordinator, personas, workbook_file, simple_sheet, monkeypatch
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import DatabaseError

    _client, user = coordinator
    content = workbook_file([simple_sheet()]).read_bytes()

    def refuse(self, *args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(LegacyImport, "save", refuse)
    folder = jobs.upload_dir()
    before = set(folder.iterdir()) if folder.exists() else set()
    with pytest.raises(DatabaseError):
        jobs.legacy_upload(
            actor=user,
            upload=SimpleUploadedFile("a.xlsx", content),
            worker=personas["worker_ccsmtl"],
        )
    assert set(folder.iterdir()) == before


def test_the_preview_and_result_pages_have_a_fixed_query_budget(
    coordinator, personas, workbook_file, simple_sheet
):
    client, _user = coordinator
    counts = []
    for n in (1, 12):
        specs = [simple_sheet(name=f"J{i + 1}", youth_id=f"#2019-{10 * n + i}") for i in range(n)]
        upload(client, workbook_file(specs), personas["worker_ccsmtl"])
        legacy = LegacyImport.objects.order_by("-pk").first()
        jobs.legacy_preview_run(legacy_id=legacy.pk)
        url = reverse("research:legacy_status", args=[legacy.public_id])
        with CaptureQueriesContext(connection) as preview:
            assert client.get(url).status_code == 200
        client.post(url)
        jobs.legacy_import_execute(legacy_id=legacy.pk)
        with CaptureQueriesContext(connection) as result:
            assert "data-legacy-done-message" in client.get(url).content.decode()
        counts.append((len(preview), len(result)))
    assert counts[0] == counts[1]
