"""Reads of the shared core that depend on who is asking."""

from django.db.models import QuerySet

from spheres.models import Membership, Notification, Organisation, Role, RoleGrant, User


def roles_of(user: User, *, fresh: bool = False) -> frozenset[str]:
    """Program roles a person holds through active memberships of active organisations.

    Cached on the user object for the request: navigation, home and permission checks share it.
    """
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = None if fresh else getattr(user, "_spheres_roles", None)
    if cached is None:
        cached = frozenset(
            Membership.objects.filter(
                user=user, is_active=True, organisation__is_active=True
            ).values_list("roles__role", flat=True)
        ) - {None}
        user._spheres_roles = cached
    return cached


def unread_notification_count(request) -> int:
    """The navigation's unread count: one query, kept on the request for the rest of it."""
    cached = getattr(request, "_spheres_unread", None)
    if cached is None:
        cached = Notification.objects.filter(recipient=request.user, read_at__isnull=True).count()
        request._spheres_unread = cached
    return cached


def has_role(user: User, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def organisations_of(user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        memberships__user=user, memberships__is_active=True, is_active=True
    ).distinct()


def people_with_role(role: str) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True,
        memberships__is_active=True,
        memberships__organisation__is_active=True,
        memberships__roles__role=role,
    ).distinct()


def person(pk) -> User | None:
    """An account by id as typed in a query string; None for anything that is not one."""
    if pk is None or not str(pk).isdigit():
        return None
    return User.objects.filter(pk=pk).first()


def role_grants_to_decide(user: User) -> QuerySet:
    """Pending requests this person may confirm or refuse (spheres.role_grants.may_decide)."""
    roles = roles_of(user)
    allowed = set()
    if Role.COORDINATOR in roles:
        allowed = {Role.COORDINATOR, Role.YOUTH_WORKER, Role.CLINICAL_COMMITTEE}
    elif Role.STEERING_COMMITTEE in roles:
        allowed = {Role.COORDINATOR}
    return (
        RoleGrant.objects.filter(status=RoleGrant.Status.PENDING, role__in=allowed)
        .exclude(user=user)
        .exclude(requested_by=user)
        .select_related("user", "organisation", "requested_by")
    )


def role_grant_history(limit: int = 50) -> QuerySet:
    return RoleGrant.objects.select_related(
        "user", "organisation", "requested_by", "decided_by"
    ).order_by("-requested_at", "-pk")[:limit]


__all__ = [
    "Role",
    "has_role",
    "organisations_of",
    "people_with_role",
    "person",
    "role_grant_history",
    "role_grants_to_decide",
    "roles_of",
    "unread_notification_count",
]
