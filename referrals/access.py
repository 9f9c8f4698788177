"""The access policy: the one place that answers "may this person see / change this participant
(or referral)?" and "which participants may this person see?". Deny by default.

- coordinator: every participant and every referral;
- assigned workers: view and change their participants (user object permissions), and see the
  referral of a candidate assigned to them and record its initial meeting (from the assignment
  rows) until the referral is admitted or closed — but only while they are an active youth
  worker of an active organisation: a person whose role was revoked, whose organisation was
  deactivated or whose account was deactivated gets nothing from an assignment still open;
- workers and Clinical Committee members of a partner organisation: view the participants whose
  information-sharing consent names their organisation (group object permissions; police only when
  police sharing was consented — the police service is an organisation like the others);
- steering members, researchers, administrators, referrers and superusers: no participant file.

Object permissions are derived data, written by referrals.permissions in the same transaction as the
change that causes them. Model-wide permissions are never consulted (accept_global_perms=False).
A refusal answers 404 (as for a missing record) and is written to the read log, ids only.
"""

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Value
from django.http import Http404

from referrals.models import (
    OPEN_STATUSES,
    Assignment,
    Participant,
    ParticipantGroupObjectPermission,
    ParticipantUserObjectPermission,
    Referral,
)
from spheres.models import CASE_ROLES, ReadLogEntry, Role, User
from spheres.selectors import roles_of
from spheres.services import read_log_record

VIEW = "referrals.view_participant"
CHANGE = "referrals.change_participant"

__all__ = ["CASE_ROLES"]


def is_coordinator(user: User) -> bool:
    return Role.COORDINATOR in roles_of(user)


def require_coordinator(user: User) -> None:
    """For services: only the coordinator takes this step."""
    if not is_coordinator(user):
        raise PermissionDenied


def is_active_youth_worker(user: User) -> bool:
    """An assignment grants access only while its worker holds the youth-worker role through an
    active membership of an active organisation, with an active account (roles_of reads all
    three)."""
    return Role.YOUTH_WORKER in roles_of(user)


# The participant permissions' ids, read once per process: their rows come from migrations, and
# a join to them and their content type costs every file page and note save about 1 ms of query
# building. Forgotten on post_migrate (a migration or a test database's flush may renumber them).
_permission_ids: dict[str, int] = {}


def forget_permission_ids(**_signal) -> None:
    _permission_ids.clear()


def _permission(codename: str) -> dict:
    """Lookups of a participant object-permission row on its permission."""
    found = _permission_ids.get(codename)
    if found is None:
        found = Permission.objects.get(
            content_type=ContentType.objects.get_for_model(Participant), codename=codename
        ).pk
        _permission_ids[codename] = found
    return {"permission_id": found}


def _holds(user: User, codename: str, *, direct: bool = True) -> Q:
    """The participant row carries `codename` for this person, on their own (`direct`) or
    through one of their groups: the rows guardian's get_objects_for_user reads, tested row by
    row. For one file that is an index probe or two, where get_objects_for_user first gathers
    every participant the person may open (8 ms of database time on every file page and every
    note save for a worker with 2,000 participants; 0.1 ms this way)."""
    permission = _permission(codename)
    shared = Q(
        Exists(
            ParticipantGroupObjectPermission.objects.filter(
                content_object=OuterRef("pk"), group__user=user, **permission
            )
        )
    )
    if not direct:
        return shared
    own = Exists(
        ParticipantUserObjectPermission.objects.filter(
            content_object=OuterRef("pk"), user=user, **permission
        )
    )
    return Q(own) | shared


def _holding(user: User, codename: str, *, direct: bool = True) -> Q:
    """Set-wise _holds, for lists: the ids of the participants the person holds `codename` on,
    directly (`direct`) or through a group, read once (PostgreSQL hashes them). What guardian's
    get_objects_for_user returns (no global permissions, no superuser shortcut) without its
    check of every id against the participant table (2,000 index probes for a big caseload)."""
    permission = _permission(codename)
    if direct:
        # Two sets in an OR: PostgreSQL hashes each, whatever it guesses of their size.
        own = ParticipantUserObjectPermission.objects.filter(user=user, **permission)
        shared = ParticipantGroupObjectPermission.objects.filter(group__user=user, **permission)
        return Q(pk__in=own.values("content_object_id")) | Q(
            pk__in=shared.values("content_object_id")
        )
    # Alone, the set is joined to the participants on a guess of its size. Given the person's
    # groups by id (one query), PostgreSQL reads that size from its statistics: a police
    # officer who sees 2 files of 5,000 was guessed at 1,256, and every participant was walked
    # (14 ms instead of 0.5), while a join to the permission by name made it guess too few for a
    # Clinical member who sees thousands (10 ms instead of 1.3). Read at every call, never kept
    # on the person object: a service may ask again after the person's groups changed.
    groups = list(user.groups.values_list("id", flat=True))
    shared = ParticipantGroupObjectPermission.objects.filter(group_id__in=groups, **permission)
    return Q(pk__in=shared.values("content_object_id"))


NOTHING = Q(pk__in=[])  # matches no row, and Django sends no query for it


def _visible_row(user: User) -> Q | None:
    """Row-wise participants_visible_to (None: every row, for the coordinator)."""
    roles = roles_of(user)
    if Role.COORDINATOR in roles:
        return None
    if not roles & CASE_ROLES:
        return NOTHING
    if Role.YOUTH_WORKER in roles:
        return _holds(user, "view_participant")
    # A Clinical Committee member who is no longer a youth worker: only what is shared with
    # their organisation, never what an assignment still open used to grant.
    return _holds(user, "view_participant", direct=False)


def _changeable_row(user: User) -> Q | None:
    """Row-wise participants_changeable_by (None: every row, for the coordinator)."""
    roles = roles_of(user)
    if Role.COORDINATOR in roles:
        return None
    if Role.YOUTH_WORKER not in roles:
        return NOTHING
    return _holds(user, "change_participant")


def participants_visible_to(user: User) -> QuerySet[Participant]:
    roles = roles_of(user)
    if Role.COORDINATOR in roles:
        return Participant.objects.all()
    if not roles & CASE_ROLES:
        return Participant.objects.none()
    # A Clinical Committee member who is no longer a youth worker: only what is shared with
    # their organisation (see _visible_row).
    direct = Role.YOUTH_WORKER in roles
    return Participant.objects.filter(_holding(user, "view_participant", direct=direct))


def participants_changeable_by(user: User) -> QuerySet[Participant]:
    roles = roles_of(user)
    if Role.COORDINATOR in roles:
        return Participant.objects.all()
    if Role.YOUTH_WORKER not in roles:
        return Participant.objects.none()
    return Participant.objects.filter(_holding(user, "change_participant"))


def with_write_flag(queryset: QuerySet, user: User) -> QuerySet:
    """Annotate `user_may_change` in the same query (no second round trip on file pages)."""
    changeable = _changeable_row(user)
    if changeable is None:
        return queryset.annotate(user_may_change=Value(True))
    return queryset.annotate(
        user_may_change=ExpressionWrapper(changeable, output_field=BooleanField())
    )


def may_change(user: User, participant: Participant) -> bool:
    if hasattr(participant, "user_may_change"):
        return participant.user_may_change
    changeable = _changeable_row(user)
    if changeable is None:
        return True
    return Participant.objects.filter(changeable, pk=participant.pk).exists()


def require_change(user: User, participant: Participant) -> None:
    """For services: the coordinator and the assigned workers change a file; nobody else."""
    if not may_change(user, participant):
        raise PermissionDenied


def get_participant_for_user(
    user: User,
    public_id,
    *,
    write: bool = False,
    view_name: str = "",
    log_action: str | None = ReadLogEntry.Action.VIEW,
    queryset: QuerySet | None = None,
) -> Participant:
    """The participant if this person may see it (or change it, with write=True); 404 otherwise,
    for "missing" and "not yours" alike. Both outcomes go to the read log, ids only.

    The answer carries `user_may_change`, computed in the same query, so pages and services
    that ask again never query the permissions a second time."""
    base = queryset if queryset is not None else Participant.objects.all()
    # Row-wise tests (not `base & participants_visible_to(user)`): one file, not the person's
    # whole set of files.
    allowed = _changeable_row(user) if write else _visible_row(user)
    if allowed is not None:
        base = base.filter(allowed)
    base = base.annotate(user_may_change=Value(True)) if write else with_write_flag(base, user)
    participant = base.filter(public_id=public_id).first()
    if participant is None:
        deny(user, public_id, view_name=view_name)
    if log_action:
        read_log_record(
            user=user,
            action=log_action,
            object_type="participant",
            object_id=participant.pk,
            view_name=view_name,
        )
    return participant


def deny(user: User, public_id, *, view_name: str = ""):
    """Refuse as if the participant did not exist (404), and write the attempt to the read log."""
    existing = Participant.objects.filter(public_id=public_id).values_list("pk", flat=True).first()
    read_log_record(
        user=user,
        action=ReadLogEntry.Action.DENIED,
        object_type="participant",
        object_id=existing,
        view_name=view_name,
    )
    raise Http404


def _assigned_to(user: User) -> Q:
    """Referrals of candidates (not yet admitted, not closed) with an open assignment of this
    person. Computed from the assignment rows: a referral has no object permissions."""
    mine = Assignment.objects.filter(referral=OuterRef("pk"), worker=user, ended_at__isnull=True)
    return Q(Exists(mine), status__in=OPEN_STATUSES)


def referrals_assigned_to(user: User) -> QuerySet[Referral]:
    """The candidates a youth worker was assigned to, for the initial meeting."""
    if not is_active_youth_worker(user):
        return Referral.objects.none()
    return Referral.objects.filter(_assigned_to(user))


def may_open_referral(user: User, referral: Referral) -> bool:
    """The coordinator, or a worker assigned to this candidate (see referrals_assigned_to)."""
    if is_coordinator(user):
        return True
    return referrals_assigned_to(user).filter(pk=referral.pk).exists()


def require_referral_access(user: User, referral: Referral) -> None:
    """For services: the coordinator, or an assigned worker while the referral is open."""
    if not may_open_referral(user, referral):
        raise PermissionDenied


def get_referral_for_user(
    user: User,
    public_id,
    *,
    view_name: str = "",
    queryset: QuerySet | None = None,
    assigned: bool = False,
) -> Referral:
    """Referral files are the coordinator's; with `assigned`, the page also opens to the workers
    assigned to the candidate while the referral is open. Anyone else gets 404 and a read-log
    row that says which referral was probed (as participant refusals do)."""
    base = queryset if queryset is not None else Referral.objects.all()
    referral = None
    if is_coordinator(user):
        referral = base.filter(public_id=public_id).first()
    elif assigned and is_active_youth_worker(user):
        referral = base.filter(_assigned_to(user), public_id=public_id).first()
    if referral is not None:
        read_log_record(
            user=user,
            action=ReadLogEntry.Action.VIEW,
            object_type="referral",
            object_id=referral.pk,
            view_name=view_name,
        )
        return referral
    probed = Referral.objects.filter(public_id=public_id).values_list("pk", flat=True).first()
    read_log_record(
        user=user,
        action=ReadLogEntry.Action.DENIED,
        object_type="referral",
        object_id=probed,
        view_name=view_name,
    )
    raise Http404
