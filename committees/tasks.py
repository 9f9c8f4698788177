"""Celery tasks of committees. Arguments are ids only; the e-mail is rendered in the worker and
carries no nominative data (counts for the Clinical Committee, titles for the others)."""

from celery import shared_task
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from committees import documents
from committees.models import CommitteeMember, Meeting


@shared_task(acks_late=True)
def email_meeting_invitation(meeting_id: int, member_id: int) -> None:
    meeting = Meeting.objects.select_related("committee").filter(pk=meeting_id).first()
    member = CommitteeMember.objects.select_related("user").filter(pk=member_id).first()
    if meeting is None or member is None or (member.user_id and not member.user.is_active):
        return
    context = documents.email_context(meeting)
    parts = []
    for language in ("fr-ca", "en"):
        with translation.override(language):
            parts.append(render_to_string("committees/email/invitation.txt", context))
    with translation.override("fr-ca"):
        subject = render_to_string("committees/email/invitation_subject.txt", context).strip()
    message = EmailMessage(subject, "\n---\n\n".join(parts), to=[member.email])
    message.attach(documents.ics_filename(meeting), documents.meeting_ics(meeting), "text/calendar")
    message.send()


@shared_task(acks_late=True)
def refresh_agendas() -> int:
    # committees.services queues this module's tasks: import it when the task runs.
    from committees.services import agendas_refresh_upcoming

    return agendas_refresh_upcoming()
