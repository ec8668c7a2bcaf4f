"""The period calendar page: every signed-in user reads it; system administrators close and
reopen periods (others get a 404 on those URLs)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from resmon.core import clock
from resmon.core.errors import DomainError
from resmon.core.views import page

from . import periods as cal
from . import selectors_periods as selectors
from . import services, services_periods
from .models import Cutoff, PeriodKind
from .views import catalogue_admins


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@page
@require_GET
def period_list(request):
    user = request.user
    today = clock.today()
    cutoff = services_periods.configured_cutoff()
    years = selectors.years(user)
    year = _int(request.GET.get("year"))
    if year not in years:
        year = today.year if today.year in years else (years[-1] if years else today.year)
    kind = request.GET.get("kind", "")
    kind = kind if kind in PeriodKind.values else ""
    status = request.GET.get("status", "")
    status = status if status in ("open", "closed") else ""
    rows = list(
        selectors.periods(user, kind=kind, year=year, is_open={"open": True, "closed": False}.get(status))
    )
    current = {cal.period_containing(k, today, cutoff).code for k in cal.KINDS}
    return render(
        request,
        "catalogue/period_list.html",
        {
            "rows": rows,
            "years": years,
            "year": year,
            "kind": kind,
            "status": status,
            "kinds": PeriodKind.choices,
            "cutoff": cutoff,
            "cutoff_label": Cutoff(cutoff).label,
            "is_decree09": cutoff == cal.DECREE09,
            "current_codes": current,
            "today": today,
            "filtered": bool(kind or status or request.GET.get("year")),
            "may_edit": services.is_catalogue_admin(user),
        },
    )


def _back(request, period):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(f"{reverse('catalogue:period_list')}?year={period.year}")


@catalogue_admins
@require_POST
def period_close(request, pk: int):
    period = selectors.get_period(request.user, pk)
    try:
        services_periods.close_period(request.user, period, request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("%(period)s is closed: it refuses new data.") % {"period": period.label})
    return _back(request, period)


@catalogue_admins
@require_POST
def period_reopen(request, pk: int):
    period = selectors.get_period(request.user, pk)
    try:
        services_periods.reopen_period(request.user, period, request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("%(period)s is open again.") % {"period": period.label})
    return _back(request, period)
