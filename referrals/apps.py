from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Referrals")

    def ready(self):
        from auditlog.registry import auditlog

        from referrals import home, models
        from spheres.home import register
        from spheres.models import Role

        register(Role.COORDINATOR, home.coordinator_tallies)

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
