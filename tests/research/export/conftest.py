"""Participants for the research export, built through the real services: admitted, followed,
the program form's research-use clause agreed (or struck out), weekly notes and a risk level."""

import datetime

import pytest
from django.utils import timezone

from followups import services as followups
from followups.rules import monday_of
from referrals import services as referrals
from referrals.models import ConsentKind
from tests.referrals.conftest import (  # noqa: F401  (fixtures)
    admit,
    make_participant,
    make_referral,
    screen,
    years_ago,
)


@pytest.fixture
def research_participant(make_referral, screen, admit, personas, organisations):  # noqa: F811
    """An admitted participant followed by worker_ccsmtl, with (by default) the research-use
    clause of the program form agreed to, two weekly notes and a risk level at admission."""

    def _make(
        *,
        research=True,
        notes=2,
        admitted_days_ago=21,
        referral=None,
        note=None,
        worker="worker_ccsmtl",
    ):
        referral = referral or {}
        made = make_referral(**referral)
        screen(made)
        admitted_on = timezone.localdate() - datetime.timedelta(days=admitted_days_ago)
        participant = admit(
            made,
            admitted_on=admitted_on,
            consent_given_on=admitted_on,
            research_use="agreed" if research else "struck_out",
        )
        coordinator, worker = personas["coordinator"], personas[worker]
        referrals.assignment_set(participant=participant, actor=coordinator, primary=worker)
        if not research:
            # The research study's own consent is another form: it does not open the export.
            referrals.consent_record(
                participant=participant,
                actor=coordinator,
                kind=ConsentKind.RESEARCH,
                given_on=admitted_on,
                form_version="recherche-test",
            )
        this_week = monday_of(timezone.localdate())
        for weeks_ago in range(notes, 0, -1):
            data = {
                "meetings": 1,
                "meetings_minutes": 60,
                "other_channels": ["text"],
                "main_activity": "Discussion informelle",
                "targeted_need": "stability",
                "worker_satisfaction": "satisfied",
                "participant_satisfaction": "somewhat",
                "activities_summary": "Clinique : retour sur la semaine.",
            }
            data.update(note or {})
            followups.note_save(
                participant=participant,
                actor=worker,
                week=this_week - datetime.timedelta(weeks=weeks_ago),
                **data,
            )
        followups.risk_assessment_record(
            participant=participant,
            actor=worker,
            time_point=0,
            assessed_on=admitted_on,
            level="yellow",
        )
        return participant

    return _make


def read_workbook(path) -> dict[str, list[tuple]]:
    """Every row of every sheet, header included."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return {
            name: [tuple(row) for row in workbook[name].iter_rows(values_only=True)]
            for name in workbook.sheetnames
        }
    finally:
        workbook.close()


def rows_of(sheets, name) -> list[dict]:
    header, *rows = sheets[name]
    return [dict(zip(header, row, strict=False)) for row in rows]


def manifest(sheets) -> dict:
    """The manifest's items, continuation sheets (manifest_2…) included."""
    parts = [n for n in sheets if n == "manifest" or n.startswith("manifest_")]
    return {row[0]: row[1] for name in parts for row in sheets[name][1:]}
