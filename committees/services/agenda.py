"""The agenda the system prepares, and the coordinator's edits (DOMAIN.md: Committees).

committees sits above referrals and followups: the agenda *pulls* each source from their
selectors; nothing below writes here. A refresh runs when the meeting is created, then (the
periodic job, or the coordinator's button) until the meeting starts. It adds what is new, drops
what no longer applies if nobody touched it, and never brings back what the coordinator removed
or what was handled at an earlier meeting."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Subquery
from django.db.models.expressions import Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from committees.access import current_seats, may_open
from committees.models import (
    ActionItem,
    ActionStatus,
    AgendaItem,
    CasePresentation,
    CommitteeMember,
    Decision,
    ItemKind,
    ItemNews,
    Meeting,
    NewsSource,
)
from committees.rules import HANDLED_ONCE, sections_for, source_key
from committees.services._common import (
    check_no_names,
    open_meeting,
    require_coordinator,
)
from followups import selectors as followup_selectors
from referrals import access as participant_access
from referrals import selectors as referral_selectors
from referrals.models import AssignmentRole, ReferralStatus
from referrals.rules import youth_id_from_typed
from spheres.models import User


@dataclass(frozen=True)
class Source:
    kind: str
    key: str
    referral_id: int | None = None
    participant_id: int | None = None
    status_change_id: int | None = None
    handover_item_id: int | None = None
    action_item_id: int | None = None
    presenter_id: int | None = None


def _window(meeting: Meeting) -> tuple[datetime.datetime, datetime.date]:
    """Since the previous meeting started (or a week before the first one), until the next
    meeting's date (or a week after this one, when none is planned)."""
    same = Meeting.objects.filter(committee_id=meeting.committee_id)
    previous = (
        same.filter(starts_at__lt=meeting.starts_at)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    following = (
        same.filter(starts_at__gt=meeting.starts_at)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    week = datetime.timedelta(days=7)
    since = previous or min(meeting.committee.created_at, meeting.starts_at - week)
    until = timezone.localdate(following or meeting.starts_at + week)
    return since, until


def _clinical_sources(meeting: Meeting, since, until) -> list[Source]:
    sources = []
    recruiters = list(referral_selectors.recruiters_to_assess().values_list("pk", flat=True))
    for pk in recruiters:
        kind = ItemKind.RECRUITER_ASSESSMENT
        sources.append(Source(kind, source_key(kind, pk), referral_id=pk))
    # A recruiter's referral is discussed once, under its risk assessment (which comes first).
    decisions = referral_selectors.referrals_for_committee().exclude(pk__in=recruiters)
    for pk, status, change_id in decisions.values_list("pk", "status", "status_change_id"):
        kind = (
            ItemKind.REFERRAL_AWAITING
            if status == ReferralStatus.AWAITING_COMMITTEE
            else ItemKind.REFERRAL_REFLECTING
        )
        sources.append(Source(kind, source_key(kind, pk, change_id), referral_id=pk))
    inactive = followup_selectors.followups_made_inactive(since).filter(
        changed_at__lt=meeting.starts_at
    )
    for pk, participant_id in inactive.values_list("pk", "followup__participant_id"):
        kind = ItemKind.FOLLOWUP_INACTIVE
        sources.append(
            Source(kind, source_key(kind, pk), participant_id=participant_id, status_change_id=pk)
        )
    orphans = followup_selectors.followups_without_active_worker()
    for participant_id, ended_id in orphans.values_list("participant_id", "last_ended_id"):
        kind = ItemKind.WITHOUT_WORKER
        sources.append(
            Source(kind, source_key(kind, participant_id, ended_id), participant_id=participant_id)
        )
    for participant_id, change_id in followup_selectors.breaks_resuming_before(until).values_list(
        "participant_id", "break_change_id"
    ):
        kind = ItemKind.BREAK_ENDING
        sources.append(Source(kind, source_key(kind, change_id), participant_id=participant_id))
    handovers = followup_selectors.handovers_since(since).filter(
        handover__performed_at__lt=meeting.starts_at
    )
    for pk, participant_id in handovers.values_list("pk", "participant_id"):
        kind = ItemKind.HANDOVER
        sources.append(
            Source(kind, source_key(kind, pk), participant_id=participant_id, handover_item_id=pk)
        )
    return sources


def _action_sources(meeting: Meeting) -> list[Source]:
    """Open action items from earlier meetings roll over until they are done."""
    open_actions = ActionItem.objects.filter(
        committee_id=meeting.committee_id,
        status=ActionStatus.OPEN,
        meeting__starts_at__lt=meeting.starts_at,
    ).values_list("pk", flat=True)
    kind = ItemKind.ACTION_ITEM
    return [Source(kind, source_key(kind, pk), action_item_id=pk) for pk in open_actions]


def _rotation(meeting: Meeting, existing: list[AgendaItem]) -> list[Source]:
    """Case presentations by rotation: each worker on the committee presents
    `presentations_per_worker` of the follow-ups they hold as primary worker, those presented
    least recently at this committee first (never presented before anything else). A follow-up
    already on this agenda, or removed from it, is not picked again."""
    wanted = meeting.committee.presentations_per_worker
    if not wanted:
        return []
    day = timezone.localdate(meeting.starts_at)
    workers = set(
        CommitteeMember.objects.filter(
            current_seats(day), committee_id=meeting.committee_id, user__isnull=False
        ).values_list("user_id", flat=True)
    )
    presentations = [i for i in existing if i.kind == ItemKind.PRESENTATION]
    taken = {i.participant_id for i in presentations}
    room = {w: wanted for w in workers}
    for item in presentations:
        if item.removed_at is None and item.presenter_id in room:
            room[item.presenter_id] -= 1
    workers = {w for w, n in room.items() if n > 0}
    if not workers:
        return []
    last_presented = (
        AgendaItem.objects.filter(
            participant_id=OuterRef("pk"),
            kind=ItemKind.PRESENTATION,
            removed_at__isnull=True,
            meeting__committee_id=meeting.committee_id,
            meeting__starts_at__lt=meeting.starts_at,
        )
        .values("participant_id")
        .annotate(last=Max("meeting__starts_at"))
        .values("last")
    )
    ranked = (
        followup_selectors.followups_to_present(workers)
        .exclude(pk__in=taken)
        .annotate(last_presented=Subquery(last_presented))
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("presenter_id")],
                order_by=[F("last_presented").asc(nulls_first=True), "admitted_on", "pk"],
            )
        )
        .filter(rank__lte=max(room[w] for w in workers))
        .values_list("pk", "presenter_id", "rank")
    )
    kind = ItemKind.PRESENTATION
    return [
        Source(kind, source_key(kind, pk), participant_id=pk, presenter_id=presenter)
        for pk, presenter, rank in sorted(ranked, key=lambda row: (row[1], row[2]))
        if rank <= room[presenter]
    ]


def _touched(item: AgendaItem) -> bool:
    return bool(
        item.removed_at
        or item.handled_at
        or item.minutes
        or item.note
        or item.has_decisions
        or item.has_news
        or item.has_presentation
    )


@transaction.atomic
def agenda_refresh(*, meeting: Meeting, force: bool = False) -> int:
    """Bring the agenda up to date with its sources; returns how many items it added. Runs until
    the meeting starts (`force` at creation, for a meeting recorded after the fact); a closed
    meeting is never touched. Each source appears once (a unique key per agenda)."""
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("committee")
        .get(pk=meeting.pk)
    )
    now = timezone.now()
    if meeting.is_closed or (meeting.has_started(now) and not force):
        return 0
    existing = list(
        meeting.items.exclude(source_key="").annotate(
            has_decisions=Exists(Decision.objects.filter(item=OuterRef("pk"))),
            has_news=Exists(ItemNews.objects.filter(item=OuterRef("pk"))),
            has_presentation=Exists(CasePresentation.objects.filter(item=OuterRef("pk"))),
        )
    )
    since, until = _window(meeting)
    sources = _action_sources(meeting)
    if meeting.committee.is_clinical:
        sources += _clinical_sources(meeting, since, until)
    else:
        # Program figures: a placeholder section until the dashboards provide them
        # (committees.figures; research registers there, since committees cannot import it).
        sources.append(Source(ItemKind.FIGURES, source_key(ItemKind.FIGURES)))
    handled = set(
        AgendaItem.objects.filter(
            meeting__committee_id=meeting.committee_id,
            handled_at__isnull=False,
            source_key__in=[s.key for s in sources if s.kind in HANDLED_ONCE],
        )
        .exclude(meeting=meeting)
        .values_list("source_key", flat=True)
    )
    wanted = {s.key: s for s in sources if s.key not in handled}
    if meeting.committee.is_clinical:
        # Kept presentations: those still active (rotation does not reshuffle a prepared agenda).
        presented = [i for i in existing if i.kind == ItemKind.PRESENTATION]
        active = followup_selectors.followups_active(i.participant_id for i in presented)
        for item in presented:
            if item.participant_id in active:
                wanted.setdefault(item.source_key, None)
        wanted.update({s.key: s for s in _rotation(meeting, existing)})
    stale = [i.pk for i in existing if i.source_key not in wanted and not _touched(i)]
    AgendaItem.objects.filter(pk__in=stale).delete()
    have = {i.source_key for i in existing}
    position = (meeting.items.aggregate(m=Max("position"))["m"] or 0) + 1
    order = {kind: n for n, kind in enumerate(sections_for(meeting.committee.kind))}
    new = sorted(
        (s for key, s in wanted.items() if s is not None and key not in have),
        key=lambda s: order.get(s.kind, 99),
    )
    AgendaItem.objects.bulk_create(
        [
            AgendaItem(
                meeting=meeting,
                kind=s.kind,
                source_key=s.key,
                position=position + n,
                referral_id=s.referral_id,
                participant_id=s.participant_id,
                status_change_id=s.status_change_id,
                handover_item_id=s.handover_item_id,
                action_item_id=s.action_item_id,
                presenter_id=s.presenter_id,
            )
            for n, s in enumerate(new)
        ]
    )
    Meeting.objects.filter(pk=meeting.pk).update(agenda_refreshed_at=now)
    return len(new)


def agenda_refresh_now(*, meeting: Meeting, actor: User) -> int:
    """The coordinator's "refresh now" button: what the periodic job does, at once."""
    require_coordinator(actor)
    if meeting.is_closed or meeting.has_started():
        raise ValidationError(_("The meeting has started: its agenda is no longer refreshed."))
    return agenda_refresh(meeting=meeting)


def agendas_refresh_upcoming() -> int:
    """The periodic job: refresh every agenda of a meeting that has not started yet, within the
    horizon. Each meeting is its own transaction; a fixed number of queries per meeting."""
    now = timezone.now()
    horizon = now + datetime.timedelta(days=settings.SPHERES_AGENDA_HORIZON_DAYS)
    meetings = Meeting.objects.filter(
        closed_at__isnull=True, starts_at__gt=now, starts_at__lte=horizon
    ).order_by("starts_at")
    return sum(agenda_refresh(meeting=m) for m in meetings)


# --- The coordinator's edits ---------------------------------------------------------------------


def _item_of(meeting: Meeting, item: AgendaItem) -> AgendaItem:
    item = (
        AgendaItem.objects.select_for_update(of=("self",))
        .select_related("participant__referral", "referral")
        .filter(pk=item.pk, meeting=meeting)
        .first()
    )
    if item is None:
        raise ValidationError(_("This item is not on this meeting's agenda."))
    return item


@transaction.atomic
def item_add(
    *, meeting: Meeting, actor: User, title: str = "", note: str = "", youth_id: str = ""
) -> AgendaItem:
    """Add an item: a topic (other business), or, on the Clinical agenda, a case to present,
    named by its youth ID (presented by its primary worker)."""
    require_coordinator(actor)
    meeting = open_meeting(meeting)
    position = (meeting.items.aggregate(m=Max("position"))["m"] or 0) + 1
    youth_id = youth_id_from_typed(youth_id)
    if youth_id:
        if not meeting.committee.is_clinical:
            raise ValidationError(
                {"youth_id": _("Only the Clinical Committee discusses individual cases.")}
            )
        participant = participant_access.participants_visible_to(actor).filter(youth_id=youth_id)
        participant = participant.first()
        if participant is None:
            raise ValidationError({"youth_id": _("No participant has this youth ID.")})
        key = source_key(ItemKind.PRESENTATION, participant.pk)
        if meeting.items.filter(source_key=key, removed_at__isnull=True).exists():
            raise ValidationError({"youth_id": _("This case is already on the agenda.")})
        primary = participant.assignments.filter(
            ended_at__isnull=True, role=AssignmentRole.PRIMARY
        ).first()
        item = meeting.items.filter(source_key=key).first() or AgendaItem(
            meeting=meeting, kind=ItemKind.PRESENTATION, source_key=key
        )
        item.participant, item.presenter = participant, primary.worker if primary else None
        item.removed_at, item.removed_by, item.position = None, None, position
        item.note = note.strip()
        check_no_names(item, {"note": item.note}, actor)
    else:
        if not title.strip():
            raise ValidationError({"title": _("Give the item a title.")})
        item = AgendaItem(
            meeting=meeting,
            kind=ItemKind.OTHER,
            title=title.strip(),
            note=note.strip(),
            position=position,
        )
        # The coordinator's topic: checked against every youth the program knows too.
        check_no_names(item, {"title": item.title, "note": item.note}, actor)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def item_move(*, item: AgendaItem, actor: User, up: bool) -> AgendaItem:
    """Reorder within its section: swap with the neighbour above or below."""
    require_coordinator(actor)
    meeting = open_meeting(item.meeting)
    item = _item_of(meeting, item)
    siblings = meeting.items.filter(kind=item.kind, removed_at__isnull=True)
    if up:
        neighbour = siblings.filter(position__lt=item.position).order_by("-position").first()
    else:
        neighbour = siblings.filter(position__gt=item.position).order_by("position").first()
    if neighbour is not None:
        item.position, neighbour.position = neighbour.position, item.position
        if item.position == neighbour.position:  # equal positions: separate them
            item.position += -1 if up else 1
        AgendaItem.objects.bulk_update([item, neighbour], ["position"])
    return item


@transaction.atomic
def item_remove(*, item: AgendaItem, actor: User) -> AgendaItem:
    """Take an item off the agenda. It stays recorded as removed, so a refresh does not bring the
    same source back; an item a decision was taken on stays."""
    require_coordinator(actor)
    meeting = open_meeting(item.meeting)
    item = _item_of(meeting, item)
    if item.decisions.exists():
        raise ValidationError(_("A decision was taken on this item: it stays on the agenda."))
    item.removed_at, item.removed_by = timezone.now(), actor
    item.save(update_fields=["removed_at", "removed_by"])
    return item


@transaction.atomic
def item_set_handled(*, item: AgendaItem, actor: User, handled: bool) -> AgendaItem:
    """Handled items do not come back on the committee's later agendas (the same source)."""
    require_coordinator(actor)
    meeting = open_meeting(item.meeting)
    item = _item_of(meeting, item)
    item.handled_at, item.handled_by = (timezone.now(), actor) if handled else (None, None)
    item.save(update_fields=["handled_at", "handled_by"])
    return item


@transaction.atomic
def news_add(*, item: AgendaItem, actor: User, source: str, text: str) -> ItemNews:
    """What police members or others know of a person whose follow-up became inactive. Any
    member of the committee may add some; only those who may see the participant read it."""
    meeting = open_meeting(item.meeting)
    item = _item_of(meeting, item)
    if not may_open(actor, meeting.committee):
        raise ValidationError(_("Only the committee's members record news."))
    if item.kind != ItemKind.FOLLOWUP_INACTIVE:
        raise ValidationError(_("News is recorded on follow-ups made inactive."))
    if source not in NewsSource.values:
        raise ValidationError({"source": _("Say where the news comes from.")})
    check_no_names(item, {"text": text}, actor)
    news = ItemNews(item=item, source=source, text=text.strip(), author=actor)
    news.full_clean()
    news.save()
    return news
