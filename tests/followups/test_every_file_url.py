"""Every URL that names a participant or a referral, GET and POST: to anyone who may not see
the file (or, for a change, may not change it) it answers 404, changes nothing and is logged."""

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone

from followups import services as followup_services
from referrals.models import ConsentKind
from spheres.models import ReadLogEntry

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def participant_urls(participant, coordinator):
    pid = participant.public_id
    attempt = followup_services.missed_meeting_record(participant=participant, actor=coordinator)
    goal = followup_services.life_plan_goal_add(
        participant=participant, actor=coordinator, goal="But", set_on=TODAY()
    )
    program = participant.consents.get(kind=ConsentKind.PROGRAM)
    research_use = participant.consents.get(kind=ConsentKind.RESEARCH_USE)
    read = {
        "referrals:participant_detail": [pid],
        "followups:timeline": [pid],
        "followups:plans": [pid],
    }
    write = {
        "referrals:participant_assign": [pid],
        "referrals:consent_sharing": [pid],
        "referrals:consent_add": [pid, "research"],
        "referrals:consent_withdraw": [pid, research_use.pk],
        "referrals:consent_scan": [pid, program.pk],
        "referrals:youth_protection": [pid],
        "referrals:imported_consent_confirm": [pid],
        "referrals:group_activities": [pid],
        "referrals:participant_identity": [pid],
        "followups:note_edit": [pid],
        "followups:attempt_add": [pid],
        "followups:missed_meeting": [pid],
        "followups:no_show_strategy": [pid, attempt.pk],
        "followups:status_change": [pid],
        "followups:risk_add": [pid],
        "followups:participation_end": [pid, program.pk],
        "followups:participation_resume": [pid],
        "followups:needs_evaluate": [pid],
        "followups:safety_plan_edit": [pid],
        "followups:goal_add": [pid],
        "followups:goal_update": [pid, goal.pk],
    }
    return read, write


def referral_urls(referral):
    rid = referral.public_id
    names = ["detail", "edit", "screening", "risk", "meeting", "status", "admit", "assign"]
    return {f"referrals:referral_{n}": [rid] for n in names}


def test_the_lists_above_name_every_file_url():
    """A new URL with a public id must be added here (or it escapes the sweep below)."""
    named = set()
    for app in ("referrals", "followups"):
        for pattern in get_resolver().namespace_dict[app][1].url_patterns:
            if "public_id" in str(pattern.pattern):
                named.add(f"{app}:{pattern.name}")
    covered = {
        "referrals:participant_detail",
        "followups:timeline",
        "followups:plans",
        "referrals:participant_assign",
        "referrals:consent_sharing",
        "referrals:consent_add",
        "referrals:consent_withdraw",
        "referrals:consent_scan",
        "referrals:youth_protection",
        "referrals:imported_consent_confirm",
        "referrals:group_activities",
        "referrals:participant_identity",
        "followups:note_edit",
        "followups:attempt_add",
        "followups:missed_meeting",
        "followups:no_show_strategy",
        "followups:status_change",
        "followups:risk_add",
        "followups:participation_end",
        "followups:participation_resume",
        "followups:needs_evaluate",
        "followups:safety_plan_edit",
        "followups:goal_add",
        "followups:goal_update",
    } | set(referral_urls(type("R", (), {"public_id": None})))
    assert named == covered


def denied(user):
    return ReadLogEntry.objects.filter(user=user, action=ReadLogEntry.Action.DENIED).count()


# POST only: a GET answers 405 (or 404) whatever the id, before any file is looked up.
POST_ONLY = {
    "followups:missed_meeting",
    "referrals:imported_consent_confirm",
    "referrals:group_activities",
}


def assert_refused(client, user, name, args, *, logged=True):
    url = reverse(name, args=args)
    for method in ("get", "post"):
        before = denied(user)
        response = getattr(client, method)(url, {})
        if method == "get" and name in POST_ONLY:
            assert response.status_code in (404, 405), (name, method, response.status_code)
            continue
        assert response.status_code == 404, (name, method, response.status_code)
        if logged:
            assert denied(user) == before + 1, (name, method)


@pytest.mark.parametrize(
    "persona", ["worker_enmarge", "police", "steering", "researcher", "administrator"]
)
def test_every_participant_url_is_404_to_those_who_may_not_see_the_file(
    make_participant, personas, login, persona
):
    participant = make_participant(share_with=("ccsmtl", "codim"), second=None)
    read, write = participant_urls(participant, personas["coordinator"])
    user = personas[persona]
    client = login(user)
    for name, args in {**read, **write}.items():
        # A page its role never opens (for_roles) answers 404 before any file is looked up.
        logged = not (
            name in {"referrals:imported_consent_confirm", "referrals:group_activities"}
            and persona != "police"
        )
        assert_refused(client, user, name, args, logged=logged)


def test_every_change_url_is_404_to_a_reader_of_a_shared_file(make_participant, personas, login):
    participant = make_participant(share_with=("ccsmtl", "codim"), second=None)
    read, write = participant_urls(participant, personas["coordinator"])
    user = personas["worker_codim"]
    client = login(user)
    for name, args in read.items():
        assert client.get(reverse(name, args=args)).status_code == 200, name
    for name, args in write.items():
        assert_refused(client, user, name, args)


@pytest.mark.parametrize("persona", ["worker_ccsmtl", "police", "steering", "administrator"])
def test_every_referral_url_is_404_to_those_who_may_not_see_it(
    make_referral, personas, login, persona
):
    referral = make_referral()
    user = personas[persona]
    client = login(user)
    for name, args in referral_urls(referral).items():
        assert_refused(client, user, name, args)
