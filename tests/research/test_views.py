"""Who sees what on the dashboard, its download, its filters and its query budget."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from followups.models import (
    RiskAssessment,
    WeeklyNote,
)
from spheres.spreadsheets import neutralise
from tests.research.conftest import PERIOD

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def page(client, **params):
    return client.get(reverse("research:dashboard"), {**PERIOD, **params})


def workbook_text(response) -> str:
    assert response["Content-Type"] == XLSX
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return "\n".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )


def identifying(small_program):
    """What must never reach anyone but the coordinator: names, youth IDs, dates of birth,
    links to files."""
    texts = []
    for referral in small_program["referrals"]:
        texts += [referral.first_name, referral.last_name, referral.date_of_birth.isoformat()]
        texts.append(str(referral.public_id))
    for key in ("a", "b", "c"):
        participant = small_program[key]
        texts += [participant.youth_id, str(participant.public_id)]
    return texts


FILE_LINK = re.compile(r"/(participants|referrals)/[0-9a-f-]{36}")


def figures(response):
    return {f.published.key: f.published for _t, figs in response.context["sections"] for f in figs}


# --- Access --------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["steering", "researcher"])
def test_steering_and_research_see_program_figures_with_small_counts_hidden(
    persona, login, personas, small_program
):
    response = page(login(personas[persona]))
    assert response.status_code == 200
    html = response.content.decode()
    shown = figures(response)
    assert "caseload_by_worker" not in shown  # never a per-worker breakdown
    assert "referrals_by_month" in shown and "caseload_by_organisation" in shown
    # Six referrals in the period: every count is small, so every count is hidden.
    by_month = shown["referrals_by_month"]
    assert by_month.suppressed
    assert all(c.hidden or c.value == 0 for _l, row in by_month.body for c in row)
    assert "&lt; 5" in html
    assert "compte" in html.lower() or "counts" in html.lower()  # the suppression notice
    for text in identifying(small_program):
        assert text not in html
    assert not FILE_LINK.search(html)
    for worker in ("worker_ccsmtl", "worker_codim", "worker_enmarge"):
        assert personas[worker].last_name not in html


@pytest.mark.parametrize("persona", ["steering", "researcher", "worker_codim"])
def test_no_name_youth_id_or_date_of_birth_in_the_download(persona, login, personas, small_program):
    response = login(personas[persona]).get(reverse("research:dashboard_xlsx"), PERIOD)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    text = workbook_text(response)
    assert "< 5" in text
    for item in identifying(small_program):
        assert item not in text
    for worker in ("worker_ccsmtl", "worker_codim", "worker_enmarge"):
        assert personas[worker].last_name not in text


def test_a_worker_sees_only_figures_of_their_own_caseload(login, personas, small_program):
    response = page(login(personas["worker_ccsmtl"]))
    assert response.status_code == 200
    shown = figures(response)
    assert "referrals_by_month" not in shown  # recruitment is not their caseload
    assert "caseload_by_worker" not in shown
    # Their caseload is A alone: one active follow-up at each month end, hidden as "< 5".
    status = shown["followups_by_status"]
    assert status.footer[1][0].text == "< 5"
    html = response.content.decode()
    for text in identifying(small_program):
        assert text not in html
    assert not FILE_LINK.search(html)


def test_a_workers_figures_count_only_their_participants(personas, small_program):
    from research import selectors
    from research.dashboards.scope import Level, Scope

    scope = Scope(
        start=datetime.date(2025, 1, 1),
        end=datetime.date(2025, 6, 30),
        level=Level.CASELOAD,
        worker_id=personas["worker_codim"].pk,
    )
    status, _events = selectors.followup_statuses(scope)
    # A and B (CODIM is second worker for A, primary for B); C is not theirs.
    assert [sum(col) for col in zip(*status.cells, strict=True)] == [1, 2, 2, 2, 2, 2]
    (organisation,) = selectors.workload(scope)
    assert organisation.rows == ["CODIM"] and organisation.n == [2]


def test_the_coordinator_sees_exact_counts_and_each_worker(login, personas, small_program):
    response = page(login(personas["coordinator"]))
    shown = figures(response)
    assert not shown["referrals_by_month"].suppressed
    assert shown["referrals_by_month"].footer[1][-1].text == "6"
    assert personas["worker_codim"].last_name in response.content.decode()
    assert "caseload_by_worker" in shown


@pytest.mark.parametrize("persona", ["police", "administrator"])
def test_people_without_a_dashboard_role_are_refused(persona, login, personas, small_program):
    client = login(personas[persona])
    assert page(client).status_code == 403
    assert client.get(reverse("research:dashboard_xlsx"), PERIOD).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(reverse("research:dashboard"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("coordinator", True),
        ("steering", True),
        ("researcher", True),
        ("worker_codim", True),
        ("police", False),
        ("administrator", False),
    ],
)
def test_the_navigation_offers_the_dashboard_to_the_roles_allowed(persona, sees, login, personas):
    nav = login(personas[persona]).get(reverse("home")).context["nav_links"]
    assert (reverse("research:dashboard") in [link["url"] for link in nav]) is sees


def test_the_steering_home_card_opens_the_dashboard(login, personas):
    html = login(personas["steering"]).get(reverse("home")).content.decode()
    assert f'href="{reverse("research:dashboard")}"' in html


# --- Filters -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"start": "2025-13-45"}, "start", "Saisissez une date comme 2025-01-31."),
        ({"start": "2025-06-30", "end": "2025-01-01"}, "end", "La fin de la période"),
        ({"end": "2999-01-01"}, "end", "La période ne peut pas se terminer dans le futur."),
        # A start so far ahead that 60 months later has no date: still a message, not a 500.
        (
            {"start": "9999-01-01", "end": "9999-12-31"},
            "end",
            "La période ne peut pas se terminer dans le futur.",
        ),
        ({"start": "1990-01-01"}, "start", "2000"),
        ({"start": "not a date", "end": ""}, "end", "Ce champ est obligatoire."),
    ],
)
def test_bad_dates_get_a_clear_message_not_an_error(
    params, field, message, login, personas, small_program
):
    client = login(personas["steering"])
    response = page(client, **params)
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    assert message.split(" ")[0] in response.content.decode()
    download = client.get(reverse("research:dashboard_xlsx"), {**PERIOD, **params})
    assert download.status_code == 400


def test_choosing_organisations_narrows_the_referrals(
    login, personas, organisations, small_program
):
    client = login(personas["coordinator"])
    response = page(client, organisations=[organisations["ccsmtl"].pk])
    by_month = figures(response)["referrals_by_month"]
    assert by_month.footer[1][-1].text == "2"  # A and E


def test_without_comparison_only_this_period_is_shown(login, personas, small_program):
    response = page(login(personas["coordinator"]))  # compare unchecked: not in the query
    outcomes = figures(response)["referral_outcomes"]
    assert len(outcomes.headers) == 3  # outcome, this period, its percentage


def test_the_first_visit_shows_the_last_twelve_months_compared(login, personas):
    response = login(personas["steering"]).get(reverse("research:dashboard"))
    assert response.status_code == 200
    scope = response.context["scope"]
    assert scope.end == timezone.localdate() and scope.compare


# --- Download ------------------------------------------------------------------------------------


def test_one_figure_downloads_as_its_own_sheet(login, personas, small_program):
    client = login(personas["coordinator"])
    response = client.get(
        reverse("research:dashboard_xlsx"), {**PERIOD, "figure": "referrals_by_month"}
    )
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert len(book.worksheets) == 1
    values = [v for row in book.worksheets[0].iter_rows(values_only=True) for v in row]
    assert 6 in values  # the period's total, as a number
    assert (
        client.get(reverse("research:dashboard_xlsx"), {**PERIOD, "figure": "nope"}).status_code
        == 404
    )


def test_the_whole_download_has_one_sheet_per_figure(login, personas, small_program):
    client = login(personas["steering"])
    response = client.get(reverse("research:dashboard_xlsx"), PERIOD)
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert len(book.worksheets) == len(figures(page(client)))


def sheet_rows(response) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(response.content))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def test_each_sheet_is_named_for_its_figure_and_keeps_its_header_in_view(
    login, personas, small_program
):
    from research.dashboards.excel import SHEET_NAMES

    client = login(personas["coordinator"])
    shown = figures(page(client))
    response = client.get(reverse("research:dashboard_xlsx"), PERIOD)
    book = load_workbook(io.BytesIO(response.content))
    # Titles cut at 28 characters made "Satisfaction de la personne" and "Satisfaction de la
    # person 2", "Niveau de risque   de l’admi" and "Niveau de risque   de l’a 2": which was which?
    assert book.sheetnames == [str(SHEET_NAMES[key]) for key in shown]
    for name in (
        "Satisfaction de l’intervenant·e",
        "Satisfaction du ou de la jeune",
        "Risque, admission à temps 1",
        "Risque, admission à temps 2",
    ):
        assert name in book.sheetnames
    for sheet, figure in zip(book.worksheets, shown.values(), strict=True):
        header = int(sheet.freeze_panes[1:]) - 1  # the row just above the frozen pane
        assert sheet.freeze_panes == f"A{header + 1}"
        assert sheet.cell(header, 1).value == figure.headers[0], sheet.title
        assert sheet["A1"].value == figure.title
    # Title, description, period (no suppression notice for the coordinator), a blank, the header.
    assert book["Satisfaction de l’intervenant·e"].freeze_panes == "A6"


@pytest.mark.parametrize("persona", ["steering", "coordinator", "worker_codim"])
def test_every_sheet_holds_exactly_what_the_page_shows(persona, login, personas, small_program):
    client = login(personas[persona])
    shown = figures(page(client))
    sheets = sheet_rows(client.get(reverse("research:dashboard_xlsx"), PERIOD))
    assert len(sheets) == len(shown)
    for (_name, rows), figure in zip(sheets.items(), shown.values(), strict=True):
        body = figure.body + ([figure.footer] if figure.footer else [])
        table = rows[-len(body) :] if body else []
        for (label, cells), row in zip(body, table, strict=True):
            assert row[0] == label
            for cell, value in zip(cells, row[1:], strict=False):
                if not cell.text:
                    assert value is None, (figure.key, label)  # blank on the page, blank here
                elif cell.hidden or cell.value is None:
                    assert value == cell.text, (figure.key, label)  # "< 5", "x", "—"
                else:
                    assert value == cell.value, (figure.key, label)  # a number, as a number


def test_an_organisations_other_sectors_are_blank_as_on_the_page(login, personas, small_program):
    client = login(personas["coordinator"])
    response = client.get(
        reverse("research:dashboard_xlsx"), {**PERIOD, "figure": "referrals_by_organisation"}
    )
    (rows,) = sheet_rows(response).values()
    ccsmtl = next(row for row in rows if row[0] == "CCSMTL")
    # Institutional 2, the other sectors blank (the page shows nothing there, not 0), total 2.
    assert ccsmtl == ("CCSMTL", 2, None, None, None, 2)


@pytest.mark.parametrize("text", ["=1+1", "+33", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_text_a_spreadsheet_would_run_is_neutralised(text):
    assert neutralise(text) == "'" + text
    assert neutralise("< 5") == "< 5"
    assert neutralise(-3) == -3  # numbers stay numbers


# --- Query budget --------------------------------------------------------------------------------


def bulk_followups(participants, worker, weeks=8):
    """Notes and risk assessments for bulk participants (the bulk path opened their follow-ups,
    with their first status row)."""
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    WeeklyNote.objects.bulk_create(
        [
            WeeklyNote(
                participant=p,
                week=monday - datetime.timedelta(weeks=k + 1),
                meetings=1,
                meetings_minutes=45,
                other_channels=["phone"],
                targeted_need="stability",
                worker_satisfaction="satisfied",
                main_activity="Discussion informelle",
                author=worker,
            )
            for p in participants
            for k in range(weeks)
        ]
    )
    RiskAssessment.objects.bulk_create(
        [
            RiskAssessment(
                participant=p,
                time_point=0,
                assessed_on=p.admitted_on,
                level="red",
                recorded_by=worker,
            )
            for p in participants
        ]
    )


@pytest.mark.parametrize("persona", ["coordinator", "steering", "worker_ccsmtl"])
@pytest.mark.parametrize("size", [5, 120])
def test_the_dashboard_stays_within_its_query_budget(
    size, persona, bulk_participants, personas, login, django_assert_max_num_queries
):
    bulk_followups(bulk_participants(size), personas["worker_ccsmtl"])
    client = login(personas[persona])
    with django_assert_max_num_queries(24):
        response = client.get(reverse("research:dashboard"))  # uncached: the cache starts empty
    assert response.status_code == 200
    status = figures(response)["followups_by_status"]
    assert status.footer  # the figures were computed, whatever the size
    with django_assert_max_num_queries(24):
        assert client.get(reverse("research:dashboard_xlsx")).status_code == 200
