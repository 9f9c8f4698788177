"""Pure rules of the core: who needs a second person to receive a role (no database access
beyond the roles of the people involved)."""

from spheres.models import Role, RoleGrant, User
from spheres.selectors import roles_of

# Roles that open participant files are never granted by one person alone (DOMAIN: People).
CONFIRMED_ROLES = frozenset({Role.COORDINATOR, Role.YOUTH_WORKER, Role.CLINICAL_COMMITTEE})


def needs_confirmation(actor: User | None, role: str) -> bool:
    """True when `actor` asking for `role` only files a request. System callers (migrations,
    seed_demo, the server's shell) grant directly."""
    if actor is None or role not in CONFIRMED_ROLES:
        return False
    if role == Role.COORDINATOR:
        return True
    return Role.COORDINATOR not in roles_of(actor)


def may_decide(actor: User, grant: RoleGrant) -> bool:
    """Neither the requester nor the person concerned decides; the coordinator decides, and for
    the coordinator role a Steering Committee member may too."""
    if actor.pk in (grant.requested_by_id, grant.user_id):
        return False
    roles = roles_of(actor)
    if grant.role == Role.COORDINATOR:
        return bool(roles & {Role.COORDINATOR, Role.STEERING_COMMITTEE})
    return Role.COORDINATOR in roles
