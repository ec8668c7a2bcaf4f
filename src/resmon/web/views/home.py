import datetime as dt

from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from resmon.core import clock
from resmon.core.views import page
from resmon.monitoring.alerts import selectors as alert_selectors
from resmon.monitoring.directives import selectors as directive_selectors
from resmon.planning import selectors as planning
from resmon.planning import selectors_kpis
from resmon.planning.status import TaskStatus
from resmon.reporting import selectors as reporting
from resmon.reporting import selectors_explanations, selectors_proposals

DUE_SOON_DAYS = 30


def _tasks_url(**params) -> str:
    return reverse("web:task_list") + ("?" + urlencode(params) if params else "")


def _url(name: str, **params) -> str:
    return reverse(name) + "?" + urlencode(params)


def reporting_work(user) -> list[dict]:
    """ "Việc cần xử lý": what waits for the user in reporting, each count with a link to the list
    behind it: the counts of the reports hub's tabs and of its proposal and explanation boxes."""
    queues = reporting.queue_counts(user)
    hub = reverse("reporting:hub")
    proposals = _url("reporting:proposal_list", box="received", status="open")
    explanations = _url("reporting:explanation_list", box="received", status="open")
    directives = directive_selectors.open_directive_counts(user)
    rows = [
        ("to_prepare", _("Reports to prepare"), queues["to_prepare"], f"{hub}?tab=to_prepare"),
        ("to_approve", _("Reports to approve"), queues["to_approve"], f"{hub}?tab=to_approve"),
        ("to_accept", _("Reports to accept"), queues["to_accept"], f"{hub}?tab=to_accept"),
        ("returned", _("Reports returned for correction"), queues["returned"], f"{hub}?tab=returned"),
        (
            "proposals",
            _("Proposals awaiting your answer"),
            selectors_proposals.open_proposal_count(user),
            proposals,
        ),
        (
            "explanations",
            _("Explanations asked of you"),
            selectors_explanations.open_explanation_count(user),
            explanations,
        ),
        (
            "alerts",
            _("Alerts not yet handled"),
            alert_selectors.alerts_for(user, acknowledged=False).order_by().count(),
            _url("alerts:list", acknowledged="no"),
        ),
        (
            "directives_to_report",
            _("Directives awaiting your report"),
            directives["to_report"],
            _url("directives:list", box="received", status="open"),
        ),
        (
            "directives_awaiting",
            _("Directives awaiting reports"),
            directives["awaiting"],
            _url("directives:list", box="issued", status="open"),
        ),
    ]
    return [{"key": key, "label": label, "count": count, "url": url} for key, label, count, url in rows]


@page
def home(request):
    user = request.user
    today = clock.today()
    tasks = planning.tasks_visible(user, today=today)
    counts = planning.status_counts(tasks)
    soon_to = today + dt.timedelta(days=DUE_SOON_DAYS)
    due_soon = planning.due_soon(tasks, days=DUE_SOON_DAYS, today=today)
    iso = "%Y-%m-%d"
    numbers = [
        {
            "label": _("Tasks in your scope"),
            "value": sum(counts.values()),
            "url": _tasks_url(),
            "tone": "all",
        },
        {
            "label": _("Overdue"),
            "value": counts[TaskStatus.OVERDUE],
            "url": _tasks_url(status=TaskStatus.OVERDUE.value, sort="due"),
            "tone": "overdue",
        },
        {
            "label": _("Due in the next %(days)s days") % {"days": DUE_SOON_DAYS},
            "value": due_soon.count(),
            "url": _tasks_url(
                status="open", due_from=today.strftime(iso), due_to=soon_to.strftime(iso), sort="due"
            ),
            "tone": "soon",
        },
        {
            "label": _("Completed"),
            "value": counts[TaskStatus.DONE_ON_TIME] + counts[TaskStatus.DONE_LATE],
            "url": _tasks_url(status="completed"),
            "tone": "done",
        },
    ]
    by_status = [
        {"status": s.value, "count": counts[s.value], "url": _tasks_url(status=s.value)} for s in TaskStatus
    ]
    return render(
        request,
        "web/home.html",
        {
            "numbers": numbers,
            "by_status": by_status,
            "overdue": planning.overdue(tasks).select_related("lead_agency")[:10],
            "overdue_url": _tasks_url(status=TaskStatus.OVERDUE.value, sort="due"),
            "due_soon": due_soon.select_related("lead_agency")[:10],
            "due_soon_url": numbers[2]["url"],
            "inspection_grants": user.grants.select_related("agency").order_by("agency__path"),
            "steering": planning.steering_memberships(user),
            "extensions_to_decide": selectors_kpis.extensions_to_decide(user).count(),
            "work": [row for row in reporting_work(user) if row["count"]],
            "alerts": alert_selectors.attention(user),
            "alert_counts": alert_selectors.open_alert_counts(user),
            "today": today,
        },
    )
