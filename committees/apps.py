from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitteesConfig(AppConfig):
    name = "committees"
    verbose_name = _("Committees")

    def ready(self):
        from auditlog.registry import auditlog

        from committees import home, models
        from spheres.navigation import EVERYONE, Panel, home_panel_register

        # Minutes, presentations, attendance and action items keep their history of edits.
        for model in (
            models.Committee,
            models.CommitteeMember,
            models.Meeting,
            models.AgendaItem,
            models.CasePresentation,
            models.Attendance,
            models.ActionItem,
        ):
            auditlog.register(model)
        # The core shows our panel on the home page without importing us.
        home_panel_register(EVERYONE, Panel("committees/_home.html", home.context))
