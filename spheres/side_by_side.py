"""Independent reads run side by side: the calling thread and a helper thread, each on a database
connection of its own, take the next read from one list until none is left. PostgreSQL then works
on two cores while Python handles the rows of the read before (the uncached dashboard: 15 queries,
0.2-0.4 s one after the other).

Only outside a transaction, on PostgreSQL: another connection would not see this one's uncommitted
rows (the tests' data, among others), and SQLite has one writer and little to gain. Elsewhere the
reads run one after the other, on the caller's connection, with the same results."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone, translation

T = TypeVar("T")

HELPERS = 1  # the machines here have 2 cores: the caller and one helper


def possible() -> bool:
    """Whether helper threads may read on connections of their own (see the module's text)."""
    connection = connections[DEFAULT_DB_ALIAS]
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def run(jobs: Iterable[Callable[[], T]], *, helpers: int = HELPERS) -> list[T]:
    """The results of `jobs` (callables that read the database), in their order. Put the longest
    first: each thread takes the next job when it is done with one. The helpers read with the
    caller's language and time zone; their connections are opened for them and closed when they
    end. The first error (of any thread) is raised here once every thread has stopped, and no job
    starts after it. Queries the caller's connection is logging (a query count, DEBUG) include
    the helpers'."""
    jobs = list(jobs)
    if helpers < 1 or len(jobs) < 2 or not possible():
        return [job() for job in jobs]
    results: list = [None] * len(jobs)
    pending = deque(enumerate(jobs))
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                if errors or not pending:
                    return
                index, job = pending.popleft()
            try:
                results[index] = job()
            except BaseException as error:  # raised in the caller
                with lock:
                    errors.append(error)
                return

    caller = connections[DEFAULT_DB_ALIAS]
    logging, logged = caller.queries_logged, []
    language, zone = translation.get_language(), timezone.get_current_timezone()

    def helper() -> None:
        own = connections[DEFAULT_DB_ALIAS]  # this thread's: a new connection
        own.force_debug_cursor = logging
        try:
            with translation.override(language), timezone.override(zone):
                work()
        finally:
            logged.extend(own.queries_log)
            own.close()

    threads = [
        threading.Thread(target=helper, name="side-by-side", daemon=True) for _ in range(helpers)
    ]
    for thread in threads:
        thread.start()
    try:
        work()
    finally:
        for thread in threads:
            thread.join()
        if logging:
            caller.queries_log.extend(logged)
    if errors:
        raise errors[0]
    return results
