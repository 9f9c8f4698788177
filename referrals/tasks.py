"""Tasks receive ids only. The referrer's e-mail names the assigned worker, nothing of the case."""

from celery import shared_task
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation

from referrals.models import Assignment


@shared_task(acks_late=True)
def notify_referrer_of_assignment(assignment_id: int) -> None:
    assignment = (
        Assignment.objects.select_related("worker", "referral")
        .filter(pk=assignment_id, ended_at__isnull=True)
        .first()
    )
    # An imported participant's assignment has no referral, hence no referrer to tell.
    if assignment is None or assignment.referral is None or not assignment.referral.referrer_email:
        return
    referral = assignment.referral
    context = {
        # In the program's time zone (the date in UTC is the next day after 19:00 or 20:00),
        # with the time: someone who referred two people that day can tell which one.
        "referred_at": timezone.localtime(referral.created_at),
        "worker_name": assignment.worker.get_full_name(),
        "worker_email": assignment.worker.email,
    }
    with translation.override("fr-ca"):
        subject = render_to_string("referrals/email/assignment_subject.txt").strip()
        body = render_to_string("referrals/email/assignment.txt", context)
    with translation.override("en"):
        body += "\n---\n\n" + render_to_string("referrals/email/assignment.txt", context)
    send_mail(subject, body, None, [referral.referrer_email])
