"""Every committee URL that names a meeting, an item or an action, GET and POST: a non-member,
and a member who may not see the person an item is about, get 404 and change nothing."""

import pytest
from django.urls import get_resolver, reverse

from committees import services
from committees.models import AgendaItem, ItemKind
from followups import services as followup_services
from followups.models import FollowUpStatus, InactiveReason
from referrals import services as referral_services
from referrals.models import ReferralStatus
from spheres.models import ReadLogEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def agenda(personas, make_participant, make_referral, screen, clinical, schedule):
    """A Clinical meeting with a follow-up made inactive, a candidate awaiting the committee and
    a case presentation; the participants are followed by CCSMTL and shared with CCSMTL only."""
    coordinator = personas["coordinator"]
    inactive = make_participant(share_with=("ccsmtl",), second=None)
    followup_services.followup_set_status(
        participant=inactive,
        actor=coordinator,
        to_status=FollowUpStatus.INACTIVE,
        reason=InactiveReason.WITHDRAWAL,
    )
    candidate = make_referral()
    screen(candidate)
    referral_services.referral_set_status(
        referral=candidate, to_status=ReferralStatus.AWAITING_COMMITTEE, actor=coordinator
    )
    presented = make_participant(share_with=("ccsmtl",), second=None)
    meeting = schedule(clinical)[0]  # the rotation puts the cases on the agenda to present
    presentation = AgendaItem.objects.get(
        meeting=meeting, kind=ItemKind.PRESENTATION, participant=presented
    )
    action = services.action_create(
        meeting=meeting, actor=coordinator, title="Relancer", owner=personas["worker_ccsmtl"]
    )
    items = {
        "inactive": AgendaItem.objects.get(meeting=meeting, kind=ItemKind.FOLLOWUP_INACTIVE),
        "candidate": AgendaItem.objects.get(meeting=meeting, kind=ItemKind.REFERRAL_AWAITING),
        "presentation": presentation,
    }
    return meeting, items, action


def item_urls(meeting, item):
    mid = meeting.public_id
    urls = {
        "item_minutes": [mid, item.pk],
        "item_note": [mid, item.pk],
        "item_action": [mid, item.pk, "handled"],
        "presentation": [mid, item.pk],
    }
    for kind in ("assign_workers", "assign_candidate", "admit", "referral_status", "reactivate"):
        urls[f"decide:{kind}"] = [mid, item.pk, kind]
    return urls


def meeting_urls(meeting):
    mid = meeting.public_id
    return {
        name: [mid]
        for name in (
            "attendance",
            "refresh",
            "invite",
            "close",
            "reopen",
            "item_add",
            "action_add",
        )
    }


def test_the_sweep_names_every_committee_url():
    names = {p.name for p in get_resolver().namespace_dict["committees"][1].url_patterns}
    swept = {"item_minutes", "item_note", "item_action", "presentation", "decide"}
    swept |= set(meeting_urls(type("M", (), {"public_id": None})))
    swept |= {"meeting_detail", "print", "pdf", "calendar", "item_news", "action_status"}
    swept |= {"committee_list", "committee_create", "committee_detail", "member_add"}
    swept |= {"member_end", "meeting_create"}
    assert names == swept


def status_of(client, name, args, method):
    url = reverse(f"committees:{name.split(':')[0]}", args=args)
    return getattr(client, method)(url, {}).status_code


@pytest.mark.parametrize("persona", ["steering", "police", "worker_enmarge", "worker_codim"])
def test_items_a_member_may_not_see_answer_404_get_and_post(agenda, personas, login, persona):
    meeting, items, action = agenda
    user = personas[persona]
    client = login(user)
    versions = {k: (i.version, i.minutes, i.note) for k, i in items.items()}
    for key, item in items.items():
        for name, args in item_urls(meeting, item).items():
            if key != "presentation" and name == "presentation":
                continue
            for method in ("get", "post"):
                status = status_of(client, name, args, method)
                if method == "get" and name.split(":")[0] in {
                    "item_minutes",
                    "item_note",
                    "item_action",
                }:
                    assert status in (404, 405), (key, name, method, status)
                    continue
                assert status == 404, (persona, key, name, method, status)
    for name, args in meeting_urls(meeting).items():
        for method in ("get", "post"):
            status = status_of(client, name, args, method)
            assert status in ((404, 405) if method == "get" else (404,)), (name, method, status)
    assert status_of(client, "action_status", [action.pk], "post") == 404
    for key, item in items.items():
        item.refresh_from_db()
        assert (item.version, item.minutes, item.note) == versions[key]
        assert item.handled_at is None
    assert (
        not ReadLogEntry.objects.filter(user=user, action="view", object_type="participant")
        .exclude(view_name="meeting_detail")
        .exists()
    )


def test_the_meeting_screen_read_logs_the_candidates_whose_names_it_shows(agenda, personas, login):
    """The coordinator's agenda shows each candidate's name (a referral file's content): the
    page writes those referrals to the read log, as the caseload does for its candidates."""
    meeting, items, _action = agenda
    candidate = items["candidate"].referral
    coordinator = personas["coordinator"]
    response = login(coordinator).get(
        reverse("committees:meeting_detail", args=[meeting.public_id])
    )
    assert candidate.last_name in response.content.decode()
    assert ReadLogEntry.objects.filter(
        user=coordinator,
        object_type="referral",
        object_id=candidate.pk,
        view_name="meeting_detail",
    ).exists()


@pytest.mark.parametrize("persona", ["police", "worker_codim"])
def test_a_presentation_a_member_may_not_see_is_refused_in_the_read_log(
    agenda, personas, login, persona
):
    """A refused file answers 404 and is written to the read log, as everywhere else."""
    meeting, items, _action = agenda
    item = items["presentation"]
    user = personas[persona]
    url = reverse("committees:presentation", args=[meeting.public_id, item.pk])
    assert login(user).get(url).status_code == 404
    assert ReadLogEntry.objects.filter(
        user=user, action="denied", object_type="participant", object_id=item.participant_id
    ).exists()
