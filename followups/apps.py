from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    name = "followups"
    verbose_name = _("Follow-ups")

    def ready(self):
        from auditlog.registry import auditlog

        from followups import home, models
        from spheres.home import figures_panel
        from spheres.models import Role
        from spheres.navigation import Panel, home_panel_register

        # Home pages: the figures to act on first, each linking to its list; then the coordinator
        # sees the follow-ups left without an active worker, with what to do about each.
        home_panel_register(Role.COORDINATOR, figures_panel(home.coordinator_tallies))
        home_panel_register(
            Role.COORDINATOR,
            Panel("followups/_without_worker_panel.html", home.without_worker_panel),
        )
        home_panel_register(Role.YOUTH_WORKER, figures_panel(home.worker_tallies))

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
