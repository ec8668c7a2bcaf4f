"""/dashboards/kpis/: KPIs against their trajectory, counted per band, with the rule written under
them; /dashboards/kpis/rule/: the thresholds, set by system administrators.

The filters are the overview's (agency, resolution, period: parsed by ``selectors``), plus the band
listed, the order and the page. The figures come from ``kpis.kpi_bands``, the function the API
answers from."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from resmon.core import clock
from resmon.core.errors import DomainError, ValidationFailed
from resmon.core.views import page, show_error
from resmon.planning import selectors as planning
from resmon.planning.bands import AT_RISK, BAND_LABELS, BANDS, BEHIND, NOT_ASSESSABLE, ON_TRACK
from resmon.planning.selectors_bands import band_rule_row, current_band_rule
from resmon.planning.services import band_rule as band_rule_services
from resmon.reporting.views.common import period_groups

from . import kpis
from .views import page_filters

# UI.md: green / orange / red / grey, as the task statuses' chips (colour + icon + word):
# band -> (chip modifier, icon, chart colour, key-number tone)
BAND_LOOK = {
    ON_TRACK: ("done-on-time", "bi-check-circle-fill", "#198754", "done"),
    BEHIND: ("done-late", "bi-hourglass-split", "#fd7e14", "soon"),
    AT_RISK: ("overdue", "bi-exclamation-triangle-fill", "#dc3545", "overdue"),
    NOT_ASSESSABLE: ("not-started", "bi-question-circle", "#adb5bd", "none"),
}


def chart_data(result: kpis.KpiBands) -> dict[str, Any]:
    """What the chart draws (read by dashboards/dashboard.js from a json_script block)."""
    return {
        "bands": [
            {"key": b, "label": str(BAND_LABELS[b]), "color": BAND_LOOK[b][2], "count": result.counts[b]}
            for b in BANDS
        ],
        "kpis_label": _("KPIs"),
    }


class KpiLinks:
    """URLs that keep the current filters."""

    def __init__(self, result: kpis.KpiBands) -> None:
        self.keep: dict[str, Any] = {"agency": result.agency.pk, "period": result.period.pk}
        if result.resolution is not None:
            self.keep["resolution"] = result.resolution.pk
        self.result = result

    def url(self, **extra: Any) -> str:
        params = {**self.keep, **{k: v for k, v in extra.items() if v not in (None, "")}}
        return reverse("dashboards:kpis") + "?" + urlencode(params)

    def band(self, key: str | None) -> str:
        return self.url(band=key, sort=self.result.sort if self.result.sort != kpis.DEFAULT_SORT else None)

    def sort(self, key: str) -> str:
        return self.url(band=self.result.band, sort=key if key != kpis.DEFAULT_SORT else None)


def _page_number(raw: str) -> int:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and 0 < len(raw) < 7 and int(raw) > 0 else 1


@page
def kpi_view(request):
    user = request.user
    params = request.GET
    agency, resolution, period, errors = page_filters(user, params)
    try:
        band = kpis.pick_band(params.get("band", ""))
    except ValidationFailed as exc:
        errors.append(_("%(message)s All bands are shown.") % {"message": exc.message})
        band = None
    sort = kpis.pick_sort(params.get("sort", ""))
    context: dict[str, Any] = {
        "agency": agency,
        "resolution": resolution,
        "period": period,
        "errors": errors,
        "rule_text": current_band_rule().text(),
        "resolution_choices": planning.resolutions_visible(user).order_by("issued_on", "number"),
        "period_groups": period_groups(user, clock.today()),
        "may_set_rule": band_rule_services.may_set_band_rule(user),
    }
    if period is not None:
        limit = kpis.PAGE_SIZE
        offset = (_page_number(params.get("page", "")) - 1) * limit
        result = kpis.kpi_bands(
            user,
            agency=agency,
            resolution=resolution,
            period=period,
            band_filter=band,
            sort=sort,
            offset=offset,
            limit=limit,
        )
        links = KpiLinks(result)
        page_obj = None
        if result.count:
            page_obj = Paginator(range(result.count), limit).page(result.offset // limit + 1)
        context.update(
            result=result,
            rule_text=result.rule.text(),
            chips=[
                (b, BAND_LABELS[b], *BAND_LOOK[b][:2], BAND_LOOK[b][3], result.counts[b], links.band(b))
                for b in BANDS
            ],
            rows=[(r, BAND_LOOK[r.band][0], BAND_LOOK[r.band][1], BAND_LABELS[r.band]) for r in result.rows],
            all_url=links.band(None),
            band_label=BAND_LABELS[band] if band else "",
            sort_lowest_first=links.sort("attainment"),
            sort_highest_first=links.sort("-attainment"),
            page_obj=page_obj,
            chart=chart_data(result),
        )
    return render(request, "dashboards/kpis.html", context)


def percent_input(value: Any) -> str:
    """A threshold in the form: 85 or 85.5, not 85.00."""
    number = value.normalize()
    return f"{number.quantize(1) if number == number.to_integral_value() else number:f}"


class BandRuleForm(forms.Form):
    on_track_from = forms.CharField(
        label=gettext_lazy("On track from (percent of plan)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=gettext_lazy("A KPI at or above this percentage of its planned value is on track."),
    )
    at_risk_below = forms.CharField(
        label=gettext_lazy("At risk below (percent of plan)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=gettext_lazy("A KPI below this percentage is at risk; between the two it is behind."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1)


@page
@never_cache
def kpi_rule(request):
    """The thresholds of the bands: system administrators only (a 404 for everyone else)."""
    user = request.user
    if not band_rule_services.may_set_band_rule(user):
        raise Http404
    row = band_rule_row()
    rule = current_band_rule()
    initial: dict[str, Any] = {
        "on_track_from": percent_input(rule.on_track_from),
        "at_risk_below": percent_input(rule.at_risk_below),
        "version": row.version if row is not None else 0,
    }
    if request.method == "POST":
        form = BandRuleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                band_rule_services.set_band_rule(
                    user,
                    on_track_from=data["on_track_from"],
                    at_risk_below=data["at_risk_below"],
                    expected_version=data.get("version"),
                )
            except DomainError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("The KPI band rule was saved."))
                return redirect("dashboards:kpi_rule")
    else:
        form = BandRuleForm(initial=initial)
    return render(
        request,
        "dashboards/kpi_rule.html",
        {"form": form, "row": row, "rule_text": rule.text(), "kpis_url": reverse("dashboards:kpis")},
    )
