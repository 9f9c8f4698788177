"""No one grants themselves case access: roles that open participant files need a second person."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse

from referrals.models import Participant
from spheres import selectors
from spheres import services as core_services
from spheres.models import Role, RoleGrant, User
from tests.conftest import make_person
from tests.referrals.conftest import *  # noqa: F403 - the participant fixtures

pytestmark = pytest.mark.django_db

INVITED = "complice@example.org"


def invite_page(client, organisation, roles, email=INVITED):
    return client.post(
        reverse("invite"),
        {
            "first_name": "Alex",
            "last_name": "Complice",
            "email": email,
            "organisation": organisation.pk,
            "roles": roles,
        },
    )


def roles_of(user):
    return selectors.roles_of(User.objects.get(pk=user.pk), fresh=True)


@pytest.fixture
def eager(settings, django_capture_on_commit_callbacks):
    from spheres.celery import app

    app.conf.task_always_eager = True
    try:
        yield lambda: django_capture_on_commit_callbacks(execute=True)
    finally:
        app.conf.task_always_eager = False


def test_an_administrator_cannot_open_the_files_by_inviting_an_address_they_control(
    login, personas, organisations, make_participant
):
    participant = make_participant()
    response = invite_page(
        login(personas["administrator"]), organisations["ccsmtl"], ["coordinator"]
    )
    assert response.status_code == 302
    invited = User.objects.get(email=INVITED)
    assert roles_of(invited) == frozenset()
    [grant] = RoleGrant.objects.filter(user=invited)
    assert (grant.role, grant.status) == (Role.COORDINATOR, RoleGrant.Status.PENDING)
    client = login(invited)
    assert client.get(reverse("referrals:participant_list")).status_code == 404
    detail = reverse("referrals:participant_detail", args=[participant.public_id])
    assert client.get(detail).status_code == 404


@pytest.mark.parametrize("role", [Role.YOUTH_WORKER, Role.CLINICAL_COMMITTEE])
def test_a_case_role_asked_for_by_an_administrator_waits_for_the_coordinator(
    login, personas, organisations, role
):
    invite_page(login(personas["administrator"]), organisations["codim"], [role])
    invited = User.objects.get(email=INVITED)
    assert roles_of(invited) == frozenset()
    assert organisations["codim"].group not in invited.groups.all()
    grant = RoleGrant.objects.get(user=invited)
    client = login(personas["coordinator"])
    page = client.get(reverse("role_grants"))
    assert INVITED in page.content.decode()
    response = client.post(reverse("role_grant_decide", args=[grant.pk, "confirm"]))
    assert response.status_code == 302
    assert roles_of(invited) == {role}
    assert organisations["codim"].group in invited.groups.all()  # shared files now reach them
    grant.refresh_from_db()
    assert grant.status == RoleGrant.Status.CONFIRMED
    assert grant.decided_by == personas["coordinator"]
    assert grant.requested_by == personas["administrator"]


def test_other_roles_from_an_administrator_are_granted_at_once(login, personas, organisations):
    invite_page(
        login(personas["administrator"]),
        organisations["codim"],
        ["steering_committee", "youth_worker"],
    )
    invited = User.objects.get(email=INVITED)
    assert roles_of(invited) == {Role.STEERING_COMMITTEE}
    assert RoleGrant.objects.get(user=invited).role == Role.YOUTH_WORKER


def test_the_coordinator_role_always_needs_a_second_person(personas, organisations, faker):
    coordinator, steering = personas["coordinator"], personas["steering"]
    successor = make_person(faker, organisations["ccsmtl"], [Role.YOUTH_WORKER])
    grant = core_services.role_grant_request(
        user=successor,
        organisation=organisations["ccsmtl"],
        role=Role.COORDINATOR,
        actor=coordinator,
    )
    assert Role.COORDINATOR not in roles_of(successor)
    with pytest.raises(PermissionDenied):
        core_services.role_grant_confirm(grant=grant, actor=coordinator)  # the requester
    with pytest.raises(PermissionDenied):
        core_services.role_grant_confirm(grant=grant, actor=successor)  # the person concerned
    with pytest.raises(PermissionDenied):
        core_services.role_grant_confirm(grant=grant, actor=personas["administrator"])
    core_services.role_grant_confirm(grant=grant, actor=steering)
    assert Role.COORDINATOR in roles_of(successor)


def test_a_steering_member_decides_only_on_the_coordinator_role(personas, organisations):
    grant = core_services.role_grant_request(
        user=personas["researcher"],
        organisation=organisations["research"],
        role=Role.CLINICAL_COMMITTEE,
        actor=personas["administrator"],
    )
    with pytest.raises(PermissionDenied):
        core_services.role_grant_confirm(grant=grant, actor=personas["steering"])
    assert list(selectors.role_grants_to_decide(personas["steering"])) == []


def test_the_coordinator_cannot_confirm_a_grant_for_themselves(personas, organisations):
    grant = core_services.role_grant_request(
        user=personas["coordinator"],
        organisation=organisations["codim"],
        role=Role.YOUTH_WORKER,
        actor=personas["administrator"],
    )
    with pytest.raises(PermissionDenied):
        core_services.role_grant_confirm(grant=grant, actor=personas["coordinator"])


def test_an_administrator_cannot_grant_a_case_role_directly(personas, organisations):
    with pytest.raises(PermissionDenied):
        core_services.membership_grant(
            user=personas["researcher"],
            organisation=organisations["codim"],
            roles=[Role.YOUTH_WORKER],
            actor=personas["administrator"],
        )
    assert Role.YOUTH_WORKER not in roles_of(personas["researcher"])


def test_a_refused_request_grants_nothing_and_cannot_be_decided_again(personas, organisations):
    grant = core_services.role_grant_request(
        user=personas["researcher"],
        organisation=organisations["codim"],
        role=Role.YOUTH_WORKER,
        actor=personas["administrator"],
    )
    core_services.role_grant_refuse(grant=grant, actor=personas["coordinator"])
    assert roles_of(personas["researcher"]) == {Role.RESEARCHER}
    with pytest.raises(ValidationError):
        core_services.role_grant_confirm(grant=grant, actor=personas["coordinator"])
    assert roles_of(personas["researcher"]) == {Role.RESEARCHER}


@pytest.mark.parametrize("persona", ["administrator", "worker_codim", "researcher", "police"])
def test_only_coordinators_and_steering_members_reach_the_confirmation_page(
    login, personas, organisations, persona
):
    grant = core_services.role_grant_request(
        user=personas["researcher"],
        organisation=organisations["codim"],
        role=Role.YOUTH_WORKER,
        actor=personas["administrator"],
    )
    client = login(personas[persona])
    assert client.get(reverse("role_grants")).status_code == 404
    assert client.post(reverse("role_grant_decide", args=[grant.pk, "confirm"])).status_code == 404
    grant.refresh_from_db()
    assert grant.status == RoleGrant.Status.PENDING


def test_a_pending_grant_is_announced_on_the_coordinators_home(login, personas, organisations):
    core_services.role_grant_request(
        user=personas["researcher"],
        organisation=organisations["codim"],
        role=Role.YOUTH_WORKER,
        actor=personas["administrator"],
    )
    response = login(personas["coordinator"]).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["to_decide"] == 1
    assert reverse("role_grants") in response.content.decode()


def test_every_grant_is_e_mailed_to_the_coordinators_without_the_persons_name(
    personas, organisations, faker, eager
):
    second = make_person(faker, organisations["codim"], [Role.COORDINATOR])
    with eager():
        grant = core_services.role_grant_request(
            user=personas["researcher"],
            organisation=organisations["codim"],
            role=Role.YOUTH_WORKER,
            actor=personas["administrator"],
        )
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [personas["coordinator"].email, second.email]
    )
    mail.outbox.clear()
    with eager():
        core_services.role_grant_confirm(grant=grant, actor=second)
    assert [m.to for m in mail.outbox] == [[personas["coordinator"].email]]
    researcher = personas["researcher"]
    for message in mail.outbox:
        text = message.subject + message.body
        for secret in (researcher.first_name, researcher.last_name, researcher.email):
            assert secret not in text
        assert "/people/role-grants/" in message.body


def test_a_request_decided_before_its_notice_went_out_is_still_told_as_a_request(
    personas, organisations, faker, django_capture_on_commit_callbacks
):
    """A slow queue: the request's notice runs after the confirmation. It still announces a
    request (it said "granted", a second time beside the confirmation's own notice)."""
    from spheres.celery import app

    second = make_person(faker, organisations["codim"], [Role.COORDINATOR])
    with django_capture_on_commit_callbacks() as request_queued:  # queued, not run yet
        grant = core_services.role_grant_request(
            user=personas["researcher"],
            organisation=organisations["codim"],
            role=Role.YOUTH_WORKER,
            actor=personas["administrator"],
        )
    with django_capture_on_commit_callbacks():  # its notice is not the one under test
        core_services.role_grant_confirm(grant=grant, actor=second)
    app.conf.task_always_eager = True
    try:
        for callback in request_queued:
            callback()
    finally:
        app.conf.task_always_eager = False
    assert mail.outbox
    for message in mail.outbox:
        assert "awaits confirmation" in message.body  # the English part
        assert "was given the role" not in message.body


def test_a_coordinators_direct_grant_is_logged_and_notified_to_the_other_coordinators(
    login, personas, organisations, faker, eager
):
    second = make_person(faker, organisations["codim"], [Role.COORDINATOR])
    with eager():
        invite_page(login(personas["coordinator"]), organisations["codim"], ["youth_worker"])
    invited = User.objects.get(email=INVITED)
    assert roles_of(invited) == {Role.YOUTH_WORKER}
    [grant] = RoleGrant.objects.filter(user=invited)
    assert grant.status == RoleGrant.Status.CONFIRMED
    assert grant.requested_by == grant.decided_by == personas["coordinator"]
    notices = [m for m in mail.outbox if "role" in m.subject.lower() or "rôle" in m.subject]
    assert [m.to for m in notices] == [[second.email]]


def test_the_first_coordinator_is_confirmed_from_the_servers_shell(organisations):
    admin = core_services.user_create(email="root@example.org", first_name="R", last_name="O")
    core_services.membership_grant(
        user=admin, organisation=organisations["ccsmtl"], roles=["administrator"]
    )
    first = core_services.user_create(email="coord@example.org", first_name="C", last_name="O")
    grant = core_services.role_grant_request(
        user=first, organisation=organisations["ccsmtl"], role=Role.COORDINATOR, actor=admin
    )
    call_command("role_grants", confirm=grant.pk)
    assert Role.COORDINATOR in roles_of(first)
    grant.refresh_from_db()
    assert grant.decided_by is None and grant.decided_at is not None


def test_participants_stay_hidden_until_the_confirmation(
    login, personas, organisations, make_participant
):
    participant = make_participant(share_with=("codim",))
    grant = core_services.role_grant_request(
        user=personas["steering"],
        organisation=organisations["codim"],
        role=Role.CLINICAL_COMMITTEE,
        actor=personas["administrator"],
    )
    detail = reverse("referrals:participant_detail", args=[participant.public_id])
    assert login(personas["steering"]).get(detail).status_code == 404
    core_services.role_grant_confirm(grant=grant, actor=personas["coordinator"])
    assert login(personas["steering"]).get(detail).status_code == 200
    assert Participant.objects.filter(pk=participant.pk).exists()
