"""The research export's own .xlsx writer: what a spreadsheet reads back is what was written —
texts as texts (never formulas), numbers as numbers, awkward characters kept, every sheet's
extent right even for readers that trust it (openpyxl's read-only mode, pandas)."""

import datetime
import zipfile

import openpyxl
import pytest

from spheres import xlsx


def write(path, sheets, **options):
    workbook = xlsx.Workbook(path, **options)
    try:
        for name, rows in sheets:
            sheet = workbook.add_sheet(name, len(rows[0]))
            sheet.write_row(rows[0], bold=True)
            for row in rows[1:]:
                sheet.write_row(row)
    finally:
        workbook.close()


def read(path, read_only=True):
    book = openpyxl.load_workbook(path, read_only=read_only)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in book}
    finally:
        book.close()


AWKWARD = [
    "a & b < c > d",
    "quote \" and apostrophe '",
    "  leading and trailing spaces  ",
    "line one\nline two",
    "tab\tinside",
    "bell\x07 and vertical tab\x0b",
    "Excel's own escape _x0041_ written as typed",
    "accents: Montréal, Lévis, Saguenay–Lac-Saint-Jean, emoji 🙂",
]


def test_values_come_back_as_written(tmp_path):
    path = tmp_path / "book.xlsx"
    rows = [("text", "number", "empty")]
    rows += [(text, n, None) for n, text in enumerate(AWKWARD)]
    rows += [("=1+1", 2.5, ""), ("last", -3, None)]
    write(path, [("one", rows), ("two", [("only header",)])])
    sheets = read(path)
    assert list(sheets) == ["one", "two"]
    assert sheets["two"] == [("only header",)]
    back = sheets["one"]
    assert back[0] == ("text", "number", "empty")
    # openpyxl leaves Excel's escapes as they are in the file (Excel itself shows the texts as
    # typed): control characters as _xHHHH_, a literal _xHHHH_ protected by _x005F.
    assert [r[0] for r in back[1:9]] == [
        t.replace("\x07", "_x0007_").replace("\x0b", "_x000B_").replace("_x0041_", "_x005F_x0041_")
        for t in AWKWARD
    ]
    assert [r[1] for r in back[1:]] == [*range(len(AWKWARD)), 2.5, -3]
    assert all(isinstance(r[1], int) for r in back[1:9])
    assert all(r[2] is None for r in back[1:])  # every row as wide as the header
    full = openpyxl.load_workbook(path)
    kinds = {c.data_type for ws in full.worksheets for row in ws.iter_rows() for c in row}
    assert "f" not in kinds  # "=1+1" is text
    assert full["one"]["A1"].font.b and not full["one"]["A2"].font.b


def test_a_carriage_return_survives_as_excel_escapes_it(tmp_path):
    path = tmp_path / "book.xlsx"
    write(path, [("s", [("h",), ("\rcarriage",)])])
    assert read(path)["s"][1] == ("_x000D_carriage",)


def test_the_extent_of_each_sheet_is_declared(tmp_path):
    path = tmp_path / "book.xlsx"
    write(path, [("s", [("a", "b", "c"), ("x", None, None), (None, None, "z")])])
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert '<dimension ref="A1:C3"/>' in xml
    assert read(path)["s"] == [("a", "b", "c"), ("x", None, None), (None, None, "z")]


def test_text_past_excels_limit_is_cut_there(tmp_path):
    path = tmp_path / "book.xlsx"
    write(path, [("s", [("h",), ("é" * 40_000,)])])
    assert read(path)["s"][1][0] == "é" * xlsx.MAX_TEXT


def test_the_transform_applies_to_every_text(tmp_path):
    path = tmp_path / "book.xlsx"
    write(path, [("s", [("h",), ("=x",), ("=x",)])], transform=lambda t: "'" + t)
    assert read(path)["s"] == [("'h",), ("'=x",), ("'=x",)]


def test_a_date_is_a_date_and_the_header_row_stays_in_view(tmp_path):
    path = tmp_path / "book.xlsx"
    day = datetime.date(2026, 9, 28)
    write(path, [("s", [("week",), (day,), (datetime.date(1900, 3, 1),)])])
    sheet = openpyxl.load_workbook(path)["s"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A2"].is_date and sheet["A2"].number_format == "yyyy-mm-dd"
    assert sheet["A2"].value == datetime.datetime(2026, 9, 28)
    assert sheet["A3"].value == datetime.datetime(1900, 3, 1)
    assert sheet["A1"].value == "week" and not sheet["A1"].is_date
    assert xlsx.cell_xml(0, day, "2") == '<c r="A2" s="2"><v>46293</v></c>'


@pytest.mark.parametrize(
    "value",
    [True, float("nan"), b"Tremblay", object(), datetime.datetime(2026, 1, 1, 10)],
)
def test_values_with_no_plain_cell_type_are_refused_without_showing_them(tmp_path, value):
    with pytest.raises(TypeError) as refused:
        write(tmp_path / "book.xlsx", [("s", [("h",), (value,)])])
    assert "Tremblay" not in str(refused.value) and "nan" not in str(refused.value)


def test_a_row_wider_or_narrower_than_its_sheet_is_refused(tmp_path):
    for row in [("a", "b", "c"), ("a",)]:
        with pytest.raises(ValueError):
            write(tmp_path / "book.xlsx", [("s", [("h1", "h2"), row])])


@pytest.mark.parametrize("name", ["", "x" * 32, "a/b", "a[1]", "dup"])
def test_bad_or_repeated_sheet_names_are_refused(tmp_path, name):
    workbook = xlsx.Workbook(tmp_path / "book.xlsx")
    try:
        workbook.add_sheet("dup", 1)
        with pytest.raises(ValueError):
            workbook.add_sheet(name, 1)
    finally:
        workbook.close()


def test_pandas_reads_every_row_with_integer_columns(tmp_path):
    pandas = pytest.importorskip("pandas")
    path = tmp_path / "book.xlsx"
    rows = [("id", "week")] + [(f"r{n}", n) for n in range(1, 2001)]
    write(path, [("s", rows)])
    frame = pandas.read_excel(path, sheet_name="s")
    assert frame.shape == (2000, 2)
    assert str(frame["week"].dtype) == "int64"
