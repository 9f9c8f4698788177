"""Minutes written on the agenda, annotations and case presentations, with optimistic locking so
that two people never overwrite each other silently (DOMAIN.md: Committees — the case
presentation's status, priority issues, challenges, successes and the four
motivational-interviewing processes)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from committees.access import may_open
from committees.models import PRESENTATION_FIELDS, AgendaItem, CasePresentation, ItemKind
from committees.services._common import check_no_names, open_meeting, require_coordinator
from referrals import access as participant_access
from spheres.models import User


class MinutesConflict(ValidationError):
    """Someone else saved this item since the form was opened."""


def _conflict():
    return MinutesConflict(
        _(
            "Someone else saved this item while you were writing. Your text is kept below: "
            "compare and save again."
        ),
        code="conflict",
    )


def _locked_item(item: AgendaItem) -> AgendaItem:
    meeting = open_meeting(item.meeting)
    return (
        AgendaItem.objects.select_for_update(of=("self",))
        .select_related("participant__referral", "referral", "meeting__committee")
        .get(pk=item.pk, meeting=meeting)
    )


def may_write_about(user: User, item: AgendaItem) -> bool:
    """The coordinator; a member who may see the participant the item is about (a candidate's
    referral is the coordinator's alone); any member for an item about no one."""
    if participant_access.is_coordinator(user):
        return True
    if not may_open(user, item.meeting.committee):
        return False
    if item.referral_id:
        return False
    if item.participant_id:
        visible = participant_access.participants_visible_to(user)
        return visible.filter(pk=item.participant_id).exists()
    return True


@transaction.atomic
def minutes_save(*, item: AgendaItem, actor: User, minutes: str, version: int) -> AgendaItem:
    """Minutes of one agenda item. `version` is the one the form was opened with: if someone
    saved in between, the save is refused and the writer keeps their text."""
    item = _locked_item(item)
    if not may_write_about(actor, item):
        raise PermissionDenied
    if version != item.version:
        raise _conflict()
    check_no_names(item, {"minutes": minutes}, actor)
    item.minutes = minutes.strip()
    item.minutes_updated_by, item.minutes_updated_at = actor, timezone.now()
    item.version += 1
    item.save(update_fields=["minutes", "minutes_updated_by", "minutes_updated_at", "version"])
    return item


@transaction.atomic
def item_annotate(*, item: AgendaItem, actor: User, note: str, version: int) -> AgendaItem:
    """The coordinator's annotation on an item (same lock as the minutes)."""
    require_coordinator(actor)
    item = _locked_item(item)
    if version != item.version:
        raise _conflict()
    check_no_names(item, {"note": note}, actor)
    item.note = note.strip()
    item.version += 1
    item.save(update_fields=["note", "version"])
    return item


@transaction.atomic
def presentation_save(
    *, item: AgendaItem, actor: User, version: int | None = None, **fields
) -> CasePresentation:
    """The case presentation record: written by the coordinator or a worker who may change the
    participant's file (the presenter is the primary worker)."""
    unknown = set(fields) - set(PRESENTATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown presentation fields: {sorted(unknown)}")
    item = _locked_item(item)
    if item.kind != ItemKind.PRESENTATION or item.participant is None:
        raise ValidationError(_("Only a case on the agenda has a presentation."))
    participant_access.require_change(actor, item.participant)
    check_no_names(item, fields, actor)
    presentation = CasePresentation.objects.select_for_update().filter(item=item).first()
    if presentation is None:
        presentation = CasePresentation(item=item, updated_by=actor)
    elif version != presentation.version:
        raise _conflict()
    else:
        presentation.version += 1
    for name, value in fields.items():
        setattr(presentation, name, (value or "").strip())
    presentation.updated_by, presentation.updated_at = actor, timezone.now()
    presentation.full_clean()
    presentation.save()
    return presentation
