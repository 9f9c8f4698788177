"""Helpers for tests of code that opens connections of its own (PostgreSQL only)."""

import time

from django.db import connection


def backends_closed(backends: set[int]) -> bool:
    """Whether these PostgreSQL server processes are gone: a backend leaves pg_stat_activity a
    moment after its client closes, so this waits up to 2.5 s."""
    with connection.cursor() as cursor:
        for _ in range(50):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [list(backends)]
            )
            if cursor.fetchone() == (0,):
                return True
            time.sleep(0.05)
    return False
