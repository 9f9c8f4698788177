"""Derived object permissions on participants: computed from assignments, sharing consents and
program consent, applied as a diff in the caller's transaction, and checked for drift."""

from collections.abc import Iterable

from django.contrib.auth.models import Permission
from django.db import transaction

from referrals.models import (
    Assignment,
    Consent,
    ConsentKind,
    Participant,
    ParticipantGroupObjectPermission,
    ParticipantUserObjectPermission,
)


def _permission_ids() -> dict[str, int]:
    return dict(
        Permission.objects.filter(
            content_type__app_label="referrals",
            codename__in=["view_participant", "change_participant"],
        ).values_list("codename", "id")
    )


def expected_permissions(participant_ids: Iterable[int]):
    """(participant, user, codename) and (participant, group, codename) sets the rules call for.
    An inactive organisation keeps its rows: its group is emptied instead (spheres.services), so
    reactivating it restores access without recomputing anything."""
    ids = list(participant_ids)
    users = set()
    for pid, worker_id in Assignment.objects.filter(
        participant_id__in=ids, ended_at__isnull=True
    ).values_list("participant_id", "worker_id"):
        users |= {(pid, worker_id, "view_participant"), (pid, worker_id, "change_participant")}
    withdrawn = set(
        Participant.objects.filter(pk__in=ids, program_consent_withdrawn=True).values_list(
            "pk", flat=True
        )
    )
    groups = {
        (pid, group_id, "view_participant")
        for pid, group_id in Consent.objects.filter(
            participant_id__in=ids,
            kind=ConsentKind.SHARING,
            withdrawn_on__isnull=True,
        ).values_list("participant_id", "organisation__group_id")
        if pid not in withdrawn
    }
    return users, groups


def _actual_rows(participant_ids: list[int]):
    """{(participant, holder, codename): row id} for user and group permission rows."""
    users = {
        (pid, holder, codename): pk
        for pk, pid, holder, codename in ParticipantUserObjectPermission.objects.filter(
            content_object_id__in=participant_ids
        ).values_list("pk", "content_object_id", "user_id", "permission__codename")
    }
    groups = {
        (pid, holder, codename): pk
        for pk, pid, holder, codename in ParticipantGroupObjectPermission.objects.filter(
            content_object_id__in=participant_ids
        ).values_list("pk", "content_object_id", "group_id", "permission__codename")
    }
    return users, groups


def actual_permissions(participant_ids: Iterable[int]):
    users, groups = _actual_rows(list(participant_ids))
    return set(users), set(groups)


@transaction.atomic
def sync_permissions(participant_ids: Iterable[int]) -> tuple[int, int]:
    """Make the permission rows match the rules; returns (added, removed). Set-based: a fixed
    number of queries whatever the number of participants."""
    ids = list(participant_ids)
    want_users, want_groups = expected_permissions(ids)
    user_rows, group_rows = _actual_rows(ids)
    have_users, have_groups = set(user_rows), set(group_rows)
    perm_ids = _permission_ids()
    removed = ParticipantUserObjectPermission.objects.filter(
        pk__in=[user_rows[key] for key in have_users - want_users]
    ).delete()[0]
    removed += ParticipantGroupObjectPermission.objects.filter(
        pk__in=[group_rows[key] for key in have_groups - want_groups]
    ).delete()[0]
    new_users = [
        ParticipantUserObjectPermission(
            content_object_id=pid, user_id=user_id, permission_id=perm_ids[codename]
        )
        for pid, user_id, codename in want_users - have_users
    ]
    new_groups = [
        ParticipantGroupObjectPermission(
            content_object_id=pid, group_id=group_id, permission_id=perm_ids[codename]
        )
        for pid, group_id, codename in want_groups - have_groups
    ]
    ParticipantUserObjectPermission.objects.bulk_create(new_users)
    ParticipantGroupObjectPermission.objects.bulk_create(new_groups)
    return len(new_users) + len(new_groups), removed


def drift(participant_ids: Iterable[int]):
    """Rows missing and rows in excess, compared with what the rules call for."""
    ids = list(participant_ids)
    want_users, want_groups = expected_permissions(ids)
    have_users, have_groups = actual_permissions(ids)
    return {
        "missing": sorted(want_users - have_users) + sorted(want_groups - have_groups),
        "excess": sorted(have_users - want_users) + sorted(have_groups - want_groups),
    }
