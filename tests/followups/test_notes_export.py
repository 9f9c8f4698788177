"""The coordinator's flat weekly-notes export: the coordinator only (after confirming the
password), one row per participant-week with each field as the note form shows it, only what the
access policy lets the person see, formulas neutralised, read-logged, the same number of queries
whatever the number of notes."""

import csv
import datetime
import io
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from followups import selectors
from followups.bulk import NoteRow, notes_create_bulk
from followups.models import Channel, Satisfaction
from spheres.models import ReadLogEntry

pytestmark = pytest.mark.django_db

URL = reverse("followups:notes_export")
FORMULAS = ['=HYPERLINK("x")', "+1+1", "@SUM(A1)", "-2+3", "\t=1+2", "\r=1+2"]


def reauthenticated(client, user):
    """What allauth records when the person confirms their password."""
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "reauthenticated": True}
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


@pytest.fixture
def coordinator(personas, login):
    return reauthenticated(login(personas["coordinator"]), personas["coordinator"])


def write_notes(participants, author, **data):
    """This week's note for each participant (admitted today: the only week open to a note)."""
    week = timezone.localdate()
    data = {"meetings": 1, "meetings_minutes": 90, **data}
    return notes_create_bulk(rows=[NoteRow(p, week, author, dict(data)) for p in participants])


def download(client, file_format="csv", **data):
    response = client.post(URL, {"file_format": file_format, **data})
    assert response.status_code == 200, response
    content = b"".join(response.streaming_content)  # CSV streamed; Excel sent as a file
    if file_format == "xlsx":
        return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    "persona",
    ["worker_ccsmtl", "worker_codim", "police", "steering", "researcher", "administrator"],
)
def test_only_the_coordinator_opens_the_export(personas, login, persona):
    client = reauthenticated(login(personas[persona]), personas[persona])
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"file_format": "csv"}).status_code == 404
    assert not ReadLogEntry.objects.filter(view_name="notes_export").exists()


def test_the_coordinator_confirms_the_password_before_downloading(personas, login):
    client = login(personas["coordinator"])
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"file_format": "csv"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))


def test_one_row_per_week_each_field_as_the_form_shows_it(coordinator, make_participant, personas):
    participant = make_participant()
    write_notes(
        [participant],
        personas["worker_ccsmtl"],
        other_channels=[Channel.PHONE, Channel.TEXT],
        main_activity="Sortie au parc",
        worker_satisfaction=Satisfaction.VERY,
        activities_summary="Discussion\nsur l’école",
    )
    header, row = download(coordinator, "xlsx")
    assert header[:5] == (
        "ID jeune", "Semaine du", "Rencontres en personne", "Durée des rencontres",
        "Autres communications",
    )  # fmt: skip
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    week = datetime.datetime.combine(monday, datetime.time())  # how openpyxl reads a date
    assert row[:5] == (participant.youth_id, week, 1, "1h30", "Téléphone, Texto")
    values = dict(zip(header, row, strict=True))
    assert values["Activité principale"] == "Sortie au parc"
    assert values["Satisfaction de l’intervenant·e"] == "Très satisfait·e"
    assert values["Résumé des activités de la semaine"] == "Discussion\nsur l’école"


def test_the_export_holds_only_what_the_person_may_see(
    make_participant, bulk_participants, personas
):
    shared = make_participant()  # followed by CCSMTL and CODIM workers, shared with both
    others = bulk_participants(2)  # followed by the CCSMTL worker, shared with CCSMTL only
    write_notes([shared, *others], personas["worker_ccsmtl"])

    def youth_ids(persona):
        notes = selectors.notes_for_export(personas[persona])
        return sorted(n.participant.youth_id for n in notes)

    everyone = sorted(p.youth_id for p in [shared, *others])
    assert youth_ids("coordinator") == everyone
    assert youth_ids("worker_ccsmtl") == everyone
    assert youth_ids("worker_codim") == [shared.youth_id]
    assert youth_ids("worker_enmarge") == []
    assert youth_ids("researcher") == []


def test_in_excel_the_week_is_a_date_and_the_header_stays_in_view(
    coordinator, make_participant, personas
):
    participant = make_participant()
    write_notes([participant], personas["worker_ccsmtl"])
    response = coordinator.post(URL, {"file_format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    week = sheet["B2"]
    assert week.is_date and week.number_format == "yyyy-mm-dd"  # sorted and filtered as a date
    assert week.value.date() == participant.weekly_notes.get().week
    assert sheet.freeze_panes == "A2"
    # CSV has no dates: the week is written as ISO 8601, as before.
    rows = download(coordinator, "csv")
    assert rows[1][1] == participant.weekly_notes.get().week.isoformat()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_text_a_spreadsheet_would_run_is_neutralised(
    coordinator, bulk_participants, personas, file_format
):
    participants = bulk_participants(3)
    fields = ["main_activity", "activities_summary", "other_information", "other_workers_notes"]
    batches = [FORMULAS[:4], FORMULAS[4:], ["ok"]]
    for participant, texts in zip(participants, batches, strict=True):
        data = dict(zip(fields, texts, strict=False))
        write_notes([participant], personas["worker_ccsmtl"], **data)
    cells = {c for row in download(coordinator, file_format)[1:] for c in row if c}
    for text in FORMULAS:
        if file_format == "xlsx":
            # Excel's own escape for a carriage return, which openpyxl leaves as it is.
            text = text.replace("\r", "_x000D_")
        assert "'" + text in cells
        assert text not in cells
    assert "ok" in cells


def test_the_export_is_read_logged_one_row_per_participant(
    coordinator, bulk_participants, personas
):
    participants = bulk_participants(3)
    write_notes(participants[:2], personas["worker_ccsmtl"])
    download(coordinator)
    logged = ReadLogEntry.objects.filter(view_name="notes_export")
    assert sorted(logged.values_list("object_id", flat=True)) == sorted(
        p.pk for p in participants[:2]
    )
    assert set(logged.values_list("action", "object_type", "user")) == {
        (ReadLogEntry.Action.EXPORT, "participant", personas["coordinator"].pk)
    }


def test_a_period_narrows_the_export(coordinator, bulk_participants, personas):
    write_notes(bulk_participants(1), personas["worker_ccsmtl"])
    later = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    assert download(coordinator, since=later)[1:] == []
    assert not ReadLogEntry.objects.filter(view_name="notes_export").exists()
    response = coordinator.post(URL, {"file_format": "csv", "since": later, "until": "2020-01-06"})
    assert response.status_code == 200
    assert "La fin précède le début." in response.content.decode()


def test_the_export_takes_the_same_queries_whatever_the_number_of_notes(
    coordinator, bulk_participants, personas
):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            download(coordinator)
        return len(captured)

    write_notes(bulk_participants(2), personas["worker_ccsmtl"])
    download(coordinator)  # once-per-process lookups out of the way
    small = queries()
    write_notes(bulk_participants(25), personas["worker_ccsmtl"])
    assert queries() == small


def test_an_export_past_excels_row_limit_continues_on_a_second_sheet(
    coordinator, bulk_participants, personas, monkeypatch
):
    from followups import exports

    monkeypatch.setattr(exports, "MAX_ROWS", 3)  # two notes per sheet under the header
    write_notes(bulk_participants(5), personas["worker_ccsmtl"])
    response = coordinator.post(URL, {"file_format": "xlsx"})
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheets = [list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets]
    assert [len(rows) for rows in sheets] == [3, 3, 2]
    assert all(rows[0][0] == "ID jeune" for rows in sheets)


def test_an_empty_export_still_has_its_header(coordinator):
    for file_format in ("xlsx", "csv"):
        rows = download(coordinator, file_format)
        assert len(rows) == 1
        assert rows[0][0] == "ID jeune"
