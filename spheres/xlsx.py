"""A minimal streaming .xlsx writer for the big exports (the research export, the coordinator's
weekly notes): rows of text, numbers and dates, one bold header row per sheet, frozen so that it
stays in view while scrolling, nothing else (no formulas, other styles or shared strings).

Why not XlsxWriter: in constant_memory mode it spent about 80 % of the export's time on its
per-cell bookkeeping (a cell object per value, dimension checks, one regular-expression pass
after another, a file write per cell). Here a row becomes one string, built from precomputed
cell references and texts escaped once, and goes to the sheet's temporary file; a finished sheet
is compressed into the archive. The same cells, about eight times faster, and memory stays flat
(a few hundred rows, the text cache, zlib's window). A compiled writer on PyPI was tried first:
rustpy-xlsxwriter 0.8 writes integers as decimals ("1.0") and no header on an empty sheet, so
the workbook's content would have changed.

The text rules follow ECMA-376 (what Excel and XlsxWriter do): XML's &, < and > escaped; control
characters, which XML 1.0 cannot carry (a carriage return would come back as a line feed), as
`_xHHHH_`, and a literal `_xHHHH_` protected as `_x005F_xHHHH_`; leading or trailing whitespace
kept with xml:space="preserve"; text cut at Excel's 32,767 UTF-16 units. Every text is written
as an inline string: nothing a cell holds can become a formula, a number or a link. A date
(datetime.date, not a datetime) is a real date for the spreadsheet: its serial number in Excel's
1900 date system, shown as yyyy-mm-dd (sorted, filtered and counted as a date).

The package holds only the parts the format requires: [Content_Types].xml (written
first; worksheets take the default content type of .xml parts, so the number of sheets need not
be known in advance), the relationships, workbook.xml and styles.xml (written once the sheets
are known), one XML part per sheet."""

import datetime
import math
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from xml.sax.saxutils import escape as _xml_escape

MAX_TEXT = 32_767  # UTF-16 code units, Excel's limit for a cell's text
FLUSH_EVERY = 512  # rows gathered before one encode + write
TEXT_CACHE = 4096  # distinct texts kept escaped
# zlib level: 3 costs about half the CPU time of the default 6 for a file some 6 % larger.
COMPRESSLEVEL = 3
COPY_BUFFER = 1 << 20

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_CONTENT_TYPES = (
    f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    f'<Default Extension="xml" ContentType="{_CT}.worksheet+xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    f'{_HEAD}<Relationships xmlns="{_PKG_REL_NS}">'
    f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
# Two fonts (regular, bold), the two fills Excel insists on, one border; style 1 = bold,
# style 2 = a date (yyyy-mm-dd).
_DATE_STYLE = 2
_STYLES = (
    f'{_HEAD}<styleSheet xmlns="{_MAIN_NS}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_START = f'{_HEAD}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'.encode()
_SHEET_END = b"</sheetData></worksheet>"
# The header row stays in view (View > Freeze panes, first row).
_FROZEN_HEADER = (
    b'<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
    b'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView>'
    b"</sheetViews>"
)
# Excel's serial number of a day is the days since 1899-12-30 (the 1900 date system).
_EXCEL_EPOCH = datetime.date(1899, 12, 30).toordinal()

# Anything in a text that needs more than copying: XML's specials, the characters XML 1.0 cannot
# carry, Excel's own escape sequence, the two non-characters; or whitespace at either end.
_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$")
_LITERAL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_EDGE_SPACE = re.compile(r"^\s|\s$")
_QUOTE = {'"': "&quot;"}


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_xml(column: int, value, row: str) -> str:
    """The <c> element Sheet.write_row writes for `value` in column `column` (0 is A) of row
    `row` (not bold, no transform applied; "" for an empty cell): for callers that build rows
    themselves (Sheet.write_xml)."""
    if value is None or value == "":
        return ""
    letter = _column_letters(column)
    kind = value.__class__
    if kind is str:
        return f'<c r="{letter}{row}" t="inlineStr">{_text(value)}</c>'
    if kind is int or (kind is float and math.isfinite(value)):
        return f'<c r="{letter}{row}"><v>{value!r}</v></c>'
    if kind is datetime.date:
        return f'<c r="{letter}{row}" s="{_DATE_STYLE}"><v>{_serial(value)}</v></c>'
    raise TypeError(f"cannot write a {kind.__name__} to a cell")


def _serial(day: datetime.date) -> int:
    return day.toordinal() - _EXCEL_EPOCH


def _text(value: str) -> str:
    """The <is> element of an inline string cell."""
    if len(value) > MAX_TEXT // 2 and len(value.encode("utf-16-le")) // 2 > MAX_TEXT:
        value = value.encode("utf-16-le")[: MAX_TEXT * 2].decode("utf-16-le", "ignore")
    if not _SPECIAL.search(value):
        return f"<is><t>{value}</t></is>"
    preserve = _EDGE_SPACE.search(value)
    value = _LITERAL_ESCAPE.sub(r"_x005F\1", value)
    value = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
    value = _xml_escape(value)
    if preserve:
        return f'<is><t xml:space="preserve">{value}</t></is>'
    return f"<is><t>{value}</t></is>"


class Sheet:
    """One worksheet being written. Its rows go to a temporary file first: the sheet's extent
    (its <dimension>, which openpyxl and pandas read to know how many columns a row has) comes
    before the rows in the XML and is known only at the end."""

    def __init__(self, width: int, transform, tmpdir):
        self._stream = tempfile.TemporaryFile(dir=tmpdir)  # noqa: SIM115 - copy_to or discard closes it
        self._transform = transform
        self._letters = [_column_letters(col) for col in range(width)]
        self._buffer: list[str] = []
        # Texts repeat (codes, a participant's research ID on each of their rows): each is
        # escaped once. Bounded, for free text.
        self._texts: dict[str, str] = {}
        self.rows = 0  # rows written, header included
        self._frozen = False  # a bold first row (the header) stays in view

    def write_row(self, values: Iterable, *, bold: bool = False) -> None:
        """As many values as the sheet has columns. None and "" leave the cell empty; str is text;
        int and float are numbers; a datetime.date is a date. Anything else (a datetime, a
        boolean, a Decimal) is refused: say what it should be before writing. (The error names
        the type only: a value could be personal data, and messages end up in logs.)"""
        self.rows += 1
        if bold and self.rows == 1:
            self._frozen = True
        number = str(self.rows)
        style = ' s="1"' if bold else ""
        parts = [f'<row r="{number}">']
        append = parts.append
        texts = self._texts
        for letter, value in zip(self._letters, values, strict=True):
            if value is None or value == "":
                continue
            kind = value.__class__
            if kind is str:
                text = texts.get(value)
                if text is None:
                    text = _text(self._transform(value))
                    if len(texts) >= TEXT_CACHE:
                        texts.clear()
                    texts[value] = text
                append(f'<c r="{letter}{number}"{style} t="inlineStr">{text}</c>')
            elif kind is int or (kind is float and math.isfinite(value)):
                append(f'<c r="{letter}{number}"{style}><v>{value!r}</v></c>')
            elif kind is datetime.date:
                append(f'<c r="{letter}{number}" s="{_DATE_STYLE}"><v>{_serial(value)}</v></c>')
            else:
                raise TypeError(f"cannot write a {kind.__name__} to a cell")
        append("</row>")
        self._buffer.append("".join(parts))
        if len(self._buffer) >= FLUSH_EVERY:
            self._flush()

    def write_xml(self, xml: bytes, rows: int) -> None:
        """`rows` rows built elsewhere (PostgreSQL builds the research export's notes), as the
        <row> elements write_row would have written, in UTF-8: numbered from self.rows + 1 on,
        cells as cell_xml makes them (transform applied). The caller vouches for that;
        research.export's tests compare the two byte for byte."""
        if rows:
            expected = f'<row r="{self.rows + 1}">'.encode()
            if not xml.startswith(expected):
                raise ValueError("rows built elsewhere must continue the sheet's numbering")
            self._flush()
            self._stream.write(xml)
            self.rows += rows

    def _flush(self) -> None:
        if self._buffer:
            self._stream.write("".join(self._buffer).encode())
            self._buffer.clear()

    def copy_to(self, target) -> None:
        """Write the whole worksheet part to `target` and drop the temporary file."""
        try:
            self._flush()
            last = f"{self._letters[-1]}{max(self.rows, 1)}"
            target.write(_SHEET_START)
            target.write(f'<dimension ref="A1:{last}"/>'.encode())
            if self._frozen:
                target.write(_FROZEN_HEADER)
            target.write(b"<sheetData>")
            self._stream.seek(0)
            shutil.copyfileobj(self._stream, target, COPY_BUFFER)
            target.write(_SHEET_END)
        finally:
            self._stream.close()

    def discard(self) -> None:
        self._stream.close()


class Workbook:
    """Sheets written one after the other (each is closed when the next is added)."""

    def __init__(self, path, *, transform=str, tmpdir=None, compresslevel: int = COMPRESSLEVEL):
        """`transform` is applied to every text before it is written (once per distinct text);
        `tmpdir` holds the sheet being written (on disk: big sheets need not fit in memory)."""
        self._transform = transform
        self._tmpdir = tmpdir
        self._zip = zipfile.ZipFile(
            path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
        )
        self._names: list[str] = []
        self._sheet: Sheet | None = None
        self._zip.writestr("[Content_Types].xml", _CONTENT_TYPES)
        self._zip.writestr("_rels/.rels", _ROOT_RELS)

    def _finish_sheet(self) -> None:
        if self._sheet is not None:
            part = f"xl/worksheets/sheet{len(self._names)}.xml"
            with self._zip.open(part, "w", force_zip64=True) as target:
                self._sheet.copy_to(target)
            self._sheet = None

    def add_sheet(self, name: str, width: int) -> Sheet:
        self._finish_sheet()
        if not name or len(name) > 31 or re.search(r"[\[\]:*?/\\]", name) or name in self._names:
            raise ValueError(f"invalid or repeated sheet name: {name!r}")
        if width < 1:
            raise ValueError("a sheet needs at least one column")
        self._names.append(name)
        self._sheet = Sheet(width, self._transform, self._tmpdir)
        return self._sheet

    def close(self) -> None:
        """Finish the last sheet and write the workbook's parts. Call it even after an error:
        the archive is closed either way (the caller deletes an unfinished file)."""
        try:
            self._finish_sheet()
            sheets = "".join(
                f'<sheet name="{_xml_escape(name, _QUOTE)}" sheetId="{n}" r:id="rId{n}"/>'
                for n, name in enumerate(self._names, start=1)
            )
            self._zip.writestr(
                "xl/workbook.xml",
                f'{_HEAD}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
                f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{sheets}</sheets>'
                "</workbook>",
            )
            count = len(self._names)
            rels = "".join(
                f'<Relationship Id="rId{n}" Type="{_REL_NS}/worksheet" '
                f'Target="worksheets/sheet{n}.xml"/>'
                for n in range(1, count + 1)
            )
            rels += (
                f'<Relationship Id="rId{count + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
            )
            self._zip.writestr(
                "xl/_rels/workbook.xml.rels",
                f'{_HEAD}<Relationships xmlns="{_PKG_REL_NS}">{rels}</Relationships>',
            )
            self._zip.writestr("xl/styles.xml", _STYLES)
        finally:
            if self._sheet is not None:
                self._sheet.discard()
            self._zip.close()
