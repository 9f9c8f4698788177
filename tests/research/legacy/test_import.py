"""The legacy workbook import, through the service and the command: every variation people
produce in Excel, each bad input refused with its sheet and cell and nothing saved,
idempotence, --update, dry run, the two workbooks of a pair."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.utils import translation

from followups.models import FollowUp, RiskAssessment, WeeklyNote
from referrals.models import Assignment, Participant
from research.legacy.demo import SheetSpec
from research.legacy.services import workbook_import
from tests.research.legacy.conftest import ENTRY, FIRST_WEEK_ROW, week

pytestmark = pytest.mark.django_db


def run(path, worker, **options):
    # Messages read in English here; the French ones are checked by the page tests.
    with translation.override("en"):
        return workbook_import(path=path, worker=worker, **options)


def nothing_saved():
    return not Participant.objects.exists() and not WeeklyNote.objects.exists()


def wheres(report):
    return [p.where for p in report.problems]


# --- Happy path ---------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_every_variation_people_produce_is_read(workbook_file, personas, engine):
    worker = personas["worker_ccsmtl"]
    first = SheetSpec(
        name="J",
        youth_id="#2019-02",
        gender="Femme",
        date_of_birth=datetime.date(2003, 5, 17),  # a real Excel date
        entry="mars 2019",  # month and year as text
        admission_risk="Rouge",
        # Labels in other case, without accents, extra spaces, a trailing colon.
        labels={
            "id": "  id DU   jeune : ",
            "dob": "DATE DE NAISSANCE:",
            "entry": "Date d'entree dans le projet",
            "risk": "EVALUATION niveau de risque d'implication dans la prostitution au moment "
            "de l'admission :",
        },
        times=[("Oui", datetime.date(2019, 6, 3), "Jaune"), ("oui", "2020-01-15", "vert")],
        blank_between=True,  # blank rows between weeks
        weeks=[
            # Real date on a Wednesday: the note goes to that week's Monday.
            week(datetime.date(2019, 3, 6), minutes=90, worker="Très satisfait"),
            week("2019-03-11", minutes="1h30", worker="tres satisfait", need="stability"),
            week("18/03/2019", minutes="1:30", worker="Very satisfied", youth="Plutôt satisfait"),
            week("25 mars 2019", minutes=datetime.time(1, 30), need="Rétablissement"),
            week("1er avril 2019", minutes=0.0625, need="Urgence"),  # Excel time (1:30)
            week(
                datetime.date(2019, 4, 8),
                meetings=0,
                minutes=None,
                channels="Texto, Messenger",
                need="",
                worker="",
                youth="",
            ),
            week(
                datetime.date(2019, 4, 15),
                meetings=0,
                minutes=None,
                reason="Pas de nouvelles",
                need="",
                worker="",
                youth="",
                activity="",
            ),
            week(
                datetime.date(2019, 4, 22),
                meetings=0,
                minutes=None,
                reason="autre raison",
                other="Hospitalisée",
                need="",
                worker="",
                youth="",
                activity="",
            ),
        ],  # fmt: skip
    )
    second = SheetSpec(
        name="J2",
        youth_id="2019-03",  # without the hash
        gender="Homme",
        date_of_birth="04/03/2005",  # text date
        entry=datetime.date(2019, 4, 10),  # a full date: its month counts
        admission_risk="Implication jugée dangereuse (feu rouge)",  # the guide's sentence
        merged=False,
        weeks=[week("2019-04-15", minutes="45 min", youth="Insatisfait")],
    )
    path = workbook_file([first, second])

    report = run(path, worker, engine=engine)

    assert report.problems == [], report.problems
    assert report.saved
    assert [n.where for n in report.notices] == ["Sheet 1"]  # by place: a tab's name is typed
    one = Participant.objects.get(youth_id="#2019-02")
    assert (one.gender_identity, one.date_of_birth, one.admitted_on) == (
        "Femme",
        datetime.date(2003, 5, 17),
        datetime.date(2019, 3, 1),
    )
    assert one.referral is None and one.imported_at is not None and one.consent_to_confirm
    assert not one.consents.exists()  # no consent invented
    assert Assignment.objects.get(participant=one, ended_at__isnull=True).worker == worker
    assert FollowUp.objects.filter(participant=one).exists()
    assert worker.has_perm("referrals.change_participant", one)
    notes = {n.week: n for n in WeeklyNote.objects.filter(participant=one)}
    assert sorted(notes) == [datetime.date(2019, 3, 4) + datetime.timedelta(weeks=n)
                             for n in range(8)]  # fmt: skip
    assert {n.meetings_minutes for n in notes.values() if n.meetings} == {90}
    assert [notes[datetime.date(2019, 3, d)].worker_satisfaction for d in (4, 11, 18)] == [
        "very", "very", "very"]  # fmt: skip
    assert notes[datetime.date(2019, 3, 18)].participant_satisfaction == "somewhat"
    assert notes[datetime.date(2019, 3, 11)].targeted_need == "stability"
    assert notes[datetime.date(2019, 4, 8)].other_channels == ["text", "messenger"]
    assert notes[datetime.date(2019, 4, 15)].no_contact_reason == "no_news"
    assert notes[datetime.date(2019, 4, 22)].no_contact_other == "Hospitalisée"
    assert all(n.author == worker for n in notes.values())
    risks = {r.time_point: r for r in RiskAssessment.objects.filter(participant=one)}
    assert {k: (r.level, r.instrument_done) for k, r in risks.items()} == {
        0: ("red", False), 1: ("yellow", True), 2: ("green", True)}  # fmt: skip
    assert risks[2].assessed_on == datetime.date(2020, 1, 15)

    two = Participant.objects.get(youth_id="#2019-03")
    assert two.date_of_birth == datetime.date(2005, 3, 4)
    assert two.admitted_on == datetime.date(2019, 4, 1)
    assert RiskAssessment.objects.get(participant=two, time_point=0).level == "red"
    assert WeeklyNote.objects.get(participant=two).meetings_minutes == 45
    assert report.totals["participants_created"] == 2 and report.totals["created"] == 9


def test_the_command_imports_and_prints_each_sheet(workbook_file, simple_sheet, personas,
                                                   capsys):  # fmt: skip
    path = workbook_file([simple_sheet()])
    call_command("import_progress_notes", str(path), "--worker", personas["worker_ccsmtl"].email)
    out = capsys.readouterr().out
    assert "J #2019-02" in out
    assert WeeklyNote.objects.count() == 2


# --- Bad input: a clear message, its sheet and cell, nothing imported ---------------------------


def test_a_file_that_is_not_an_xlsx_is_refused(tmp_path, personas):
    path = tmp_path / "notes.xlsx"
    path.write_text("Semaine du;Durée\n2019-03-04;90\n")
    report = run(path, personas["worker_ccsmtl"])
    assert "not an Excel workbook" in report.problems[0].message
    assert nothing_saved() and not report.saved


def test_a_password_protected_workbook_is_refused(tmp_path, personas):
    # Excel saves an encrypted workbook as an OLE compound file, not as a zip.
    path = tmp_path / "protected.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    report = run(path, personas["worker_ccsmtl"])
    assert "password-protected" in report.problems[0].message
    assert nothing_saved()


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_a_corrupt_workbook_is_refused(workbook_file, simple_sheet, personas, engine):
    path = workbook_file([simple_sheet()])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # cut short, as a failed copy leaves it
    report = run(path, personas["worker_ccsmtl"], engine=engine)
    assert "damaged" in report.problems[0].message
    assert nothing_saved()


def test_a_file_over_20_mb_is_refused_before_reading(tmp_path, personas):
    path = tmp_path / "big.xlsx"
    with path.open("wb") as handle:
        handle.write(b"PK\x03\x04")
        handle.truncate(21 * 1024 * 1024)
    report = run(path, personas["worker_ccsmtl"])
    assert "20 MB" in report.problems[0].message
    assert nothing_saved()


def test_a_sheet_without_its_suivis_header_blocks_the_whole_workbook(
    workbook_file, simple_sheet, personas
):
    path = workbook_file([simple_sheet(), simple_sheet(name="J2", youth_id="#2019-03",
                                                       header=False)])  # fmt: skip
    report = run(path, personas["worker_ccsmtl"])
    assert wheres(report) == ["J2"]
    assert "Suivis" in report.problems[0].message
    assert nothing_saved()


def test_one_youth_id_in_two_sheets_is_refused(workbook_file, simple_sheet, personas):
    path = workbook_file([simple_sheet(), simple_sheet(name="J2", youth_id="#2019-02")])
    report = run(path, personas["worker_ccsmtl"])
    assert wheres(report) == ["J2!C2"]
    assert "already on sheet J" in report.problems[0].message
    assert nothing_saved()


def test_a_week_before_the_entry_month_is_refused_with_its_cell(
    workbook_file, simple_sheet, personas
):
    sheet = simple_sheet(weeks=[week(datetime.date(2019, 3, 4)), week(datetime.date(2019, 1, 7))])
    report = run(workbook_file([sheet]), personas["worker_ccsmtl"])
    assert wheres(report) == [f"J!A{FIRST_WEEK_ROW + 1}"]
    assert "before the participant's admission" in report.problems[0].message
    assert nothing_saved()


@pytest.mark.parametrize(
    ("date_of_birth", "refused"),
    [
        (datetime.date(1994, 3, 1), True),  # 25 on the first of the entry month (mars 2019)
        (datetime.date(1994, 3, 2), False),  # 24 on the first of the month: may have entered
        (datetime.date(2007, 4, 1), True),  # 11 on the last day of the month
        (datetime.date(2007, 3, 31), False),  # 12 on its last day
    ],
)
def test_a_new_participant_outside_12_to_24_on_entry_is_refused_with_its_cell(
    workbook_file, simple_sheet, personas, date_of_birth, refused
):
    """The program admits people aged 12 to 24 inclusive: the workbook gives the month of entry,
    so a participant is refused when no day of that month fits."""
    sheet = simple_sheet(date_of_birth=date_of_birth)
    report = run(workbook_file([sheet]), personas["worker_ccsmtl"])
    if refused:
        assert wheres(report) == ["J!C4"]
        assert "12 to 24 inclusive" in report.problems[0].message
        assert nothing_saved()
    else:
        assert report.problems == []
        assert Participant.objects.get().date_of_birth == date_of_birth


def test_a_date_in_the_future_is_refused_with_its_cell(workbook_file, simple_sheet, personas):
    future = datetime.date.today() + datetime.timedelta(days=30)
    report = run(
        workbook_file([simple_sheet(weeks=[week(future)], date_of_birth=future)]),
        personas["worker_ccsmtl"],
    )
    assert set(wheres(report)) == {"J!C4", f"J!A{FIRST_WEEK_ROW}"}
    assert all("future" in p.message for p in report.problems)
    assert nothing_saved()


def test_an_unknown_drop_down_value_is_refused_with_its_cell(workbook_file, simple_sheet,
                                                             personas):  # fmt: skip
    sheet = simple_sheet(weeks=[week(datetime.date(2019, 3, 4), worker="Bof"),
                                week(datetime.date(2019, 3, 11), need="Loisirs")])  # fmt: skip
    report = run(workbook_file([sheet]), personas["worker_ccsmtl"])
    assert wheres(report) == [f"J!I{FIRST_WEEK_ROW}", f"J!H{FIRST_WEEK_ROW + 1}"]
    # What the column takes, not what the cell holds (it could be anything a worker typed).
    assert report.problems[0].message == (
        "Unknown value in “Satisfaction de l'intervenant”. Expected one of: Dissatisfied; "
        "Somewhat satisfied; Satisfied; Very satisfied."
    )
    assert "Besoin visé" in report.problems[1].message
    assert "Loisirs" not in report.problems[1].message
    assert nothing_saved()


def test_a_note_the_form_would_refuse_blocks_unless_bad_rows_are_skipped(
    workbook_file, simple_sheet, personas
):
    # Two meetings and no duration: the note form refuses it (note_errors).
    bad = week(datetime.date(2019, 3, 11), meetings=2, minutes=None)
    sheet = simple_sheet(weeks=[week(datetime.date(2019, 3, 4)), bad])
    path = workbook_file([sheet])
    report = run(path, personas["worker_ccsmtl"])
    assert wheres(report) == [f"J!C{FIRST_WEEK_ROW + 1}"]
    assert nothing_saved()

    report = run(path, personas["worker_ccsmtl"], skip_bad_rows=True)
    assert report.saved and report.problems == []
    assert [p.where for p in report.skipped] == [f"J!C{FIRST_WEEK_ROW + 1}"]
    assert list(WeeklyNote.objects.values_list("week", flat=True)) == [datetime.date(2019, 3, 4)]


def test_the_command_says_nothing_was_imported(tmp_path, personas):
    path = tmp_path / "notes.xlsx"
    path.write_text("not a workbook")
    with pytest.raises(CommandError):
        call_command("import_progress_notes", str(path), "--worker",
                     personas["worker_ccsmtl"].email)  # fmt: skip
    assert nothing_saved()


def test_the_worker_must_be_an_active_youth_worker(workbook_file, simple_sheet, personas):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        run(workbook_file([simple_sheet()]), personas["police"])


# --- Idempotence, conflicts, --update, dry run, the pair ----------------------------------------


def test_importing_the_same_workbook_again_creates_nothing(workbook_file, simple_sheet, personas):
    path = workbook_file([simple_sheet(times=[("Oui", "2019-06-03", "Jaune")])])
    run(path, personas["worker_ccsmtl"])
    counts = (Participant.objects.count(), WeeklyNote.objects.count(),
              RiskAssessment.objects.count(), Assignment.objects.count())  # fmt: skip
    report = run(path, personas["worker_ccsmtl"])
    assert report.saved and report.totals["created"] == 0
    assert report.totals["unchanged"] == 2 and report.totals["participants_created"] == 0
    assert report.conflicts == []
    assert counts == (Participant.objects.count(), WeeklyNote.objects.count(),
                      RiskAssessment.objects.count(), Assignment.objects.count())  # fmt: skip


def test_a_week_that_differs_is_a_conflict_left_unchanged_unless_update(
    workbook_file, simple_sheet, personas
):
    worker = personas["worker_ccsmtl"]
    run(workbook_file([simple_sheet()]), worker)
    changed = simple_sheet(weeks=[week(datetime.date(2019, 3, 4), summary="Version corrigée."),
                                  week(datetime.date(2019, 3, 11), meetings=0, minutes=None,
                                       channels="Texto")])  # fmt: skip
    path = workbook_file([changed])

    report = run(path, worker)
    assert [c.where for c in report.conflicts] == [f"J!A{FIRST_WEEK_ROW}"]
    note = WeeklyNote.objects.get(week=datetime.date(2019, 3, 4))
    assert note.activities_summary == "Social : parc." and note.version == 1

    report = run(path, worker, update=True)
    assert report.totals["updated"] == 1
    note.refresh_from_db()
    assert note.activities_summary == "Version corrigée." and note.version == 2
    # The old version stays in the history.
    entry = LogEntry.objects.get_for_object(note).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.changes_dict["activities_summary"] == ["Social : parc.", "Version corrigée."]


def test_a_dry_run_changes_nothing_and_reports_what_would_happen(
    workbook_file, simple_sheet, personas
):
    report = run(workbook_file([simple_sheet()]), personas["worker_ccsmtl"], dry_run=True)
    assert report.totals == {**report.totals, "created": 2, "participants_created": 1}
    assert not report.saved and nothing_saved()
    assert not RiskAssessment.objects.exists() and not Assignment.objects.exists()


def test_the_two_workbooks_of_a_pair_merge_identical_weeks_and_report_different_ones(
    workbook_file, simple_sheet, personas
):
    first, second = personas["worker_ccsmtl"], personas["worker_codim"]
    shared = week(datetime.date(2019, 3, 4))
    run(workbook_file([simple_sheet(weeks=[shared, week(datetime.date(2019, 3, 11))])]), first)
    other = simple_sheet(
        name="J5",  # the pair's workbooks name their sheets as they like
        weeks=[
            shared,  # identical: merged silently
            week(datetime.date(2019, 3, 11), summary="Vu autrement."),  # different: conflict
            week(datetime.date(2019, 3, 18)),  # only in the second workbook: created
        ],
    )
    report = run(workbook_file([other]), second)
    assert report.saved
    assert (report.totals["unchanged"], report.totals["conflicts"], report.totals["created"]) == (
        1, 1, 1)  # fmt: skip
    assert [c.where for c in report.conflicts] == [f"J5!A{FIRST_WEEK_ROW + 1}"]
    assert Participant.objects.count() == 1
    authors = dict(WeeklyNote.objects.values_list("week", "author"))
    assert authors == {datetime.date(2019, 3, 4): first.pk, datetime.date(2019, 3, 11): first.pk,
                       datetime.date(2019, 3, 18): second.pk}  # fmt: skip


def test_an_existing_participant_is_matched_by_youth_id(workbook_file, simple_sheet, personas,
                                                        make_participant):  # fmt: skip
    participant = make_participant()
    participant.admitted_on = ENTRY
    participant.save()
    sheet = simple_sheet(youth_id=participant.youth_id, date_of_birth=None, entry=None)
    report = run(workbook_file([sheet]), personas["worker_ccsmtl"])
    assert report.saved and report.totals["participants_created"] == 0
    assert participant.weekly_notes.count() == 2
