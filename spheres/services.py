"""State changes of the shared core: organisations, accounts, memberships and roles, in-app
notifications and the read log.

Every function here is the only way its change happens: views, the admin and seed_demo call them.
"""

from collections.abc import Iterable

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from spheres import selectors
from spheres.models import (
    CASE_ROLES,
    Membership,
    MembershipRole,
    Notification,
    Organisation,
    ReadLogEntry,
    Role,
    User,
)
from spheres.tasks import email_user, send_invitation

ADMINISTRATORS_GROUP = "spheres:administrators"
# What an administrator manages in the Django admin: organisations and accounts, never case content.
ADMINISTRATOR_PERMISSIONS = {
    "spheres": [
        "add_organisation",
        "change_organisation",
        "view_organisation",
        "view_user",
        "change_user",
        "view_membership",
        "view_membershiprole",
        "view_readlogentry",
    ],
    # Not auditlog's entries: their diffs hold case content, which administrators must not read.
}


def _administrators_group() -> Group:
    group, _created = Group.objects.get_or_create(name=ADMINISTRATORS_GROUP)
    wanted = Permission.objects.none()
    for app_label, codenames in ADMINISTRATOR_PERMISSIONS.items():
        wanted |= Permission.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )
    group.permissions.set(wanted)
    return group


def _organisation_group_name(short_name: str) -> str:
    return f"spheres:organisation:{short_name}"


@transaction.atomic
def organisation_create(
    *, name: str, short_name: str, sector: str, is_active: bool = True
) -> Organisation:
    """Create a partner organisation and the group its members share for object permissions."""
    group = Group.objects.create(name=_organisation_group_name(short_name))
    organisation = Organisation(
        name=name, short_name=short_name, sector=sector, is_active=is_active, group=group
    )
    organisation.full_clean()
    organisation.save()
    return organisation


@transaction.atomic
def organisation_update(
    *, organisation: Organisation, name: str, short_name: str, sector: str, is_active: bool
) -> Organisation:
    """Deactivating an organisation takes its members out of its group at once, so files shared
    with it are no longer visible through it; reactivating brings them back."""
    activity_changed = organisation.is_active != is_active
    organisation.name = name
    organisation.short_name = short_name
    organisation.sector = sector
    organisation.is_active = is_active
    organisation.full_clean()
    organisation.save()
    group = organisation.group
    if group.name != _organisation_group_name(short_name):
        group.name = _organisation_group_name(short_name)
        group.save(update_fields=["name"])
    if activity_changed:
        for membership in organisation.memberships.select_related("user", "organisation"):
            _sync_organisation_group(membership)
    return organisation


def _check_may_grant(actor: User | None, roles: Iterable[str]) -> None:
    """Administrators grant any role; the coordinator grants any role but administrator."""
    if actor is None:  # system callers: migrations, seed_demo, management commands
        return
    actor_roles = selectors.roles_of(actor)
    if actor.is_superuser or Role.ADMINISTRATOR in actor_roles:
        return
    if Role.COORDINATOR in actor_roles and Role.ADMINISTRATOR not in set(roles):
        return
    raise PermissionDenied


def _sync_staff_flag(user: User) -> None:
    """The Django admin is for administrators only: is_staff follows the administrator role."""
    is_admin = Role.ADMINISTRATOR in selectors.roles_of(user)
    group = _administrators_group()
    if is_admin:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    if user.is_staff != (is_admin or user.is_superuser):
        user.is_staff = is_admin or user.is_superuser
        user.save(update_fields=["is_staff"])


def _sync_organisation_group(membership: Membership) -> None:
    """The organisation's group receives participant files shared with the organisation, so only
    members with a case role (youth worker, Clinical Committee) belong to it: a steering member,
    researcher or administrator of the same organisation never sees a file (DOMAIN.md)."""
    active = membership.is_active and membership.organisation.is_active
    roles = set(membership.roles.values_list("role", flat=True)) if active else set()
    if roles & CASE_ROLES:
        membership.user.groups.add(membership.organisation.group)
    else:
        membership.user.groups.remove(membership.organisation.group)


@transaction.atomic
def user_create(
    *, email: str, first_name: str, last_name: str, password: str | None = None
) -> User:
    """Create an account. Without a password it cannot sign in until the invitation link is used."""
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An account with this e-mail address already exists.")})
    user = User(email=email, first_name=first_name.strip(), last_name=last_name.strip())
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    return user


@transaction.atomic
def membership_grant(
    *, user: User, organisation: Organisation, roles: Iterable[str], actor: User | None = None
) -> Membership:
    """Give a person roles in an organisation (adds to what they already hold there)."""
    roles = set(roles)
    if not roles:
        raise ValidationError({"roles": _("Choose at least one role.")})
    if not roles <= set(Role.values):
        raise ValidationError({"roles": _("Unknown role.")})
    _check_may_grant(actor, roles)
    if not organisation.is_active:
        raise ValidationError({"organisation": _("This organisation is inactive.")})
    membership, _created = Membership.objects.get_or_create(user=user, organisation=organisation)
    if not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active"])
    existing = set(membership.roles.values_list("role", flat=True))
    MembershipRole.objects.bulk_create(
        [MembershipRole(membership=membership, role=r) for r in sorted(roles - existing)]
    )
    _sync_organisation_group(membership)
    _sync_staff_flag(user)
    return membership


@transaction.atomic
def membership_revoke_roles(
    *, membership: Membership, roles: Iterable[str], actor: User | None = None
) -> Membership:
    roles = set(roles)
    _check_may_grant(actor, roles)
    membership.roles.filter(role__in=roles).delete()
    if not membership.roles.exists():
        membership.is_active = False
        membership.save(update_fields=["is_active"])
    _sync_organisation_group(membership)
    _sync_staff_flag(membership.user)
    return membership


@transaction.atomic
def user_invite(
    *,
    actor: User | None,
    email: str,
    first_name: str,
    last_name: str,
    organisation: Organisation,
    roles: Iterable[str],
) -> User:
    """Invite a person: no public sign-up, so an administrator or the coordinator creates the
    account, and the person chooses a password through a single-use link sent by e-mail."""
    roles = set(roles)
    _check_may_grant(actor, roles)
    user = user_create(email=email, first_name=first_name, last_name=last_name)
    membership_grant(user=user, organisation=organisation, roles=roles, actor=actor)
    # After commit: the worker must find the account; the task receives an id, never an address.
    transaction.on_commit(lambda: send_invitation.delay(user.pk))
    return user


@transaction.atomic
def user_deactivate(*, user: User, actor: User | None = None) -> User:
    """A deactivated person can no longer sign in, and any open session stops working at once
    (Django's authentication backend refuses inactive users on every request)."""
    _check_may_grant(actor, [Role.ADMINISTRATOR])
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def user_reactivate(*, user: User, actor: User | None = None) -> User:
    _check_may_grant(actor, [Role.ADMINISTRATOR])
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


def user_mark_email_verified(*, user: User) -> None:
    """Using the invitation (password-reset) link proves the person reads that mailbox."""
    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)


def read_log_record(
    *, user: User | None, action: str, object_type: str, object_id: int | None, view_name: str = ""
) -> ReadLogEntry:
    """Write one read-log row. Ids only, by construction: there is no free-text field."""
    return ReadLogEntry.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        view_name=view_name[:100],
    )


def read_log_record_many(
    *, user: User | None, action: str, object_type: str, object_ids, view_name: str = ""
) -> None:
    """One read-log row per record shown, in one insert (a page that shows several files, such as
    a committee's agenda)."""
    user = user if user is not None and user.is_authenticated else None
    ReadLogEntry.objects.bulk_create(
        [
            ReadLogEntry(
                user=user,
                action=action,
                object_type=object_type,
                object_id=object_id,
                view_name=view_name[:100],
            )
            for object_id in object_ids
        ]
    )


def notifications_send(
    *,
    kind: str,
    items: Iterable[tuple[int, int | None, int]],
    email_template: str = "",
    email_context: dict | None = None,
) -> list[Notification]:
    """In-app notices, one insert, from (recipient id, participant id or None, count) items.
    With an e-mail template, each recipient also gets one e-mail after commit that says how many
    (the item counts, or the number of items), never who."""
    items = sorted(set(items), key=lambda item: (item[0], item[1] or 0))
    created = Notification.objects.bulk_create(
        [
            Notification(recipient_id=uid, kind=kind, participant_id=pid, count=count)
            for uid, pid, count in items
        ]
    )
    if email_template:
        per_user: dict[int, int] = {}
        for uid, _pid, count in items:
            per_user[uid] = per_user.get(uid, 0) + (count or 1)
        for uid, n in per_user.items():
            context = {**(email_context or {}), "count": n}
            transaction.on_commit(
                lambda uid=uid, context=context: email_user.delay(uid, email_template, context)
            )
    return created


def notifications_mark_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
