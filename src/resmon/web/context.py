from resmon.core.access import Role
from resmon.notifications.selectors import unread_count

ADMIN_ROLES = {Role.SYSTEM_ADMIN, Role.AGENCY_ADMIN}


def navigation(request):
    """Header and navigation data for every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    path = request.path
    section = ""
    for prefix, name in (
        ("/dashboards/", "dashboards"),
        ("/resolutions/", "resolutions"),
        ("/programs/", "resolutions"),
        ("/tasks/", "tasks"),
        ("/reports/", "reports"),
        ("/monitoring/alerts/", "alerts"),
        ("/monitoring/directives/", "directives"),
        ("/monitoring/forecasts/", "forecasts"),
        ("/monitoring/evaluation/", "evaluation"),
        ("/agencies/", "agencies"),
        ("/catalogue/periods/", "periods"),
        ("/catalogue/", "catalogue"),
        ("/accounts/users/", "admin"),
        ("/accounts/tokens/", "tokens"),
        ("/notifications/", "notifications"),
        ("/audit/", "audit"),
    ):
        if path.startswith(prefix):
            section = name
            break
    else:
        if path == "/":
            section = "home"
    return {
        "nav_agency": user.agency,
        "nav_scope": user.scope,
        "nav_role": user.get_role_display(),
        "nav_is_admin": user.role in ADMIN_ROLES,
        "nav_section": section,
        "nav_unread": unread_count(user),
    }
