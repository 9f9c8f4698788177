"""Onboarding a region's staff from a spreadsheet, one row at a time (the admin's imports:
spheres.resources). Each row goes through the account services, so a row changes exactly what
the same step typed in the admin or on the invitation page would:

- an organisation is matched by its short name, else by its name (case ignored); a new one is
  created with its group (organisation_create), a known one updated (organisation_update);
- a person is matched by e-mail (case ignored); an unknown e-mail is invited (user_invite): the
  account has no usable password and the person chooses one through the invitation link; a
  spreadsheet never carries a password;
- roles that open participant files, asked for by someone who may not grant them alone (an
  administrator), become requests that a coordinator confirms (role_grant_request), as on the
  invitation page; the others are granted (membership_grant);
- nothing is ever taken away: a role missing from the row stays, a blank hours cell keeps the
  hours recorded.

The same file imported twice changes nothing the second time (each row answers "unchanged").
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from spheres import selectors
from spheres.models import Membership, Organisation, Role, RoleGrant, User
from spheres.rules import needs_confirmation
from spheres.services.accounts import (
    membership_grant,
    membership_set_hours,
    organisation_create,
    organisation_update,
    role_grant_request,
    user_invite,
)

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


def _require_administrator(actor: User) -> None:
    """Imports belong to the Django admin: superusers and administrators only."""
    if not (actor.is_superuser or Role.ADMINISTRATOR in selectors.roles_of(actor)):
        raise PermissionDenied


def organisation_match(*, name: str, short_name: str) -> Organisation | None:
    """The organisation a row names: by short name, else by name. A row whose short name and
    name point at two different organisations is refused rather than guessed."""
    found = list(
        Organisation.objects.filter(Q(short_name__iexact=short_name) | Q(name__iexact=name))
    )
    by_code = [o for o in found if o.short_name.lower() == short_name.lower()]
    by_name = [o for o in found if o.name.lower() == name.lower()]
    if by_code and by_name and by_code[0] != by_name[0]:
        raise ValidationError(
            {
                "short_name": _(
                    "This short name belongs to %(code)s and this name to %(other)s: correct "
                    "one of them."
                )
                % {"code": by_code[0].name, "other": by_name[0].short_name}
            }
        )
    return (by_code or by_name or [None])[0]


@transaction.atomic
def organisation_import(
    *, actor: User, name: str, short_name: str, sector: str
) -> tuple[Organisation, str]:
    """Create or update one organisation from a row; (organisation, created/updated/unchanged).
    Activity is not imported: deactivating stays in the admin's form, with its checks."""
    _require_administrator(actor)
    existing = organisation_match(name=name, short_name=short_name)
    if existing is None:
        return organisation_create(name=name, short_name=short_name, sector=sector), CREATED
    if (existing.name, existing.short_name, existing.sector) == (name, short_name, sector):
        return existing, UNCHANGED
    organisation_update(
        organisation=existing,
        name=name,
        short_name=short_name,
        sector=sector,
        is_active=existing.is_active,
    )
    return existing, UPDATED


@dataclass
class StaffImport:
    """What one staff row did."""

    user: User
    membership: Membership | None
    outcome: str
    invited: bool = False
    granted: set[str] = field(default_factory=set)
    requested: set[str] = field(default_factory=set)
    refused: set[str] = field(default_factory=set)  # refused before: not asked again


def _decided_or_pending(user: User, organisation: Organisation) -> tuple[set[str], set[str]]:
    """The roles awaiting confirmation, and those whose last request was refused: a file
    imported again must neither ask twice nor overturn a refusal by asking again (the admin's
    membership page asks again, on purpose)."""
    pending, refused, seen = set(), set(), set()
    grants = RoleGrant.objects.filter(user=user, organisation=organisation).order_by(
        "-requested_at", "-pk"
    )
    for role, status in grants.values_list("role", "status"):
        if role in seen:
            continue  # an older request for the same role
        seen.add(role)
        if status == RoleGrant.Status.PENDING:
            pending.add(role)
        elif status == RoleGrant.Status.REFUSED:
            refused.add(role)
    return pending, refused


@transaction.atomic
def staff_import(
    *,
    actor: User,
    email: str,
    first_name: str,
    last_name: str,
    organisation: Organisation,
    roles: Iterable[str],
    hours_per_week: int | None = None,
) -> StaffImport:
    """One person's membership of one organisation, from a row (see the module's docstring)."""
    _require_administrator(actor)
    roles = set(roles)
    if not roles:
        raise ValidationError({"roles": _("Choose at least one role.")})
    if not organisation.is_active:
        raise ValidationError({"organisation": _("This organisation is inactive.")})
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        if not first_name.strip() or not last_name.strip():
            raise ValidationError(
                {"first_name": _("A new person needs a first name and a last name.")}
            )
        user = user_invite(
            actor=actor,
            email=email,
            first_name=first_name,
            last_name=last_name,
            organisation=organisation,
            roles=roles,
        )
        result = StaffImport(user=user, membership=None, outcome=CREATED, invited=True)
        result.requested = {r for r in roles if needs_confirmation(actor, r)}
        result.granted = roles - result.requested
    else:
        if not user.is_active:
            raise ValidationError(
                {"email": _("This account is deactivated: reactivate it in the admin first.")}
            )
        held = set(
            Membership.objects.filter(
                user=user, organisation=organisation, is_active=True
            ).values_list("roles__role", flat=True)
        ) - {None}
        pending, refused = _decided_or_pending(user, organisation)
        result = StaffImport(user=user, membership=None, outcome=UNCHANGED)
        result.refused = (roles - held) & refused
        missing = roles - held - pending - refused
        result.requested = {r for r in missing if needs_confirmation(actor, r)}
        result.granted = missing - result.requested
        if result.granted:
            membership_grant(
                user=user, organisation=organisation, roles=result.granted, actor=actor
            )
        for role in sorted(result.requested):
            role_grant_request(user=user, organisation=organisation, role=role, actor=actor)
        if missing:
            result.outcome = UPDATED
    membership = Membership.objects.filter(user=user, organisation=organisation).first()
    if hours_per_week is not None and getattr(membership, "hours_per_week", None) != hours_per_week:
        if membership is None:
            # Every role awaits confirmation: the membership waits, inactive and without a role
            # (as revoking the last role leaves it), holding the hours until a role is confirmed
            # (membership_grant then reactivates it).
            membership = Membership.objects.create(
                user=user, organisation=organisation, is_active=False
            )
        membership_set_hours(membership=membership, hours_per_week=hours_per_week, actor=actor)
        if result.outcome == UNCHANGED:
            result.outcome = UPDATED
    result.membership = membership
    return result
