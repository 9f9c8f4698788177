"""The coordinator's flat export of weekly notes: one row per participant-week, the youth ID, the
week (a date: a real date in Excel, ISO 8601 in CSV) and each note field as the note form shows
it (followups.forms.display_formatters). Columns are a django-import-export resource; the rows
are written as they are read from the database:

- CSV: streamed (StreamingHttpResponse), one chunk of rows at a time, whatever the number;
- Excel: the core's streaming writer (spheres.xlsx, as the research export), into a temporary
  file sent once complete (memory stays flat; the file is on disk until it is sent, then
  deleted).

Every text cell starting like a formula is neutralised (spheres.spreadsheets), and the writer
writes every text as an inline string: never a formula, a number or a link."""

import csv
import tempfile
from collections.abc import Iterator

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources

from followups.forms import NOTE_LABELS, display_formatters
from followups.models import NOTE_FIELDS, WeeklyNote
from spheres import xlsx
from spheres.spreadsheets import neutralise

CHUNK_SIZE = 2000
# Excel's rows per sheet; a longer export continues on a second sheet, headed again.
MAX_ROWS = 1_048_576
CSV, XLSX = "csv", "xlsx"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class WeeklyNoteResource(resources.ModelResource):
    """Columns of the export, headed in the reader's language."""

    youth_id = fields.Field(attribute="participant__youth_id", column_name="youth_id")
    week = fields.Field(column_name="week")

    class Meta:
        model = WeeklyNote
        fields = ("youth_id", "week", *NOTE_FIELDS)
        export_order = ("youth_id", "week", *NOTE_FIELDS)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._show = display_formatters()

    def get_export_headers(self, selected_fields=None):
        return [_("Youth ID"), _("Week of"), *(str(NOTE_LABELS[f]) for f in NOTE_FIELDS)]

    def dehydrate_week(self, note):
        # A date: a real date in Excel (sorted and filtered as one), ISO 8601 in CSV.
        return note.week

    def export_field(self, field, instance, **kwargs):
        name = field.column_name
        if name in NOTE_FIELDS:
            value = getattr(instance, name)
            value = value if name == "meetings" else self._show[name](value)
        else:
            value = super().export_field(field, instance, **kwargs)
        return neutralise(value)

    def export_resource(self, instance, selected_fields=None, **kwargs):
        """The same cells as export_field gives, without looking the columns up again for
        each row (about half the time on a quarter of a million notes, measured)."""
        show = self._show
        row = [instance.participant.youth_id, instance.week]
        row += [
            getattr(instance, name) if name == "meetings" else show[name](getattr(instance, name))
            for name in NOTE_FIELDS
        ]
        return [neutralise(value) for value in row]


def rows(notes) -> Iterator[list]:
    """The header, then each note's row, read CHUNK_SIZE at a time (one query in all)."""
    resource = WeeklyNoteResource()
    yield resource.get_export_headers()
    for note in notes.iterator(chunk_size=CHUNK_SIZE):
        yield resource.export_resource(note)


class _Echo:
    def write(self, value):
        return value


def _filename(extension: str) -> str:
    return f"notes-hebdomadaires-{timezone.localdate():%Y%m%d}.{extension}"


def csv_response(notes) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # Excel opens UTF-8 with accents only after this mark
        for row in rows(notes):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(CSV)}"'
    return response


def xlsx_response(notes) -> FileResponse:
    # Deleted once closed, which FileResponse does after sending it.
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    book = xlsx.Workbook(target)
    name = _("Weekly notes")[:28]
    sheet, part, index = None, 1, MAX_ROWS
    header = None
    try:
        for row in rows(notes):
            if header is None:
                header = row
                continue
            if index >= MAX_ROWS:
                sheet = book.add_sheet(name if part == 1 else f"{name} {part}", len(header))
                sheet.write_row(header, bold=True)
                part, index = part + 1, 1
            sheet.write_row(row)
            index += 1
        if sheet is None:  # no note: the header alone
            book.add_sheet(name, len(header)).write_row(header, bold=True)
    finally:
        book.close()
    target.seek(0)
    return FileResponse(
        target, as_attachment=True, filename=_filename(XLSX), content_type=XLSX_TYPE
    )


def response(notes, file_format: str):
    return xlsx_response(notes) if file_format == XLSX else csv_response(notes)
