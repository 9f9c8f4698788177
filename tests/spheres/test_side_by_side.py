"""Reads side by side (spheres.side_by_side): in order, on a second connection only outside a
transaction on PostgreSQL, with the caller's language and time zone, errors raised to the caller,
every query counted, and no connection left open."""

import threading
import time
import zoneinfo

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from spheres import side_by_side
from tests.connections import backends_closed

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a second connection needs a shared database"
)


def backend() -> int:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        postgresql = connection.vendor == "postgresql"
        cursor.execute("SELECT pg_backend_pid()" if postgresql else "SELECT 1")
        return cursor.fetchone()[0]


def reader(n: int, seen: list):
    def read():
        time.sleep(0.01 * (n % 3))  # the threads finish out of order
        seen.append(
            (n, threading.current_thread().name, backend(), translation.get_language(),
             timezone.get_current_timezone_name())
        )  # fmt: skip
        return n * 10

    return read


def helper_threads():
    return [t for t in threading.enumerate() if t.name == "side-by-side"]


@pytest.mark.django_db
def test_inside_a_transaction_the_reads_run_one_after_the_other_on_the_callers_connection():
    seen = []
    assert not side_by_side.possible()
    assert side_by_side.run([reader(n, seen) for n in range(5)]) == [0, 10, 20, 30, 40]
    assert [s[0] for s in seen] == [0, 1, 2, 3, 4]
    assert {s[1] for s in seen} == {threading.current_thread().name}


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_helper_reads_on_its_own_connection_then_closes_it():
    seen = []
    zone = zoneinfo.ZoneInfo("America/Vancouver")
    with translation.override("en"), timezone.override(zone):
        got = side_by_side.run([reader(n, seen) for n in range(8)])
    assert got == [n * 10 for n in range(8)]
    assert sorted(s[0] for s in seen) == list(range(8))
    mine = connection.connection.info.backend_pid
    helped = {s[2] for s in seen if s[1] == "side-by-side"}
    assert helped and mine not in helped, "the helper read on a connection of its own"
    assert {s[2] for s in seen if s[1] != "side-by-side"} == {mine}
    # The helper read in the caller's language and time zone, not the defaults.
    assert {(s[3], s[4]) for s in seen} == {("en", "America/Vancouver")}
    assert not helper_threads()
    assert backends_closed(helped), "the helper's connection is still open"


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_an_error_is_raised_to_the_caller_and_no_read_starts_after_it():
    done = []

    def read(n):
        def run():
            if n == 3:
                raise ValueError("unreadable")
            time.sleep(0.005)
            backend()
            done.append(n)
            return n

        return run

    with pytest.raises(ValueError, match="unreadable"):
        side_by_side.run([read(n) for n in range(200)])
    assert not helper_threads()
    assert len(done) < 10, "the reads stopped soon after the error"


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_query_count_on_the_callers_connection_includes_the_helpers_queries():
    seen = []
    with CaptureQueriesContext(connection) as queries:
        side_by_side.run([reader(n, seen) for n in range(6)])
    assert any(s[1] == "side-by-side" for s in seen)
    assert len(queries) == 6
