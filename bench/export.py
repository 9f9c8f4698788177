"""The research export against its limit (the same writer fed precomputed rows) and its peer
(django-import-export's default xlsx export), at full and at a tenth of the cohort, each in its
own process (research/export/bench.py does the measuring; this runs it on the bench database)."""

import json
import subprocess
import sys

from bench.env import ROOT, environment


def measure(database: str, repeat: int = 3) -> dict:
    """Best of `repeat` interleaved rounds (ours, limit, ours, limit…; the peer once): one slow
    moment of a shared machine would otherwise decide the ratio. The ratio of each round is kept
    too."""
    done = subprocess.run(
        [sys.executable, "manage.py", "bench_export", "--repeat", str(repeat)],
        cwd=ROOT,
        env=environment(database),
        capture_output=True,
        text=True,
        check=True,
    )
    runs = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    best = {}
    for run in runs:
        key = f"{run['kind']} {run['size']}"
        if key not in best or run["seconds"] < best[key]["seconds"]:
            best[key] = run
    ours_runs = [r["seconds"] for r in runs if r["kind"] == "ours" and r["size"] == "full"]
    limit_runs = [r["seconds"] for r in runs if r["kind"] == "limit" and r["size"] == "full"]
    ratios = {}
    if {"ours full", "limit full", "peer full", "ours tenth"} <= set(best):
        ours, limit, peer = best["ours full"], best["limit full"], best["peer full"]
        ratios = {
            "speed_vs_limit": round(limit["seconds"] / ours["seconds"], 2),
            # Round by round (each pair measured one after the other).
            "speed_vs_limit_per_round": [
                round(lim / our, 2) for our, lim in zip(ours_runs, limit_runs, strict=False)
            ],
            "speed_vs_peer": round(peer["seconds"] / ours["seconds"], 1),
            # Peak process memory (the goal's measure), and the peak above each process's
            # baseline (what the export itself added), for information.
            "memory_vs_peer": round(peer["peak_mb"] / ours["peak_mb"], 1),
            "memory_above_baseline_vs_peer": round(
                (peer["peak_mb"] - peer["baseline_mb"])
                / max(ours["peak_mb"] - ours["baseline_mb"], 1),
                1,
            ),
            "memory_full_vs_tenth": round(ours["peak_mb"] / best["ours tenth"]["peak_mb"], 2),
        }
    return {"runs": best, "ratios": ratios}


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1])))
