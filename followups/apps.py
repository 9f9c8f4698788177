from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    name = "followups"
    verbose_name = _("Follow-ups")

    def ready(self):
        from auditlog.registry import auditlog

        from followups import models

        # Later edits of notes and statuses keep their history (who, when, what changed).
        for model in (
            models.FollowUp,
            models.WeeklyNote,
            models.ContactAttempt,
            models.RiskAssessment,
        ):
            auditlog.register(model)
