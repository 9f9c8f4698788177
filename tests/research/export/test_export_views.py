"""The research export's pages: who may ask (after re-authenticating), one request at a time,
progress, download by the requester only within 24 hours, the register, the purge job."""

import datetime
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from research import services
from research.models import ExportEvent, ExportStatus, ResearchExport
from spheres.models import ReadLogEntry

pytestmark = pytest.mark.django_db

REQUEST = reverse("research:export_request")


def reauthenticated(client, user):
    """What allauth records when the person confirms their password."""
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "reauthenticated": True}
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


def ask(client, **data):
    return client.post(REQUEST, {"purpose": "Évaluation des effets", **data})


@pytest.fixture
def researcher(personas, login):
    user = personas["researcher"]
    return reauthenticated(login(user), user), user


@pytest.mark.parametrize(
    ("persona", "status"),
    [("researcher", 200), ("coordinator", 200), ("worker_ccsmtl", 404), ("steering", 404),
     ("police", 404), ("administrator", 404)],
)  # fmt: skip
def test_only_researchers_and_the_coordinator_open_the_export_page(
    personas, login, persona, status
):
    assert login(personas[persona]).get(REQUEST).status_code == status


@pytest.mark.parametrize(
    ("persona", "status"), [("coordinator", 200), ("researcher", 404), ("worker_ccsmtl", 404)]
)
def test_only_the_coordinator_reads_the_register(personas, login, persona, status):
    url = reverse("research:export_register")
    assert login(personas[persona]).get(url).status_code == status


def test_asking_requires_reauthentication_then_replays_the_request(personas, login):
    client = login(personas["researcher"])
    response = ask(client)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert not ResearchExport.objects.exists()
    response = client.post(response.url, {"password": "Correct-horse-battery-42"})
    export = ResearchExport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("research:export_status", args=[export.public_id])
    assert export.requested_by == personas["researcher"]
    assert export.requester_role == "researcher" and export.status == ExportStatus.QUEUED
    assert [e.kind for e in export.events.all()] == [ExportEvent.Kind.REQUESTED]


def test_the_purpose_is_required_and_an_end_before_the_start_is_refused(researcher):
    client, _user = researcher
    response = client.post(
        REQUEST, {"purpose": " ", "period_start": "2025-06-01", "period_end": "2025-05-01"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "purpose" in form.errors and "period_end" in form.errors
    assert not ResearchExport.objects.exists()


def test_a_second_request_while_one_is_running_is_told_to_wait(researcher):
    client, user = researcher
    ask(client)
    response = ask(client, purpose="Encore")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert ResearchExport.objects.filter(requested_by=user).count() == 1


def test_organisations_and_period_are_recorded_as_filters(researcher, organisations):
    client, _user = researcher
    ask(client, period_start="2025-01-01", period_end="2025-12-31",
        organisations=[organisations["codim"].pk])  # fmt: skip
    export = ResearchExport.objects.get()
    assert export.period_start == datetime.date(2025, 1, 1)
    assert list(export.organisations.all()) == [organisations["codim"]]


@pytest.fixture
def built(researcher, research_participant):
    client, user = researcher
    for _ in range(5):
        research_participant()
    ask(client)
    export = ResearchExport.objects.get()
    services.export_build(export_id=export.pk)
    export.refresh_from_db()
    return client, user, export


def test_the_progress_reports_rows_and_the_download_link_once_done(built):
    client, _user, export = built
    data = client.get(reverse("research:export_progress", args=[export.public_id])).json()
    assert data["status"] == "done" and data["percent"] == 100
    assert data["rows_written"] == data["rows_total"] == 5 + 10 + 5 + 5
    assert data["download_url"] == reverse("research:export_download", args=[export.public_id])
    page = client.get(reverse("research:export_status", args=[export.public_id]))
    assert page.status_code == 200 and data["download_url"] in page.content.decode()


def test_the_requester_downloads_and_the_download_is_registered_and_read_logged(built):
    client, user, export = built
    response = client.get(reverse("research:export_download", args=[export.public_id]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    import hashlib

    assert hashlib.sha256(content).hexdigest() == export.file_sha256
    assert response["Content-Disposition"].startswith("attachment")
    assert ExportEvent.objects.filter(export=export, kind="downloaded", by=user).exists()
    entry = ReadLogEntry.objects.get(object_type="research_export")
    assert (entry.user, entry.action, entry.object_id) == (user, "download", export.pk)


@pytest.mark.parametrize("persona", ["coordinator", "researcher_2"])
def test_anyone_but_the_requester_gets_404(built, personas, organisations, login, faker, persona):
    from spheres.models import Role
    from tests.conftest import make_person

    _client, _user, export = built
    if persona == "researcher_2":
        personas[persona] = make_person(faker, organisations["research"], [Role.RESEARCHER])
    other = login(personas[persona])
    for name in ("export_download", "export_status", "export_progress"):
        assert other.get(reverse(f"research:{name}", args=[export.public_id])).status_code == 404


def test_after_24_hours_the_download_is_404_and_the_purge_deletes_the_file(
    built, time_machine, login
):
    _client, user, export = built
    path = services.export_dir() / export.file_name
    assert path.is_file()
    assert export.expires_at - export.finished_at == datetime.timedelta(hours=24)
    url = reverse("research:export_download", args=[export.public_id])
    time_machine.move_to(export.expires_at + datetime.timedelta(minutes=1))
    assert login(user).get(url).status_code == 404  # signed in again: the session had expired
    assert services.exports_purge() == {"deleted": 1, "failed": 0}
    export.refresh_from_db()
    assert export.status == ExportStatus.EXPIRED and not path.exists()
    assert export.file_sha256  # the register keeps the fingerprint
    assert services.exports_purge() == {"deleted": 0, "failed": 0}  # idempotent


def test_a_build_that_crashes_ends_failed_and_leaves_no_file(
    researcher, research_participant, monkeypatch
):
    client, _user = researcher
    for _ in range(5):
        research_participant()
    ask(client)
    export = ResearchExport.objects.get()

    def crash(path, sections, **kwargs):
        path.write_bytes(b"PK partial")
        raise MemoryError

    monkeypatch.setattr(services, "write_workbook", crash)
    services.export_build(export_id=export.pk)
    export.refresh_from_db()
    assert (export.status, export.error) == (ExportStatus.FAILED, "MemoryError")
    assert list(services.export_dir().rglob(f"{export.public_id}*")) == []
    url = reverse("research:export_download", args=[export.public_id])
    assert client.get(url).status_code == 404
    assert ask(client, purpose="Again").status_code == 302  # no longer running: may ask again


def test_a_killed_worker_leaves_the_export_failed_after_the_stale_delay(researcher, settings):
    client, _user = researcher
    ask(client)
    export = ResearchExport.objects.get()
    ResearchExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.RUNNING, started_at=timezone.now() - datetime.timedelta(hours=3)
    )
    part = services.export_dir() / "tmp" / f"{export.public_id}.xlsx.part"
    part.parent.mkdir(parents=True, exist_ok=True)
    part.write_bytes(b"PK partial")
    assert services.exports_purge() == {"deleted": 0, "failed": 1}
    export.refresh_from_db()
    assert (export.status, export.error) == (ExportStatus.FAILED, "WorkerLost")
    assert not part.exists()


class WorkerKilled(BaseException):
    """What a worker killed mid-build (the OOM killer) leaves: nothing after it runs."""


def test_a_build_that_kills_its_worker_at_every_delivery_is_ended_by_the_purge(
    researcher, monkeypatch, time_machine
):
    """reject_on_worker_lost delivers the message again each time: the purge must still end
    it after the stale delay, counted from the first start, or the redeliveries loop forever."""
    client, _user = researcher
    ask(client)
    export = ResearchExport.objects.get()

    def killed(*args, **kwargs):
        raise WorkerKilled

    monkeypatch.setattr(services, "_build", killed)
    start = timezone.now()
    for minutes in range(0, 180, 30):  # delivered again and killed, every half hour
        time_machine.move_to(start + datetime.timedelta(minutes=minutes))
        with pytest.raises(WorkerKilled):
            services.export_build(export_id=export.pk)
        if services.exports_purge()["failed"]:
            break
    export.refresh_from_db()
    assert (export.status, export.error) == (ExportStatus.FAILED, "WorkerLost")
    assert services.export_build(export_id=export.pk) is None  # the next delivery stops there


def test_a_redelivered_task_rebuilds_a_running_export(researcher, research_participant):
    client, _user = researcher
    for _ in range(5):
        research_participant()
    ask(client)
    export = ResearchExport.objects.get()
    ResearchExport.objects.filter(pk=export.pk).update(status=ExportStatus.RUNNING)
    services.export_build(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE and export.row_counts["participants"] == 5
    assert services.export_build(export_id=export.pk) is None  # done: never built twice


@pytest.mark.parametrize("size", [2, 8])
def test_the_register_has_a_fixed_query_budget(
    size, personas, login, django_assert_max_num_queries, organisations
):
    for index in range(size):
        export = ResearchExport.objects.create(
            source="web", requested_by=personas["researcher"], requester_role="researcher",
            purpose=f"But {index}", status=ExportStatus.DONE,
        )  # fmt: skip
        export.organisations.set([organisations["codim"]])
        ExportEvent.objects.create(export=export, kind="requested")
    client = login(personas["coordinator"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("research:export_register"))
    assert response.content.decode().count("But ") == size


def test_the_home_page_shows_the_export_card_to_researchers(personas, login):
    response = login(personas["researcher"]).get(reverse("home"))
    assert REQUEST in response.content.decode()
