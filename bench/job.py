"""The inactivity job over every follow-up of the database: time and queries of a first and a
second run, inside a transaction that is rolled back (the database stays as seeded).
python -m bench.job DB -> JSON on stdout."""

import json
import sys
import time

from bench.env import django_setup


def measure() -> dict:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from followups.models import FollowUp
    from followups.services import followups_mark_unreachable

    result = {"followups": FollowUp.objects.count()}
    with transaction.atomic():
        for run in ("first", "second"):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                changed = followups_mark_unreachable()
                seconds = time.perf_counter() - started
            result[run] = {
                "changed": len(changed),
                "queries": len(queries),
                "seconds": round(seconds, 3),
            }
        transaction.set_rollback(True)
    return result


if __name__ == "__main__":
    django_setup(sys.argv[1])
    print(json.dumps(measure()))
