"""Committee documents: the printable agenda and minutes (HTML with a print stylesheet, and a
PDF), the calendar invitation (.ics) and the e-mail's context.

The consent form promises that "information that can identify individuals participating in the
program will not appear in any documentation": every document identifies participants by youth
ID and candidates by referral number, never by name, for every committee. Content about a
participant appears only for a reader whom the access policy lets see that participant, and
even then any occurrence of the person's names is replaced by the identifier."""

import io
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from committees import figures, selectors
from committees.models import PRESENTATION_FIELDS, ItemKind, Meeting
from committees.rules import redact, sections_for
from spheres.models import User

AGENDA, MINUTES = "agenda", "minutes"
DOCUMENTS = (AGENDA, MINUTES)


def meeting_url(meeting: Meeting) -> str:
    path = reverse("committees:meeting_detail", args=[meeting.public_id])
    return f"{settings.SPHERES_BASE_URL}{path}"


def document_filename(meeting: Meeting, doc: str, extension: str) -> str:
    """Kind, document and date: nothing about anyone."""
    day = timezone.localdate(meeting.starts_at).isoformat()
    return f"{meeting.committee.kind}-{doc}-{day}.{extension}"


def ics_filename(meeting: Meeting) -> str:
    return document_filename(meeting, "invitation", "ics")


def meeting_ics(meeting: Meeting) -> bytes:
    """The invitation members add to their calendar: the committee, when, where, the link. No
    participant data and no attendee list."""
    from icalendar import Calendar, Event  # imported when used: see render_pdf

    calendar = Calendar()
    calendar.add("prodid", "-//Spheres//Committees//FR")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{meeting.public_id}@spheres")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("summary", meeting.committee.name)
    if meeting.place:
        event.add("location", meeting.place)
    link = meeting.video_link or meeting_url(meeting)
    event.add("url", link)
    event.add("description", f"{meeting.committee.name}\n{meeting_url(meeting)}")
    calendar.add_component(event)
    return calendar.to_ical()


def _person_names(item) -> list[str]:
    referral = item.participant.referral if item.participant_id else item.referral
    if referral is None:
        return []
    return [referral.first_name, referral.last_name, referral.preferred_name]


def _redacted(text: str, everyone: list[tuple[list[str], str]]) -> str:
    """The names of everyone the agenda is about replaced by their identifiers: the item's own
    person first, then the others (the name check at writing compares text only with the names
    the writer may see, and with the item's own person's for an item about someone)."""
    if not text:
        return text
    for person, identifier in everyone:
        text = redact(text, person, identifier)
    return text


def document_agenda(meeting: Meeting, user: User) -> selectors.Agenda:
    """The agenda as this reader may see it, ready for a document: names are never shown (the
    templates print identifiers only) and the person's names are blotted out of every text."""
    agenda = selectors.agenda(meeting, user)
    everyone = [(_person_names(i), i.identifier) for i in agenda.items if _person_names(i)]
    for item in agenda.items:
        item.doc_note = _redacted(item.note, everyone) if item.may_see else ""
        item.doc_minutes = _redacted(item.minutes, everyone) if item.may_see else ""
        item.doc_news = [(n, _redacted(n.text, everyone)) for n in item.visible_news]
        record = item.presentation_record if item.may_see else None
        item.doc_presentation = (
            [
                (
                    record._meta.get_field(name).verbose_name,
                    _redacted(getattr(record, name), everyone),
                )
                for name in PRESENTATION_FIELDS
                if getattr(record, name)
            ]
            if record
            else []
        )
        if item.kind == ItemKind.BREAK_ENDING and item.may_see:
            item.doc_terms = _redacted(item.participant.followup.break_terms, everyone)
        if item.kind == ItemKind.HANDOVER and item.may_see:
            item.doc_summary = _redacted(item.handover_item.summary, everyone)
    return agenda


def document_context(meeting: Meeting, user: User, doc: str) -> dict:
    return {
        "meeting": meeting,
        "agenda": document_agenda(meeting, user),
        "doc": doc,
        "figures": None if meeting.committee.is_clinical else figures.program_figures(meeting),
        "generated_at": timezone.now(),
    }


def _static_path(uri: str, rel) -> str:
    """xhtml2pdf reads our own stylesheet from disk, never from the network."""
    if uri.startswith(settings.STATIC_URL) or uri.startswith("/" + settings.STATIC_URL):
        relative = uri.split(settings.STATIC_URL, 1)[1]
        found = finders.find(relative)
        if found:
            return str(Path(found))
    return ""


def render_pdf(html: str) -> bytes:
    # Imported when a PDF is asked for: xhtml2pdf (reportlab and the rest) adds some 50 MB to
    # every process that imports the views, Celery workers and commands included.
    from xhtml2pdf import pisa

    out = io.BytesIO()
    result = pisa.CreatePDF(html, dest=out, link_callback=_static_path, encoding="utf-8")
    if result.err:
        raise RuntimeError("The PDF could not be produced.")
    return out.getvalue()


def render_document(meeting: Meeting, user: User, doc: str, *, pdf: bool = False):
    """(the document, the agenda it shows): HTML for the printer, or PDF bytes."""
    context = {**document_context(meeting, user, doc), "pdf": pdf}
    html = render_to_string("committees/print.html", context)
    return (render_pdf(html) if pdf else html), context["agenda"]


def email_context(meeting: Meeting) -> dict:
    """What the invitation e-mail says: the committee, when, where, the links, and the agenda
    without anything nominative — section counts for the Clinical Committee, titles for the
    others (whose agendas hold no nominative data)."""
    items = list(meeting.items.filter(removed_at__isnull=True).select_related("action_item"))
    sections = []
    for kind in sections_for(meeting.committee.kind):
        of_kind = [i for i in items if i.kind == kind]
        if not of_kind:
            continue
        if meeting.committee.is_clinical or kind == ItemKind.FIGURES:
            lines = []  # Clinical: counts only, the cases are read after signing in
        elif kind == ItemKind.ACTION_ITEM:
            lines = [
                i.action_item.title
                + (f" ({i.action_item.due_on.isoformat()})" if i.action_item.due_on else "")
                for i in of_kind
            ]
        else:
            lines = [i.title for i in of_kind]
        label = ItemKind(kind).label  # lazy: rendered in each language of the e-mail
        sections.append({"label": label, "count": len(of_kind), "lines": lines})
    return {
        "committee_name": meeting.committee.name,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "place": meeting.place,
        "video_link": meeting.video_link,
        "url": meeting_url(meeting),
        "sections": sections,
        "clinical": meeting.committee.is_clinical,
    }
