"""Searches and list pages are in the read log: which files they showed (ids), never the text."""

import pytest
from django.urls import reverse

from spheres.models import ReadLogEntry

pytestmark = pytest.mark.django_db


def logged(user):
    return list(
        ReadLogEntry.objects.filter(user=user)
        .order_by("pk")
        .values_list("action", "object_type", "object_id", "view_name")
    )


def test_a_name_search_is_logged_with_the_files_it_found_never_the_text(
    make_participant, personas, login
):
    found, _other = make_participant(), make_participant()
    coordinator = personas["coordinator"]
    term = found.referral.last_name
    response = login(coordinator).post(reverse("referrals:participant_list"), {"q": term})
    assert response.status_code == 200
    assert logged(coordinator) == [
        ("view", "participant_search", None, "participant_list"),
        ("view", "participant", found.pk, "participant_list"),
    ]
    for row in ReadLogEntry.objects.filter(user=coordinator).values():
        assert term not in str(row)


def test_a_search_that_finds_nothing_is_still_logged(personas, login):
    coordinator = personas["coordinator"]
    login(coordinator).post(reverse("referrals:participant_list"), {"q": "Personne-Inconnue"})
    assert logged(coordinator) == [("view", "participant_search", None, "participant_list")]


def test_the_participant_list_logs_the_files_it_showed(make_participant, personas, login):
    participants = [make_participant(), make_participant()]
    worker = personas["worker_codim"]  # sees both through the sharing consent
    assert login(worker).get(reverse("referrals:participant_list")).status_code == 200
    assert sorted(logged(worker)) == sorted(
        ("view", "participant", p.pk, "participant_list") for p in participants
    )


def test_the_caseload_logs_the_files_it_showed(make_participant, personas, login):
    participant = make_participant()
    worker = personas["worker_ccsmtl"]
    assert login(worker).get(reverse("followups:caseload")).status_code == 200
    assert logged(worker) == [("view", "participant", participant.pk, "caseload")]


def test_the_referral_queue_logs_the_referrals_it_showed(make_referral, personas, login):
    referral = make_referral()
    coordinator = personas["coordinator"]
    assert login(coordinator).get(reverse("referrals:referral_queue")).status_code == 200
    assert logged(coordinator) == [("view", "referral", referral.pk, "referral_queue")]


def test_the_notifications_log_the_files_they_named(make_participant, personas, login):
    from spheres import services

    shown = make_participant()
    worker = personas["worker_ccsmtl"]
    services.notifications_send(kind="inactive", items=[(worker.pk, shown.pk, 0)])
    assert login(worker).get(reverse("followups:notifications")).status_code == 200
    assert ("view", "participant", shown.pk, "notifications") in logged(worker)


def test_the_handover_page_logs_the_files_and_candidates_it_listed(
    make_participant, make_referral, screen, personas, login
):
    from referrals import services

    departing, coordinator = personas["worker_enmarge"], personas["coordinator"]
    participant = make_participant(primary="worker_enmarge", second=None)
    candidate = make_referral()
    screen(candidate)
    services.assignment_set(
        referral=candidate, actor=coordinator, primary=departing, notify_referrer=False
    )
    response = login(coordinator).get(reverse("followups:handover"), {"worker": departing.pk})
    assert response.status_code == 200
    assert sorted(logged(coordinator)) == [
        ("view", "participant", participant.pk, "handover"),
        ("view", "referral", candidate.pk, "handover"),
    ]


def test_a_long_list_is_logged_whole_with_its_time(personas):
    """Written by 1,000 rows (the databases' parameter limits): all 2,501 rows, with the time."""
    from django.utils import timezone

    from spheres.services import read_log_record_listed

    worker = personas["worker_codim"]
    before = timezone.now()
    read_log_record_listed(
        user=worker,
        object_type="participant",
        object_ids=range(1, 2501),
        view_name="notes_export",
        others=[("referral", 7)],
    )
    rows = ReadLogEntry.objects.filter(user=worker)
    assert rows.count() == 2501
    assert set(rows.values_list("object_id", flat=True)) == {*range(1, 2501), 7}
    assert rows.filter(object_type="referral").count() == 1
    assert all(before <= at <= timezone.now() for at in rows.values_list("at", flat=True))
