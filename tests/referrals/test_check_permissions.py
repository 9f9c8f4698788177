import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command

from referrals import access
from referrals.models import ParticipantGroupObjectPermission, ParticipantUserObjectPermission

pytestmark = pytest.mark.django_db


def test_no_drift_after_normal_changes(make_participant, capsys):
    make_participant()
    call_command("check_permissions")
    assert "0 missing, 0 in excess" in capsys.readouterr().out


def test_it_reports_and_fixes_a_grant_that_should_not_exist(make_participant, personas, capsys):
    participant = make_participant(share_with=())
    stray = ParticipantGroupObjectPermission.objects.create(
        group=personas["worker_enmarge"].memberships.get().organisation.group,
        permission=Permission.objects.get(codename="view_participant"),
        content_object=participant,
    )
    assert (
        access.participants_visible_to(personas["worker_enmarge"])
        .filter(pk=participant.pk)
        .exists()
    )
    with pytest.raises(CommandError):
        call_command("check_permissions")
    assert "1 in excess" in capsys.readouterr().out
    call_command("check_permissions", "--fix")
    assert not ParticipantGroupObjectPermission.objects.filter(pk=stray.pk).exists()
    assert (
        not access.participants_visible_to(personas["worker_enmarge"])
        .filter(pk=participant.pk)
        .exists()
    )


def test_it_restores_a_missing_grant(make_participant, personas):
    participant = make_participant()
    ParticipantUserObjectPermission.objects.filter(user=personas["worker_ccsmtl"]).delete()
    assert not access.may_change(personas["worker_ccsmtl"], participant)
    call_command("check_permissions", "--fix")
    assert access.may_change(personas["worker_ccsmtl"], participant)


def test_the_lists_hold_exactly_what_guardian_grants(make_participant, personas):
    """participants_visible_to / participants_changeable_by read the permission rows themselves
    (one hashed set, no re-check against the participant table): the same participants as
    guardian's get_objects_for_user, whether held directly, through the organisation's group,
    or not at all."""
    from guardian.shortcuts import get_objects_for_user

    from referrals.models import Participant

    make_participant()  # the CCSMTL worker's, shared with the organisations as usual
    make_participant(share_with=())  # nobody's but its own worker's
    stray = make_participant(share_with=())
    ParticipantGroupObjectPermission.objects.create(
        group=personas["worker_enmarge"].memberships.get().organisation.group,
        permission=Permission.objects.get(codename="view_participant"),
        content_object=stray,
    )
    for name in ("worker_ccsmtl", "worker_codim", "worker_enmarge"):
        user = personas[name]
        for mine, perm in (
            (access.participants_visible_to, "referrals.view_participant"),
            (access.participants_changeable_by, "referrals.change_participant"),
        ):
            expected = get_objects_for_user(
                user, perm, klass=Participant, accept_global_perms=False, with_superuser=False
            )
            assert set(mine(user)) == set(expected), (name, perm)
    assert stray in access.participants_visible_to(personas["worker_enmarge"])
    assert stray not in access.participants_changeable_by(personas["worker_enmarge"])
