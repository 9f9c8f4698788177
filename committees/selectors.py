"""Reads for committee pages: committees and members, meetings, the agenda as one person may see
it, action items. A fixed number of queries whatever the size of the agenda."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from committees.access import committees_for, current_seats
from committees.models import (
    PRESENTATION_FIELDS,
    ActionItem,
    ActionStatus,
    AgendaItem,
    Attendance,
    Committee,
    CommitteeMember,
    Decision,
    DecisionKind,
    ItemKind,
    ItemNews,
    Meeting,
)
from committees.rules import DECISIONS_FOR, referral_number, sections_for
from referrals import access as participant_access
from referrals import selectors as referral_selectors
from spheres.models import User


def committee_list(user: User) -> QuerySet[Committee]:
    return committees_for(user).order_by("kind", "name")


def members_of(committee: Committee, *, on: datetime.date | None = None) -> QuerySet:
    qs = committee.members.select_related("user", "organisation").order_by(
        "role", "user__last_name", "external_name", "pk"
    )
    return qs.filter(current_seats(on)) if on else qs


def meetings_of(committee: Committee) -> tuple[list[Meeting], list[Meeting]]:
    """(upcoming, the last twenty past) meetings."""
    now = timezone.now()
    upcoming = list(committee.meetings.filter(ends_at__gte=now).order_by("starts_at")[:20])
    past = list(committee.meetings.filter(ends_at__lt=now).order_by("-starts_at")[:20])
    return upcoming, past


def upcoming_meetings_for(user: User, limit: int = 5) -> list[Meeting]:
    return list(
        Meeting.objects.filter(
            committee__in=committees_for(user).values("pk"),
            ends_at__gte=timezone.now(),
            closed_at__isnull=True,
        )
        .select_related("committee")
        .order_by("starts_at")[:limit]
    )


def actions_owned_by(user: User) -> list[ActionItem]:
    return list(
        ActionItem.objects.filter(owner=user, status=ActionStatus.OPEN).select_related(
            "committee", "meeting"
        )
    )


def committee_people(committee: Committee) -> QuerySet[User]:
    """Who may own an action item: members seated today with an account."""
    return User.objects.filter(
        pk__in=CommitteeMember.objects.filter(
            current_seats(), committee=committee, user__isnull=False
        ).values("user_id"),
        is_active=True,
    ).order_by("last_name", "first_name")


def seated_members(meeting: Meeting) -> list[CommitteeMember]:
    day = timezone.localdate(meeting.starts_at)
    return list(members_of(meeting.committee, on=day))


def workers_for_assignment():
    return referral_selectors.youth_workers_with_caseload()


def meeting_item(meeting: Meeting, item_id: int) -> AgendaItem | None:
    return (
        meeting.items.select_related("participant__referral", "referral", "presentation")
        .filter(pk=item_id, removed_at__isnull=True)
        .first()
    )


def action_of(user: User, pk: int) -> ActionItem | None:
    """An action item of a committee this person opens."""
    return (
        ActionItem.objects.filter(pk=pk, committee__in=committees_for(user).values("pk"))
        .select_related("meeting")
        .first()
    )


@dataclass
class Section:
    kind: str
    label: str
    items: list[AgendaItem] = field(default_factory=list)


@dataclass
class Agenda:
    meeting: Meeting
    sections: list[Section]
    removed: list[AgendaItem]
    actions: list[ActionItem]
    attendances: list[Attendance]
    decisions: list[Decision]
    shown_participants: list[int]
    shown_referrals: list[int]
    is_coordinator: bool

    @property
    def items(self) -> list[AgendaItem]:
        return [item for section in self.sections for item in section.items]


def _items(meeting: Meeting) -> QuerySet[AgendaItem]:
    return meeting.items.select_related(
        "referral",
        "participant__referral",
        "participant__followup",
        "status_change",
        "handover_item__handover__departing",
        "handover_item__successor",
        "action_item__owner",
        "action_item__meeting",
        "presenter",
        "presentation",
        "handled_by",
    ).prefetch_related(
        Prefetch("news", queryset=ItemNews.objects.select_related("author")),
    )


def agenda(meeting: Meeting, user: User) -> Agenda:
    """The agenda as this person may see it. Each item carries `identifier` (youth ID or referral
    number) and `may_see`: names and content only where the access policy lets this person see
    the participant (a candidate's referral: the coordinator only); everyone else sees the item
    with its identifier alone. `shown_participants` and `shown_referrals` (candidates): whose
    content was shown (for the read log)."""
    coordinator = participant_access.is_coordinator(user)
    items = list(_items(meeting))
    participant_ids = {i.participant_id for i in items if i.participant_id}
    if coordinator:
        visible = participant_ids
    elif participant_ids:
        visible = set(
            participant_access.participants_visible_to(user)
            .filter(pk__in=participant_ids)
            .values_list("pk", flat=True)
        )
    else:
        visible = set()
    editable = coordinator and meeting.committee.is_clinical and not meeting.is_closed
    for item in items:
        if item.participant_id:
            item.identifier = item.participant.youth_id
            item.may_see = item.participant_id in visible
        elif item.referral_id:
            item.identifier, item.may_see = referral_number(item.referral_id), coordinator
        else:
            item.identifier, item.may_see = "", True
        item.visible_news = [n for n in item.news.all() if item.may_see or n.author_id == user.pk]
        item.decision_choices = [
            (kind, DecisionKind(kind).label)
            for kind in (DECISIONS_FOR.get(item.kind, []) if editable else [])
        ]
        record = getattr(item, "presentation", None)
        item.presentation_record = record
        item.presentation_rows = [
            (record._meta.get_field(name).verbose_name, getattr(record, name))
            for name in PRESENTATION_FIELDS
            if record is not None and getattr(record, name)
        ]
    decisions = list(
        Decision.objects.filter(meeting=meeting).select_related(
            "recorded_by",
            "assignment__worker",
            "second_assignment__worker",
            "risk_assessment",
            "admitted",
            "followup_change",
            "referral_change",
        )
    )
    by_item: dict[int, list[Decision]] = {}
    for decision in decisions:
        by_item.setdefault(decision.item_id, []).append(decision)
    for item in items:
        item.item_decisions = by_item.get(item.pk, [])
    sections = []
    for kind in sections_for(meeting.committee.kind):
        members = [i for i in items if i.kind == kind and i.removed_at is None]
        sections.append(Section(kind, ItemKind(kind).label, members))
    return Agenda(
        meeting=meeting,
        sections=sections,
        removed=[i for i in items if i.removed_at is not None] if coordinator else [],
        actions=list(meeting.actions.select_related("owner")),
        attendances=list(
            meeting.attendances.select_related(
                "member__user", "member__organisation", "replaces__user"
            )
        ),
        decisions=decisions,
        shown_participants=sorted(
            i.participant_id for i in items if i.participant_id and i.may_see
        ),
        shown_referrals=sorted(
            i.referral_id for i in items if i.referral_id and not i.participant_id and i.may_see
        ),
        is_coordinator=coordinator,
    )


def agenda_item_for(meeting: Meeting, item: AgendaItem, user: User) -> AgendaItem:
    """One item with `identifier` and `may_see`, as `agenda` computes them."""
    coordinator = participant_access.is_coordinator(user)
    if item.participant_id:
        item.identifier = item.participant.youth_id
        item.may_see = (
            coordinator
            or participant_access.participants_visible_to(user)
            .filter(pk=item.participant_id)
            .exists()
        )
    elif item.referral_id:
        item.identifier, item.may_see = referral_number(item.referral_id), coordinator
    else:
        item.identifier, item.may_see = "", True
    return item


def attendance_initial(meeting: Meeting) -> dict:
    initial = {}
    for row in meeting.attendances.all():
        initial[f"status_{row.member_id}"] = row.status
        if row.replaces_id:
            initial[f"replaces_{row.member_id}"] = str(row.replaces_id)
    return initial
