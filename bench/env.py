"""The environment every benchmark process runs with: production-like settings (DEBUG off, MFA off
so personas can be signed in directly) on a PostgreSQL database of the benchmark's own."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
PG = os.environ.get("SPHERES_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("SPHERES_BENCH_REDIS", "redis://127.0.0.1:6379")


def database_url(name: str) -> str:
    return f"{PG}/{name}"


def environment(database: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="spheres.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-only-secret-key-not-for-any-deployment-0123456789",
        DJANGO_ALLOWED_HOSTS="testserver,localhost,127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        EMAIL_URL="dummymail://",
        SPHERES_STATIC_MANIFEST="0",
        SPHERES_REQUIRE_MFA="0",
        SPHERES_MFA_ENCRYPTION_KEY="ZmFrZS10ZXN0LWtleS0zMmJ5dGVzLWxvbmctZm9yLXQ=",
        SPHERES_RESEARCH_ID_KEY="bench-only-research-id-key-not-for-any-deployment-0123",
        SPHERES_VAR_DIR=str(ROOT / "var" / "bench"),  # static/ is created by bench.seed
        DATABASE_URL=database_url(database),
        CELERY_BROKER_URL=f"{REDIS}/14",
        CACHE_URL=f"{REDIS}/15",
    )
    env.update(extra)
    return env


def manage(database: str, *args: str, **extra: str) -> str:
    """Run manage.py in its own process (seeding and migrations stay out of the measurements)."""
    done = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        env=environment(database, **extra),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def django_setup(database: str) -> None:
    """Configure Django in this process for the benchmark database."""
    os.environ.update(environment(database))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
