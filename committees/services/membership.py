"""Committees and their members (DOMAIN.md: Committees — each partner names a titular and a
substitute representative; the Extended Committee includes people who have no account)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from committees.models import Committee, CommitteeKind, CommitteeMember, MemberRole
from committees.rules import DEFAULT_DURATION
from committees.services._common import require_coordinator
from spheres.models import Organisation, User


@transaction.atomic
def committee_create(
    *,
    actor: User,
    kind: str,
    name: str,
    default_place: str = "",
    default_video_link: str = "",
    default_duration_minutes: int | None = None,
    presentations_per_worker: int = 1,
) -> Committee:
    """The coordinator plans and hosts the committees."""
    require_coordinator(actor)
    committee = Committee(
        kind=kind,
        name=name.strip(),
        default_place=default_place.strip(),
        default_video_link=default_video_link,
        default_duration_minutes=default_duration_minutes or DEFAULT_DURATION.get(kind, 120),
        presentations_per_worker=presentations_per_worker,
        created_by=actor,
    )
    committee.full_clean()
    committee.save()
    return committee


def _overlaps(committee, user, starts_on, ends_on):
    later = Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on)
    earlier = Q() if ends_on is None else Q(starts_on__lte=ends_on)
    return CommitteeMember.objects.filter(later & earlier, committee=committee, user=user).exists()


@transaction.atomic
def member_add(
    *,
    committee: Committee,
    actor: User,
    starts_on: datetime.date,
    user: User | None = None,
    organisation: Organisation | None = None,
    external_name: str = "",
    external_organisation: str = "",
    external_email: str = "",
    role: str = MemberRole.TITULAR,
    ends_on: datetime.date | None = None,
) -> CommitteeMember:
    """A seat for a person with an account, or, on the Extended Committee only, for a person of
    another regional organisation who has none (they receive agendas by e-mail, never nominative
    content). A person holds one seat at a time on a committee."""
    require_coordinator(actor)
    external_name, external_email = external_name.strip(), external_email.strip()
    if (user is None) == (not external_name):
        raise ValidationError(
            {"user": _("Choose a person with an account, or give the name of a person without.")}
        )
    if user is None and committee.kind != CommitteeKind.EXTENDED:
        raise ValidationError(
            {"external_name": _("Only the Extended Committee has members without an account.")}
        )
    if user is None and not external_email:
        raise ValidationError(
            {"external_email": _("A member without an account receives agendas by e-mail.")}
        )
    if user is not None:
        if not user.is_active:
            raise ValidationError({"user": _("This account is deactivated.")})
        if _overlaps(committee, user, starts_on, ends_on):
            raise ValidationError({"user": _("This person already has a seat for these dates.")})
        if organisation is None:
            membership = user.memberships.filter(is_active=True).select_related("organisation")
            organisation = next((m.organisation for m in membership), None)
    member = CommitteeMember(
        committee=committee,
        user=user,
        organisation=organisation,
        external_name=external_name,
        external_organisation=external_organisation.strip(),
        external_email=external_email,
        role=role,
        starts_on=starts_on,
        ends_on=ends_on,
        added_by=actor,
    )
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def member_end(*, member: CommitteeMember, actor: User, ends_on: datetime.date) -> CommitteeMember:
    """A seat ends on a date; the person keeps nothing of the committee after it."""
    require_coordinator(actor)
    member = CommitteeMember.objects.select_for_update().get(pk=member.pk)
    if ends_on < member.starts_on:
        raise ValidationError({"ends_on": _("The seat cannot end before it starts.")})
    member.ends_on = ends_on
    member.full_clean()
    member.save(update_fields=["ends_on"])
    return member
