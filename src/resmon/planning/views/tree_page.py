"""The decomposition editor's task tree page: the top levels of a programme's tree at once,
deeper branches and each row's action menu on demand (htmx, with plain-link fallbacks), a
filter bar that lists the matches flat."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from resmon.agencies.selectors import agencies_visible, search_visible
from resmon.core.access import can
from resmon.core.views import page

from .. import selectors, selectors_tree
from ..models import Task
from ..selectors import STATUS_GROUPS
from ..status import TaskStatus

EXPAND_ALL_LIMIT = 300  # "expand all" is offered only below this many visible tasks
FIRST_SCREEN = 200  # the second level is rendered at once only while the rows stay within this
FILTER_LIMIT = 200  # at most this many matches of a filter are listed


def _index(request, program) -> selectors_tree.TreeIndex:
    """The programme's tree index, built once per request."""
    cache = request.__dict__.setdefault("_planning_tree_index", {})
    if program.pk not in cache:
        cache[program.pk] = selectors_tree.TreeIndex(request.user, program)
    return cache[program.pk]


def _tree_filter(request) -> dict:
    """The filter bar's values from the query string (unknown values are ignored)."""
    user = request.user
    q = (request.GET.get("q") or "").strip()[:200]
    status = request.GET.get("status") or ""
    if status not in TaskStatus.values and status not in STATUS_GROUPS:
        status = ""
    agency = None
    raw = (request.GET.get("agency") or "").strip()
    text = (request.GET.get("agency_q") or "").strip()[:200]
    if raw.isdigit() and len(raw) < 19:
        agency = agencies_visible(user).filter(pk=int(raw)).first()
    elif len(text) >= 2:
        agency = search_visible(user, text).first()
    return {"q": q, "status": status, "agency": agency, "active": bool(q or status or agency)}


def _row_flags(user, rows, editable: bool = True) -> None:
    """Whether the user may act on each row (the menu itself loads on demand); nobody may while
    the programme is not ``editable`` (issued, no amendment open)."""
    for r in rows:
        r.may_change = editable and can(user, "change", r.task)
        if r.children:
            _row_flags(user, r.children, editable)


@page
def program_tree(request, pk):
    """The programme's task tree: the top levels at once, deeper branches on demand (htmx, or
    ``?under=<task>`` without JavaScript), a filter bar listing the matches flat."""
    user = request.user
    program = selectors.get_program(user, pk)
    index = _index(request, program)
    f = _tree_filter(request)
    under = None
    raw_under = (request.GET.get("under") or "").strip()
    expand_all = request.GET.get("expand") == "all" and index.size < EXPAND_ALL_LIMIT
    matches = None
    if f["active"]:
        qs = selectors.filter_tasks(
            selectors.tasks_visible(user).filter(program=program),
            status=f["status"] or None,
            q=f["q"] or None,
            agency_path=f["agency"].path if f["agency"] else None,
        ).select_related("lead_agency", "assigned_by")
        found = list(qs.order_by("id")[: FILTER_LIMIT + 1])
        matches = len(found)
        rows = index.flat(found[:FILTER_LIMIT])
    elif raw_under.isdigit() and int(raw_under) in index.visible:
        under = selectors.get_task(user, int(raw_under))
        rows = index.rows(under.pk, levels=2 if not expand_all else 10_000, limit=FIRST_SCREEN)
    elif expand_all:
        rows = index.rows(None, levels=10_000)
    else:
        rows = index.rows(None, levels=2, limit=FIRST_SCREEN)
    editable = selectors_tree.program_editable(program)
    _row_flags(user, rows, editable)
    return render(
        request,
        "planning/tree.html",
        {
            "program": program,
            "rows": rows,
            "under": under,
            "under_crumbs": _ancestors(index, under.pk) if under else [],
            "total": index.size,
            "f": f,
            "matches": matches,
            "filter_limit": FILTER_LIMIT,
            "statuses": TaskStatus.choices,
            "expand_all": expand_all,
            "may_expand_all": index.size < EXPAND_ALL_LIMIT,
            "may_add": editable and can(user, "change", program),
        },
    )


def _ancestors(index, pk: int) -> list[Task]:
    ids = []
    parent_id = index.parent.get(pk)
    while parent_id in index.visible:
        ids.append(parent_id)
        parent_id = index.parent.get(parent_id)
    by_id = Task.objects.only("id", "code", "title").in_bulk(ids)
    return [by_id[i] for i in reversed(ids) if i in by_id]


@page
def tree_children(request, pk):
    """The htmx partial: the rows under a task (one level), with their progress from the
    programme's roll-up. Without htmx: the tree page opened at that task."""
    user = request.user
    task = selectors.get_task(user, pk)
    if not request.headers.get("HX-Request"):
        return redirect(f"{reverse('planning:program_tree', args=[task.program_id])}?under={task.pk}")
    index = _index(request, task.program)
    rows = index.rows(task.pk, levels=1)
    _row_flags(user, rows, selectors_tree.program_editable(task.program))
    return render(request, "planning/_tree_rows.html", {"rows": rows})


@page
def task_actions(request, pk):
    """The actions on one task of the tree, loaded when its menu opens (htmx: the menu items;
    without JavaScript: a small page with the same actions)."""
    user = request.user
    task = selectors.get_task(user, pk)
    may_change = selectors_tree.program_editable(task.program) and can(user, "change", task)
    siblings = list(
        Task.objects.filter(program_id=task.program_id, parent_id=task.parent_id)
        .order_by("position", "id")
        .values_list("id", flat=True)
    )
    context = {
        "task": task,
        "may_change": may_change,
        "may_assign": may_change and user.scope.writes(task.lead_agency.path),
        "may_move": may_change and user.scope.writes(task.assigned_by.path),
        "has_children": task.children.exists(),
        "first": not siblings or siblings[0] == task.pk,
        "last": not siblings or siblings[-1] == task.pk,
        "is_draft": task.program.status == task.program.Status.DRAFT,
        "delete_confirm": _("Delete this task? This cannot be undone."),
    }
    if request.headers.get("HX-Request"):
        return render(request, "planning/_task_actions.html", context)
    return render(request, "planning/task_actions.html", context)
