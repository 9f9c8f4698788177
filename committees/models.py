"""Committees. For now only the queue of items that the next Clinical Committee agenda will pick
up (the committees issue builds meetings, agendas, presentations and decisions on top of it)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from referrals.models import Participant


class AgendaRequest(models.Model):
    class Kind(models.TextChoices):
        INACTIVE_FOLLOWUP = "inactive_followup", _("Follow-up became inactive")
        PENDING_REFERRAL = "pending_referral", _("Referral awaiting the committee")

    kind = models.CharField(max_length=30, choices=Kind.choices)
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Idempotence: one open request per participant and kind.
            models.UniqueConstraint(
                fields=["kind", "participant"],
                condition=Q(handled_at__isnull=True),
                name="agenda_request_one_open",
            ),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk}"
