from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitteesConfig(AppConfig):
    name = "committees"
    verbose_name = _("Committees")

    def ready(self):
        from auditlog.registry import auditlog

        from committees import models
        from committees.home import panel
        from spheres.navigation import register_home_panel

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
        register_home_panel(panel)
