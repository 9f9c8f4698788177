"""Bringing a worker's legacy workbook in: all or nothing, idempotent, through the bulk path.

Participants are matched by youth ID; an unknown one becomes an admitted participant with the
sheet's identity, assigned to the worker and marked "imported — consent to be confirmed" (no
referral, no consent invented). Weeks become weekly notes checked by the note form's rules
(note_errors), self-report blocks risk assessments. What the system already holds is never
changed silently: the same row again is skipped, a different one is a conflict, left as it is
unless `update` (then the audit log keeps the old version)."""

import calendar
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from followups.bulk import ImportedParticipant, NoteRow, notes_create_bulk
from followups.bulk import participants_import_admit_bulk as participants_import
from followups.models import NOTE_FIELDS, RiskAssessment, WeeklyNote
from followups.rules import note_errors
from referrals.access import is_active_youth_worker, is_coordinator
from referrals.models import Participant
from referrals.rules import MAX_AGE, MIN_AGE, age_on
from research.legacy import workbook
from research.legacy.workbook import ParsedWorkbook, ParticipantSheet, Problem, WorkbookRefused
from spheres.models import User

# After an import this large, PostgreSQL's statistics are refreshed (the planner would otherwise
# see the notes table as it was).
ANALYZE_AFTER_ROWS = 1000


@dataclass
class SheetSummary:
    sheet: str
    youth_id: str
    new_participant: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    skipped: int = 0
    risks_created: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class ImportReport:
    sheets: list[SheetSummary] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # block the import
    conflicts: list[Problem] = field(default_factory=list)  # left unchanged (or updated)
    skipped: list[Problem] = field(default_factory=list)  # bad rows skipped on request
    notices: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    saved: bool = False
    rows: int = 0

    @property
    def totals(self) -> dict:
        keys = ["created", "updated", "unchanged", "conflicts", "skipped", "risks_created"]
        totals = {k: sum(getattr(s, k) for s in self.sheets) for k in keys}
        totals["participants_created"] = sum(s.new_participant for s in self.sheets)
        return totals

    def as_dict(self) -> dict:
        return {
            "sheets": [s.as_dict() for s in self.sheets],
            "problems": [p.as_dict() for p in self.problems],
            "conflicts": [p.as_dict() for p in self.conflicts],
            "skipped": [p.as_dict() for p in self.skipped],
            "notices": [p.as_dict() for p in self.notices],
            "totals": self.totals,
            "dry_run": self.dry_run,
            "saved": self.saved,
            "rows": self.rows,
        }


def _comparable(data: dict) -> dict:
    return {
        name: sorted(value) if name == "other_channels" else value for name, value in data.items()
    }


def _note_data(note: WeeklyNote, names) -> dict:
    return _comparable({name: getattr(note, name) for name in names})


def _check_people(worker: User, actor: User | None) -> None:
    if actor is not None and not is_coordinator(actor):
        raise PermissionDenied
    if not is_active_youth_worker(worker):
        raise ValidationError(
            _("%(name)s is not an active youth worker of an active organisation.")
            % {"name": worker.get_full_name() or worker.email}
        )


def workbook_import(
    *,
    path,
    worker: User,
    actor: User | None = None,
    dry_run: bool = False,
    update: bool = False,
    skip_bad_rows: bool = False,
    engine: str = workbook.DEFAULT_ENGINE,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import one workbook in one transaction: saved only when no problem blocks it (and not
    in a dry run, which reports exactly what a real import would do, then rolls back). `actor`
    is the coordinator on the page; None on the command line (the server's operator), where
    the worker stands for who admitted the participants."""
    _check_people(worker, actor)
    report = ImportReport(dry_run=dry_run)
    try:
        parsed = workbook.parse(path, engine)
    except WorkbookRefused as exc:
        report.problems.append(Problem("", "", str(exc)))
        return report
    report.problems += parsed.problems
    report.notices += parsed.notices
    report.rows = parsed.rows
    if not parsed.sheets and not report.problems:
        report.problems.append(Problem("", "", _("The workbook has no participant sheet.")))
    if report.problems and not skip_bad_rows:
        return report
    if report.problems and skip_bad_rows:
        # Rows the parser refused are skipped; sheets it could not read still block.
        report.skipped, report.problems = _split_row_problems(report.problems, parsed)
    with transaction.atomic():
        _apply(parsed, report, worker=worker, actor=actor or worker, update=update,
               skip_bad_rows=skip_bad_rows, progress=progress)  # fmt: skip
        if report.problems or dry_run:
            transaction.set_rollback(True)
        else:
            report.saved = True
            if report.totals["created"] >= ANALYZE_AFTER_ROWS:
                transaction.on_commit(_analyze)
    return report


def _split_row_problems(problems: list[Problem], parsed: ParsedWorkbook):
    """With skip_bad_rows: problems on a week row are skips; any other still blocks."""
    week_rows = {s.name for s in parsed.sheets}
    skipped, blocking = [], []
    for p in problems:
        (
            skipped if p.sheet in week_rows and p.cell and _is_week_cell(p, parsed) else blocking
        ).append(p)
    return skipped, blocking


def _is_week_cell(problem: Problem, parsed: ParsedWorkbook) -> bool:
    """Whether the problem's cell lies below the sheet's "Suivis" header (a week row)."""
    row = int("".join(c for c in problem.cell if c.isdigit()) or 0)
    sheet = next(s for s in parsed.sheets if s.name == problem.sheet)
    return row > sheet.header_row


def _analyze() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE followups_weeklynote")
            cursor.execute("ANALYZE followups_riskassessment")


def _age_on_entry_problem(sheet: ParticipantSheet) -> Problem | None:
    """The program admits people aged 12 to 24 inclusive (docs/program.md: Admission). The
    workbook gives the month of entry only: a new participant is refused when no day of that
    month fits (a date of birth typed wrong, most often)."""
    first = sheet.entry_month
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    if age_on(sheet.date_of_birth, last) < MIN_AGE:
        on = last
    elif age_on(sheet.date_of_birth, first) > MAX_AGE:
        on = first
    else:
        return None
    message = _("Aged %(age)s on %(date)s: the program admits people aged 12 to 24 inclusive.")
    return Problem(
        sheet.name,
        sheet.cells.get("date_of_birth", ""),
        message % {"age": age_on(sheet.date_of_birth, on), "date": on.isoformat()},
    )


def _apply(parsed, report, *, worker, actor, update, skip_bad_rows, progress) -> None:
    sheets = parsed.sheets
    known = {
        p.youth_id: p for p in Participant.objects.filter(youth_id__in=[s.youth_id for s in sheets])
    }
    new = []
    for sheet in sheets:
        if sheet.youth_id in known:
            continue
        missing = [
            (what, label)
            for what, label in [
                ("date_of_birth", _("date of birth")),
                ("entry_month", _("entry month")),
            ]
            if getattr(sheet, what) is None
        ]
        for what, label in missing:
            report.problems.append(
                Problem(
                    sheet.name,
                    sheet.cells.get(what, ""),
                    _("A new participant needs the %(what)s.") % {"what": label},
                )
            )
        if not missing:
            age_problem = _age_on_entry_problem(sheet)
            if age_problem:
                report.problems.append(age_problem)
            else:
                new.append(sheet)
    if report.problems:
        return
    created = participants_import(
        rows=[
            ImportedParticipant(
                youth_id=s.youth_id,
                youth_id_year=s.youth_id_parts[0],
                youth_id_number=s.youth_id_parts[1],
                date_of_birth=s.date_of_birth,
                gender_identity=s.gender,
                admitted_on=s.entry_month,
                primary=worker,
            )
            for s in new
        ],
        actor=actor,
    )
    known.update({p.youth_id: p for p in created})
    new_ids = {p.youth_id for p in created}
    ids = [known[s.youth_id].pk for s in sheets]
    names = [n for n in NOTE_FIELDS]
    existing = {
        (n.participant_id, n.week): n
        for n in WeeklyNote.objects.filter(participant_id__in=ids).only(
            "pk", "participant_id", "week", "version", *names
        )
    }
    risks = {
        (r.participant_id, r.time_point): r
        for r in RiskAssessment.objects.filter(participant_id__in=ids)
    }
    new_notes: list[NoteRow] = []
    new_risks: list[RiskAssessment] = []
    total = len(sheets)
    for done, sheet in enumerate(sheets):
        participant = known[sheet.youth_id]
        summary = SheetSummary(sheet.name, sheet.youth_id, sheet.youth_id in new_ids)
        report.sheets.append(summary)
        _risks(sheet, participant, summary, report, risks, new_risks, worker, update)
        _weeks(sheet, participant, summary, report, existing, new_notes, worker, actor,
               update, skip_bad_rows)  # fmt: skip
        if progress is not None:
            progress(done + 1, total)
    if report.problems:
        return
    notes_create_bulk(rows=new_notes)
    RiskAssessment.objects.bulk_create(new_risks)


def _risks(sheet, participant, summary, report, risks, new_risks, worker, update) -> None:
    wanted = []
    if sheet.admission_risk:
        on = sheet.entry_month or participant.admitted_on
        cell = sheet.cells.get("admission_risk", "")
        wanted.append((0, False, on, sheet.admission_risk, cell))
    wanted += [(r.time_point, r.done, r.on, r.level, r.cell) for r in sheet.self_reports]
    for point, done, on, level, cell in wanted:
        held = risks.get((participant.pk, point))
        if held is None:
            new_risks.append(
                RiskAssessment(
                    participant=participant,
                    time_point=point,
                    instrument_done=done,
                    assessed_on=on,
                    level=level,
                    recorded_by=worker,
                )
            )
            risks[(participant.pk, point)] = new_risks[-1]
            summary.risks_created += 1
        elif (held.instrument_done, held.assessed_on, held.level) != (done, on, level):
            report.conflicts.append(
                Problem(
                    sheet.name,
                    cell,
                    _("The risk assessment of time %(n)s differs from the one on file.")
                    % {"n": point},
                )
            )
            summary.conflicts += 1
            if update and held.pk:
                held.instrument_done, held.assessed_on, held.level = done, on, level
                held.save(update_fields=["instrument_done", "assessed_on", "level"])


def _weeks(sheet: ParticipantSheet, participant, summary, report, existing, new_notes, worker,
           actor, update, skip_bad_rows) -> None:  # fmt: skip
    seen: dict[datetime.date, dict] = {}
    today = timezone.localdate()
    for row in sheet.weeks:
        data = _comparable(row.data)
        if row.week in seen:
            if seen[row.week] != data:  # the same week twice with different content
                problem = Problem(
                    sheet.name,
                    row.cells["week"],
                    _("The week of %(week)s appears twice with different content.")
                    % {"week": row.week.isoformat()},
                )
                _bad_row(problem, summary, report, skip_bad_rows)
            continue
        seen[row.week] = data
        errors = note_errors(participant.admitted_on, row.week, row.data, today=today)
        if errors:
            for name, message in errors.items():
                problem = Problem(sheet.name, row.cells.get(name, row.cells["week"]), str(message))
                _bad_row(problem, summary, report, skip_bad_rows)
            continue
        held = existing.get((participant.pk, row.week))
        if held is None:
            new_notes.append(NoteRow(participant=participant, week=row.week, author=worker,
                                     data=row.data))  # fmt: skip
            summary.created += 1
            continue
        differs = [name for name in row.data if _note_data(held, [name]) != {name: data[name]}]
        if not differs:
            summary.unchanged += 1
            continue
        summary.conflicts += 1
        report.conflicts.append(
            Problem(
                sheet.name,
                row.cells["week"],
                _("The week of %(week)s differs from the note on file (%(fields)s).")
                % {
                    "week": row.week.isoformat(),
                    "fields": ", ".join(
                        str(WeeklyNote._meta.get_field(n).verbose_name) for n in differs
                    ),
                },
            )
        )
        if update:
            for name, value in row.data.items():
                setattr(held, name, value)
            held.version += 1
            held.updated_by = actor
            # One save per note: the audit log keeps the version it replaces.
            held.save()
            summary.updated += 1


def _bad_row(problem: Problem, summary: SheetSummary, report: ImportReport, skip: bool) -> None:
    if skip:
        report.skipped.append(problem)
        summary.skipped += 1
    else:
        report.problems.append(problem)
