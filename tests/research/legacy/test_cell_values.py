"""A bad cell is reported by its sheet and cell and by what it should hold, never by what it
holds: a worker may have typed a name anywhere, and the report is stored (LegacyImport.preview,
.result), shown on the page and printed by the command. A tab's own name is typed too."""

import datetime
import html
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from followups.models import WeeklyNote
from research.legacy import jobs, workbook
from research.legacy.vocabulary import plain
from research.models import LegacyImport, LegacyImportStatus
from tests.research.legacy.conftest import FIRST_WEEK_ROW, week

pytestmark = pytest.mark.django_db


def leaks(name: str, text: str) -> bool:
    """Whether the name is in the text, in any case, with or without accents, HTML-escaped or
    not (a communications cell was quoted lower-cased, unaccented)."""
    return plain(name) in plain(html.unescape(text))


@pytest.fixture
def name(faker):
    return faker.name()


@pytest.mark.parametrize(
    "convert",
    [
        workbook.to_date,
        workbook.to_month,
        workbook.to_minutes,
        workbook.to_count,
        workbook.to_youth_id,
        workbook.to_risk,
        workbook.to_yes_no,
        lambda value: workbook.to_choice(value, "need", "Besoin visé"),
    ],
)
def test_no_reading_of_a_cell_quotes_it(name, convert):
    with pytest.raises(workbook.BadValue) as refused:
        convert(name)
    assert not leaks(name, str(refused.value))


def test_a_name_in_week_cells_and_a_tab_stays_out_of_the_preview_the_result_and_the_page(
    personas, login, workbook_file, simple_sheet, name
):
    rows = FIRST_WEEK_ROW
    sheet = simple_sheet(
        weeks=[
            week(datetime.date(2019, 3, 4)),  # the one week imported
            week(name),  # a date column
            week(datetime.date(2019, 3, 11), meetings=name),  # a number column
            week(datetime.date(2019, 3, 18), minutes=name),
            week(datetime.date(2019, 3, 25), need=name),  # a drop-down column
            week(datetime.date(2019, 4, 1), worker=name),
            week(datetime.date(2019, 4, 8), meetings=0, minutes=None, channels=name),
        ]
    )
    tab = simple_sheet(name=name[:31], youth_id="#2019-03")  # Excel caps a tab's name
    path = workbook_file([sheet, tab])
    coordinator = login(personas["coordinator"])
    with path.open("rb") as handle:
        coordinator.post(
            reverse("research:legacy_import"),
            {"workbook": handle, "worker": personas["worker_ccsmtl"].pk, "skip_bad_rows": "on"},
        )
    legacy = LegacyImport.objects.get()
    page = reverse("research:legacy_status", args=[legacy.public_id])

    jobs.legacy_preview_run(legacy_id=legacy.pk)  # the dry run
    legacy.refresh_from_db()
    assert legacy.status == LegacyImportStatus.PREVIEWED
    expected = [f"J!A{rows + 1}", f"J!B{rows + 2}", f"J!C{rows + 3}", f"J!H{rows + 4}",
                f"J!I{rows + 5}", f"J!D{rows + 6}"]  # fmt: skip
    assert [p["where"] for p in legacy.preview["skipped"]] == expected
    assert len(legacy.preview["notices"]) == 2  # the instructions and the named tab
    assert not leaks(name, json.dumps(legacy.preview, ensure_ascii=False))
    preview = coordinator.get(page).content.decode()
    assert all(where in preview for where in expected)
    assert not leaks(name, preview)

    coordinator.post(page)  # confirmed: the import itself
    jobs.legacy_import_execute(legacy_id=legacy.pk)
    legacy.refresh_from_db()
    assert legacy.status == LegacyImportStatus.DONE and WeeklyNote.objects.count() == 1
    assert [p["where"] for p in legacy.result["skipped"]] == expected
    assert not leaks(name, json.dumps(legacy.result, ensure_ascii=False))
    assert not leaks(name, json.dumps(legacy.preview, ensure_ascii=False))
    assert not leaks(name, coordinator.get(page).content.decode())


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_name_in_any_cell_stays_out_of_the_commands_output(
    personas, workbook_file, simple_sheet, name, dry_run
):
    rows = FIRST_WEEK_ROW
    sheet = simple_sheet(
        date_of_birth=name,  # a date column
        entry=name,
        admission_risk=name,
        times=[(name, name, name)],  # Fait?, Date, Réévaluation
        weeks=[
            week(name),
            week(datetime.date(2019, 3, 11), meetings=name),  # a number column
            week(datetime.date(2019, 3, 18), need=name),  # a drop-down column
            week(datetime.date(2019, 3, 25), meetings=0, minutes=None, channels=name),
        ],
    )
    path = workbook_file([sheet, simple_sheet(name=name[:31], youth_id=name)])
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_progress_notes", str(path), "--worker",
                     personas["worker_ccsmtl"].email, *(["--dry-run"] if dry_run else []),
                     stdout=out)  # fmt: skip
    printed = out.getvalue()
    assert not leaks(name, printed)
    for where in ["J!C4", "J!C5", "J!C6", "J!C10", "J!C11", "J!C12", f"J!A{rows}",
                  f"J!B{rows + 1}", f"J!H{rows + 2}", f"J!D{rows + 3}"]:  # fmt: skip
        assert f"  {where}: " in printed
    assert not WeeklyNote.objects.exists()
