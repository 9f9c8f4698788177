"""Server time and SQL query count of every page, as the persona who uses it, in-process (Django's
test client: the whole middleware stack, no network). Run in its own process per database:
python -m bench.pages DB REQUESTS [WORD]  -> JSON on stdout (only the pages whose label contains
WORD, if given: e.g. "dashboard")."""

import contextlib
import json
import re
import statistics
import sys
import time

from bench.env import django_setup

SMALL_WORKER = "bench.petite-charge@demo.spheres.test"
COMMITTEE_MEMBER = "bench.comite@demo.spheres.test"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def personas():
    from django.db.models import Count, Q

    from spheres.models import User

    people = {
        u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="demo.spheres.test")
    }
    largest = (
        User.objects.filter(email__startswith="intervenant.")
        .annotate(n=Count("assignments", filter=Q(assignments__ended_at__isnull=True)))
        .order_by("-n")
        .first()
    )
    return {
        "coordinator": people["coordination"],
        "worker_30": people[SMALL_WORKER.split("@")[0]],
        "worker_largest": largest,
        "clinical_member": people[COMMITTEE_MEMBER.split("@")[0]],
        "police": people["police"],
        "steering": people["direction.ccsmtl"],
    }


UNCACHED = " (uncached)"
# The dashboard's charts are images asked for after the page: this row times all of them
# together (the page itself untimed), drawn afresh each time.
CHARTS = "dashboard's charts, all"
CHART = re.compile(r'<img class="dashboard-chart" src="([^"]+)"')


def pages(people) -> list[tuple[str, str, str]]:
    """(persona, page label, URL). A label ending in UNCACHED is measured with the cache
    cleared before every request: the first view after a change of data."""
    from django.urls import NoReverseMatch, reverse

    from followups.selectors import caseload
    from referrals.models import Referral

    own = caseload(people["worker_30"])[0]
    referral = Referral.objects.order_by("-pk").first()
    largest = people["worker_largest"]
    found = [
        ("coordinator", "home", reverse("home")),
        ("coordinator", "referral queue", reverse("referrals:referral_queue")),
        (
            "coordinator",
            "referral file",
            reverse("referrals:referral_detail", args=[referral.public_id]),
        ),
        ("coordinator", "participant list", reverse("referrals:participant_list")),
        (
            "coordinator",
            "participant file",
            reverse("referrals:participant_detail", args=[own.public_id]),
        ),
        ("coordinator", "timeline", reverse("followups:timeline", args=[own.public_id])),
        (
            "coordinator",
            "handover (largest worker)",
            reverse("followups:handover") + f"?worker={largest.pk}",
        ),
        ("worker_30", "home", reverse("home")),
        ("worker_30", "caseload", reverse("followups:caseload")),
        (
            "worker_30",
            "participant file",
            reverse("referrals:participant_detail", args=[own.public_id]),
        ),
        ("worker_30", "weekly note form", reverse("followups:note_edit", args=[own.public_id])),
        ("worker_30", "timeline", reverse("followups:timeline", args=[own.public_id])),
        ("worker_largest", "caseload", reverse("followups:caseload")),
        ("clinical_member", "participant list", reverse("referrals:participant_list")),
        ("police", "participant list", reverse("referrals:participant_list")),
        ("steering", "home", reverse("home")),
    ]
    # Pages of features that may not exist in this checkout yet.
    for persona, label, name in [
        ("steering", "dashboard", "research:dashboard"),
        ("steering", "dashboard" + UNCACHED, "research:dashboard"),
        ("coordinator", "dashboard", "research:dashboard"),
        ("coordinator", "dashboard" + UNCACHED, "research:dashboard"),
        ("steering", CHARTS + UNCACHED, "research:dashboard"),
        ("coordinator", "next Clinical agenda", "committees:next_agenda"),
    ]:
        with contextlib.suppress(NoReverseMatch):
            found.append((persona, label, reverse(name)))
    return found


def measure(requests: int, only: str = "") -> list[dict]:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from research.dashboards import charts

    def clear():
        cache.clear()  # the benchmark's own cache (bench.env); sessions live in the database
        charts.forget_drawn()  # the charts drawn in this process

    people = personas()
    clients = {}
    rows = []
    for persona, label, url in pages(people):
        if only not in label:
            continue
        if persona not in clients:
            clients[persona] = Client()
            clients[persona].force_login(
                people[persona], backend="allauth.account.auth_backends.AuthenticationBackend"
            )
        client = clients[persona]
        bust = clear if label.endswith(UNCACHED) else lambda: None

        def get(client=client, url=url, label=label):
            """The response timed, and its time in ms."""
            if label.startswith(CHARTS):
                images = CHART.findall(client.get(url).content.decode())
                started = time.perf_counter()
                responses = [client.get(image) for image in images]
                elapsed = time.perf_counter() - started
                response = responses[-1]
                response.content = b"".join(r.content for r in responses)
                return response, elapsed * 1000
            started = time.perf_counter()
            response = client.get(url)
            return response, (time.perf_counter() - started) * 1000

        for _ in range(3):  # warm caches, first-request work, the session row
            bust()
            get()
        bust()
        if label.startswith(CHARTS):
            images = CHART.findall(client.get(url).content.decode())
            with CaptureQueriesContext(connection) as queries:
                response = client.get(images[0])
            count = len(queries)  # of one chart (the row times them all)
            bust()
            response, _ms = get()
        else:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            count = len(queries)  # now: the next request clears the connection's query log
        times = []
        for _ in range(requests):
            bust()
            times.append(get()[1])
        rows.append(
            {
                "persona": persona,
                "page": label,
                "status": response.status_code,
                "queries": count,
                "bytes": len(response.content),
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(percentile(times, 95), 1),
            }
        )
    return rows


if __name__ == "__main__":
    database, requests = sys.argv[1], int(sys.argv[2])
    django_setup(database)
    print(json.dumps(measure(requests, *sys.argv[3:4])))
