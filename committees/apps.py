from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitteesConfig(AppConfig):
    name = "committees"
    verbose_name = _("Committees")

    def ready(self):
        # The core shows our panel on the home page without importing us.
        from committees.home import panel
        from spheres.navigation import register_home_panel

        register_home_panel(panel)
