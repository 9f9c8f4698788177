"""What the research workbook holds: only consenting participants, nothing that identifies a
person, no formula, every sheet even when empty, continuation sheets past the row limit."""

import datetime
import re
import threading
import time

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone
from django.utils.translation import gettext

from followups import services as followups
from followups.models import WeeklyNote
from followups.rules import monday_of
from referrals import services as referrals
from referrals.models import ConsentKind
from research import services
from research.export import selectors, workbook
from research.export.deidentify import activity_key, research_id
from research.models import ExportSource, ExportStatus, ResearchExport
from tests.research.export.conftest import manifest, read_workbook, rows_of

pytestmark = pytest.mark.django_db

SHEETS = ["participants", "weekly_notes", "risk_assessments", "status_periods", "dictionary",
          "manifest"]  # fmt: skip


def export(tmp_path, **kwargs):
    path = tmp_path / "export.xlsx"
    services.export_to_file(output=path, purpose="Évaluation d'implantation", **kwargs)
    return read_workbook(path)


def all_text(sheets) -> list[str]:
    return [str(v) for rows in sheets.values() for row in rows for v in row if v is not None]


def rid(participant) -> str:
    return research_id(settings.SPHERES_RESEARCH_ID_KEY, participant.public_id)


# --- Leak test --------------------------------------------------------------------------------

KNOWN = [
    # first, last, preferred, phone, e-mail, area (an address), free-text notes
    ("Zéphyrine", "Kowalczuk", "Zouzou", "514-555-0147", "zephyrine.k@courriel.example",
     "4821 rue des Quenouilles, Ville-Marie"),
    ("Ysolde", "Przybylski", "Yzzy", "438-555-0162", "ysolde.p@courriel.example",
     "77 avenue Wxyzabc, Ville-Marie"),
    ("Ottokar", "Wszolek", "Okko", "450-555-0133", "ottokar.w@courriel.example",
     "1200 boul. Qrstuv, Ville-Marie"),
    ("Fenwyck", "Uzzaman", "Fenfen", "514-555-0171", "fenwyck.u@courriel.example",
     "9 ruelle Jklmnop, Ville-Marie"),
    ("Quorvax", "Bxerkvist", "Quiq", "438-555-0119", "quorvax.b@courriel.example",
     "350 place Hgfedc, Ville-Marie"),
    ("Théodrix", "Ngwabuzo", "Teddo", "514-555-0188", "theodrix.n@courriel.example",
     "61 rue Ponmlk, Ville-Marie"),
]  # fmt: skip


def four_grams(name: str) -> set[str]:
    return {name[i : i + 4].lower() for i in range(len(name) - 3)}


def test_no_identifying_value_reaches_any_cell_of_any_sheet(
    tmp_path, research_participant, personas
):
    made = []
    secrets = []
    for index, (first, last, preferred, phone, email, area) in enumerate(KNOWN):
        summary = f"Rencontre au café avec {first} et sa tante Hortensia-{index}: confidentiel."
        other = f"Note privée numéro {index}: a parlé de son copain Barnabé-{index}."
        workers = f"Échange avec l'intervenante Gwendoline-{index} du CLSC."
        participant = research_participant(
            referral={
                "first_name": first,
                "last_name": last,
                "preferred_name": preferred,
                "phone": phone,
                "email": email,
                "other_contact": f"@{first.lower()}_insta",
                "residence_area": area,
                "date_of_birth": datetime.date(2008, 3, 14),
                "legal_care_details": f"Ordonnance LPJ dossier {index}-XYZ-771",
                "reasons": f"Motif confidentiel {index}: exploitation par Rodolphe-{index}.",
                "referrer_name": f"Référente Ermengarde-{index}",
                "referrer_contact": f"514-555-02{index:02d}",
            },
            note={
                "activities_summary": summary,
                "other_information": other,
                "other_workers_notes": workers,
                # Free text: a worker may type a name in it.
                "main_activity": f"Accompagné {first} {last} au tribunal",
            },
        )
        followups.note_save(
            participant=participant,
            actor=personas["worker_ccsmtl"],
            week=timezone.localdate() - datetime.timedelta(weeks=3),
            meetings=0,
            no_contact_reason="other",
            no_contact_other=f"Autre raison secrète {index}: hospitalisée à Sainte-Justine.",
        )
        made.append(participant)
        secrets += [phone, email, area, summary, other, workers, participant.youth_id,
                    participant.youth_id.strip("#"), "2008-03-14", "14/03/2008",
                    f"Ordonnance LPJ dossier {index}-XYZ-771", f"Rodolphe-{index}",
                    f"Ermengarde-{index}", f"Autre raison secrète {index}", f"@{first.lower()}",
                    str(participant.public_id)]  # fmt: skip
    worker = personas["worker_ccsmtl"]
    secrets += [worker.get_full_name(), worker.email]

    sheets = export(tmp_path)

    assert list(sheets) == SHEETS
    assert len(sheets["participants"]) == len(KNOWN) + 1, "the leak test must see the data"
    assert len(sheets["weekly_notes"]) == 3 * len(KNOWN) + 1
    cells = all_text(sheets)
    text = "\n".join(cells).lower()
    for value in secrets:
        assert value.lower() not in text, value
    for first, last, preferred, *_rest in KNOWN:
        for name in (first, last, preferred):
            for gram in four_grams(name):
                assert gram not in text, (name, gram)
    # No calendar date outside the manifest (which gives the export day).
    data = {name: rows for name, rows in sheets.items() if name != "manifest"}
    assert not [c for c in all_text(data) if re.search(r"\b\d{4}-\d\d-\d\d\b", c)]
    ages = {row["age_at_entry"] for row in rows_of(sheets, "participants")}
    assert ages <= {17, 18, "15-17", "18-20", "12-17", "18-24", "*"}


def test_a_main_activity_is_released_only_when_k_participants_share_it_and_it_names_no_one(
    tmp_path, research_participant, personas
):
    worker = personas["worker_ccsmtl"]
    k = settings.SPHERES_RESEARCH_K
    made = [research_participant(notes=0, admitted_days_ago=40) for _ in range(k)]
    peer = made[0].referral.first_name
    this_week = monday_of(timezone.localdate())
    typed = [
        "  Sortie au PARC ",  # shared by all: released, as compared (lower case, trimmed)
        f"Atelier avec {worker.first_name}",  # shared by all, but names the worker
        f"Café avec {peer}",  # shared by all, but names a participant
    ]
    for index, participant in enumerate(made):
        texts = [*typed, f"Visite chez sa cousine {index}"]  # the last: one participant each
        for weeks_ago, text in enumerate(texts, start=1):
            followups.note_save(
                participant=participant,
                actor=worker,
                week=this_week - datetime.timedelta(weeks=weeks_ago),
                meetings=1,
                meetings_minutes=30,
                main_activity=text,
            )
    sheets = export(tmp_path)
    activities = [row["main_activity"] for row in rows_of(sheets, "weekly_notes")]
    assert sorted(set(activities)) == ["*", "sortie au parc"]
    assert activities.count("sortie au parc") == k
    text = "\n".join(all_text(sheets)).lower()
    assert worker.first_name.lower() not in text and peer.lower() not in text
    assert "cousine" not in text
    facts = manifest(sheets)
    assert facts["main_activities_released"] == 1
    assert facts["main_activities_withheld"] == 2 + k


# --- Who is in it -----------------------------------------------------------------------------


def test_only_participants_with_the_agreement_in_force_and_program_consent_are_exported(
    tmp_path, research_participant, personas
):
    consenting = [research_participant() for _ in range(5)]
    never = research_participant(research=False)
    withdrawn = research_participant()
    referrals.consent_withdraw(
        consent=withdrawn.consents.get(kind=ConsentKind.RESEARCH_USE, withdrawn_on__isnull=True),
        actor=personas["coordinator"],
    )
    left = research_participant()
    referrals.consent_withdraw(
        consent=left.consents.get(kind=ConsentKind.PROGRAM), actor=personas["coordinator"]
    )

    sheets = export(tmp_path)

    exported = {row["research_id"] for row in rows_of(sheets, "participants")}
    assert exported == {rid(p) for p in consenting}
    noted = {row["research_id"] for row in rows_of(sheets, "weekly_notes")}
    assert noted == exported
    for absent in (never, withdrawn, left):
        assert rid(absent) not in "\n".join(all_text(sheets))
    assert set(selectors.export_cohort(timezone.localdate())) == set(consenting)


def test_a_withdrawal_dated_after_the_export_day_still_counts_on_the_day_before(
    research_participant, personas
):
    participant = research_participant()
    referrals.consent_withdraw(
        consent=participant.consents.get(kind=ConsentKind.RESEARCH_USE, withdrawn_on__isnull=True),
        actor=personas["coordinator"],
    )
    today = timezone.localdate()
    assert participant not in selectors.export_cohort(today)
    assert participant in selectors.export_cohort(today - datetime.timedelta(days=1))


def test_research_ids_are_stable_from_one_export_to_the_next_and_are_not_internal_ids(
    tmp_path, research_participant
):
    made = [research_participant() for _ in range(5)]
    first = {r["research_id"] for r in rows_of(export(tmp_path), "participants")}
    second = {r["research_id"] for r in rows_of(export(tmp_path), "participants")}
    assert first == second == {rid(p) for p in made}
    for participant in made:
        assert str(participant.pk) not in first and participant.youth_id not in first


def test_worker_codes_change_between_exports_and_carry_the_sector(tmp_path, research_participant):
    for _ in range(5):
        research_participant()
    notes = rows_of(export(tmp_path), "weekly_notes")
    assert {n["worker"] for n in notes} == {"W01"}
    assert {n["worker_sector"] for n in notes} == {"institutional"}


def test_week_numbers_count_from_the_week_of_admission(tmp_path, research_participant):
    for _ in range(5):
        research_participant(notes=2, admitted_days_ago=35)
    notes = rows_of(export(tmp_path), "weekly_notes")
    weeks = {n["week"] for n in notes}
    # Admitted 5 weeks ago: last week's note is in week 5 or 6 depending on the weekday.
    assert weeks and all(isinstance(w, int) and 1 <= w <= 7 for w in weeks)
    assert max(weeks) - min(weeks) == 1


def test_the_organisation_filter_keeps_participants_followed_by_their_workers(
    research_participant, organisations
):
    ours = research_participant(worker="worker_ccsmtl")
    theirs = research_participant(worker="worker_enmarge")
    today = timezone.localdate()

    def chosen(*keys):
        ids = [organisations[k].pk for k in keys]
        found = selectors.export_participants(on=today, period_end=None, organisation_ids=ids)
        return set(found)

    assert chosen("ccsmtl") == {ours}
    assert chosen("enmarge") == {theirs}
    assert chosen("ccsmtl", "enmarge") == {ours, theirs}
    assert chosen() == {ours, theirs}
    assert chosen("police") == set()


# --- Formula neutralisation ---------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("x")', "+1+1", "@SUM(A1)", "-2+3", "\t=1+2", "\r=1+2"]


def test_text_that_looks_like_a_formula_is_written_as_plain_text(
    tmp_path, research_participant, personas
):
    # Five participants with each text: a main activity is released only when k share it.
    this_week = monday_of(timezone.localdate())
    for _ in range(settings.SPHERES_RESEARCH_K):
        participant = research_participant(notes=0, admitted_days_ago=70)
        for weeks_ago, value in enumerate(FORMULAS, start=1):
            followups.note_save(
                participant=participant,
                actor=personas["worker_ccsmtl"],
                week=this_week - datetime.timedelta(weeks=weeks_ago),
                meetings=1,
                meetings_minutes=60,
                main_activity=value,
            )
    import openpyxl

    path = tmp_path / "export.xlsx"
    services.export_to_file(output=path, purpose="=cmd|' /C calc'!A0")
    book = openpyxl.load_workbook(path)  # not read-only: data types are kept
    kinds = {cell.data_type for ws in book.worksheets for row in ws.iter_rows() for cell in row}
    assert "f" not in kinds
    # XlsxWriter stores a carriage return as the escape _x000D_ (openpyxl leaves it escaped).
    activities = {
        row[8].value.replace("_x000D_", "\r") for row in book["weekly_notes"].iter_rows(min_row=2)
    }
    assert activities == {"'" + activity_key(value) for value in FORMULAS}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), cell.value


def test_every_sheets_header_row_stays_in_view(tmp_path, research_participant):
    import openpyxl

    for _ in range(5):
        research_participant()
    path = tmp_path / "export.xlsx"
    services.export_to_file(output=path, purpose="Évaluation d'implantation")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == SHEETS
    assert {sheet.title: sheet.freeze_panes for sheet in book} == dict.fromkeys(SHEETS, "A2")


# --- Bad input and the empty case --------------------------------------------------------------


def test_no_consented_participant_gives_a_valid_workbook_with_empty_sheets(
    tmp_path, research_participant
):
    research_participant(research=False)
    sheets = export(tmp_path)
    assert list(sheets) == SHEETS
    for name in SHEETS[:4]:
        assert len(sheets[name]) == 1, name  # the header only
    assert len(sheets["dictionary"]) > 20
    facts = manifest(sheets)
    assert "no participant" in facts["note"]
    assert facts["rows_participants"] == 0 and facts["participants_in_cohort"] == 0


def test_fewer_participants_than_k_are_all_suppressed_and_the_manifest_says_so(
    tmp_path, research_participant
):
    for _ in range(3):
        research_participant()
    facts = manifest(export(tmp_path))
    assert facts["participants_in_cohort"] == 3
    assert facts["participants_suppressed"] == 3
    assert facts["rows_weekly_notes"] == 0 and facts["k"] == 5


def test_an_end_before_the_start_is_refused_by_the_service_and_the_command(tmp_path):
    today = timezone.localdate()
    refusal = re.escape(gettext("The end of the period is before its start."))
    with pytest.raises(CommandError, match=refusal):
        call_command(
            "export_research",
            output=str(tmp_path / "x.xlsx"),
            period_start=today,
            period_end=today - datetime.timedelta(days=1),
        )
    assert not (tmp_path / "x.xlsx").exists()
    assert not ResearchExport.objects.exists()


def test_the_command_writes_the_workbook_and_records_it_in_the_register(
    tmp_path, research_participant, capsys
):
    for _ in range(5):
        research_participant()
    path = tmp_path / "wave1.xlsx"
    call_command("export_research", "--output", str(path), "--purpose", "Vague 1",
                 "--from", "2000-01-01", "--to", timezone.localdate().isoformat())  # fmt: skip
    export = ResearchExport.objects.get()
    assert export.source == ExportSource.COMMAND and export.status == ExportStatus.DONE
    assert export.row_counts["participants"] == 5 and export.row_counts["weekly_notes"] == 10
    import hashlib

    assert export.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert export.file_sha256 in capsys.readouterr().out
    facts = manifest(read_workbook(path))
    assert facts["purpose"] == "Vague 1" and facts["period_from"] == "2000-01-01"


def test_the_period_limits_the_notes(tmp_path, research_participant):
    for _ in range(5):
        research_participant(notes=3)
    last_monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    start = last_monday - datetime.timedelta(weeks=1)
    sheets = export(tmp_path, period_start=start, period_end=start)
    assert len(rows_of(sheets, "weekly_notes")) == 5


# --- Continuation sheets ------------------------------------------------------------------------


def test_a_sheet_past_the_row_limit_continues_on_numbered_sheets(
    tmp_path, research_participant, monkeypatch
):
    for _ in range(5):
        research_participant(notes=3)
    monkeypatch.setattr(workbook, "MAX_ROWS", 7)  # header + 6 rows per sheet
    sheets = export(tmp_path)
    assert list(sheets)[:5] == [
        "participants", "weekly_notes", "weekly_notes_2", "weekly_notes_3", "risk_assessments"
    ]  # fmt: skip
    parts = [sheets[n] for n in ("weekly_notes", "weekly_notes_2", "weekly_notes_3")]
    assert [len(p) for p in parts] == [7, 7, 4]
    assert all(p[0] == sheets["weekly_notes"][0] for p in parts)
    assert manifest(sheets)["rows_weekly_notes"] == 15
    assert "weekly_notes_3" in manifest(sheets)["sheets"]


def test_the_dictionary_explains_every_column_in_french_and_english(tmp_path):
    sheets = export(tmp_path)
    dictionary = rows_of(sheets, "dictionary")
    for sheet in SHEETS:
        header = sheets[sheet][0]
        described = {r["column"] for r in dictionary if r["sheet"] == sheet}
        assert set(header) == described, sheet
    level = next(r for r in dictionary if r["column"] == "level")
    assert "Rouge" in level["codes_fr"] and "Red" in level["codes_en"]
    assert all(r["meaning_fr"] and r["meaning_en"] for r in dictionary)


def test_notes_follow_the_participants_order_across_batches_each_by_week(
    tmp_path, research_participant, monkeypatch
):
    for _ in range(5):
        research_participant(notes=3)
    monkeypatch.setattr(selectors, "NOTE_BATCH", 2)  # three queries, read ahead by the thread
    sheets = export(tmp_path)
    order = [p["research_id"] for p in rows_of(sheets, "participants")]
    notes = [(n["research_id"], n["week"]) for n in rows_of(sheets, "weekly_notes")]
    assert len(notes) == 15
    assert notes == sorted(notes, key=lambda n: (order.index(n[0]), n[1]))


# --- Reading ahead ----------------------------------------------------------------------------


def _reader_threads():
    return [t for t in threading.enumerate() if t.name == "export-read-ahead"]


def test_reading_ahead_sees_the_callers_transaction_and_stops_when_done(research_participant):
    # The test runs in a transaction nothing else can see: the thread reads through it.
    participants = [research_participant(notes=1) for _ in range(3)]

    def batches():
        for participant in participants:
            yield list(WeeklyNote.objects.filter(participant=participant).values_list("pk"))

    got = list(selectors.ReadAhead(batches()))
    assert [len(batch) for batch in got] == [1, 1, 1]
    assert not _reader_threads()


def test_an_error_while_reading_ahead_is_raised_to_the_caller():
    def batches():
        yield [1]
        raise ValueError("unreadable")

    read = selectors.ReadAhead(batches())
    assert next(read) == [1]
    with pytest.raises(ValueError, match="unreadable"):
        next(read)
    assert not _reader_threads()


def test_leaving_a_read_half_way_stops_the_thread():
    def batches():
        for n in range(1000):
            yield [n]

    read = selectors.ReadAhead(batches(), depth=1)
    assert next(read) == [0]
    read.close()
    assert not _reader_threads()


def test_the_next_sheet_is_read_while_this_one_is_written(tmp_path):
    """write_workbook starts the next sheet's reading before writing the current sheet; the
    reading stops with the writing, even when the writing fails before reaching that sheet."""
    asked = []

    def batches():
        asked.append("first batch")
        yield [("a", 1)]

    def sheet_one(fail):
        # By the time the first row of this sheet is written, the next one is being read.
        assert _reader_threads() or asked
        yield ("x", 1)
        if fail:
            raise RuntimeError("disk full")

    class Read:
        """The protocol write_workbook knows the notes by: start, batches, close."""

        def __init__(self, batches):
            self._batches, self._reading = batches, None

        def start(self, per_sheet):
            if self._reading is None:
                self._reading = selectors.ReadAhead(self._batches)

        def batches(self, per_sheet):
            self.start(per_sheet)
            return self._reading

        def close(self):
            if self._reading is not None:
                self._reading.close()

    written = workbook.write_workbook(
        tmp_path / "ok.xlsx",
        [
            ("one", ["c", "n"], sheet_one(fail=False)),
            ("two", ["c", "n"], Read(batches())),
        ],
    )
    assert written == 2 and asked == ["first batch"]
    assert not _reader_threads()

    def endless():
        n = 0
        while True:
            n += 1
            yield [("b", n)]

    with pytest.raises(RuntimeError, match="disk full"):
        workbook.write_workbook(
            tmp_path / "failed.xlsx",
            [
                ("one", ["c", "n"], sheet_one(fail=True)),
                ("two", ["c", "n"], Read(endless())),
            ],
        )
    assert not _reader_threads()  # the reading of the sheet never reached was stopped


def test_a_background_read_gives_its_result_or_its_error_to_the_caller(research_participant):
    participant = research_participant(notes=2)
    notes = selectors.in_background(
        lambda: WeeklyNote.objects.filter(participant=participant).count()
    )
    assert notes() == 2
    assert notes() == 2  # asked again: the same answer, the thread long gone

    def unreadable():
        raise LookupError("gone")

    failed = selectors.in_background(unreadable)
    with pytest.raises(LookupError, match="gone"):
        failed()
    assert not [t for t in threading.enumerate() if t.name == "export-background"]


def test_reading_in_parallel_gives_the_results_in_order_and_stops_when_done():
    def job(n):
        def read():
            time.sleep(0.01 * (n % 3))  # the readers finish out of order
            return [n]

        return read

    got = list(selectors.ReadInParallel([job(n) for n in range(10)], readers=3))
    assert got == [[n] for n in range(10)]
    assert not _reader_threads()


def test_an_error_while_reading_in_parallel_is_raised_to_the_caller_and_stops_the_rest():
    done = []

    def job(n):
        def read():
            if n == 3:
                raise ValueError("unreadable")
            done.append(n)
            return [n]

        return read

    read = selectors.ReadInParallel([job(n) for n in range(1000)], readers=2, depth=1)
    assert [next(read) for _ in range(3)] == [[0], [1], [2]]
    with pytest.raises(ValueError, match="unreadable"):
        next(read)
    assert not _reader_threads()
    assert len(done) < 20, "the other reader stopped soon after"
