"""Seed a benchmark database through the product's bulk path, then add the personas the
benchmark needs that the demo lacks (a worker with about 30 participants, a Clinical Committee
member who is not a worker), then ANALYZE. Run in its own process: python -m bench.seed DB P W."""

import json
import subprocess
import sys
import time

from bench.env import PG, RESULTS, django_setup, manage

SMALL_CASELOAD = 30


def database_exists(name: str) -> bool:
    out = subprocess.run(
        ["psql", PG + "/postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{name}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.strip() == "1"


def marker(name: str):
    return RESULTS / f".seeded-{name}.json"


def ensure(name: str, participants: int, weeks: int, *, reseed: bool = False) -> dict:
    """The database at this scale, seeded once and reused (its marker file says what it holds)."""
    wanted = {"participants": participants, "weeks": weeks}
    path = marker(name)
    if not reseed and database_exists(name) and path.exists():
        held = json.loads(path.read_text())
        if {k: held.get(k) for k in wanted} == wanted:
            manage(name, "migrate", "--noinput", "-v0")  # the code may have moved on since
            vacuum(name)  # a migration may have filled a table
            return held
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS.parent.parent / "var" / "bench" / "static").mkdir(parents=True, exist_ok=True)
    subprocess.run(["psql", PG + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
    subprocess.run(["psql", PG + "/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
    manage(name, "migrate", "--noinput", "-v0")
    manage(name, "createcachetable")
    started = time.perf_counter()
    # seed_demo refuses outside development mode (demo accounts); the data is the same. DEBUG
    # stays off (bench.env): development mode is its own switch.
    manage(
        name,
        "seed_demo",
        "--participants",
        str(participants),
        "--weeks",
        str(weeks),
        "--seed",
        "1",
        SPHERES_DEMO="1",
    )
    seconds = time.perf_counter() - started
    subprocess.run(
        [sys.executable, "-m", "bench.seed", name],
        check=True,
        cwd=str(RESULTS.parent.parent),
    )
    vacuum(name)
    held = {**wanted, "seed_seconds": round(seconds, 1)}
    path.write_text(json.dumps(held))
    return held


def vacuum(name: str) -> None:
    """VACUUM ANALYZE, as autovacuum would soon after a bulk load on a server: the dead rows of
    the load (summary tables rewritten by their triggers) gone, the visibility map set for
    index-only scans, the planner's statistics fresh. Otherwise the first minutes after a seed
    would be measured, not the steady state."""
    subprocess.run(["psql", PG + "/" + name, "-qc", "VACUUM (ANALYZE)"], check=True)


def add_personas(name: str) -> None:
    """Inside the benchmark database: the two extra personas, then ANALYZE (planner statistics
    after a bulk load)."""
    django_setup(name)
    from django.db import connection

    from followups.bulk import participants_admit_bulk
    from referrals.demo import volume
    from spheres import services
    from spheres.demo import SeedContext
    from spheres.demo import seed as seed_core
    from spheres.models import Organisation, Role

    ctx = SeedContext(seed=99)
    seed_core(ctx)  # idempotent: finds the demo organisations and people
    ccsmtl = Organisation.objects.get(short_name="CCSMTL")
    worker = services.user_create(
        email="bench.petite-charge@demo.spheres.test", first_name="Banc", last_name="Essai"
    )
    services.membership_grant(
        user=worker, organisation=ccsmtl, roles=[Role.YOUTH_WORKER, Role.CLINICAL_COMMITTEE]
    )
    member = services.user_create(
        email="bench.comite@demo.spheres.test", first_name="Comité", last_name="Essai"
    )
    services.membership_grant(user=member, organisation=ccsmtl, roles=[Role.CLINICAL_COMMITTEE])
    rows = volume.admission_rows(ctx, SMALL_CASELOAD)
    for row in rows:
        row.primary, row.sharing = worker, [ccsmtl]
    participants_admit_bulk(rows=rows, actor=volume.coordinator(ctx))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


if __name__ == "__main__":
    add_personas(sys.argv[1])
