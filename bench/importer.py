"""The legacy workbook import at the issue's scale: 60 sheets × 150 weeks (9,000 weeks).

python -m bench.importer <database>

Parses the generated workbook with openpyxl (read-only) and with calamine, then imports it into
the given database inside a transaction that is rolled back (the database is left as it was).
Prints a JSON dict as its last line: seconds and rows per second for each parser and for the
whole import (parse, validation, participants, notes, risk assessments). Goal: >= 1,000 rows/s."""

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.env import django_setup

SHEETS, WEEKS, REPEAT = 60, 150, 3


def main(database: str) -> dict:
    django_setup(database)
    from django.db import transaction

    from research.legacy import demo, workbook
    from research.legacy.services import workbook_import
    from spheres.models import Role
    from spheres.selectors import people_with_role

    worker = people_with_role(Role.YOUTH_WORKER).order_by("pk").first()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "workbook.xlsx"
        # Youth IDs far above the seeded ones: every sheet is a new participant.
        rows = demo.large_workbook(path, sheets=SHEETS, weeks=WEEKS, first_number=9000)
        result = {"sheets": SHEETS, "weeks": rows, "file_mb": round(path.stat().st_size / 2**20, 2)}
        parse = {}
        for engine in workbook.ENGINES:
            times = []
            for _ in range(REPEAT):
                start = time.perf_counter()
                parsed = workbook.parse(path, engine)
                times.append(time.perf_counter() - start)
                assert parsed.rows == rows and not parsed.problems, parsed.problems[:3]
            median = statistics.median(times)
            parse[engine] = {"seconds": round(median, 2), "rows_per_s": round(rows / median)}
        result["parse"] = parse
        imports = []
        for _ in range(REPEAT):
            with transaction.atomic():
                start = time.perf_counter()
                report = workbook_import(path=path, worker=worker)
                imports.append(time.perf_counter() - start)
                assert report.saved and report.totals["created"] == rows, report.problems[:3]
                transaction.set_rollback(True)
        median = statistics.median(imports)
        result["import"] = {
            "engine": workbook.DEFAULT_ENGINE,
            "seconds": round(median, 2),
            "rows_per_s": round(rows / median),
            "runs": [round(t, 2) for t in imports],
            "goal_rows_per_s": 1000,
        }
    return result


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
