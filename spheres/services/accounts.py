"""Organisations, accounts, memberships and roles (DOMAIN.md: People).

Roles that open participant files are never granted by one person alone: administrators manage
accounts and organisations and never see case content, so a coordinator, youth worker or Clinical
Committee role they ask for waits until a coordinator confirms it. The coordinator role itself
(which opens every file) always takes a second person: another coordinator or a Steering Committee
member. The coordinator grants youth worker and Clinical Committee roles directly. Every such grant
is kept (RoleGrant) and e-mailed to the coordinators, with no name in the message. Memberships and
role grants call each other, so they share this module.
"""

from collections.abc import Callable, Iterable

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from spheres import selectors
from spheres.models import (
    CASE_ROLES,
    Membership,
    MembershipRole,
    Organisation,
    Role,
    RoleGrant,
    User,
)
from spheres.rules import CONFIRMED_ROLES, may_decide, needs_confirmation
from spheres.tasks import send_invitation, send_role_grant_notice

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
        "change_membership",  # its roles, granted and revoked through the services
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


# --- Open work: what a person still holds, asked of the apps above --------------------------------
# The core knows no assignment: assignments live in referrals, above it. Such an app registers
# (in its AppConfig.ready) a function answering {user id: number of open items} for some people;
# revoking the youth-worker role or deactivating an organisation asks them first, so an
# assignment never outlives its worker's role unnoticed (the departure handover moves them).
OpenWorkCount = Callable[[list[int]], dict[int, int]]
_OPEN_WORK: list[OpenWorkCount] = []


def open_work_register(count: OpenWorkCount) -> None:
    if count not in _OPEN_WORK:
        _OPEN_WORK.append(count)


def open_work_of(user_ids: Iterable[int]) -> dict[int, int]:
    ids = list(user_ids)
    totals: dict[int, int] = {}
    for count in _OPEN_WORK if ids else []:
        for uid, n in count(ids).items():
            totals[uid] = totals.get(uid, 0) + n
    return {uid: n for uid, n in totals.items() if n}


def _no_longer_youth_workers(
    user_ids: Iterable[int],
    *,
    except_membership: Membership | None = None,
    except_organisation: Organisation | None = None,
) -> set[int]:
    """Who among these people would hold the youth-worker role through no active membership of
    an active organisation once the given membership or organisation stops counting."""
    ids = set(user_ids)
    still = Membership.objects.filter(
        user_id__in=ids,
        is_active=True,
        organisation__is_active=True,
        roles__role=Role.YOUTH_WORKER,
    )
    if except_membership is not None:
        still = still.exclude(pk=except_membership.pk)
    if except_organisation is not None:
        still = still.exclude(organisation=except_organisation)
    return ids - set(still.values_list("user_id", flat=True))


def role_revocation_check(*, membership: Membership, roles: Iterable[str]) -> None:
    """An assignment grants access only while its worker is an active youth worker of an active
    organisation: taking the role from someone who still holds open assignments is refused, and
    the message points to the departure handover, which moves them first."""
    roles = set(roles)
    remaining = set(membership.roles.values_list("role", flat=True)) - roles
    grants_now = (
        membership.user.is_active
        and membership.is_active
        and membership.organisation.is_active
        and membership.roles.filter(role=Role.YOUTH_WORKER).exists()
    )
    if not grants_now or Role.YOUTH_WORKER in remaining:
        return
    if not _no_longer_youth_workers([membership.user_id], except_membership=membership):
        return
    open_items = open_work_of([membership.user_id]).get(membership.user_id, 0)
    if open_items:
        raise ValidationError(
            {
                "roles": ngettext(
                    "%(name)s still holds %(n)s open assignment (a participant or a candidate). "
                    "Hand it over first on the “Departure of a worker” page, then revoke the "
                    "role.",
                    "%(name)s still holds %(n)s open assignments (participants or candidates). "
                    "Hand them over first on the “Departure of a worker” page, then revoke the "
                    "role.",
                    open_items,
                )
                % {"name": membership.user.get_full_name(), "n": open_items}
            }
        )


def organisation_deactivation_check(*, organisation: Organisation) -> None:
    """Deactivating an organisation ends its youth workers' role: refused while one of them,
    a youth worker nowhere else, still holds open assignments (see role_revocation_check)."""
    if not organisation.is_active:
        return
    members = Membership.objects.filter(
        organisation=organisation, is_active=True, roles__role=Role.YOUTH_WORKER
    ).values_list("user_id", flat=True)
    losing = _no_longer_youth_workers(members, except_organisation=organisation)
    holding = open_work_of(losing)
    if holding:
        names = ", ".join(
            u.get_full_name() for u in User.objects.filter(pk__in=holding).order_by("last_name")
        )
        raise ValidationError(
            {
                "is_active": _(
                    "Youth workers of this organisation still hold open assignments "
                    "(%(names)s). Hand them over first on the “Departure of a worker” page, "
                    "then deactivate the organisation."
                )
                % {"names": names}
            }
        )


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
    with it are no longer visible through it; reactivating brings them back. Refused while its
    youth workers still hold open assignments (organisation_deactivation_check)."""
    if organisation.is_active and not is_active:
        organisation_deactivation_check(organisation=organisation)
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
    """Administrators grant any role; the coordinator grants any role but administrator. Roles
    that open participant files may still need a second person (role_grant_request below)."""
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
    """Give a person roles in an organisation (adds to what they already hold there). A role
    that needs confirmation goes through role_grant_request instead, never through here."""

    roles = set(roles)
    if not roles:
        raise ValidationError({"roles": _("Choose at least one role.")})
    if not roles <= set(Role.values):
        raise ValidationError({"roles": _("Unknown role.")})
    _check_may_grant(actor, roles)
    if any(needs_confirmation(actor, role) for role in roles):
        raise PermissionDenied
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
    if actor is not None:
        role_grant_record_direct(
            user=user, organisation=organisation, roles=roles - existing, actor=actor
        )
    return membership


@transaction.atomic
def membership_set_hours(
    *, membership: Membership, hours_per_week: int | None, actor: User | None = None
) -> Membership:
    """A worker's contracted hours per week, against which the dashboards set the caseload."""
    if actor is not None and not (
        actor.is_superuser or selectors.roles_of(actor) & {Role.ADMINISTRATOR, Role.COORDINATOR}
    ):
        raise PermissionDenied
    membership.hours_per_week = hours_per_week
    membership.full_clean()
    membership.save(update_fields=["hours_per_week"])
    return membership


@transaction.atomic
def membership_revoke_roles(
    *, membership: Membership, roles: Iterable[str], actor: User | None = None
) -> Membership:
    """Take roles away. The youth-worker role is refused while the person holds open
    assignments (role_revocation_check); deactivating their account is the way when someone
    leaves abruptly, and the coordinator then hands their follow-ups over."""
    roles = set(roles)
    _check_may_grant(actor, roles)
    role_revocation_check(membership=membership, roles=roles)
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
    account, and the person chooses a password through a single-use link sent by e-mail. Roles
    that need a second person's confirmation are requested, not granted (role_grant_request)."""

    roles = set(roles)
    _check_may_grant(actor, roles)
    user = user_create(email=email, first_name=first_name, last_name=last_name)
    requested = {role for role in roles if needs_confirmation(actor, role)}
    if roles - requested:
        membership_grant(user=user, organisation=organisation, roles=roles - requested, actor=actor)
    for role in sorted(requested):
        role_grant_request(user=user, organisation=organisation, role=role, actor=actor)
    # After commit: the worker must find the account; the task receives an id, never an address.
    transaction.on_commit(lambda: send_invitation.delay(user.pk))
    return user


@transaction.atomic
def user_deactivate(*, user: User, actor: User | None = None) -> User:
    """A deactivated person can no longer sign in, and any open session stops working at once
    (Django's authentication backend refuses inactive users on every request). Allowed even
    with open assignments (someone may leave abruptly): their assignments then grant nothing,
    and the coordinator's home lists the follow-ups left without an active worker."""
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


# --- Role grants that need a second person ------------------------------------------------------


def _notify(grant: RoleGrant, *, exclude: Iterable[int]) -> None:
    """E-mail the coordinators (and, for a pending coordinator role, the Steering Committee)
    after commit. The task receives ids only."""
    wanted = {Role.COORDINATOR}
    if grant.status == RoleGrant.Status.PENDING and grant.role == Role.COORDINATOR:
        wanted.add(Role.STEERING_COMMITTEE)
    recipients = set()
    for role in wanted:
        recipients |= set(selectors.people_with_role(role).values_list("pk", flat=True))
    recipients -= set(exclude)
    if not recipients:
        return
    grant_id, recipient_ids, status = grant.pk, sorted(recipients), grant.status
    transaction.on_commit(lambda: send_role_grant_notice.delay(grant_id, recipient_ids, status))


@transaction.atomic
def role_grant_request(
    *, user: User, organisation: Organisation, role: str, actor: User | None
) -> RoleGrant:
    """Ask for a role that opens participant files; nothing is granted until confirmed."""
    _check_may_grant(actor, [role])
    if role not in CONFIRMED_ROLES:
        raise ValidationError({"roles": _("This role needs no confirmation.")})
    if not organisation.is_active:
        raise ValidationError({"organisation": _("This organisation is inactive.")})
    if user.memberships.filter(
        organisation=organisation, is_active=True, roles__role=role
    ).exists():
        raise ValidationError({"roles": _("This person already holds this role.")})
    pending = RoleGrant.objects.filter(
        user=user, organisation=organisation, role=role, status=RoleGrant.Status.PENDING
    ).first()
    if pending is not None:
        return pending
    grant = RoleGrant(user=user, organisation=organisation, role=role, requested_by=actor)
    grant.full_clean()
    grant.save()
    _notify(grant, exclude=[actor.pk] if actor else [])
    return grant


def _decide(grant: RoleGrant, actor: User | None, status: str) -> RoleGrant:
    grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.status != RoleGrant.Status.PENDING:
        raise ValidationError(_("This request was already decided."))
    if actor is not None and not may_decide(actor, grant):
        raise PermissionDenied
    grant.status, grant.decided_by, grant.decided_at = status, actor, timezone.now()
    grant.full_clean()
    grant.save()
    return grant


@transaction.atomic
def role_grant_confirm(*, grant: RoleGrant, actor: User | None) -> RoleGrant:
    """The role is granted now, in the same transaction (permissions follow at once)."""
    grant = _decide(grant, actor, RoleGrant.Status.CONFIRMED)
    if not grant.organisation.is_active or not grant.user.is_active:
        raise ValidationError(_("The person or the organisation is no longer active."))
    membership_grant(
        user=grant.user, organisation=grant.organisation, roles=[grant.role], actor=None
    )
    _notify(grant, exclude=[actor.pk] if actor else [])
    return grant


@transaction.atomic
def role_grant_refuse(*, grant: RoleGrant, actor: User | None) -> RoleGrant:
    return _decide(grant, actor, RoleGrant.Status.REFUSED)


def role_grant_record_direct(
    *, user: User, organisation: Organisation, roles: Iterable[str], actor: User
) -> list[RoleGrant]:
    """The coordinator's own grants of youth worker or Clinical Committee roles: logged as
    decided by the coordinator, and notified to the other coordinators. Called inside the
    granting transaction."""
    now = timezone.now()
    grants = []
    for role in sorted(set(roles) & CONFIRMED_ROLES):
        grant = RoleGrant(
            user=user,
            organisation=organisation,
            role=role,
            status=RoleGrant.Status.CONFIRMED,
            requested_by=actor,
            requested_at=now,
            decided_by=actor,
            decided_at=now,
        )
        grant.full_clean()
        grant.save()
        _notify(grant, exclude=[actor.pk])
        grants.append(grant)
    return grants
