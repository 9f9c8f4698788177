"""Helpers shared by the committee services: the host check, the open-meeting lock and the check
that keeps a participant's or candidate's name out of committee documents."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from committees.models import AgendaItem, Meeting
from committees.rules import NAME_IN_TEXT, name_words, names_in, words_among
from referrals.access import is_coordinator, participants_visible_to, require_coordinator
from referrals.models import Referral
from spheres.models import User

__all__ = [
    "agenda_names",
    "check_no_names",
    "linked_names",
    "names_known_to",
    "check_no_program_names",
    "open_meeting",
    "require_coordinator",
]


def open_meeting(meeting: Meeting) -> Meeting:
    """Lock the meeting and re-read it: every change to a meeting runs inside this lock, so its
    decisions and minutes are one transaction with the meeting. A closed meeting takes no change
    until it is reopened (recorded)."""
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("committee")
        .get(pk=meeting.pk)
    )
    if meeting.is_closed:
        raise ValidationError(_("This meeting is closed: reopen it to change it."))
    return meeting


def linked_names(item: AgendaItem) -> list[str]:
    """The names of the person an item is about (participant or candidate), to keep them out."""
    referral = item.participant.referral if item.participant_id else item.referral
    if referral is None:
        return []
    return [referral.first_name, referral.last_name, referral.preferred_name]


def agenda_names(meeting: Meeting) -> list[str]:
    """The names of everyone the meeting's agenda is about."""
    items = meeting.items.select_related("participant__referral", "referral")
    return [name for item in items for name in linked_names(item)]


def names_known_to(actor: User, item: AgendaItem) -> list[str]:
    """The names the check compares text with: those of the person the item is about (for an
    item about no one, of everyone on the agenda), limited to the people `actor` may see. A
    refusal quotes the names it found, so it must never answer with a name the writer could not
    read: checked against every name, the form would tell a member who the youth ID hides. The
    coordinator sees everyone; candidates (referrals) are the coordinator's alone."""
    about_someone = item.participant_id or item.referral_id
    if is_coordinator(actor):
        return linked_names(item) if about_someone else agenda_names(item.meeting)
    if about_someone:
        items = [item] if item.participant_id else []
    else:
        items = list(
            item.meeting.items.filter(participant__isnull=False).select_related(
                "participant__referral"
            )
        )
    seen = set(
        participants_visible_to(actor)
        .filter(pk__in=[i.participant_id for i in items])
        .values_list("pk", flat=True)
    )
    return [name for i in items if i.participant_id in seen for name in linked_names(i)]


def check_no_names(item: AgendaItem, fields: dict[str, str], actor: User) -> None:
    """Refuse text that names the person the item is about (for an item about no one, anyone the
    agenda is about), among the people the writer may see: committee documents identify people
    by youth ID or referral number only, and the documents also blot out the item's person's
    names whoever typed them (committees.documents). The coordinator's text on an item about no
    one (its minutes, its annotation) is also checked against every youth the program knows: on
    a Steering, Joint or Extended agenda, which is about no one, the agenda's names catch
    nothing, and the documents blot out only the names of people on the agenda."""
    names = names_known_to(actor, item)
    _refuse_names(fields, lambda text: names_in(text, names))
    if is_coordinator(actor) and not (item.participant_id or item.referral_id):
        check_no_program_names(fields)


def check_no_program_names(fields: dict[str, str]) -> None:
    """The coordinator's text about no one (an action item, a topic), which the invitation
    e-mail may carry to members without an account: refused if it holds a name of anyone the
    program knows (every referral's names), not only of the people on this agenda (a Steering
    agenda has none). Only the coordinator writes these, who may see every name."""
    words = name_words(
        name
        for field in ("first_name", "last_name", "preferred_name")
        for name in Referral.objects.order_by().values_list(field, flat=True).distinct()
    )
    _refuse_names(fields, lambda text: words_among(text, words))


def _refuse_names(fields: dict[str, str], found_in) -> None:
    """Refuse, beside each field, the text where `found_in(text)` finds names (quoted)."""
    errors = {}
    for field, text in fields.items():
        found = found_in(text)
        if found:
            errors[field] = NAME_IN_TEXT % {"names": ", ".join(found)}
    if errors:
        raise ValidationError(errors)
