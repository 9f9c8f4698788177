from django.urls import reverse

from spheres.navigation import NAV_LINKS, may_open
from spheres.selectors import roles_of


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": [], "user_roles": frozenset()}
    roles = roles_of(user)
    current = request.resolver_match.view_name if request.resolver_match else ""
    links = [
        {"label": label, "url": reverse(name), "current": name == current}
        for label, name in NAV_LINKS
        if may_open(roles, name)
    ]
    return {"nav_links": links, "user_roles": roles}
