from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    name = "followups"
    verbose_name = _("Follow-ups")

    def ready(self):
        from auditlog.registry import auditlog

        from followups import home, models
        from spheres.home import register
        from spheres.models import Role

        register(Role.COORDINATOR, home.coordinator_tallies)
        register(Role.YOUTH_WORKER, home.worker_tallies)

        # Later edits of notes and statuses keep their history (who, when, what changed).
        for model in (
            models.FollowUp,
            models.WeeklyNote,
            models.ContactAttempt,
            models.RiskAssessment,
        ):
            auditlog.register(model)
