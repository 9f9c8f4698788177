from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Referrals")

    def ready(self):
        from auditlog.registry import auditlog
        from django.db.models.signals import post_migrate

        from referrals import access, home, models, selectors
        from spheres.home import figures_panel
        from spheres.models import Role
        from spheres.navigation import Panel, home_panel_register
        from spheres.services import open_work_register

        post_migrate.connect(access.forget_permission_ids, dispatch_uid="referrals-permission-ids")
        # The core asks before revoking the youth-worker role or deactivating an organisation.
        open_work_register(selectors.open_assignment_counts)
        # The coordinator's home counts the referrals to act on.
        home_panel_register(Role.COORDINATOR, figures_panel(home.coordinator_tallies))
        # Participants imported from a workbook, until their consent is confirmed.
        home_panel_register(
            Role.COORDINATOR, Panel("referrals/_imported_panel.html", home.imported_panel)
        )

        # Every change to a record holding personal data is audited (who, when, what changed).
        for model in (
            models.Referral,
            models.Screening,
            models.RecruiterRiskAssessment,
            models.InitialMeeting,
            models.Participant,
            models.Assignment,
            models.Consent,
            models.YouthProtectionReport,
        ):
            auditlog.register(model)
