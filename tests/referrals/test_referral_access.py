"""Referral pages once workers are assigned to the candidate: the assigned workers see what the
initial meeting needs and record it; the coordinator keeps the decisions; nobody else gets
anything but 404 (logged)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import InitialMeeting, ReferralStatus
from spheres.models import ReadLogEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def candidate(make_referral, screen, personas):
    """Screened, then assigned to worker_ccsmtl (primary) and worker_codim (second)."""
    referral = make_referral()
    screen(referral, notes="Note de tri confidentielle")
    services.assignment_set(
        referral=referral,
        actor=personas["coordinator"],
        primary=personas["worker_ccsmtl"],
        second=personas["worker_codim"],
    )
    return referral


def pages(referral):
    pid = referral.public_id
    return {
        "read": [reverse("referrals:referral_detail", args=[pid])],
        "meeting": [reverse("referrals:referral_meeting", args=[pid])],
        "coordinator": [
            reverse(f"referrals:{name}", args=[pid])
            for name in (
                "referral_screening",
                "referral_risk",
                "referral_status",
                "referral_admit",
                "referral_assign",
            )
        ],
    }


# persona -> (referral page, initial meeting, coordinator's steps)
MATRIX = {
    "coordinator": (True, True, True),
    "worker_ccsmtl": (True, True, False),  # assigned (primary)
    "worker_codim": (True, True, False),  # assigned (second)
    "worker_enmarge": (False, False, False),  # a youth worker not assigned
    "police": (False, False, False),
    "steering": (False, False, False),
    "researcher": (False, False, False),
    "administrator": (False, False, False),
}


@pytest.mark.parametrize("persona", list(MATRIX))
def test_access_matrix_for_a_referral_with_assigned_workers(candidate, personas, login, persona):
    client = login(personas[persona])
    user = personas[persona]
    for kind, allowed in zip(("read", "meeting", "coordinator"), MATRIX[persona], strict=True):
        for url in pages(candidate)[kind]:
            denied_before = ReadLogEntry.objects.filter(user=user, action="denied").count()
            response = client.get(url)
            if allowed:
                assert response.status_code == 200, (persona, url)
            else:
                assert response.status_code == 404, (persona, url)
                assert candidate.last_name.encode() not in response.content
                denied = ReadLogEntry.objects.filter(user=user, action="denied").count()
                assert denied == denied_before + 1, (persona, url)


def test_the_assigned_worker_sees_what_the_meeting_needs_not_the_screening(
    candidate, make_referral, personas, login
):
    # A possible duplicate exists: the coordinator sees it, the worker must not.
    duplicate = make_referral(
        first_name=candidate.first_name,
        last_name=candidate.last_name,
        date_of_birth=candidate.date_of_birth,
    )
    url = reverse("referrals:referral_detail", args=[candidate.public_id])
    html = login(personas["worker_ccsmtl"]).get(url).content.decode()
    assert candidate.reasons in html and candidate.phone in html
    assert personas["worker_codim"].get_full_name() in html
    assert "Note de tri confidentielle" not in html
    assert str(duplicate.public_id) not in html
    assert reverse("referrals:referral_meeting", args=[candidate.public_id]) in html
    assert reverse("referrals:referral_admit", args=[candidate.public_id]) not in html
    coordinator_html = login(personas["coordinator"]).get(url).content.decode()
    assert str(duplicate.public_id) in coordinator_html


def test_the_assigned_worker_records_the_initial_meeting_from_the_page(candidate, personas, login):
    worker = personas["worker_codim"]
    response = login(worker).post(
        reverse("referrals:referral_meeting", args=[candidate.public_id]),
        {
            "met_on": timezone.localdate().isoformat(),
            "mode": "in_person",
            "attendees": [personas["worker_ccsmtl"].pk, worker.pk],
            "outcome": "reflecting",
        },
    )
    assert response.status_code == 302
    meeting = InitialMeeting.objects.get(referral=candidate)
    assert meeting.recorded_by == worker
    candidate.refresh_from_db()
    assert candidate.status == ReferralStatus.REFLECTING


def test_a_meeting_in_the_future_is_refused_beside_the_date(candidate, personas, login):
    response = login(personas["worker_ccsmtl"]).post(
        reverse("referrals:referral_meeting", args=[candidate.public_id]),
        {
            "met_on": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
            "mode": "in_person",
            "outcome": "reflecting",
        },
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 200
    assert response.context["form"].errors["met_on"]
    assert not InitialMeeting.objects.exists()


def test_the_initial_meeting_offers_only_youth_workers_as_workers_present(
    candidate, personas, login
):
    # "Workers present" lists the active youth workers, not every account (police, research,
    # steering, administrators), whom the form would then refuse with an id in the message.
    form = (
        login(personas["worker_ccsmtl"])
        .get(reverse("referrals:referral_meeting", args=[candidate.public_id]))
        .context["form"]
    )
    offered = {int(value.value) for value, _label in form.fields["attendees"].choices}
    youth_workers = {personas[k].pk for k in ("worker_ccsmtl", "worker_codim", "worker_enmarge")}
    assert offered == youth_workers


def test_the_worker_finds_the_candidate_in_the_caseload(candidate, personas, login):
    html = login(personas["worker_codim"]).get(reverse("followups:caseload")).content.decode()
    assert reverse("referrals:referral_detail", args=[candidate.public_id]) in html
    assert candidate.last_name in html
    # The caseload shows the candidate's name: it is read-logged like the files it lists.
    assert ReadLogEntry.objects.filter(
        user=personas["worker_codim"],
        object_type="referral",
        object_id=candidate.pk,
        view_name="caseload",
    ).exists()
    html = login(personas["worker_enmarge"]).get(reverse("followups:caseload")).content.decode()
    assert reverse("referrals:referral_detail", args=[candidate.public_id]) not in html


def test_a_closed_referral_is_no_longer_open_to_its_workers(candidate, personas, login):
    services.referral_set_status(
        referral=candidate,
        to_status=ReferralStatus.REFERRED_ELSEWHERE,
        actor=personas["coordinator"],
        reason="Mieux servie ailleurs.",
    )
    url = reverse("referrals:referral_detail", args=[candidate.public_id])
    assert login(personas["worker_ccsmtl"]).get(url).status_code == 404
    assert login(personas["coordinator"]).get(url).status_code == 200


def test_the_coordinator_assigns_from_the_referral_page_with_the_pair_suggested(
    make_referral, screen, personas, login
):
    referral = make_referral()
    screen(referral)
    client = login(personas["coordinator"])
    url = reverse("referrals:referral_assign", args=[referral.public_id])
    response = client.get(url)
    first, second = response.context["suggested"]
    assert first and second
    assert response.context["form"].initial == {"primary": first.pk, "second": second.pk}
    # A non-worker is refused beside the field; nothing is saved.
    response = client.post(url, {"primary": personas["police"].pk})
    assert response.status_code == 200 and response.context["form"].errors["primary"]
    assert not referral.assignments.exists()
    response = client.post(
        url, {"primary": personas["worker_enmarge"].pk, "second": personas["worker_codim"].pk}
    )
    assert response.status_code == 302
    assert set(referral.assignments.values_list("worker", flat=True)) == {
        personas["worker_enmarge"].pk,
        personas["worker_codim"].pk,
    }


def test_assigning_a_new_referral_is_refused_with_the_reason(make_referral, personas, login):
    referral = make_referral()
    response = login(personas["coordinator"]).post(
        reverse("referrals:referral_assign", args=[referral.public_id]),
        {"primary": personas["worker_enmarge"].pk},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "Record the screening before assigning a worker." in response.content.decode()
    assert not referral.assignments.exists()


def test_the_referrer_sees_who_follows_the_person_and_nothing_more(
    make_referral, screen, personas, login
):
    referrer = personas["worker_enmarge"]
    referral = make_referral(submitted_by=referrer)
    screen(referral)
    client = login(referrer)
    html = client.get(reverse("referrals:my_referrals")).content.decode()
    assert personas["worker_codim"].get_full_name() not in html
    services.assignment_set(
        referral=referral, actor=personas["coordinator"], primary=personas["worker_codim"]
    )
    html = client.get(reverse("referrals:my_referrals")).content.decode()
    assert personas["worker_codim"].get_full_name() in html
    assert personas["worker_codim"].email in html
    assert referral.last_name not in html and referral.reasons not in html
    # The referral itself stays closed to the referrer.
    detail = client.get(reverse("referrals:referral_detail", args=[referral.public_id]))
    assert detail.status_code == 404
