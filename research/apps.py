from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResearchConfig(AppConfig):
    name = "research"
    verbose_name = _("Research")

    def ready(self):
        # Committees sits below research: research hands it the program figures for the
        # Steering, Joint and Extended agendas instead of being imported by it.
        from committees import figures
        from research.agenda import agenda_figures

        figures.register(agenda_figures)
