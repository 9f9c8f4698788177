"""What each role may open, sees in the navigation and finds on its home page: the role's pages
(cards) and the panels that apps above the core register (figures: spheres.home). A card appears
once its page exists: no "coming soon"."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from spheres.models import Role
from spheres.selectors import roles_of


@dataclass(frozen=True)
class Card:
    title: str
    text: str
    url_name: str


HOME_CARDS: dict[str, list[Card]] = {
    Role.COORDINATOR: [
        Card(
            _("Referral queue"),
            _("New referrals, screening, awaiting committee, reflecting; closed ones too."),
            "referrals:referral_queue",
        ),
        Card(
            _("Participants"),
            _("Participant list, files, assignments and consents."),
            "referrals:participant_list",
        ),
        Card(
            _("Departure of a worker"),
            _("Hand a departing worker's follow-ups over to successors."),
            "followups:handover",
        ),
        Card(
            _("Weekly notes export"),
            _("Every weekly note, one row per participant and week, as a spreadsheet."),
            "followups:notes_export",
        ),
        Card(
            _("Clinical Committee"),
            _("The next meeting's agenda and the decisions to follow up."),
            "committees:committee_list",
        ),
        Card(_("Invite a person"), _("Create an account for a partner's staff member."), "invite"),
        Card(
            _("Roles to confirm"),
            _("Roles that open participant files, requested by someone else."),
            "role_grants",
        ),
        Card(
            _("Research export"),
            _("De-identified data for the evaluation team, and the export register."),
            "research:export_request",
        ),
    ],
    Role.YOUTH_WORKER: [
        Card(
            _("My caseload"),
            _("Your participants, their status and last contact."),
            "followups:caseload",
        ),
    ],
    Role.CLINICAL_COMMITTEE: [
        Card(
            _("Participants"),
            _("Files shared with your organisation, for follow-up purposes only."),
            "referrals:participant_list",
        ),
        Card(
            _("Clinical Committee"),
            _("Agenda of the next weekly meeting and case presentations."),
            "committees:committee_list",
        ),
    ],
    Role.STEERING_COMMITTEE: [
        Card(
            _("Program dashboard"),
            _("Program-level figures: recruitment, follow-ups, caseloads."),
            "research:dashboard",
        ),
        Card(
            _("Roles to confirm"),
            _("A coordinator role takes a second person: another coordinator or you."),
            "role_grants",
        ),
    ],
    Role.RESEARCHER: [
        Card(
            _("Research export"),
            _("Anonymised data of participants who consented to research."),
            "research:export_request",
        ),
        Card(
            _("Program dashboard"),
            _("Program-level figures: recruitment, follow-ups, caseloads."),
            "research:dashboard",
        ),
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
# Anyone with a program role may refer a candidate and follow their referrals.
COMMON_CARDS = [
    Card(
        _("Refer a candidate"),
        _("Propose a young person to the program's coordinator."),
        "referrals:referral_submit",
    ),
    Card(
        _("My referrals"), _("Where the candidates you referred stand."), "referrals:my_referrals"
    ),
]


@dataclass(frozen=True)
class Panel:
    """A block of the home page that an app above the core fills (the core imports none of
    them): `context(user)` returns what `template` shows, or None to show nothing. Apps register
    their panels in AppConfig.ready, by role — or for EVERYONE signed in (committees: a member's
    meetings and action items, whatever their role), shown above the role sections."""

    template: str
    context: Callable


EVERYONE = "*"
HOME_PANELS: dict[str, list[Panel]] = {}


def home_panel_register(role: str, panel: Panel) -> None:
    panels = HOME_PANELS.setdefault(role, [])
    if panel not in panels:
        panels.append(panel)


# Who may open which page: one definition, used by the views (via `for_roles`) and the navigation.
# ANY_ROLE: anyone who holds a program role (a referrer from a partner, say).
ANY_ROLE = frozenset(Role.values)
CASE = frozenset({Role.COORDINATOR, Role.YOUTH_WORKER, Role.CLINICAL_COMMITTEE})
PAGE_ROLES: dict[str, frozenset[str]] = {
    "referrals:referral_queue": frozenset({Role.COORDINATOR}),
    "referrals:referral_create": frozenset({Role.COORDINATOR}),
    "referrals:referral_submit": ANY_ROLE,
    "referrals:my_referrals": ANY_ROLE,
    "referrals:participant_list": CASE,
    "followups:caseload": frozenset({Role.YOUTH_WORKER}),
    "followups:handover": frozenset({Role.COORDINATOR}),
    "followups:attention": frozenset({Role.COORDINATOR}),
    "followups:notes_export": frozenset({Role.COORDINATOR}),
    "research:dashboard": frozenset(
        {Role.COORDINATOR, Role.YOUTH_WORKER, Role.STEERING_COMMITTEE, Role.RESEARCHER}
    ),
    "committees:committee_list": ANY_ROLE,
    "committees:committee_create": frozenset({Role.COORDINATOR}),
    "invite": frozenset({Role.COORDINATOR, Role.ADMINISTRATOR}),
    "role_grants": frozenset({Role.COORDINATOR, Role.STEERING_COMMITTEE}),
    "admin:index": frozenset({Role.ADMINISTRATOR}),
    "research:export_request": frozenset({Role.RESEARCHER, Role.COORDINATOR}),
    "research:export_register": frozenset({Role.COORDINATOR}),
    "research:legacy_import": frozenset({Role.COORDINATOR}),
}

# Navigation links, in order: (label, url name, group). A link shows only to those who may open
# it. "main" links sit in the bar; "more" ones in its "More" menu, so the bar fits one line at
# 1366 px for every role; notifications sit on the right with the unread count.
MAIN, MORE, NOTICES = "main", "more", "notices"
NAV_LINKS = [
    (_("Home"), "home", MAIN),
    (_("Referral queue"), "referrals:referral_queue", MAIN),
    (_("My caseload"), "followups:caseload", MAIN),
    (_("Participants"), "referrals:participant_list", MAIN),
    (_("Dashboard"), "research:dashboard", MAIN),
    (_("Committees"), "committees:committee_list", MAIN),
    (_("Administration"), "admin:index", MAIN),
    (_("Departure of a worker"), "followups:handover", MORE),
    (_("Weekly notes export"), "followups:notes_export", MORE),
    (_("Invite a person"), "invite", MORE),
    (_("Roles to confirm"), "role_grants", MORE),
    (_("Research export"), "research:export_request", MORE),
    (_("Export register"), "research:export_register", MORE),
    (_("Import progress-notes workbooks"), "research:legacy_import", MORE),
    (_("Refer a candidate"), "referrals:referral_submit", MORE),
    (_("My referrals"), "referrals:my_referrals", MORE),
    (_("Notifications"), "followups:notifications", NOTICES),
]


def may_open(roles: frozenset[str], page: str) -> bool:
    needed = PAGE_ROLES.get(page)
    return needed is None or bool(roles & needed)


def for_roles(page: str, *, refuse=Http404, superuser: bool = False):
    """View decorator: the page answers only to those PAGE_ROLES lets open it; others get 404
    (or `refuse`), exactly as the navigation hides the link from them. `superuser` lets a
    superuser in without a role (account pages only: a superuser never sees case content)."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            allowed = may_open(roles_of(request.user), page) or (
                superuser and request.user.is_superuser
            )
            if not allowed:
                raise refuse
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
