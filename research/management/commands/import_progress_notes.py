"""Import a worker's legacy progress-notes workbook from the command line (issue 14).

    python manage.py import_progress_notes PATH --worker EMAIL [--dry-run] [--update]
        [--skip-bad-rows] [--engine calamine|openpyxl]

One transaction per workbook: nothing is saved when a problem is found. Problems, conflicts and
skipped rows are printed with their sheet and cell."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from research.legacy import workbook
from research.legacy.services import workbook_import
from spheres.models import User


class Command(BaseCommand):
    help = "Import a worker's progress-notes workbook (.xlsx), all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--worker", required=True, help="e-mail of the worker who kept it")
        parser.add_argument("--dry-run", action="store_true", help="check only, save nothing")
        parser.add_argument(
            "--update", action="store_true", help="replace the notes that differ (kept in history)"
        )
        parser.add_argument(
            "--skip-bad-rows", action="store_true", help="skip weeks that cannot be imported"
        )
        parser.add_argument("--engine", choices=workbook.ENGINES, default=workbook.DEFAULT_ENGINE)

    def handle(self, *args, **options):
        worker = User.objects.filter(email__iexact=options["worker"]).first()
        if worker is None:
            raise CommandError(_("No account with this e-mail."))
        try:
            report = workbook_import(
                path=options["path"],
                worker=worker,
                dry_run=options["dry_run"],
                update=options["update"],
                skip_bad_rows=options["skip_bad_rows"],
                engine=options["engine"],
            )
        except (ValidationError, FileNotFoundError) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        for title, items in [
            (_("Sheets skipped"), report.notices),
            (_("Conflicts"), report.conflicts),
            (_("Weeks skipped"), report.skipped),
            (_("Problems"), report.problems),
        ]:
            if items:
                self.stdout.write(f"{title}:")
                for item in items:
                    self.stdout.write(f"  {item.where}: {item.message}")
        for s in report.sheets:
            self.stdout.write(
                f"{s.sheet} {s.youth_id}: "
                + _(
                    "%(created)s created, %(unchanged)s unchanged, %(conflicts)s conflicts, "
                    "%(updated)s replaced, %(skipped)s skipped, %(risks)s risk assessments"
                )
                % {
                    "created": s.created,
                    "unchanged": s.unchanged,
                    "conflicts": s.conflicts,
                    "updated": s.updated,
                    "skipped": s.skipped,
                    "risks": s.risks_created,
                }
            )
        if report.problems:
            raise CommandError(_("Nothing was imported."))
        if report.dry_run:
            self.stdout.write(_("Dry run: nothing was saved."))
        else:
            self.stdout.write(self.style.SUCCESS(_("Imported.")))
