from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _without_worker_panel(user):
    from followups import selectors

    followups = selectors.followups_without_active_worker()
    return {"followups": followups} if followups else None


class FollowupsConfig(AppConfig):
    name = "followups"
    verbose_name = _("Follow-ups")

    def ready(self):
        from auditlog.registry import auditlog

        from followups import models
        from spheres.models import Role
        from spheres.navigation import Panel, home_panel_register

        # The coordinator's home lists the follow-ups left without an active worker.
        home_panel_register(
            Role.COORDINATOR,
            Panel("followups/_without_worker_panel.html", _without_worker_panel),
        )

        # Later edits of notes and statuses keep their history (who, when, what changed).
        for model in (
            models.FollowUp,
            models.WeeklyNote,
            models.ContactAttempt,
            models.RiskAssessment,
            models.NeedsEvaluation,
            models.SafetyPlan,
            models.LifePlanGoal,
        ):
            auditlog.register(model)
