"""The access policy: the one place that answers "may this person see / change this participant?"
and "which participants may this person see?". Deny by default.

- coordinator: every participant;
- assigned workers: view and change their participants (user object permissions);
- workers and Clinical Committee members of a partner organisation: view the participants whose
  information-sharing consent names their organisation (group object permissions; police only when
  police sharing was consented — the police service is an organisation like the others);
- steering members, researchers, administrators, referrers and superusers: no participant file.

Object permissions are derived data, written by referrals.permissions in the same transaction as the
change that causes them. Model-wide permissions are never consulted (accept_global_perms=False).
"""

from django.db.models import QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from spheres import services
from spheres.models import ReadLogEntry, Role, User
from spheres.selectors import roles_of

VIEW = "referrals.view_participant"
CHANGE = "referrals.change_participant"
# Roles whose holders may be granted a participant file through their organisation or assignment.
CASE_ROLES = frozenset({Role.YOUTH_WORKER, Role.CLINICAL_COMMITTEE})


def _participants():
    from referrals.models import Participant

    return Participant.objects.all()


def is_coordinator(user: User) -> bool:
    return Role.COORDINATOR in roles_of(user)


def participants_visible_to(user: User) -> QuerySet:
    roles = roles_of(user)
    if Role.COORDINATOR in roles:
        return _participants()
    if not roles & CASE_ROLES:
        return _participants().none()
    return get_objects_for_user(
        user, VIEW, klass=_participants(), accept_global_perms=False, with_superuser=False
    )


def participants_changeable_by(user: User) -> QuerySet:
    roles = roles_of(user)
    if Role.COORDINATOR in roles:
        return _participants()
    if Role.YOUTH_WORKER not in roles:
        return _participants().none()
    return get_objects_for_user(
        user, CHANGE, klass=_participants(), accept_global_perms=False, with_superuser=False
    )


def with_write_flag(queryset: QuerySet, user: User) -> QuerySet:
    """Annotate `user_may_change` in the same query (saves a round trip on file pages)."""
    from django.db.models import Exists, OuterRef, Value

    if is_coordinator(user):
        return queryset.annotate(user_may_change=Value(True))
    changeable = participants_changeable_by(user).filter(pk=OuterRef("pk"))
    return queryset.annotate(user_may_change=Exists(changeable))


def may_change(user: User, participant) -> bool:
    if hasattr(participant, "user_may_change"):
        return participant.user_may_change
    if is_coordinator(user):
        return True
    return participants_changeable_by(user).filter(pk=participant.pk).exists()


def get_participant_for_user(
    user: User,
    public_id,
    *,
    write: bool = False,
    view_name: str = "",
    log_action: str | None = ReadLogEntry.Action.VIEW,
    queryset: QuerySet | None = None,
):
    """The participant if this person may see it (or change it, with write=True); 404 otherwise,
    for "missing" and "not yours" alike. Both outcomes go to the read log, ids only."""
    allowed = participants_changeable_by(user) if write else participants_visible_to(user)
    if queryset is not None:
        allowed = queryset & allowed
    participant = allowed.filter(public_id=public_id).first()
    if participant is None:
        deny(user, public_id, view_name=view_name)
    if log_action:
        services.read_log_record(
            user=user,
            action=log_action,
            object_type="participant",
            object_id=participant.pk,
            view_name=view_name,
        )
    return participant


def deny(user: User, public_id, *, view_name: str = ""):
    """Refuse as if the participant did not exist (404), and write the attempt to the read log."""
    existing = _participants().filter(public_id=public_id).values_list("pk", flat=True).first()
    services.read_log_record(
        user=user,
        action=ReadLogEntry.Action.DENIED,
        object_type="participant",
        object_id=existing,
        view_name=view_name,
    )
    raise Http404
