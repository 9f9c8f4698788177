"""python manage.py export_research --output PATH [--from DATE] [--to DATE] [--purpose TEXT]"""

import datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from research import services


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {text!r}") from exc


class Command(BaseCommand):
    help = "Write the de-identified research export (the web page's workbook) to a file."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="path of the .xlsx file to write")
        parser.add_argument("--from", dest="period_start", type=_date, default=None)
        parser.add_argument("--to", dest="period_end", type=_date, default=None)
        parser.add_argument("--purpose", default="", help="recorded in the export register")

    def handle(self, *args, output, period_start, period_end, purpose, **options):
        path = Path(output)
        if not path.parent.is_dir():
            raise CommandError(f"no such directory: {path.parent}")
        try:
            export = services.export_to_file(
                output=path, purpose=purpose, period_start=period_start, period_end=period_end
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(m for ms in exc.message_dict.values() for m in ms)
            ) from exc
        counts = ", ".join(
            f"{sheet} {n}" for sheet, n in export.row_counts.items() if sheet != "sheets"
        )
        self.stdout.write(f"{path}: {counts}; sha256 {export.file_sha256}")
