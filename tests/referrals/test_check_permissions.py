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
