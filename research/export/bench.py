"""Measure the research export (issue 13) on the current database, seeded with
`manage.py seed_demo --participants N --weeks W`: wall time and peak memory of

- ours:  the export as the worker builds it (database -> de-identification -> writer);
- limit: the same writer fed the same rows, precomputed in memory first (only writing timed);
- peer:  django-import-export's default xlsx export of the same weekly notes;

at full size and at a tenth of the participants. Each measurement runs in its own process so
peak memory (VmHWM) is honest, started as the Celery worker is (without the system checks,
which would load every view and the admin) and settled as the worker settles it
(spheres.celery.settle). Peak memory is reported whole and above the process's baseline (its
peak before the measurement starts), for the three alike.
Run: `python manage.py bench_export`."""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.utils import timezone

KINDS = ("ours", "limit", "peer")


def _spec(sample: int | None):
    from research.export.workbook import ExportSpec

    return ExportSpec(
        on=timezone.localdate(),
        purpose="benchmark",
        requester_role="benchmark",
        id_key=settings.SPHERES_RESEARCH_ID_KEY,
        k=settings.SPHERES_RESEARCH_K,
        max_suppression_percent=settings.SPHERES_RESEARCH_MAX_SUPPRESSION_PERCENT,
        salt="benchmark",
        sample=sample,
    )


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mb() -> float:
    """This process's peak resident memory. On Linux VmHWM, not ru_maxrss: ru_maxrss carries over
    the peak of the process that forked this one (the measuring parent, some 130 MB), so a
    lighter child would report its parent's size."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _note_resource():
    from import_export import resources

    from followups.models import WeeklyNote

    class WeeklyNoteResource(resources.ModelResource):
        class Meta:
            model = WeeklyNote
            fields = (
                "participant", "week", "author", "meetings", "meetings_minutes",
                "other_channels", "no_contact_reason", "main_activity", "targeted_need",
                "worker_satisfaction", "participant_satisfaction",
            )  # fmt: skip

    return WeeklyNoteResource()


def measure_one(kind: str, sample: int | None) -> dict:
    """One measurement, in this process."""
    from research.export import selectors
    from research.export.workbook import Summary, export_sections, write_workbook
    from spheres.celery import settle

    spec = _spec(sample)
    settle()  # as the worker process is before its first task
    baseline = _peak_mb()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.xlsx"
        rows = 0
        if kind == "ours":
            cpu = _cpu_seconds()
            started = time.perf_counter()
            summary = Summary()
            rows = write_workbook(path, export_sections(spec, summary), tmpdir=tmp)
            elapsed = time.perf_counter() - started
        elif kind == "limit":
            summary = Summary()
            sections = [
                (name, header, list(lines))
                for name, header, lines in export_sections(spec, summary)
            ]
            cpu = _cpu_seconds()
            started = time.perf_counter()
            rows = write_workbook(path, sections, tmpdir=tmp)
            elapsed = time.perf_counter() - started
        elif kind == "peer":
            participants = selectors.export_participants(
                on=spec.on, period_end=None, organisation_ids=[], sample=sample
            )
            from followups.models import WeeklyNote

            # select_related spares the peer one query per row for its foreign keys: the
            # comparison is with django-import-export used well.
            notes = (
                WeeklyNote.objects.filter(participant__in=participants)
                .select_related("participant", "author")
                .order_by("participant_id", "week")
            )
            cpu = _cpu_seconds()
            started = time.perf_counter()
            dataset = _note_resource().export(queryset=notes)
            path.write_bytes(dataset.xlsx)
            elapsed = time.perf_counter() - started
            rows = len(dataset)
        else:
            raise ValueError(kind)
        cpu = _cpu_seconds() - cpu
        size = path.stat().st_size
    return {
        "kind": kind,
        "sample": sample,
        "rows": rows,
        "seconds": round(elapsed, 2),
        # This process's CPU time (not PostgreSQL's): steadier than wall time on a shared machine.
        "cpu_seconds": round(cpu, 2),
        "rows_per_second": round(rows / elapsed) if elapsed else None,
        "peak_mb": round(_peak_mb(), 1),
        "baseline_mb": round(baseline, 1),
        "file_mb": round(size / 2**20, 1),
    }


def _cohort_size() -> int:
    from research.export import selectors

    return selectors.export_cohort(timezone.localdate()).count()


def _run_one(kind: str, sample: int | None) -> dict:
    # --skip-checks: the process the worker is (celery --skip-checks, docker-compose.yml).
    command = [sys.executable, "manage.py", "bench_export", "--skip-checks", "--one", kind]
    if sample is not None:
        command += ["--sample", str(sample)]
    done = subprocess.run(  # noqa: S603 - our own interpreter and command
        command,
        cwd=settings.BASE_DIR,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_all(kinds=KINDS, *, repeat: int = 3, out=sys.stdout) -> list[dict]:
    """Every measurement in a fresh process, at full size and at a tenth. The machine may be
    shared: each measurement is repeated `repeat` times, interleaved (ours, limit, ours…), and the
    fastest run of each is kept (the peer, slow, runs once)."""
    cohort = _cohort_size()
    tenth = max(cohort // 10, 1)
    best: dict[tuple[str, str], dict] = {}
    for sample, label in ((None, "full"), (tenth, "tenth")):
        for round_ in range(repeat):
            for kind in kinds:
                if kind == "peer" and round_ > 0:
                    continue
                result = _run_one(kind, sample)
                result["size"] = label
                out.write(json.dumps(result))
                key = (kind, label)
                if key not in best or result["seconds"] < best[key]["seconds"]:
                    best[key] = result
    results = list(best.values())
    write = out.write
    write(f"\ncohort: {cohort} participants (tenth: {tenth}); best of {repeat}")
    write(
        f"{'':8}{'size':7}{'rows':>9}{'seconds':>10}{'cpu s':>8}{'rows/s':>10}{'peak MB':>10}"
        f"{'base MB':>9}{'above':>8}"
    )
    for r in results:
        write(
            f"{r['kind']:8}{r['size']:7}{r['rows']:>9}{r['seconds']:>10}{r['cpu_seconds']:>8}"
            f"{r['rows_per_second'] or 0:>10}{r['peak_mb']:>10}{r['baseline_mb']:>9}"
            f"{round(r['peak_mb'] - r['baseline_mb'], 1):>8}"
        )
    ours = best.get(("ours", "full"))
    if ours and ("limit", "full") in best:
        limit = best[("limit", "full")]
        write(
            f"speed vs limit: {limit['seconds'] / ours['seconds']:.2f} wall, "
            f"{limit['cpu_seconds'] / ours['cpu_seconds']:.2f} cpu (goal >= 0.8)"
        )
    if ours and ("peer", "full") in best:
        peer = best[("peer", "full")]
        grown = (peer["peak_mb"] - peer["baseline_mb"]) / max(
            ours["peak_mb"] - ours["baseline_mb"], 1
        )
        write(
            f"peer/ours: time {peer['seconds'] / ours['seconds']:.1f}x wall, "
            f"{peer['cpu_seconds'] / ours['cpu_seconds']:.1f}x cpu, "
            f"peak memory {peer['peak_mb'] / ours['peak_mb']:.1f}x (the goal's measure: >= 10x), "
            f"peak memory above the process baseline {grown:.1f}x (for information)"
        )
    if ours and ("ours", "tenth") in best:
        write(
            f"memory full/tenth: {ours['peak_mb'] / best[('ours', 'tenth')]['peak_mb']:.2f} "
            "(goal <= 1.3)"
        )
    return results
