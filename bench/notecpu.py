"""CPU per weekly-note save, in-process: each POST goes through the WSGI handler as gunicorn calls
it (the whole middleware stack, a real session cookie, CSRF), one distinct participant-week each.
The CPU of this process and of its PostgreSQL backend (read from /proc: the server is local) are
steadier figures than throughput on a shared machine.

python -m bench.notecpu DB SAVES  -> JSON on stdout."""

import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.env import django_setup


def backend_cpu_seconds(connection) -> float | None:
    """CPU used so far by this connection's PostgreSQL server process (None if not local)."""
    try:
        pid = connection.connection.info.backend_pid
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except (AttributeError, OSError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(saves: int) -> dict:
    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.load import CSRF, prepare

    with tempfile.NamedTemporaryFile(suffix=".json") as handle:
        prepare(handle.name)
        targets = json.loads(Path(handle.name).read_text())
    body = (
        f"csrfmiddlewaretoken={CSRF}&week={targets['week']}&meetings=1&meetings_duration=1h15"
        "&main_activity=Rencontre&targeted_need=stability&activities_summary=Suivi"
    ).encode()
    app = get_wsgi_application()
    statuses = []

    def post(session: str, path: str) -> None:
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "SCRIPT_NAME": "",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_COOKIE": f"sessionid={session}; csrftoken={CSRF}",
            "HTTP_REFERER": "http://127.0.0.1/",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }
        result = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
        b"".join(result)
        # Read the server process's CPU before close() may end the connection (CONN_MAX_AGE=0).
        now = backend_cpu_seconds(connection)
        if now is not None:
            pid = connection.connection.info.backend_pid
            spent = now - backend["seen"].get(pid, 0.0)
            backend["seen"][pid] = now
            backend["total"] += spent
        result.close()

    backend = {"seen": {}, "total": 0.0}
    posts = targets["posts"][: saves + 10]
    for session, path in posts[:5]:  # first-request work: imports, caches, connection
        post(session, path)
    with CaptureQueriesContext(connection) as queries:
        post(*posts[5])
    count = len(queries)
    backend["total"] = 0.0
    cpu, wall = [], []
    for session, path in posts[6:]:
        started_cpu, started = time.process_time(), time.perf_counter()
        post(session, path)
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    local = bool(backend["seen"])
    return {
        "saves": len(cpu),
        "statuses": sorted(set(statuses)),
        "queries": count,
        "python_cpu_ms_p50": round(statistics.median(cpu), 2),
        "database_cpu_ms_mean": round(backend["total"] * 1000 / len(cpu), 2) if local else None,
        "wall_ms_p50": round(statistics.median(wall), 1),
    }


if __name__ == "__main__":
    database, saves = sys.argv[1], int(sys.argv[2])
    django_setup(database)
    print(json.dumps(measure(saves)))
