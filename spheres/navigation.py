"""What each role sees in the navigation and on its home page.

Later issues replace the placeholder cards (url_name=None) with real pages.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from spheres.models import Role


@dataclass(frozen=True)
class Card:
    title: str
    text: str
    url_name: str | None = None


HOME_CARDS: dict[str, list[Card]] = {
    Role.COORDINATOR: [
        Card(
            _("Referral queue"),
            _("New referrals, screening, awaiting committee, reflecting."),
            "referral_queue",
        ),
        Card(
            _("Participants"),
            _("Participant list, files, assignments and consents."),
            "participant_list",
        ),
        Card(
            _("Clinical Committee"), _("The next meeting's agenda and the decisions to follow up.")
        ),
        Card(_("Invite a person"), _("Create an account for a partner's staff member."), "invite"),
    ],
    Role.YOUTH_WORKER: [
        Card(_("My caseload"), _("Your participants, their status and last contact."), "caseload"),
        Card(_("This week's notes"), _("Weekly progress notes and contact attempts."), "caseload"),
    ],
    Role.CLINICAL_COMMITTEE: [
        Card(
            _("Clinical Committee"), _("Agenda of the next weekly meeting and case presentations.")
        ),
    ],
    Role.STEERING_COMMITTEE: [
        Card(
            _("Program dashboard"),
            _("Program-level figures: recruitment, follow-ups, caseloads."),
            "dashboard",
        ),
    ],
    Role.RESEARCHER: [
        Card(_("Research export"), _("Anonymised data of participants who consented to research.")),
    ],
    Role.ADMINISTRATOR: [
        Card(
            _("Organisations and accounts"),
            _("Partner organisations, people and their roles."),
            "admin:index",
        ),
        Card(_("Invite a person"), _("Create an account for a partner's staff member."), "invite"),
    ],
}

# Navigation links: (label, url name, roles that see it).
CASE = {Role.COORDINATOR, Role.YOUTH_WORKER, Role.CLINICAL_COMMITTEE}
NAV_LINKS = [
    (_("Home"), "home", None),
    (_("Referral queue"), "referral_queue", {Role.COORDINATOR}),
    (_("My caseload"), "caseload", {Role.YOUTH_WORKER}),
    (_("Participants"), "participant_list", CASE),
    (_("Departure of a worker"), "handover", {Role.COORDINATOR}),
    (
        _("Dashboard"),
        "dashboard",
        {Role.COORDINATOR, Role.YOUTH_WORKER, Role.STEERING_COMMITTEE, Role.RESEARCHER},
    ),
    (_("Refer a candidate"), "referral_submit", None),
    (_("My referrals"), "my_referrals", None),
    (_("Notifications"), "notifications", None),
    (_("Invite a person"), "invite", {Role.COORDINATOR, Role.ADMINISTRATOR}),
    (_("Administration"), "admin:index", {Role.ADMINISTRATOR}),
]
