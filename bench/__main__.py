"""make bench: province-scale figures for every heavy path, in one run.

python -m bench [--participants 1000 --weeks 52] [--small-participants 100 --small-weeks 10]
                [--requests 30] [--load-seconds 15] [--skip-load] [--reseed]

Seeds two PostgreSQL databases through the bulk path (reused while their scale is unchanged),
runs ANALYZE, then measures pages (query counts at both scales, p50/p95 at the large one), the
inactivity job, the CPU of a note save (bench.notecpu), and the load on gunicorn; prints a table
and writes bench/results/<time>.json.
Every figure comes from this run, side by side (the machines are shared and noisy)."""

import argparse
import datetime
import importlib.util
import json
import platform
import subprocess
import sys

from bench import load, seed
from bench.env import RESULTS, ROOT


def in_process(module: str, *args: str) -> object:
    out = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def table(rows: list[list], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=False)]
    line = lambda r: "  ".join(str(x).ljust(w) for x, w in zip(r, widths, strict=False))  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--small-participants", type=int, default=100)
    parser.add_argument("--small-weeks", type=int, default=10)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--load-seconds", type=int, default=15)
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    args.load_seconds = min(args.load_seconds, 60)

    small_db, large_db = "spheres_bench_small", f"spheres_bench_{args.participants}x{args.weeks}"
    report = {
        "when": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "scale": {"small": [args.small_participants, args.small_weeks],
                  "large": [args.participants, args.weeks]},
    }  # fmt: skip
    print(f"Seeding (reused when unchanged): {small_db}, {large_db}", flush=True)
    report["seed"] = {
        "small": seed.ensure(
            small_db, args.small_participants, args.small_weeks, reseed=args.reseed
        ),
        "large": seed.ensure(large_db, args.participants, args.weeks, reseed=args.reseed),
    }
    print("Pages…", flush=True)
    small = in_process("bench.pages", small_db, "3")
    large = in_process("bench.pages", large_db, str(args.requests))
    counts = {(r["persona"], r["page"]): r["queries"] for r in small}
    for row in large:
        row["queries_small"] = counts.get((row["persona"], row["page"]))
        row["constant"] = row["queries_small"] == row["queries"]
    report["pages"] = large
    print("Inactivity job…", flush=True)
    report["inactivity_job"] = in_process("bench.job", large_db)
    print("Research export (ours, limit, peer)…", flush=True)
    report["research_export"] = in_process("bench.export", large_db)
    if importlib.util.find_spec("bench.importer"):
        print("Legacy import…", flush=True)
        report["legacy_import"] = in_process("bench.importer", large_db)
    # The note saves below write to the database: deleted afterwards, so every run finds the
    # same participant-weeks free (the benchmark leaves the database as it found it).
    writes_since = datetime.datetime.now(datetime.UTC).isoformat()
    try:
        print("CPU per note save (in-process)…", flush=True)
        report["note_save_cpu"] = in_process("bench.notecpu", large_db, "200")
        if not args.skip_load:
            print("Load (gunicorn + wrk)…", flush=True)
            report["load"] = load.run_load(large_db, args.load_seconds)
    finally:
        load.forget_notes_since(large_db, writes_since)

    print()
    print(f"Pages at {args.participants} participants × {args.weeks} weeks "
          f"(queries also at {args.small_participants} × {args.small_weeks}):")  # fmt: skip
    print(
        table(
            [
                [
                    r["persona"],
                    r["page"],
                    r["status"],
                    r["queries_small"],
                    r["queries"],
                    "yes" if r["constant"] else "NO",
                    r["p50_ms"],
                    r["p95_ms"],
                    r["bytes"],
                ]
                for r in large
            ],  # fmt: skip
            [
                "persona",
                "page",
                "status",
                "queries small",
                "queries large",
                "equal",
                "p50 ms",
                "p95 ms",
                "bytes",
            ],
        )  # fmt: skip
    )
    job = report["inactivity_job"]
    print(
        f"\nInactivity job over {job['followups']} follow-ups: first run {job['first']['changed']} "
        f"changed, {job['first']['queries']} queries, {job['first']['seconds']} s; second run "
        f"{job['second']['changed']} changed, {job['second']['queries']} queries, "
        f"{job['second']['seconds']} s"
    )
    export = report["research_export"]
    print("\nResearch export (best run each; peak memory of the whole process):")
    print(
        table(
            [
                [key, r["rows"], r["seconds"], r["cpu_seconds"], r["peak_mb"]]
                for key, r in sorted(export["runs"].items())
            ],
            ["run", "rows", "seconds", "cpu s", "peak MB"],
        )
    )
    print(f"ratios: {export['ratios']}")
    if "legacy_import" in report:
        print(f"\nLegacy import: {report['legacy_import']}")
    cpu = report["note_save_cpu"]
    print(
        f"\nNote save in-process ({cpu['saves']} saves, whole middleware stack): "
        f"{cpu['queries']} queries, {cpu['python_cpu_ms_p50']} ms of Python CPU (median), "
        f"{cpu['database_cpu_ms_mean']} ms of PostgreSQL CPU (mean), {cpu['wall_ms_p50']} ms wall"
    )
    if report.get("load") and "skipped" not in report["load"]:
        print(f"\nUnder load ({args.load_seconds} s per run, gunicorn 2 workers per instance, "
              "10 connections):")  # fmt: skip
        print(
            table(
                [
                    [
                        name,
                        r["req_per_s"],
                        r["p50_ms"],
                        r["p95_ms"],
                        r["p99_ms"],
                        r["errors"] + r["other"],
                        r.get("acknowledged", ""),
                        r.get("lost", ""),
                    ]
                    for name, r in report["load"].items()
                    if "skipped" not in r
                ],  # fmt: skip
                ["scenario", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "saved", "lost"],
            )
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{report['when'].replace(':', '')}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"\nWritten: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
