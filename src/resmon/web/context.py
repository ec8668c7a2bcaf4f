def navigation(request):
    """Header and navigation data for every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_agency": user.agency, "nav_scope": user.scope}
