"""Figures as an Excel workbook: one sheet per figure, the same suppression as on screen."""

from __future__ import annotations

import io
import re

from django.utils.translation import gettext as _

from research.dashboards.tables import Published
from spheres.spreadsheets import neutralise

SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]\*\?/\\:]")


def _cell(shown):
    return shown.value if not shown.hidden and shown.value is not None else shown.text


def workbook(figures: list[Published], *, period: str, notice: str) -> bytes:
    from openpyxl import Workbook  # imported when asked for: not in every process's baseline

    book = Workbook(write_only=True)
    used: set[str] = set()
    for figure in figures:
        name = SHEET_NAME_FORBIDDEN.sub(" ", figure.title)[:28].strip() or figure.key[:28]
        base, k = name, 2
        while name.lower() in used:
            name = f"{base[:25]} {k}"
            k += 1
        used.add(name.lower())
        sheet = book.create_sheet(name)
        sheet.append([neutralise(figure.title)])
        sheet.append([neutralise(figure.description)])
        sheet.append([neutralise(period)])
        if figure.unit:
            sheet.append([neutralise(_("Unit: %(unit)s") % {"unit": figure.unit})])
        if figure.suppressed or figure.withheld:
            sheet.append([neutralise(notice)])
        sheet.append([])
        sheet.append([neutralise(h) for h in figure.headers])
        rows = list(figure.body) + ([figure.footer] if figure.footer else [])
        for label, cells in rows:
            sheet.append([neutralise(label), *[neutralise(_cell(c)) for c in cells]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
