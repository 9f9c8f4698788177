"""Action items: owner, due date, status; open ones roll over to the next agendas (the agenda
pulls them) and show on their owner's home page."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from committees.access import may_open
from committees.models import ActionItem, ActionStatus, Meeting
from committees.rules import NAME_IN_TEXT, names_in
from committees.services._common import (
    agenda_names,
    check_no_program_names,
    open_meeting,
    require_coordinator,
)
from referrals.access import is_coordinator
from spheres.models import User


@transaction.atomic
def action_create(
    *,
    meeting: Meeting,
    actor: User,
    title: str,
    owner: User,
    due_on: datetime.date | None = None,
) -> ActionItem:
    """Recorded by the coordinator during the meeting. The owner is someone who opens the
    committee (a member with an account, or the coordinator). An action names no one the agenda
    is about: their youth ID or referral number is enough."""
    require_coordinator(actor)
    meeting = open_meeting(meeting)
    if not may_open(owner, meeting.committee):
        raise ValidationError({"owner": _("The owner must be a member of the committee.")})
    found = names_in(title, agenda_names(meeting))
    if found:
        raise ValidationError({"title": NAME_IN_TEXT % {"names": ", ".join(found)}})
    check_no_program_names({"title": title})
    action = ActionItem(
        committee=meeting.committee,
        meeting=meeting,
        title=title.strip(),
        owner=owner,
        due_on=due_on,
        created_by=actor,
    )
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def action_set_status(*, action: ActionItem, actor: User, status: str) -> ActionItem:
    """The owner or the coordinator marks an action done, cancelled, or open again."""
    action = ActionItem.objects.select_for_update().get(pk=action.pk)
    if action.owner_id != actor.pk and not is_coordinator(actor):
        raise PermissionDenied
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    action.status = status
    if status == ActionStatus.OPEN:
        action.closed_at, action.closed_by = None, None
    else:
        action.closed_at, action.closed_by = timezone.now(), actor
    action.save(update_fields=["status", "closed_at", "closed_by"])
    return action
