"""/reports/: the reports that need the user now (tabs), the programmes due this period, and
"Lập báo cáo" to start one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from resmon.agencies import selectors as agencies
from resmon.catalogue import selectors_periods
from resmon.core import clock
from resmon.core.access import Role
from resmon.core.errors import DomainError
from resmon.core.views import page
from resmon.planning import selectors as planning

from .. import selectors, selectors_explanations, selectors_proposals
from ..forms import new_key
from ..models import ReportState
from ..services import reports as report_services
from .common import paginate, parse_id, period_groups, refuse

TABS = (
    ("to_prepare", gettext_lazy("To prepare")),
    ("to_approve", gettext_lazy("To approve")),
    ("to_accept", gettext_lazy("To accept")),
    ("returned", gettext_lazy("Returned")),
    ("all", gettext_lazy("All")),
)
TAB_KEYS = {key for key, _label in TABS}
PROGRAM_CHOICES = 500


@dataclass
class ReportFilter:
    tab: str = ""
    period: Any = None
    program: Any = None
    agency: Any = None
    state: str = ""
    q: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return any((self.period, self.program, self.agency, self.state, self.q))

    def kwargs(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "program": self.program,
            "agency": self.agency,
            "state": self.state or None,
            "q": self.q,
        }


def parse_filter(user: Any, params: Any) -> ReportFilter:
    """The filter bar from the query string; a bad value is ignored with a message, never an error page."""
    f = ReportFilter()
    tab = params.get("tab", "").strip()
    if tab:
        if tab in TAB_KEYS:
            f.tab = tab
        else:
            f.errors.append(_("Unknown list; all reports are shown."))
            f.tab = "all"
    raw = params.get("period", "").strip()
    if raw:
        pid = parse_id(raw)
        f.period = selectors_periods.periods(user).filter(pk=pid).first() if pid else None
        if f.period is None:
            f.errors.append(_("The chosen period does not exist; that filter was ignored."))
    raw = params.get("program", "").strip()
    if raw:
        pid = parse_id(raw)
        f.program = planning.programs_visible(user).filter(pk=pid).first() if pid else None
        if f.program is None:
            f.errors.append(_("The chosen programme is not one you can see; that filter was ignored."))
    raw = params.get("agency", "").strip()
    if raw:
        aid = parse_id(raw)
        found = agencies.agencies_visible(user, include_inactive=True).filter(pk=aid).first() if aid else None
        if found is None:
            f.errors.append(_("The chosen agency is not one you can see; that filter was ignored."))
        f.agency = found
    raw = params.get("state", "").strip()
    if raw:
        if raw in ReportState.values:
            f.state = raw
        else:
            f.errors.append(_("Unknown report state; that filter was ignored."))
    f.q = params.get("q", "").strip()[:200]
    return f


def _queue(tab: str) -> str | None:
    return None if tab == "all" else tab


@page
def hub(request):
    user = request.user
    f = parse_filter(user, request.GET)
    due = selectors.reports_to_start(user, f.period)
    counts = selectors.queue_counts(user, queues=tuple(TAB_KEYS), to_start=due, **f.kwargs())
    if not f.tab:  # what needs the user now: the first list with something in it
        f.tab = next((k for k, _l in TABS[:4] if counts[k]), "all")
    reports = paginate(
        request, selectors.reports_for(user, queue=_queue(f.tab), **f.kwargs()).select_related("resolution")
    )
    today = clock.today()
    return render(
        request,
        "reporting/hub.html",
        {
            "f": f,
            "tabs": [(key, label, counts[key]) for key, label in TABS],
            "reports": reports,
            "due": [{**row, "key": new_key()} for row in due] if f.tab == "to_prepare" else [],
            "period_groups": period_groups(user, today),
            "programs": planning.programs_visible(user)
            .select_related("resolution", "agency")
            .order_by("resolution__number", "title")[:PROGRAM_CHOICES],
            "states": ReportState.choices,
            "open_proposals": selectors_proposals.open_proposal_count(user),
            "open_explanations": selectors_explanations.open_explanation_count(user),
            "may_set_rule": user.role in {Role.SYSTEM_ADMIN, *report_services.RULE_SETTERS},
            "today": today,
        },
    )


@page
@require_POST
def new_report(request):
    """Lập báo cáo: create the report of (programme, period[, agency]) and open it."""
    user = request.user
    program = planning.get_program(user, parse_id(request.POST.get("program")))
    period = selectors_periods.get_period(user, parse_id(request.POST.get("period")))
    agency = None
    if request.POST.get("agency"):
        agency = agencies.get_agency(user, parse_id(request.POST.get("agency")))
    try:
        report = report_services.create_report(
            user,
            program=program,
            period=period,
            agency=agency,
            idempotency_key=request.POST.get("idempotency_key", "")[:100],
        )
    except DomainError as exc:
        refuse(request, exc)
        return redirect(reverse("reporting:hub") + "?tab=to_prepare")
    messages.success(request, _("The report has been created. Fill it in; drafts save themselves."))
    return redirect("reporting:detail", pk=report.pk)
