"""/monitoring/alerts/: the list of alerts (filters in the URL, counts per kind, 50 a page), one
alert with its history and the acknowledgement form, and the warning rule (read by everyone,
set by system administrators)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from resmon.core import clock
from resmon.core.errors import DomainError, PermissionRefused
from resmon.core.views import page
from resmon.planning import selectors as planning

from . import filters as alert_filters
from . import selectors, services
from .models import Alert, AlertKind, Severity
from .rules import RuleConfig

PER_PAGE = 50


def alert_link(user: Any, alert: Alert) -> tuple[str, str] | None:
    """Where the alert's subject can be opened (url, text), if the user may open it."""
    if alert.task_id is not None:
        return reverse("web:task_detail", args=[alert.task_id]), str(alert.task)
    if alert.report_id is not None:
        return reverse("reporting:detail", args=[alert.report_id]), _("Report %(period)s – %(agency)s") % {
            "period": alert.period.label if alert.period else "",
            "agency": alert.agency.name,
        }
    if alert.period_id is not None and user.scope.reads(alert.agency.path):
        url = (
            reverse("reporting:completeness") + f"?period={alert.period_id}&agency={alert.agency_id}#missing"
        )
        return url, _("Reporting of %(agency)s for %(period)s") % {
            "agency": alert.agency.name,
            "period": alert.period.label if alert.period else "",
        }
    return None


@page
def alert_list(request):
    user = request.user
    f = alert_filters.parse(user, request.GET)  # an agency outside the scope: 404
    qs = selectors.alerts_for(user, **f.selector_kwargs())
    without_kind = selectors.alerts_for(user, **{**f.selector_kwargs(), "kind": None})
    counts = selectors.counts_by_kind(without_kind)
    rows = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    items = [(a, alert_link(user, a)) for a in rows]
    labels = dict(AlertKind.choices)
    return render(
        request,
        "alerts/alert_list.html",
        {
            "f": f,
            "rows": rows,
            "items": items,
            "kind_counts": [
                (kind, labels[kind], n, f.query(kind=kind, page=""))
                for kind, n in counts.items()
                if n or kind == f.kind
            ],
            "kind_total": sum(counts.values()),
            "all_kinds_query": f.query(kind=""),
            "kinds": AlertKind.choices,
            "severities": Severity.choices,
            "states": (
                (selectors.OPEN, _("Open")),
                (selectors.CLEARED, _("Cleared")),
                (selectors.ALL, _("All")),
            ),
            "resolutions": planning.resolutions_visible(user).order_by("issued_on", "number"),
            "today": clock.today(),
        },
    )


class AcknowledgeForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        max_length=services.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=gettext_lazy(
            "Say what is being done about it; the agencies concerned read it on the alert."
        ),
    )


def _put_errors(form: forms.Form, exc: DomainError) -> None:
    errors = exc.errors or {exc.field or "": [str(exc.message)]}
    for key, msgs in errors.items():
        for message in msgs:
            form.add_error(key if key in form.fields else None, str(message))


@page
def alert_detail(request, pk):
    user = request.user
    alert = selectors.get_alert(user, pk)
    form = AcknowledgeForm()
    status = 200
    if request.method == "POST":
        form = AcknowledgeForm(request.POST)
        if form.is_valid():
            try:
                services.acknowledge(user, alert.pk, form.cleaned_data["comment"])
            except PermissionRefused as exc:
                form.add_error(None, str(exc.message))
                status = 403
            except DomainError as exc:
                _put_errors(form, exc)
            else:
                messages.success(
                    request, _("The alert was acknowledged; it stays open until its condition is gone.")
                )
                return redirect("alerts:detail", pk=alert.pk)
    return render(
        request,
        "alerts/alert_detail.html",
        {
            "alert": alert,
            "link": alert_link(user, alert),
            "may_acknowledge": services.may_acknowledge(user, alert),
            "form": form,
            "days_open": selectors.days_open(alert, clock.today()),
            "kpi_name": alert.kpi.indicator_version.name if alert.kpi is not None else "",
        },
        status=status,
    )


# --- the rule ------------------------------------------------------------------------------------


def rule_lines(config: RuleConfig) -> list[tuple[str, str, bool]]:
    """The rule as written on the page: (kind, what raises it, in force)."""
    p_miss = int(config.forecast_p_miss * 100)
    text: dict[str, str] = {
        AlertKind.OVERDUE: _("A task past its due date and not completed (high after %(n)s days).")
        % {"n": 30},
        AlertKind.DUE_SOON_BEHIND: _(
            "A task due within %(days)s days whose progress is more than %(points)s percentage points "
            "below what a straight-line plan expects by now."
        )
        % {"days": config.due_soon_days, "points": config.behind_points},
        AlertKind.STALLED: _("A task whose progress has not changed for %(days)s days.")
        % {"days": config.stalled_days},
        AlertKind.FORECAST_LATE: _(
            "A task whose forecast gives a probability of %(p)s%% or more of missing its deadline."
        )
        % {"p": p_miss},
        AlertKind.KPI_OFF_TRACK: _(
            "A KPI whose latest accepted value is behind (medium) or at risk (high) against its "
            "trajectory, by the KPI band rule."
        ),
        AlertKind.REPORT_MISSING: _(
            "An expected period report not sent %(days)s days after its due date (high after 30 days)."
        )
        % {"days": config.report_grace_days},
        AlertKind.REPORT_LATE: _("A period report sent after its due date (low; shown for 90 days)."),
        AlertKind.MILESTONE_MISSED: _("A milestone not done %(days)s days after its date.")
        % {"days": config.milestone_grace_days},
        AlertKind.COORDINATION_LATE: _(
            "A coordinating agency's part not delivered %(days)s days after its due date."
        )
        % {"days": config.coordination_grace_days},
    }
    labels = dict(AlertKind.choices)
    return [(str(labels[k]), text[k], k.value in config.enabled) for k in AlertKind]


class RuleForm(forms.Form):
    enabled = forms.MultipleChoiceField(
        label=gettext_lazy("Rules in force"),
        choices=AlertKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    due_soon_days = forms.CharField(label=gettext_lazy("Due-soon window (days)"), max_length=12)
    behind_points = forms.CharField(label=gettext_lazy("Behind tolerance (percentage points)"), max_length=12)
    stalled_days = forms.CharField(label=gettext_lazy("Stalled after (days without progress)"), max_length=12)
    forecast_p_miss = forms.CharField(
        label=gettext_lazy("Forecast probability threshold (0.05–0.99)"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    report_grace_days = forms.CharField(
        label=gettext_lazy("Report missing after (days past its due date)"), max_length=12
    )
    milestone_grace_days = forms.CharField(
        label=gettext_lazy("Milestone missed after (days past its date)"), max_length=12
    )
    coordination_grace_days = forms.CharField(
        label=gettext_lazy("Coordination late after (days past its due date)"), max_length=12
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1)


def _initial(config: RuleConfig, version: int) -> dict[str, Any]:
    return {
        "enabled": [k for k in AlertKind.values if k in config.enabled],
        **{name: str(getattr(config, name)) for name in services.DAY_LIMITS},
        "forecast_p_miss": f"{config.forecast_p_miss:.2f}",
        "version": version,
    }


@page
@never_cache
def rule_page(request):
    """The rule in force for everyone signed in; the form for system administrators."""
    user = request.user
    row = selectors.rule_row()
    config = selectors.config_of(row)
    may_set = services.may_set_rule(user)
    form = RuleForm(initial=_initial(config, row.version if row else 0)) if may_set else None
    status = 200
    if request.method == "POST":
        if not may_set:
            messages.error(request, _("Only system administrators may change the warning rule."))
            status = 403
        else:
            form = RuleForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    services.set_rule(
                        user,
                        expected_version=data.get("version"),
                        enabled=data["enabled"],
                        forecast_p_miss=data["forecast_p_miss"],
                        **{name: data[name] for name in services.DAY_LIMITS},
                    )
                except DomainError as exc:
                    _put_errors(form, exc)
                else:
                    messages.success(
                        request, _("The warning rule was saved; the next daily check applies it.")
                    )
                    return redirect("alerts:rules")
    return render(
        request,
        "alerts/rules.html",
        {"row": row, "lines": rule_lines(config), "form": form, "may_set": may_set},
        status=status,
    )
