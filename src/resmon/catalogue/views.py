"""Catalogue pages: every signed-in user reads the catalogue; system administrators create
indicators, make new versions and take them out of use (others get a 404 on those URLs)."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from resmon.agencies.selectors import agencies_visible
from resmon.core.errors import DomainError
from resmon.core.views import page

from . import selectors, services
from .forms import IndicatorCreateForm, IndicatorFilterForm, IndicatorReviseForm, owner_agencies

PER_PAGE = 25
VERSION_ROWS = 50


def catalogue_admins(view):
    """System administrators only; everyone else gets the same 404 as a missing page."""

    @page
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not services.is_catalogue_admin(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _add_domain_error(form, exc: DomainError) -> None:
    if exc.errors:
        for name, msgs in exc.errors.items():
            for msg in msgs:
                form.add_error(name if name in form.fields else None, msg)
    else:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))


@page
@require_GET
def indicator_list(request):
    user = request.user
    form = IndicatorFilterForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    active = {"1": True, "0": False, "all": None}.get(f.get("active") or "1")
    qs = selectors.indicators(
        user,
        q=f.get("q", ""),
        resolution=f.get("resolution", ""),
        direction=f.get("direction", ""),
        frequency=f.get("frequency", ""),
        active=active,
    )
    page_obj = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    filtered = any(f.get(k) for k in ("q", "resolution", "direction", "frequency", "active"))
    return render(
        request,
        "catalogue/indicator_list.html",
        {
            "form": form,
            "page_obj": page_obj,
            "filtered": filtered,
            "resolutions": selectors.resolution_hints(user),
            "may_edit": services.is_catalogue_admin(user),
        },
    )


@page
@require_GET
def indicator_detail(request, pk: int):
    user = request.user
    indicator = selectors.get_indicator(user, pk)
    versions = list(selectors.versions_of(indicator)[:VERSION_ROWS])
    return render(
        request,
        "catalogue/indicator_detail.html",
        {
            "indicator": indicator,
            "current": indicator.current,
            "versions": versions,
            "may_edit": services.is_catalogue_admin(user),
        },
    )


def _form_kwargs(user, exclude=None):
    return {
        "agencies": owner_agencies(agencies_visible(user)),
        "indicators": selectors.ratio_candidates(user, exclude=exclude),
    }


@catalogue_admins
@never_cache
def indicator_create(request):
    user = request.user
    form = IndicatorCreateForm(request.POST or None, **_form_kwargs(user))
    if request.method == "POST" and form.is_valid():
        try:
            indicator = services.create_indicator(user, **form.cleaned_data)
        except DomainError as exc:
            _add_domain_error(form, exc)
        else:
            messages.success(request, _("Indicator %(code)s created.") % {"code": indicator.code})
            return redirect("catalogue:indicator_detail", pk=indicator.pk)
    return render(request, "catalogue/indicator_form.html", {"form": form, "indicator": None})


@catalogue_admins
@never_cache
def indicator_revise(request, pk: int):
    user = request.user
    indicator = selectors.get_indicator(user, pk)
    current = indicator.current
    initial = {f: getattr(current, f) for f in services.DEFINITION_FIELDS}
    for bound in ("min_value", "max_value"):  # 100, not 100,0000
        if initial[bound] is not None:
            initial[bound] = initial[bound].normalize() + 0
    initial["expected_version"] = current.version
    form = IndicatorReviseForm(request.POST or None, initial=initial, **_form_kwargs(user, indicator))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            version = services.revise_indicator(
                user,
                indicator,
                change_note=data.pop("change_note"),
                expected_version=data.pop("expected_version"),
                **data,
            )
        except DomainError as exc:
            _add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Version %(v)s of %(code)s saved.") % {"v": version.version, "code": indicator.code},
            )
            return redirect("catalogue:indicator_detail", pk=indicator.pk)
    return render(request, "catalogue/indicator_form.html", {"form": form, "indicator": indicator})


@catalogue_admins
@require_POST
def indicator_set_active(request, pk: int):
    user = request.user
    indicator = selectors.get_indicator(user, pk)
    active = request.POST.get("active") == "1"
    try:
        services.set_active(user, indicator, active, request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("The indicator is back in use.") if active else _("The indicator is out of use.")
        )
    return redirect("catalogue:indicator_detail", pk=indicator.pk)
