from django.core.exceptions import FieldDoesNotExist
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from resmon.audit import selectors as audit
from resmon.core.views import page
from resmon.planning import selectors as planning

from ..filters import SORTS, parse_task_filter, status_choices, status_group_choices
from .common import paginate, with_tree_info

AUDIT_ROWS = 50
ACTION_LABELS = {
    "planning.task_created": _("Created"),
    "planning.task_updated": _("Changed"),
    "planning.progress_recorded": _("Progress reported"),
    "planning.task_paused": _("Paused"),
    "planning.task_cancelled": _("Cancelled"),
    "planning.task_active": _("Resumed"),
    "planning.task_deadline_extended": _("Deadline extended"),
    "planning.subtask_assigned": _("Assigned as a sub-task"),
    "planning.task_moved": _("Moved in the tree"),
    "planning.task_reordered": _("Order changed"),
    "planning.task_split": _("Split into sub-tasks"),
    "planning.task_clauses_set": _("Clauses linked"),
    "planning.dependency_added": _("Dependency added"),
    "planning.dependency_removed": _("Dependency removed"),
    "planning.milestone_added": _("Milestone added"),
    "planning.milestone_changed": _("Milestone changed"),
    "planning.milestone_deleted": _("Milestone deleted"),
    "planning.kpi_added": _("KPI added"),
    "planning.kpi_updated": _("KPI changed"),
    "planning.kpi_removed": _("KPI removed"),
    "planning.extension_requested": _("Extension requested"),
    "planning.extension_granted": _("Extension granted"),
    "planning.extension_refused": _("Extension refused"),
    "planning.extension_withdrawn": _("Extension request withdrawn"),
    "planning.coordination_due_set": _("Coordinating agency's part: due date set"),
    "planning.coordination_delivered": _("Coordinating agency's part delivered"),
    "planning.coordination_delivery_undone": _("Coordinating agency's part: delivery undone"),
}
HIDDEN_FIELDS = {"version", "updated_at", "created_at", "updated_by_name"}


def _field_label(model, attname: str) -> str:
    try:
        return str(model._meta.get_field(attname).verbose_name)
    except FieldDoesNotExist:
        return attname


def _explain(entries, model):
    """Label each audit row's action and name the fields its before/after differ in."""
    rows = list(entries)
    for e in rows:
        e.action_label = ACTION_LABELS.get(e.action, e.action)
        before = e.before if isinstance(e.before, dict) else {}
        after = e.after if isinstance(e.after, dict) else {}
        changed = [k for k in after if k not in HIDDEN_FIELDS and before.get(k) != after[k]] if before else []
        e.changed_fields = [_field_label(model, k) for k in changed]
    return rows


@page
def task_list(request):
    user = request.user
    f = parse_task_filter(user, request.GET)
    tasks = paginate(request, f.apply(planning.tasks_visible(user)).select_related("lead_agency"))
    return render(
        request,
        "web/task_list.html",
        {
            "f": f,
            "tasks": tasks,
            "rows": with_tree_info(user, tasks.object_list),
            "resolutions": planning.resolutions_visible(user).order_by("issued_on"),
            "statuses": status_choices(),
            "status_groups": status_group_choices(),
            "sorts": SORTS,
        },
    )


@page
def task_children(request, pk):
    """The htmx partial: the visible sub-tasks of a task, for the expandable task tree."""
    user = request.user
    task = planning.get_task(user, pk)
    rows = with_tree_info(user, planning.visible_children(user, task)[:200])
    return render(request, "web/partials/task_children.html", {"rows": rows})


@page
def task_detail(request, pk):
    user = request.user
    task = planning.get_task(user, pk)
    children = with_tree_info(user, planning.visible_children(user, task))
    parent_visible = bool(task.parent_id) and planning.tasks_visible(user).filter(pk=task.parent_id).exists()
    program_visible = planning.programs_visible(user).filter(pk=task.program_id).exists()
    entries = audit.entries_for_objects(user, planning.task_audit_objects(task))
    trail = _explain(entries[:AUDIT_ROWS], type(task))
    return render(
        request,
        "web/task_detail.html",
        {
            "task": task,
            "progress": planning.task_progress([task])[task.pk],
            "is_leaf": not task.children.exists(),
            "coordinations": planning.coordinations(task),
            "children": children,
            "parent_visible": parent_visible,
            "program_visible": program_visible,
            "trail": trail,
        },
    )
