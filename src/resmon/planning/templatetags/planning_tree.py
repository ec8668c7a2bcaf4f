"""The planning section of the task page: edit links, milestones, "waiting on"."""

from __future__ import annotations

from django import template

from resmon.core.access import can

from .. import selectors, selectors_tree

register = template.Library()
CANDIDATE_LIMIT = 300


@register.inclusion_tag("planning/_task_planning_panel.html", takes_context=True)
def task_planning_panel(context, task):
    user = context["request"].user
    may_write = can(user, "change", task)
    # planning changes need a draft (or an open amendment); marking a milestone done does not
    may_change = may_write and selectors_tree.program_editable(task.program)
    candidates = []
    if may_change:
        taken = set(selectors_tree.dependencies(user, task).values_list("depends_on_id", flat=True))
        candidates = [
            t
            for t in selectors.tasks_visible(user)
            .filter(program_id=task.program_id)
            .exclude(pk=task.pk)
            .order_by("code", "id")[:CANDIDATE_LIMIT]
            if t.pk not in taken
        ]
    return {
        "task": task,
        "user": user,
        "may_change": may_change,
        "may_mark_done": may_write,
        "may_assign": may_change and user.scope.writes(task.lead_agency.path),
        "milestones": selectors_tree.milestones(task),
        "waiting_on": selectors_tree.waiting_on(user, task),
        "blocking": selectors_tree.blocking(user, task),
        "candidates": candidates,
        "program_visible": selectors.programs_visible(user).filter(pk=task.program_id).exists(),
        "csrf_token": context.get("csrf_token"),
    }
