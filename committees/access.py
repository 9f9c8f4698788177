"""Who may open a committee and its meetings: the coordinator, who hosts every committee, and the
committee's current members with an account. Anyone else gets 404, as for a missing meeting,
and the refusal goes to the read log (ids only). What a member then sees of a participant on a
Clinical agenda is the participant access policy's answer (referrals.access)."""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from committees.models import Committee, CommitteeMember, Meeting
from referrals.access import is_coordinator
from spheres.models import ReadLogEntry, User
from spheres.services import read_log_record


def current_seats(on=None) -> Q:
    """Seats current on a date (today by default), as a filter on CommitteeMember."""
    on = on or timezone.localdate()
    return Q(starts_on__lte=on) & (Q(ends_on__isnull=True) | Q(ends_on__gte=on))


def committees_for(user: User) -> QuerySet[Committee]:
    if is_coordinator(user):
        return Committee.objects.all()
    if not user.is_authenticated or not user.is_active:
        return Committee.objects.none()
    seats = CommitteeMember.objects.filter(current_seats(), user=user)
    return Committee.objects.filter(pk__in=seats.values("committee_id"), is_active=True)


def is_member(user: User, committee: Committee) -> bool:
    return CommitteeMember.objects.filter(current_seats(), user=user, committee=committee).exists()


def may_open(user: User, committee: Committee) -> bool:
    return is_coordinator(user) or (committee.is_active and is_member(user, committee))


def _refuse(user: User, object_type: str, object_id, view_name: str):
    read_log_record(
        user=user,
        action=ReadLogEntry.Action.DENIED,
        object_type=object_type,
        object_id=object_id,
        view_name=view_name,
    )
    raise Http404


def get_committee_for_user(user: User, pk: int, *, view_name: str = "") -> Committee:
    committee = committees_for(user).filter(pk=pk).first()
    if committee is None:
        _refuse(user, "committee", pk, view_name)
    return committee


def get_meeting_for_user(
    user: User, public_id, *, view_name: str = "", queryset: QuerySet | None = None
) -> Meeting:
    """The meeting if this person may open its committee; 404 otherwise (missing or not theirs)."""
    base = queryset if queryset is not None else Meeting.objects.select_related("committee")
    meeting = base.filter(
        public_id=public_id, committee__in=committees_for(user).values("pk")
    ).first()
    if meeting is None:
        existing = Meeting.objects.filter(public_id=public_id).values_list("pk", flat=True).first()
        _refuse(user, "meeting", existing, view_name)
    return meeting
