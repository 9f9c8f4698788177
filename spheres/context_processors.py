from django.conf import settings
from django.urls import reverse

from spheres.navigation import NAV_LINKS, may_open
from spheres.selectors import roles_of, unread_notification_count


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": [], "user_roles": frozenset()}
    roles = roles_of(user)
    current = request.resolver_match.view_name if request.resolver_match else ""
    links = [
        {"label": label, "url": reverse(name), "current": name == current, "group": group}
        for label, name, group in NAV_LINKS
        if may_open(roles, name)
    ]
    return {
        "nav_links": links,
        "nav_main": [link for link in links if link["group"] == "main"],
        "nav_more": [link for link in links if link["group"] == "more"],
        "nav_notices": [link for link in links if link["group"] == "notices"],
        "nav_more_current": any(link["current"] for link in links if link["group"] == "more"),
        "user_roles": roles,
        "session_idle_seconds": settings.SESSION_COOKIE_AGE,
        # Lazy: evaluated (one query, once per request) only where the template shows it.
        "unread_count": lambda: unread_notification_count(request),
    }
