"""Reading a worker's progress-notes workbook, once, streamed, into plain rows.

The workbook is laid out by people: on each participant sheet (J, J2, J3…), a "Renseignement"
block (labels, values beside them), a "Passation de l'instrument autorévélé" block (one column per
time), then the "Suivis" table (a header row, one row per week). Blocks are found by their labels,
never by fixed cells. Every problem names its sheet and cell (J3!D17). Nothing here touches the
database: services.py decides what the rows become."""

import datetime
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from followups.rules import monday_of, parse_duration
from referrals.rules import youth_id_format
from research.legacy import vocabulary as vocab
from research.legacy.vocabulary import plain

MAX_BYTES = 20 * 1024 * 1024  # at most; never more than an upload may be (max_bytes)
# Measured (bench/importer.py): calamine parses a 9,000-week workbook about twice as fast as
# openpyxl's read-only mode; openpyxl stays available for comparison.
ENGINES = ("calamine", "openpyxl")
DEFAULT_ENGINE = "calamine"

PARTICIPANT_SHEET = re.compile(r"^j(eune)?\s*\d*$")
YOUTH_ID = re.compile(r"^#?\s*(\d{4})\s*[-/]\s*(\d{1,4})$")
EXCEL_EPOCH = datetime.date(1899, 12, 30)

# The thirteen columns of the "Suivis" table, by what their title contains (first match wins:
# "autres communications" before "autre raison" before "autres informations").
COLUMNS = [
    ("week", ["semaine", "week"]),
    ("meetings", ["rencontres en personne", "nombre de rencontres", "nb de rencontres",
                  "n de rencontres", "face-to-face meetings", "number of meetings"]),
    ("meetings_minutes", ["duree des rencontres", "duree", "duration"]),
    ("other_channels", ["autres communications", "other communications"]),
    ("no_contact_other", ["autre raison, specifiez", "autre raison specifiez", "specifiez",
                          "other reason, specify", "specify"]),
    ("no_contact_reason", ["pourquoi", "why"]),
    ("main_activity", ["activite principale", "main activity"]),
    ("targeted_need", ["besoin vise", "targeted need"]),
    ("worker_satisfaction", ["satisfaction de l'intervenant", "satisfaction intervenant",
                             "worker's satisfaction", "worker satisfaction"]),
    ("participant_satisfaction", ["satisfaction du jeune", "satisfaction jeune",
                                  "participant's satisfaction", "participant satisfaction"]),
    ("activities_summary", ["resume des activites", "summary"]),
    ("other_information", ["autres informations", "other relevant information",
                           "other information"]),
    ("other_workers_notes", ["autres intervenants", "other workers"]),
]  # fmt: skip
# How the workbook titles each column, for messages.
COLUMN_TITLES = {
    "no_contact_reason": "Aucune rencontre/comm. Pourquoi?",
    "targeted_need": "Besoin visé",
    "worker_satisfaction": "Satisfaction de l'intervenant",
    "participant_satisfaction": "Satisfaction du jeune",
}
TEXT_LIMITS = {"no_contact_other": 300, "main_activity": 200}
CHOICE_COLUMNS = {
    "no_contact_reason": "no_contact",
    "targeted_need": "need",
    "worker_satisfaction": "satisfaction",
    "participant_satisfaction": "satisfaction",
}

MONTHS = {
    "janvier": 1, "janv": 1, "january": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2,
    "february": 2, "feb": 2, "mars": 3, "march": 3, "mar": 3, "avril": 4, "avr": 4, "april": 4,
    "apr": 4, "mai": 5, "may": 5, "juin": 6, "june": 6, "jun": 6, "juillet": 7, "juil": 7,
    "july": 7, "jul": 7, "aout": 8, "august": 8, "aug": 8, "septembre": 9, "sept": 9, "sep": 9,
    "september": 9, "octobre": 10, "oct": 10, "october": 10, "novembre": 11, "nov": 11,
    "november": 11, "decembre": 12, "dec": 12, "december": 12,
}  # fmt: skip
_TEXT_DATE = re.compile(r"^(\d{1,2})(?:er)?\s+([a-z]+)\.?,?\s+(\d{4})$")  # 4 mars 2019
_TEXT_MONTH = re.compile(r"^([a-z]+)\.?,?\s+(\d{4})$")  # mars 2019
_NUMERIC_DATES = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%d/%m/%y"]
_NUMERIC_MONTHS = ["%m/%Y", "%Y-%m", "%m-%Y", "%Y/%m", "%m.%Y"]


class WorkbookRefused(Exception):
    """The file cannot be read at all (not an xlsx, protected, corrupt, too large)."""


@dataclass
class Problem:
    sheet: str
    cell: str
    message: str

    @property
    def where(self) -> str:
        return f"{self.sheet}!{self.cell}" if self.cell else self.sheet

    def as_dict(self) -> dict:
        return {"where": self.where, "message": self.message}


@dataclass
class WeekRow:
    row: int  # 1-based, as Excel shows it
    week: datetime.date  # the Monday
    data: dict
    cells: dict[str, str]  # note field -> cell reference


@dataclass
class SelfReport:
    time_point: int
    done: bool
    on: datetime.date
    level: str
    cell: str


@dataclass
class ParticipantSheet:
    name: str
    youth_id: str = ""
    gender: str = ""
    date_of_birth: datetime.date | None = None
    entry_month: datetime.date | None = None
    admission_risk: str | None = None
    self_reports: list[SelfReport] = field(default_factory=list)
    weeks: list[WeekRow] = field(default_factory=list)
    cells: dict[str, str] = field(default_factory=dict)  # identity label -> value cell
    header_row: int = 0  # 1-based row of the "Suivis" header

    @property
    def youth_id_parts(self) -> tuple[int, int]:
        year, number = YOUTH_ID.match(self.youth_id).groups()
        return int(year), int(number)


@dataclass
class ParsedWorkbook:
    sheets: list[ParticipantSheet] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notices: list[Problem] = field(default_factory=list)  # sheets skipped, not blocking

    @property
    def rows(self) -> int:
        return sum(len(s.weeks) for s in self.sheets)


def cell_ref(row: int, col: int) -> str:
    """A0-based (row, column) as Excel names it."""
    # openpyxl's package imports the whole library (numpy too, when installed): only here.
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col + 1)}{row + 1}"


# --- Reading ------------------------------------------------------------------------------------


def max_bytes() -> int:
    """The largest workbook the upload page takes: MAX_BYTES, or less if uploads are capped
    lower (the upload handler stops receiving a file at SPHERES_MAX_UPLOAD_BYTES)."""
    return min(MAX_BYTES, settings.SPHERES_MAX_UPLOAD_BYTES)


def check_file(path) -> None:
    """Refuse what is not a readable .xlsx before parsing anything."""
    if os.path.getsize(path) > MAX_BYTES:
        raise WorkbookRefused(
            _("The file is larger than %(mb)s MB: split the workbook or remove images.")
            % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        # An encrypted .xlsx is an OLE container, as is the old .xls format.
        raise WorkbookRefused(
            _(
                "This workbook is password-protected (or in the old .xls format): remove the "
                "password in Excel and save it as .xlsx."
            )
        )
    if not head.startswith(b"PK\x03\x04"):
        raise WorkbookRefused(_("This is not an Excel workbook (.xlsx)."))


def _corrupt() -> WorkbookRefused:
    return WorkbookRefused(_("The workbook cannot be read: the file is damaged or incomplete."))


def _sheets_calamine(path) -> Iterator[tuple[str, Iterator[tuple[int, list]]]]:
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError as exc:
        raise WorkbookRefused(_("This workbook is password-protected.")) from exc
    except Exception as exc:  # calamine raises several kinds for a damaged zip or XML
        raise _corrupt() from exc

    def rows(sheet):
        # Rows are counted from the first of the sheet, columns from its first used one.
        offset = [None] * (sheet.start[1] if sheet.start else 0)
        for index, values in enumerate(sheet.iter_rows()):
            yield index, offset + [None if v == "" else v for v in values]

    try:
        for name in book.sheet_names:
            try:
                sheet = book.get_sheet_by_name(name)
            except Exception as exc:
                raise _corrupt() from exc
            yield name, rows(sheet)
    finally:
        book.close()


def _sheets_openpyxl(path) -> Iterator[tuple[str, Iterator[tuple[int, list]]]]:
    import zipfile

    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _corrupt() from exc
    except Exception as exc:  # lxml / XML errors
        raise _corrupt() from exc

    def rows(sheet):
        for index, values in enumerate(sheet.iter_rows(values_only=True)):
            yield index, list(values)

    try:
        for sheet in book.worksheets:
            yield sheet.title, rows(sheet)
    finally:
        book.close()


def sheets(path, engine: str = DEFAULT_ENGINE):
    check_file(path)
    if engine == "openpyxl":
        return _sheets_openpyxl(path)
    return _sheets_calamine(path)


# --- Values as people typed them -----------------------------------------------------------------


class BadValue(ValueError):
    """What a cell should hold, never what it holds: a worker may have typed a name or a family
    detail in any cell, and the message is stored with the import and shown (the problem's
    sheet and cell say where to look)."""


def to_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and 20000 < value < 80000:
        return EXCEL_EPOCH + datetime.timedelta(days=int(value))
    text = plain(value)
    for fmt in _NUMERIC_DATES:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    match = _TEXT_DATE.match(text)
    if match and match.group(2) in MONTHS:
        try:
            return datetime.date(int(match.group(3)), MONTHS[match.group(2)], int(match.group(1)))
        except ValueError:
            pass
    raise BadValue(_("Not a date (write 2019-03-04, 04/03/2019 or 4 mars 2019)."))


def to_month(value) -> datetime.date:
    """The first day of the month a cell names: a date, "mars 2019", "03/2019", "2019-03"."""
    if isinstance(value, datetime.date):
        return to_date(value).replace(day=1)
    text = plain(value)
    for fmt in _NUMERIC_MONTHS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    match = _TEXT_MONTH.match(text)
    if match and match.group(1) in MONTHS:
        return datetime.date(int(match.group(2)), MONTHS[match.group(1)], 1)
    try:
        return to_date(value).replace(day=1)
    except BadValue:
        raise BadValue(_("Not a month (write mars 2019, 03/2019 or a date).")) from None


def to_minutes(value) -> int:
    """Minutes, 1h30, 1:30, or an Excel time (a fraction of a day, or a time value)."""
    if value is None:
        return 0
    if isinstance(value, datetime.timedelta):
        return round(value.total_seconds() / 60)
    if isinstance(value, datetime.datetime):  # a time that Excel stored on its epoch day
        return value.hour * 60 + value.minute
    if isinstance(value, datetime.time):
        return value.hour * 60 + value.minute
    if isinstance(value, int | float):
        if 0 < value < 1:
            return round(value * 24 * 60)
        if float(value).is_integer() and value >= 0:
            return int(value)
        raise BadValue(_("Not a duration (write 90, 1h30, 1:30)."))
    try:
        return parse_duration(str(value))
    except ValidationError:
        raise BadValue(_("Not a duration (write 90, 1h30, 1:30).")) from None


def to_count(value) -> int:
    if value is None:
        return 0
    if isinstance(value, int | float) and float(value).is_integer() and value >= 0:
        return int(value)
    text = plain(value)
    if text.isdigit():
        return int(text)
    if text in vocab.NOTHING:
        return 0
    raise BadValue(_("Not a number of meetings (write 0, 1, 2…)."))


def to_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()[:10]
    return str(value).strip()


def to_youth_id(value) -> str:
    text = to_text(value)
    match = YOUTH_ID.match(text.replace(" ", ""))
    if not match:
        raise BadValue(_("Not a youth ID (write #2019-02)."))
    return youth_id_format(int(match.group(1)), int(match.group(2)))


def to_choice(value, kind: str, label: str) -> str:
    key = plain(value)
    if not key:
        return ""
    found = vocab.table(kind).get(key)
    if found is None:
        raise BadValue(
            _("Unknown value in “%(column)s”. Expected one of: %(choices)s.")
            % {"column": label, "choices": vocab.expected(kind)}
        )
    return found


def to_risk(value) -> str | None:
    if value is None or not plain(value):
        return None
    level = vocab.risk_level(value)
    if level is None:
        raise BadValue(_("Unknown risk level (write rouge, jaune, vert or aucune)."))
    return level


def to_yes_no(value) -> bool | None:
    key = plain(value).rstrip("?")
    if not key:
        return None
    if key in vocab.YES:
        return True
    if key in vocab.NO:
        return False
    raise BadValue(_("Unknown value (write oui or non)."))


# --- The sheet's layout -------------------------------------------------------------------------

IDENTITY_LABELS = [
    ("youth_id", ["id du jeune", "id jeune", "youth id", "no du jeune", "numero du jeune"]),
    ("gender", ["sexe", "genre", "gender", "identite de genre"]),
    ("date_of_birth", ["date de naissance", "date of birth", "ddn"]),
    ("entry_month", ["date d'entree dans le projet", "date d'entree", "entree dans le projet",
                     "date of entry", "entry"]),
    ("admission_risk", ["evaluation niveau de risque", "niveau de risque au moment de l'admission",
                        "risk at admission"]),
]  # fmt: skip
SELF_REPORT_LABELS = [
    ("done", ["fait", "fait?", "done"]),
    ("level", ["reevaluation niveau de risque", "reevaluation", "risk re-assessment"]),
    ("on", ["date"]),
]
_TIME = re.compile(r"^(?:temps|time|t)\s*(\d)$")


def _label(text) -> str:
    return plain(text).rstrip("?").strip()


def _match(key: str, table) -> str | None:
    for name, spellings in table:
        for spelling in spellings:
            if key == spelling or (len(spelling) > 6 and key.startswith(spelling)):
                return name
    return None


def _header(values: list) -> dict[str, int] | None:
    """{note field or "week": column} when this row is the "Suivis" header."""
    found: dict[str, int] = {}
    for col, value in enumerate(values):
        key = _label(value)
        if not key:
            continue
        for name, spellings in COLUMNS:
            if name in found:
                continue
            # The week's title starts the cell ("Résumé des activités de la semaine" is not it).
            if (
                key.startswith(tuple(spellings))
                if name == "week"
                else any(s in key for s in spellings)
            ):
                found[name] = col
                break
    # The header: the week column and at least half of the others.
    if "week" in found and len(found) >= 7:
        return found
    return None


def _right_of(values: list, col: int) -> tuple[object, int]:
    """The first value to the right of a label (merged label cells leave blanks between)."""
    for index in range(col + 1, len(values)):
        if values[index] is not None and to_text(values[index]) != "":
            return values[index], index
    return None, col + 1


def parse_sheet(name: str, rows, problems: list[Problem]) -> ParticipantSheet | None:
    """One participant sheet, or None (and a problem) when it has no "Suivis" header."""
    sheet = ParticipantSheet(name=name)
    today = timezone.localdate()
    header: dict[str, int] | None = None
    times: dict[int, int] = {}  # column -> time point
    reports: dict[int, dict] = {}

    def problem(row, col, message):
        problems.append(Problem(name, cell_ref(row, col) if row is not None else "", message))

    for index, values in rows:
        if header is None:
            found = _header(values)
            if found is not None:
                header = found
                sheet.header_row = index + 1
                continue
            cells = [(c, v) for c, v in enumerate(values) if v is not None and to_text(v) != ""]
            if not cells:
                continue
            row_times = {c: int(m.group(1)) for c, v in cells if (m := _TIME.match(_label(v)))}
            if row_times:
                times = row_times
                continue
            col, label = cells[0]
            key = _label(label)
            what = _match(key, IDENTITY_LABELS)
            if what is not None:
                value, at = _right_of(values, col)
                sheet.cells[what] = cell_ref(index, at)
                try:
                    _identity(sheet, what, value, today)
                except BadValue as exc:
                    problem(index, at, str(exc))
                continue
            step = _match(key, SELF_REPORT_LABELS) if times else None
            if step is not None:
                for tcol, point in times.items():
                    value = values[tcol] if tcol < len(values) else None
                    slot = reports.setdefault(point, {"at": (index, tcol)})
                    try:
                        parsed = {
                            "done": to_yes_no,
                            "level": to_risk,
                            "on": lambda v: to_date(v) if v is not None else None,
                        }[step](value)
                    except BadValue as exc:
                        problem(index, tcol, str(exc))
                        continue
                    if step == "on" and parsed is not None and parsed > today:
                        problem(index, tcol, _("The date is in the future."))
                    slot[step] = parsed
                    slot[f"{step}_at"] = (index, tcol)
            continue
        week = _week_row(sheet, header, index, values, problem, today)
        if week is not None:
            sheet.weeks.append(week)
    if header is None:
        problems.append(
            Problem(name, "", _("No “Suivis” table: the header row (Semaine du…) is missing."))
        )
        return None
    if not sheet.youth_id and "youth_id" not in sheet.cells:
        problems.append(Problem(name, "", _("No “ID du jeune” in the Renseignement block.")))
    for point, slot in sorted(reports.items()):
        report = _self_report(point, slot, problem)
        if report is not None:
            sheet.self_reports.append(report)
    return sheet


def _identity(sheet: ParticipantSheet, what: str, value, today: datetime.date) -> None:
    if what == "youth_id":
        if value is None:
            raise BadValue(_("The youth ID is empty."))
        sheet.youth_id = to_youth_id(value)
    elif what == "gender":
        sheet.gender = to_text(value)[:100]
    elif what == "date_of_birth" and value is not None:
        sheet.date_of_birth = to_date(value)
        if sheet.date_of_birth > today:
            raise BadValue(_("The date of birth is in the future."))
    elif what == "entry_month" and value is not None:
        sheet.entry_month = to_month(value)
        if sheet.entry_month > today:
            raise BadValue(_("The entry month is in the future."))
    elif what == "admission_risk":
        sheet.admission_risk = to_risk(value)


def _self_report(point: int, slot: dict, problem) -> SelfReport | None:
    done, on, level = slot.get("done"), slot.get("on"), slot.get("level")
    if not on and not level and not done:
        return None  # not administered (or "Fait? Non" and nothing else)
    if on is None:
        problem(*slot.get("on_at", slot["at"]), _("Give the date of time %(n)s.") % {"n": point})
        return None
    if level is None:
        problem(
            *slot.get("level_at", slot["at"]),
            _("Give the risk level of time %(n)s.") % {"n": point},
        )
        return None
    at = slot.get("level_at", slot["at"])
    return SelfReport(time_point=point, done=bool(done), on=on, level=level, cell=cell_ref(*at))


def _week_row(sheet, header, index, values, problem, today) -> WeekRow | None:
    def at(name):
        col = header.get(name)
        return values[col] if col is not None and col < len(values) else None

    if all(v is None or to_text(v) == "" for v in values):
        return None  # blank rows between weeks, empty trailing rows
    week_col = header["week"]
    raw_week = at("week")
    if raw_week is None or to_text(raw_week) == "":
        problem(index, week_col, _("This row has no week date."))
        return None
    try:
        week = monday_of(to_date(raw_week))
    except BadValue as exc:
        problem(index, week_col, str(exc))
        return None
    if week > monday_of(today):
        problem(index, week_col, _("The week is in the future."))
        return None
    data: dict = {}
    cells = {name: cell_ref(index, col) for name, col in header.items()}
    ok = True
    for name, col in header.items():
        if name == "week":
            continue
        value = at(name)
        try:
            if name == "meetings":
                data[name] = to_count(value)
            elif name == "meetings_minutes":
                data[name] = to_minutes(value)
            elif name == "other_channels":
                found, unknown = vocab.channels(value)
                if unknown:
                    raise BadValue(
                        _("Unknown communication (write téléphone, texto, Messenger, courriel, "
                          "vidéo or autre).")
                    )  # fmt: skip
                data[name] = found
            elif name in CHOICE_COLUMNS:
                data[name] = to_choice(value, CHOICE_COLUMNS[name], COLUMN_TITLES[name])
            else:
                text = to_text(value)
                limit = TEXT_LIMITS.get(name)
                if limit and len(text) > limit:
                    raise BadValue(_("Longer than %(n)s characters.") % {"n": limit})
                data[name] = text
        except BadValue as exc:
            problem(index, col, str(exc))
            ok = False
    if not ok:
        return None
    return WeekRow(row=index + 1, week=week, data=data, cells=cells)


def parse(path, engine: str = DEFAULT_ENGINE) -> ParsedWorkbook:
    """Every sheet of the workbook, in one pass. Raises WorkbookRefused for an unreadable file;
    everything else is a Problem with its sheet and cell."""
    result = ParsedWorkbook()
    seen: dict[str, str] = {}
    for position, (name, rows) in enumerate(sheets(path, engine), start=1):
        if not PARTICIPANT_SHEET.match(plain(name)):
            # Named by its place among the tabs: a tab's name is typed too (a youth's name…).
            result.notices.append(
                Problem(
                    _("Sheet %(n)s") % {"n": position},
                    "",
                    _("Skipped: not a participant sheet (J, J2, J3…)."),
                )
            )
            continue
        sheet = parse_sheet(name, rows, result.problems)
        if sheet is None:
            continue
        if sheet.youth_id:
            if sheet.youth_id in seen:
                result.problems.append(
                    Problem(
                        name,
                        sheet.cells.get("youth_id", ""),
                        _("The youth ID %(id)s is already on sheet %(other)s.")
                        % {"id": sheet.youth_id, "other": seen[sheet.youth_id]},
                    )
                )
                continue
            seen[sheet.youth_id] = name
        result.sheets.append(sheet)
    return result
