"""Workbooks laid out as workers kept them, for the tests and the benchmark (generated,
never shipped: no binary file in the repository). Values are passed as a worker would have
typed them, so a caller chooses every variation (text dates, 1h30, "tres satisfait"…)."""

import datetime
import random
from dataclasses import dataclass, field

import openpyxl

HEADERS = [
    "Semaine du",
    "N de rencontres en personne",
    "Durée des rencontres",
    "Autres communications",
    "Aucune rencontre/comm. Pourquoi?",
    "Aucune rencontre/comm. Autre raison, spécifiez",
    "Activité principale",
    "Besoin visé",
    "Satisfaction de l'intervenant",
    "Satisfaction du jeune",
    "Résumé des activités de la semaine/notes qualitatives",
    "Autres informations pertinentes sur le suivi/notes qualitatives",
    "Notes de suivis sur les autres intervenants au dossier/notes qualitatives",
]
RISK_LABEL = (
    "Évaluation niveau de risque d'implication dans la prostitution au moment de l'admission"
)


@dataclass
class SheetSpec:
    name: str
    youth_id: object = "#2019-01"
    gender: object = "Femme"
    date_of_birth: object = datetime.date(2003, 5, 17)
    entry: object = "mars 2019"
    admission_risk: object = "Rouge"
    # (Fait?, Date, Réévaluation) per time, as typed; None: the block is left empty.
    times: list = field(default_factory=list)
    weeks: list[list] = field(default_factory=list)  # 13 values per row, as typed
    labels: dict = field(default_factory=dict)  # label overrides (case, colon, spaces…)
    blank_between: bool = False  # a blank row after every week
    merged: bool = True  # merged title and label cells, as people format them
    header: bool = True  # False: a sheet without its "Suivis" header


def write_sheet(ws, spec: SheetSpec) -> None:
    label = {
        "id": "ID du jeune",
        "sex": "Sexe",
        "dob": "Date de naissance",
        "entry": "Date d'entrée dans le projet",
        "risk": RISK_LABEL,
        **spec.labels,
    }
    ws.append(["Renseignement"])
    if spec.merged:
        ws.merge_cells("A1:C1")
    for key, value in [
        ("id", spec.youth_id),
        ("sex", spec.gender),
        ("dob", spec.date_of_birth),
        ("entry", spec.entry),
        ("risk", spec.admission_risk),
    ]:
        # Labels merged over two columns: the value sits in C.
        ws.append([label[key], None, value])
        if spec.merged:
            ws.merge_cells(f"A{ws.max_row}:B{ws.max_row}")
    ws.append([])
    ws.append(["Passation de l'instrument autorévélé"])
    ws.append([None, None, *[f"Temps {n + 1}" for n in range(max(len(spec.times), 2))]])
    rows = [["Fait?"], ["Date"], ["Réévaluation niveau de risque implication la prostitution"]]
    for values in spec.times:
        for row, value in zip(rows, values or (None, None, None), strict=True):
            row.append(value)
    for row in rows:
        ws.append([row[0], None, *row[1:]])
    ws.append([])
    ws.append(["Suivis"])
    if spec.header:
        ws.append(HEADERS)
    for values in spec.weeks:
        ws.append(list(values))
        if spec.blank_between:
            ws.append([])
    for _ in range(3):  # empty trailing rows, as left by a template
        ws.append([None] * 3)


def write_workbook(path, specs: list[SheetSpec], *, instructions: bool = True) -> None:
    book = openpyxl.Workbook()
    first = book.active
    if instructions:
        first.title = "Instructions"
        first.append(["Une feuille par jeune : J, J2, J3…"])
    for index, spec in enumerate(specs):
        ws = first if (index == 0 and not instructions) else book.create_sheet(spec.name)
        ws.title = spec.name
        write_sheet(ws, spec)
    book.save(path)


def generated_weeks(start: datetime.date, count: int, rng: random.Random) -> list[list]:
    """`count` plausible consecutive weeks from the Monday of `start`, as real dates."""
    monday = start - datetime.timedelta(days=start.weekday())
    rows = []
    for n in range(count):
        week = monday + datetime.timedelta(weeks=n)
        meetings = rng.choice([0, 0, 1, 1, 2])
        channels = rng.choice(["", "Téléphone", "Texto, Messenger", "Courriel"])
        reason = "" if meetings or channels else "Pas de nouvelles"
        rows.append(
            [
                week,
                meetings,
                meetings * rng.choice([30, 45, 60, 90]) or None,
                channels,
                reason,
                "",
                rng.choice(["Discussion informelle", "Planification d'une rencontre", ""]),
                rng.choice(["Urgence", "Stabilité", "Participation", "Rétablissement", ""]),
                rng.choice(["Satisfait", "Très satisfait", "Plutôt satisfait", ""]),
                rng.choice(["Satisfait", "Insatisfait", ""]),
                "Social : rencontre au parc, discussion sur le budget.",
                "",
                "",
            ]
        )
    return rows


def large_workbook(
    path, *, sheets: int = 60, weeks: int = 150, seed: int = 14, first_number: int = 900
) -> int:
    """The benchmark's workbook: `sheets` participants × `weeks` weeks ending last week."""
    rng = random.Random(seed)
    today = datetime.date.today()
    start = today - datetime.timedelta(weeks=weeks + 1)
    specs = [
        SheetSpec(
            name="J" if n == 0 else f"J{n + 1}",
            youth_id=f"#{start.year}-{first_number + n}",
            entry=start.replace(day=1),
            date_of_birth=datetime.date(2002, 1 + n % 12, 1 + n % 28),
            times=[("Oui", start + datetime.timedelta(days=30), "Jaune")],
            weeks=generated_weeks(start, weeks, rng),
            merged=False,
        )
        for n in range(sheets)
    ]
    write_workbook(path, specs)
    return sheets * weeks
