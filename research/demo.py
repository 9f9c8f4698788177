"""Demo data of the research app (seed_demo): one old progress-notes workbook, generated, imported
for a demo worker, so the coordinator's home lists a participant "imported — consent to be
confirmed" and the timeline shows imported weeks. The same workbook is left in var/demo/ to try
the import page with (importing it again changes nothing: the import is idempotent)."""

import datetime
import random

from django.conf import settings
from django.utils import timezone
from faker import Faker

from referrals.models import Participant
from research.legacy import demo as workbooks
from research.legacy.services import workbook_import
from spheres.demo import SeedContext

WORKER = "intervenant.codim"
WORKBOOK = "suivis-ancien-classeur-demo.xlsx"
# Youth IDs of the years before the program's first admission in the demo: no clash.
FIRST_NUMBER = 90


def seed(ctx: SeedContext) -> None:
    worker = ctx.people.get(WORKER)
    if worker is None:
        return
    today = timezone.localdate()
    start = today - datetime.timedelta(weeks=40)
    year = start.year - 2
    if Participant.objects.filter(youth_id=f"#{year}-{FIRST_NUMBER}").exists():
        return  # imported by an earlier run (on another day its weeks would differ)
    rng = random.Random(ctx.seed)
    faker = Faker("fr_CA")  # its own sequence: the other apps' demo data stays as it was
    faker.seed_instance(ctx.seed)
    specs = [
        workbooks.SheetSpec(
            name="J" if n == 0 else f"J{n + 1}",
            youth_id=f"#{year}-{FIRST_NUMBER + n}",
            gender=rng.choice(["Femme", "Homme", "Non binaire"]),
            date_of_birth=faker.date_of_birth(minimum_age=17, maximum_age=22),
            entry=start.replace(day=1),
            admission_risk=rng.choice(["Jaune", "Rouge"]),
            times=[("Oui", start + datetime.timedelta(days=30), "Jaune")],
            weeks=workbooks.generated_weeks(start, 30, rng),
            merged=False,
        )
        for n in range(2)
    ]
    folder = settings.VAR_DIR / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / WORKBOOK
    workbooks.write_workbook(path, specs)
    report = workbook_import(path=path, worker=worker)
    if not report.saved:
        problems = "; ".join(f"{p.where}: {p.message}" for p in report.problems[:3])
        raise RuntimeError(f"The demo workbook did not import: {problems}")
    ctx.log.append(
        f"Old workbook imported for {worker.email} ({report.totals['created']} rows created); "
        f"a copy to try the import page with: {path}"
    )
