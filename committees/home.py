"""The committees' panel on the home page: a member's upcoming meetings (with their agendas)
and the action items they own. Registered with the core from CommitteesConfig.ready()."""

from committees import selectors


def context(user) -> dict | None:
    meetings = selectors.upcoming_meetings_for(user, limit=5)
    actions = selectors.actions_owned_by(user)
    if not meetings and not actions:
        return None
    return {"meetings": meetings, "actions": actions}
