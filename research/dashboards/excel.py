"""Figures as an Excel workbook: one sheet per figure, the same suppression as on screen."""

from __future__ import annotations

import io
import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from research.dashboards.tables import Published
from spheres.spreadsheets import neutralise

SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]\*\?/\\:]")

# Each figure's sheet, named short enough for Excel's 31 characters (a title cut there lost
# what told two sheets apart: "Satisfaction de la person 2"). The title is the sheet's first row.
SHEET_NAMES = {
    "referrals_by_month": gettext_lazy("Referrals by month"),
    "referrals_by_organisation": gettext_lazy("Referrals by organisation"),
    "referral_outcomes": gettext_lazy("Referral outcomes"),
    "non_admission_reasons": gettext_lazy("Non-admission reasons"),
    "recruitment_delays": gettext_lazy("Time from referral"),
    "admissions_by_age_and_gender": gettext_lazy("Admissions by age and gender"),
    "followups_by_status": gettext_lazy("Follow-ups by status"),
    "dropout": gettext_lazy("Dropout"),
    "followup_length": gettext_lazy("Follow-up length"),
    "followup_events": gettext_lazy("Status changes"),
    "contact_weeks": gettext_lazy("Weeks by kind of contact"),
    "meeting_intensity": gettext_lazy("Face-to-face meetings"),
    "channels": gettext_lazy("Other communications"),
    "main_activities": gettext_lazy("Main activities"),
    "targeted_needs": gettext_lazy("Targeted needs"),
    "worker_satisfaction": gettext_lazy("Worker's satisfaction"),
    "participant_satisfaction": gettext_lazy("Participant's satisfaction"),
    "risk_transitions_t1": gettext_lazy("Risk, admission to time 1"),
    "risk_transitions_t2": gettext_lazy("Risk, admission to time 2"),
    "questionnaires": gettext_lazy("Questionnaires"),
    "caseload_by_organisation": gettext_lazy("Caseload by organisation"),
    "caseload_by_worker": gettext_lazy("Caseload by worker"),
    "missing_notes": gettext_lazy("Notes written and missing"),
}


def _cell(shown):
    if not shown.text:  # blank on the page (a cell that cannot hold a count): blank here
        return None
    return shown.value if not shown.hidden and shown.value is not None else shown.text


def _sheet_name(figure: Published) -> str:
    name = str(SHEET_NAMES.get(figure.key, figure.title))
    name = re.sub(r"\s+", " ", SHEET_NAME_FORBIDDEN.sub(" ", name)).strip()
    return name[:31].strip() or figure.key[:31]


def workbook(figures: list[Published], *, period: str, notice: str) -> bytes:
    from openpyxl import Workbook  # imported when asked for: not in every process's baseline

    book = Workbook(write_only=True)
    used: set[str] = set()
    for figure in figures:
        name = base = _sheet_name(figure)
        k = 2
        while name.lower() in used:
            name = f"{base[:25]} {k}"
            k += 1
        used.add(name.lower())
        sheet = book.create_sheet(name)
        above = [[figure.title], [figure.description], [period]]
        if figure.unit:
            above.append([_("Unit: %(unit)s") % {"unit": figure.unit}])
        if figure.suppressed or figure.withheld:
            above.append([notice])
        # The column headers stay in view while scrolling (they are under the title lines).
        sheet.freeze_panes = f"A{len(above) + 3}"
        for line in above:
            sheet.append([neutralise(text) for text in line])
        sheet.append([])
        sheet.append([neutralise(h) for h in figure.headers])
        rows = list(figure.body) + ([figure.footer] if figure.footer else [])
        for label, cells in rows:
            sheet.append([neutralise(label), *[neutralise(_cell(c)) for c in cells]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
