"""Roles that open participant files are never granted by one person alone.

Administrators manage accounts and organisations and never see case content (DOMAIN.md: People):
a coordinator, youth worker or Clinical Committee role they ask for waits until a coordinator
confirms it. The coordinator role itself (which opens every file) always takes a second person:
another coordinator or a Steering Committee member. The coordinator grants youth worker and
Clinical Committee roles directly. Every such grant is kept here (RoleGrant) and e-mailed to the
coordinators, with no name in the message.
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from spheres import selectors
from spheres.models import Organisation, Role, RoleGrant, User

CONFIRMED_ROLES = frozenset({Role.COORDINATOR, Role.YOUTH_WORKER, Role.CLINICAL_COMMITTEE})


def needs_confirmation(actor: User | None, role: str) -> bool:
    """True when `actor` asking for `role` only files a request. System callers (migrations,
    seed_demo, the server's shell) grant directly."""
    if actor is None or role not in CONFIRMED_ROLES:
        return False
    if role == Role.COORDINATOR:
        return True
    return Role.COORDINATOR not in selectors.roles_of(actor)


def may_decide(actor: User, grant: RoleGrant) -> bool:
    """Neither the requester nor the person concerned decides; the coordinator decides, and for
    the coordinator role a Steering Committee member may too."""
    if actor.pk in (grant.requested_by_id, grant.user_id):
        return False
    roles = selectors.roles_of(actor)
    if grant.role == Role.COORDINATOR:
        return bool(roles & {Role.COORDINATOR, Role.STEERING_COMMITTEE})
    return Role.COORDINATOR in roles


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
    from spheres.tasks import send_role_grant_notice

    grant_id, recipient_ids = grant.pk, sorted(recipients)
    transaction.on_commit(lambda: send_role_grant_notice.delay(grant_id, recipient_ids))


@transaction.atomic
def role_grant_request(
    *, user: User, organisation: Organisation, role: str, actor: User | None
) -> RoleGrant:
    """Ask for a role that opens participant files; nothing is granted until confirmed."""
    from spheres.services import _check_may_grant

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
    from spheres.services import membership_grant

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
