"""Under load: gunicorn on 127.0.0.1 (as the Dockerfile runs it) driven by wrk (Debian's wrk).
Caseload GET, file GET and weekly-note POST — each POST a distinct participant-week — with
throughput, p50/p95/p99, errors, and a check that every acknowledged save is in the database;
then the same with two gunicorn instances on two ports sharing the database (scale-out).

python -m bench.load prepare DB OUT.json  (in the benchmark database: sessions and targets)
The orchestration (run_load) lives here too; bench.__main__ calls it."""

import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.env import ROOT, django_setup, environment

SMALL_WORKER = "bench.petite-charge@demo.spheres.test"
CSRF = "benchcsrfsecret0123456789abcdefg"  # 32 characters: accepted unmasked by Django
MAX_POSTS = 30000


def prepare(out: str) -> None:
    """Signed-in sessions (real session rows) and the targets: the caseload and a file of the
    ~30-participant worker, and one note URL per participant without a note this week, each with
    the session of a worker assigned to that participant."""
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from followups.rules import monday_of
    from referrals.models import Assignment
    from spheres.models import User

    week = monday_of(timezone.localdate())
    sessions = {}

    def session_of(user) -> str:
        if user.pk not in sessions:
            client = Client()
            client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
            sessions[user.pk] = client.cookies["sessionid"].value
        return sessions[user.pk]

    small = User.objects.get(email=SMALL_WORKER)
    own = Assignment.objects.filter(worker=small, ended_at__isnull=True).select_related(
        "participant"
    )[0]
    posts = []
    seen = set()
    rows = (
        Assignment.objects.filter(ended_at__isnull=True, participant__followup__status="active")
        .exclude(participant__weekly_notes__week=week)
        .select_related("participant", "worker")
        .order_by("participant_id", "role")
    )
    for assignment in rows.iterator():
        if assignment.participant_id in seen:
            continue
        seen.add(assignment.participant_id)
        path = reverse("followups:note_edit", args=[assignment.participant.public_id])
        posts.append([session_of(assignment.worker), path])
        if len(posts) >= MAX_POSTS:
            break
    Path(out).write_text(
        json.dumps(
            {
                "week": week.isoformat(),
                "get": {
                    "caseload": [session_of(small), reverse("followups:caseload")],
                    "file": [
                        session_of(small),
                        reverse("referrals:participant_detail", args=[own.participant.public_id]),
                    ],
                },
                "posts": posts,
            }
        )
    )


LUA_COMMON = """
local counter = 0
s2xx, s3xx, sother = 0, 0, 0
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function response(status, headers, body)
  if status >= 300 and status < 400 then s3xx = s3xx + 1
  elseif status >= 200 and status < 300 then s2xx = s2xx + 1
  else sother = sother + 1 end
end
function done(summary, latency, requests)
  local a, b, c = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("s2xx"); b = b + t:get("s3xx"); c = c + t:get("sother")
  end
  io.write(string.format(
    'WRKJSON {"requests": %d, "seconds": %.3f, "s2xx": %d, "s3xx": %d, "other": %d, ' ..
    '"errors": %d, "p50_ms": %.1f, "p95_ms": %.1f, "p99_ms": %.1f}\\n',
    summary.requests, summary.duration / 1e6, a, b, c,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.status + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def lua_get(session: str, path: str) -> str:
    return (
        LUA_COMMON
        + f"""
wrk.method = "GET"
wrk.path = "{path}"
wrk.headers["Cookie"] = "sessionid={session}"
"""
    )


def lua_posts(posts: list, week: str, share: int, of: int) -> str:
    """Each wrk process takes its share of the targets and each of its two threads every other
    one (`id` is set per thread in setup): no participant-week is posted twice."""
    mine = posts[share::of]
    items = ",\n".join(f'{{"{s}","{p}"}}' for s, p in mine)
    body = (
        f"csrfmiddlewaretoken={CSRF}&week={week}&meetings=1&meetings_duration=1h15"
        "&main_activity=Rencontre&targeted_need=stability&activities_summary=Suivi"
    )
    return (
        LUA_COMMON
        + f"""
local items = {{
{items}
}}
function request()
  local index = id + counter * 2 + 1
  counter = counter + 1
  local item = items[((index - 1) % #items) + 1]
  return wrk.format("POST", item[2], {{
    ["Cookie"] = "sessionid=" .. item[1] .. "; csrftoken={CSRF}",
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Referer"] = "http://127.0.0.1/"
  }}, "{body}")
end
"""
    )


def start_gunicorn(database: str, port: int, workers: int) -> subprocess.Popen:
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    process = subprocess.Popen(
        [
            gunicorn,
            "spheres.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment(database),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)  # noqa: S310
            return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"gunicorn did not answer on port {port}")


def wrk(script: str, port: int, seconds: int, connections: int) -> subprocess.Popen:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    return subprocess.Popen(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "-s",
            handle.name,
            f"http://127.0.0.1:{port}",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )


def parse(output: str) -> dict:
    line = next(line for line in output.splitlines() if line.startswith("WRKJSON "))
    return json.loads(line[len("WRKJSON ") :])


def combine(parts: list[dict]) -> dict:
    seconds = max(p["seconds"] for p in parts)
    total = {k: sum(p[k] for p in parts) for k in ("requests", "s2xx", "s3xx", "other", "errors")}
    return {
        **total,
        "req_per_s": round(total["requests"] / seconds, 1),
        # The slower instance's percentiles (a conservative figure for the pair).
        **{k: max(p[k] for p in parts) for k in ("p50_ms", "p95_ms", "p99_ms")},
    }


def notes_of_week(database: str, week: str) -> int:
    out = subprocess.run(
        ["psql", environment(database)["DATABASE_URL"], "-tAc",
         f"SELECT count(*) FROM followups_weeklynote WHERE week = '{week}'"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return int(out.strip())


def forget_notes_since(database: str, since: str) -> None:
    """Delete the notes the load saved (created since it began: nothing else writes notes to
    the benchmark's database), so the next run finds the same participant-weeks free: the
    benchmark leaves the database as it found it."""
    subprocess.run(
        ["psql", environment(database)["DATABASE_URL"], "-qc",
         f"DELETE FROM followups_weeklynote WHERE created_at >= '{since}'"],
        check=True,
    )  # fmt: skip


def run_load(database: str, seconds: int, workers: int = 2, connections: int = 10) -> dict:
    """The caller deletes the notes it saved afterwards (forget_notes_since)."""
    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed (Debian package wrk)"}
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        targets_file = handle.name
    subprocess.run(
        [sys.executable, "-m", "bench.load", "prepare", database, targets_file],
        cwd=ROOT,
        check=True,
    )
    targets = json.loads(Path(targets_file).read_text())
    results = {}
    for layout, ports in (("1 instance", [8101]), ("2 instances", [8101, 8102])):
        servers = [start_gunicorn(database, port, workers) for port in ports]
        try:
            for name, (session, path) in targets["get"].items():
                runs = [
                    wrk(lua_get(session, path), p, seconds, connections // len(ports))
                    for p in ports
                ]
                results[f"{name} GET, {layout}"] = combine(
                    [parse(r.communicate()[0]) for r in runs]
                )
            if len(targets["posts"]) < 2 * connections:
                results[f"note POST, {layout}"] = {"skipped": "too few participant-weeks left"}
                continue
            before = notes_of_week(database, targets["week"])
            runs = [
                wrk(
                    lua_posts(targets["posts"], targets["week"], i, len(ports)),
                    port,
                    seconds,
                    connections // len(ports),
                )
                for i, port in enumerate(ports)
            ]
            post = combine([parse(r.communicate()[0]) for r in runs])
            saved = notes_of_week(database, targets["week"]) - before
            # A save answers 302 (back to the caseload); every one of them must be in the table.
            # (Requests cut off when wrk stops may be saved without wrk seeing the answer.)
            post.update(
                acknowledged=post["s3xx"], in_database=saved, lost=max(0, post["s3xx"] - saved)
            )
            results[f"note POST, {layout}"] = post
            # Next layout posts other participant-weeks: drop the ones used.
            targets["posts"] = targets["posts"][post["requests"] + 100 :]
        finally:
            for server in servers:
                server.terminate()
                server.wait(10)
    return results


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        django_setup(sys.argv[2])
        prepare(sys.argv[3])
