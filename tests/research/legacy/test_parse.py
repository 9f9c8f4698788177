"""The parser alone: blocks found by their labels wherever they sit, columns in any order."""

import datetime

import openpyxl
import pytest

from research.legacy import demo, workbook

pytestmark = pytest.mark.django_db  # the drop-down tables read the translation catalogues


@pytest.mark.parametrize("engine", workbook.ENGINES)
def test_blocks_and_columns_are_found_by_their_labels_wherever_they_sit(tmp_path, engine):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "J7"
    # Two empty rows and an empty column first; the table's columns in reverse order.
    ws["B3"], ws["D3"] = "ID du jeune", "#2020-05"
    ws["B4"], ws["D4"] = "Date de naissance", "2004-02-29"
    ws["B5"], ws["D5"] = "Date d'entrée dans le projet", "janvier 2020"
    ws["B7"] = "SUIVIS"
    for offset, title in enumerate(reversed(demo.HEADERS)):
        ws.cell(row=8, column=2 + offset, value=title)
    row = ["", "", "", "Satisfait", "Satisfait", "Relation", "Parc", "", "", "Courriel", 45, 1,
           "2020-01-08"]  # fmt: skip
    for offset, value in enumerate(row):
        ws.cell(row=9, column=2 + offset, value=value)
    ws.cell(row=10, column=2 + 12, value="2020-01-15")
    ws.cell(row=10, column=2 + 11, value=0)
    ws.cell(row=10, column=2 + 8, value="Bof")  # "Aucune rencontre/comm. Pourquoi?"
    path = tmp_path / "moved.xlsx"
    book.save(path)

    parsed = workbook.parse(path, engine)

    sheet = parsed.sheets[0]
    assert (sheet.youth_id, sheet.date_of_birth, sheet.entry_month) == (
        "#2020-05", datetime.date(2004, 2, 29), datetime.date(2020, 1, 1))  # fmt: skip
    assert sheet.header_row == 8
    [week] = sheet.weeks
    assert week.week == datetime.date(2020, 1, 6) and week.cells["week"] == "N9"
    assert week.data["meetings"] == 1 and week.data["meetings_minutes"] == 45
    assert week.data["other_channels"] == ["email"] and week.data["targeted_need"] == "relationship"
    assert [p.where for p in parsed.problems] == ["J7!J10"]


def test_labels_and_values_are_compared_without_case_accents_or_colons():
    from research.legacy.vocabulary import channels, plain, risk_level

    assert plain("  Date d’entrée   dans le PROJET : ") == "date d'entree dans le projet"
    assert risk_level("Situation jugée préoccupante (feu jaune)") == "yellow"
    assert risk_level("AUCUNE") == "none" and risk_level("Green") == "green"
    assert channels("Téléphone + texto; FB") == (["phone", "text", "messenger"], [])
    assert channels("Pigeon voyageur") == ([], ["pigeon voyageur"])
