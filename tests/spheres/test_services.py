"""Organisations, memberships, roles and invitations, through the services."""

import re

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from spheres import selectors, services
from spheres.models import Membership, Organisation, Role, Sector, User

pytestmark = pytest.mark.django_db


def invite(actor, organisation, roles, email="nouvelle.personne@example.org"):
    return services.user_invite(
        actor=actor,
        email=email,
        first_name="Camille",
        last_name="Tremblay",
        organisation=organisation,
        roles=roles,
    )


def test_an_organisation_gets_its_own_permission_group():
    org = services.organisation_create(name="Maison Test", short_name="MT", sector=Sector.COMMUNITY)
    assert org.group.name == "spheres:organisation:MT"
    assert org.group.organisation == org


def test_renaming_an_organisation_keeps_its_group():
    org = services.organisation_create(name="Maison Test", short_name="MT", sector=Sector.COMMUNITY)
    group_id = org.group_id
    services.organisation_update(
        organisation=org,
        name="Maison Test 2",
        short_name="MT2",
        sector=Sector.COMMUNITY,
        is_active=True,
    )
    org.refresh_from_db()
    assert org.group_id == group_id and org.group.name == "spheres:organisation:MT2"


def test_an_organisation_needs_a_known_sector():
    with pytest.raises(ValidationError):
        services.organisation_create(name="X", short_name="X", sector="church")
    assert not Organisation.objects.filter(short_name="X").exists()


def test_a_member_joins_the_organisation_group_and_holds_several_roles(personas, organisations):
    worker = personas["worker_codim"]
    assert organisations["codim"].group in worker.groups.all()
    assert selectors.roles_of(User.objects.get(pk=worker.pk)) == {
        Role.YOUTH_WORKER,
        Role.CLINICAL_COMMITTEE,
    }


def test_roles_of_an_inactive_organisation_do_not_count(personas, organisations):
    org = organisations["codim"]
    services.organisation_update(
        organisation=org,
        name=org.name,
        short_name=org.short_name,
        sector=org.sector,
        is_active=False,
    )
    assert selectors.roles_of(User.objects.get(pk=personas["worker_codim"].pk)) == frozenset()


def test_only_administrators_are_staff(personas):
    assert User.objects.get(pk=personas["administrator"].pk).is_staff
    assert not User.objects.get(pk=personas["coordinator"].pk).is_staff


def test_revoking_the_administrator_role_removes_admin_access(personas, organisations):
    admin = personas["administrator"]
    membership = Membership.objects.get(user=admin, organisation=organisations["ccsmtl"])
    services.membership_revoke_roles(membership=membership, roles=[Role.ADMINISTRATOR])
    admin.refresh_from_db()
    membership.refresh_from_db()
    assert not admin.is_staff
    assert not membership.is_active
    assert organisations["ccsmtl"].group not in admin.groups.all()


def test_the_coordinator_cannot_create_an_administrator(personas, organisations):
    with pytest.raises(PermissionDenied):
        invite(personas["coordinator"], organisations["ccsmtl"], [Role.ADMINISTRATOR])
    assert not User.objects.filter(email="nouvelle.personne@example.org").exists()


@pytest.mark.parametrize("persona", ["worker_codim", "police", "steering", "researcher"])
def test_other_roles_cannot_invite_anyone(personas, organisations, persona):
    with pytest.raises(PermissionDenied):
        invite(personas[persona], organisations["codim"], [Role.YOUTH_WORKER])


def test_a_second_account_with_the_same_email_is_refused(personas, organisations):
    with pytest.raises(ValidationError) as exc:
        invite(
            personas["coordinator"],
            organisations["codim"],
            [Role.YOUTH_WORKER],
            email=personas["worker_codim"].email.upper(),
        )
    assert "email" in exc.value.error_dict


def test_inviting_into_an_inactive_organisation_saves_nothing(personas, organisations):
    org = organisations["enmarge"]
    services.organisation_update(
        organisation=org,
        name=org.name,
        short_name=org.short_name,
        sector=org.sector,
        is_active=False,
    )
    with pytest.raises(ValidationError):
        invite(personas["coordinator"], org, [Role.YOUTH_WORKER])
    assert not User.objects.filter(email="nouvelle.personne@example.org").exists()


def test_an_invitation_link_sets_the_password_once(
    client, personas, organisations, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from spheres.celery import app

    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            user = invite(personas["coordinator"], organisations["codim"], [Role.YOUTH_WORKER])
    finally:
        app.conf.task_always_eager = False
    assert not user.has_usable_password()
    [message] = mail.outbox
    assert message.to == [user.email]
    assert "Camille" not in message.body and "Tremblay" not in message.body
    url = re.search(r"https?://\S+", message.body).group(0)
    path = url.split("8000", 1)[-1] if "8000" in url else url

    response = client.get(path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else path
    new_password = "Une-phrase-de-passe-solide-2026"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)
    assert user.emailaddress_set.get().verified

    client.cookies.clear()
    response = client.get(path, follow=True)
    assert b"password1" not in response.content  # the link is spent
    assert client.login(email=user.email, password=new_password)
    assert client.get(reverse("home")).status_code == 200


def test_changes_to_accounts_and_memberships_are_audited(personas, organisations):
    user = invite(personas["coordinator"], organisations["codim"], [Role.YOUTH_WORKER])
    services.user_deactivate(user=user, actor=personas["administrator"])
    entries = LogEntry.objects.get_for_object(user)
    assert entries.count() >= 2
    change = entries.filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert change.changes_dict["is_active"] == ["True", "False"]
    assert "password" not in str(
        LogEntry.objects.filter(object_pk=str(user.pk)).values_list("changes", flat=True)
    )
    membership = Membership.objects.get(user=user)
    assert (
        LogEntry.objects.get_for_object(membership).filter(action=LogEntry.Action.CREATE).exists()
    )


def test_the_read_log_holds_ids_only(personas):
    entry = services.read_log_record(
        user=personas["worker_codim"],
        action="denied",
        object_type="participant",
        object_id=42,
        view_name="participant_detail",
    )
    field_names = {f.name for f in entry._meta.get_fields()}
    assert field_names == {"id", "user", "at", "action", "object_type", "object_id", "view_name"}
