"""Pages of the decomposition editor (the tree page itself is in tree_page.py): the task form
(add, assign down, edit), move, split, delete, milestones and dependencies."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from resmon.agencies.models import Agency
from resmon.agencies.selectors import agencies_visible
from resmon.core.access import can
from resmon.core.apikit import parse_date
from resmon.core.errors import DomainError, NotFound
from resmon.core.views import page, show_error

from .. import selectors, selectors_tree
from ..services import milestones as milestone_services
from ..services import tasks as task_services
from ..services import tree as tree_services
from .tree_forms import AGENCY_OPTIONS, CoordinationFormSet, MoveForm, PartFormSet, TaskForm, agency_choices

FIELD_ALIASES = {"coordinating_agencies": None, "code": None, "parent": None}


def _task_url(task) -> str:
    return reverse("web:task_detail", args=[task.pk])


def _tree_url(program_id: int, task_id: int | None = None) -> str:
    url = reverse("planning:program_tree", args=[program_id])
    return f"{url}#task-{task_id}" if task_id else url


# --- task form: add at the top, assign down, edit ---------------------------------------------


def _searches(data) -> tuple[str, dict[str, str]]:
    """The texts typed in the agency pickers: the lead's, and each coordination row's by prefix."""
    if data is None:
        return "", {}
    rows = {
        k[: -len("-agency_q")]: v
        for k, v in data.items()
        if k.startswith("coord-") and k.endswith("-agency_q")
    }
    return data.get("lead_agency_q", ""), rows


def _forms(request, *, lead_qs, initial=None, coordinations=()):
    """The task form and its coordination rows. A POST with ``find_agency`` (the pickers' search
    button without JavaScript) only narrows the agency lists: what was typed is kept, unvalidated."""
    agency_qs = agencies_visible(request.user)
    data = request.POST if request.method == "POST" else None
    lead_q, searches = _searches(data)
    kwargs = {"prefix": "coord", "form_kwargs": {"agency_qs": agency_qs, "searches": searches}}
    if data is not None and "find_agency" in data:
        initial = {k: data.get(k) for k in TaskForm.base_fields if k in data}
        initial["ongoing"] = bool(data.get("ongoing"))
        total = data.get("coord-TOTAL_FORMS", "0")
        rows = range(min(int(total), 30) if total.isdigit() else 0)
        coordinations = [
            {
                "agency": data.get(f"coord-{i}-agency"),
                "sub_deliverable": data.get(f"coord-{i}-sub_deliverable", ""),
            }
            for i in rows
            if data.get(f"coord-{i}-agency") or data.get(f"coord-{i}-agency_q")
        ]
        form = TaskForm(initial=initial, lead_qs=lead_qs, agency_q=lead_q)
        return form, CoordinationFormSet(initial=coordinations, **kwargs)
    if data is not None:
        return TaskForm(data, lead_qs=lead_qs, agency_q=lead_q), CoordinationFormSet(data, **kwargs)
    form = TaskForm(initial=initial or {}, lead_qs=lead_qs)
    rows = [{"agency": c.agency_id, "sub_deliverable": c.sub_deliverable} for c in coordinations]
    return form, CoordinationFormSet(initial=rows, **kwargs)


def _submitted(request) -> bool:
    return request.method == "POST" and "find_agency" not in request.POST


def _cleaned(form, formset):
    """The service's keyword arguments from valid forms, or None."""
    if not (form.is_valid() and formset.is_valid()):
        return None
    data = dict(form.cleaned_data)
    data.pop("version", None)
    lead = Agency.objects.filter(pk=data.pop("lead_agency")).first()
    coordinating = []
    for row in formset.cleaned_data:
        if row.get("agency"):
            agency = Agency.objects.filter(pk=row["agency"]).first()
            if agency is not None:
                coordinating.append((agency, row.get("sub_deliverable", "")))
    data["review_period"] = data.get("review_period") or ""
    data["deliverable_type"] = data.get("deliverable_type") or ""
    return lead, coordinating, data


def _render_form(request, form, formset, *, picker: str, **context):
    """``picker``: the query string that tells ``agency_options`` which agencies the lead may be."""
    return render(
        request,
        "planning/task_form.html",
        {"form": form, "formset": formset, "lead_picker": picker, "agency_limit": AGENCY_OPTIONS, **context},
    )


@page
def agency_options(request):
    """The htmx partial behind the task form's agency pickers: <option> elements of the agencies
    allowed in that field (``for=lead`` with ``program``, ``parent`` or ``task``: the lead's
    subtree as in the form; otherwise the agencies the user sees), searched by name or code."""
    user = request.user
    params = request.GET
    text = next((v for k, v in params.items() if k.endswith("agency_q")), "")
    selected = next(
        (v for k, v in params.items() if k.endswith("agency") and v.isdigit() and len(v) < 19), None
    )
    qs = agencies_visible(user)
    if params.get("for") == "lead":
        qs = _lead_qs(user, params)
    options = agency_choices(qs, [int(selected)] if selected else [], text)
    return render(
        request, "planning/_agency_options.html", {"options": options, "selected": selected, "text": text}
    )


def _lead_qs(user, params):
    def ref(name):
        raw = params.get(name) or ""
        return int(raw) if raw.isdigit() and len(raw) < 19 else None

    if ref("program"):
        return Agency.objects.filter(path__startswith=selectors.get_program(user, ref("program")).agency.path)
    if ref("parent"):
        return Agency.objects.filter(
            path__startswith=selectors.get_task(user, ref("parent")).lead_agency.path
        )
    if ref("task"):
        return Agency.objects.filter(path__startswith=selectors.get_task(user, ref("task")).assigned_by.path)
    raise NotFound(_("Not found, or you do not have access to it."))


@page
def task_new(request, pk):
    """A task at the top of a programme."""
    user = request.user
    program = selectors.get_program(user, pk)
    if not can(user, "change", program):
        raise PermissionDenied
    form, formset = _forms(request, lead_qs=Agency.objects.filter(path__startswith=program.agency.path))
    if _submitted(request):
        cleaned = _cleaned(form, formset)
        if cleaned:
            lead, coordinating, data = cleaned
            try:
                task = task_services.create_task(
                    user, program=program, lead_agency=lead, coordinating=coordinating, **data
                )
            except DomainError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("Task %(code)s added.") % {"code": task.code})
                return redirect(_tree_url(program.pk, task.pk))
    return _render_form(
        request,
        form,
        formset,
        picker=f"for=lead&program={program.pk}",
        program=program,
        heading=_("New task"),
        cancel=_tree_url(program.pk),
    )


@page
def subtask_new(request, pk):
    """Assign part of a task down: a sub-task led by the task's lead agency or one under it."""
    user = request.user
    parent = selectors.get_task(user, pk)
    if not (can(user, "change", parent) and user.scope.writes(parent.lead_agency.path)):
        raise PermissionDenied
    initial = {
        "due_date": parent.due_date,
        "ongoing": parent.ongoing,
        "review_period": parent.review_period,
        "weight": 1,
    }
    lead_qs = Agency.objects.filter(path__startswith=parent.lead_agency.path)
    form, formset = _forms(request, lead_qs=lead_qs, initial=initial)
    if _submitted(request):
        cleaned = _cleaned(form, formset)
        if cleaned:
            lead, coordinating, data = cleaned
            try:
                task = tree_services.create_subtask(
                    user, parent, lead_agency=lead, coordinating=coordinating, **data
                )
            except DomainError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("Sub-task %(code)s assigned.") % {"code": task.code})
                return redirect(_tree_url(parent.program_id, task.pk))
    return _render_form(
        request,
        form,
        formset,
        picker=f"for=lead&parent={parent.pk}",
        program=parent.program,
        parent=parent,
        heading=_("Assign a sub-task"),
        cancel=_task_url(parent),
    )


@page
def task_edit(request, pk):
    user = request.user
    task = selectors.get_task(user, pk)
    if not can(user, "change", task):
        raise PermissionDenied
    initial = {f: getattr(task, f) for f in task_services.EDITABLE_FIELDS}
    initial |= {"lead_agency": task.lead_agency_id, "version": task.version}
    lead_qs = Agency.objects.filter(path__startswith=task.assigned_by.path)
    form, formset = _forms(
        request, lead_qs=lead_qs, initial=initial, coordinations=selectors.coordinations(task)
    )
    if _submitted(request):
        cleaned = _cleaned(form, formset)
        if cleaned:
            lead, coordinating, data = cleaned
            try:
                task_services.update_task(
                    user,
                    task,
                    expected_version=form.cleaned_data.get("version"),
                    lead_agency=lead,
                    coordinating=coordinating,
                    **data,
                )
            except DomainError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("Task saved."))
                return redirect(_task_url(task))
    return _render_form(
        request,
        form,
        formset,
        picker=f"for=lead&task={task.pk}",
        program=task.program,
        task=task,
        heading=_("Edit task %(code)s") % {"code": task.code},
        cancel=_task_url(task),
    )


# --- move, reorder, split, delete -------------------------------------------------------------


@page
def task_move(request, pk):
    user = request.user
    task = selectors.get_task(user, pk)
    if not (can(user, "change", task) and user.scope.writes(task.assigned_by.path)):
        raise PermissionDenied
    candidates = selectors_tree.move_candidates(user, task)
    form = MoveForm(
        request.POST or None, candidates=candidates, initial={"parent": task.parent_id, "position": None}
    )
    if request.method == "POST" and form.is_valid():
        parent_id = form.cleaned_data["parent"]
        position = form.cleaned_data["position"]
        try:
            parent = selectors.get_task(user, parent_id) if parent_id else None
            moved = tree_services.move_task(user, task, parent, position - 1 if position else None)
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Task moved; it is now %(code)s.") % {"code": moved.code})
            return redirect(_tree_url(task.program_id, task.pk))
    return render(request, "planning/tree_move.html", {"task": task, "form": form})


@page
@require_POST
def task_reorder(request, pk):
    user = request.user
    task = selectors.get_task(user, pk)
    step = -1 if request.POST.get("direction") == "up" else 1
    try:
        tree_services.reorder_task(user, task, max(0, task.position + step))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect(_tree_url(task.program_id, task.pk))


@page
def task_split(request, pk):
    user = request.user
    task = selectors.get_task(user, pk)
    if not can(user, "change", task):
        raise PermissionDenied
    formset = PartFormSet(request.POST or None, prefix="part")
    error = ""
    if request.method == "POST" and formset.is_valid():
        parts = [
            {"title": row.get("title", ""), "weight": row.get("weight") or 1}
            for row in formset.cleaned_data
            if (row.get("title") or "").strip()
        ]
        try:
            tree_services.split_task(user, task, parts)
        except DomainError as exc:
            error = str(exc.message)
        else:
            messages.success(request, _("Task split into %(n)s sub-tasks.") % {"n": len(parts)})
            return redirect(_tree_url(task.program_id, task.pk))
    return render(request, "planning/tree_split.html", {"task": task, "formset": formset, "error": error})


@page
@require_POST
def task_delete(request, pk):
    user = request.user
    task = selectors.get_task(user, pk)
    program_id = task.program_id
    try:
        tree_services.delete_task(user, task)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect(_task_url(task))
    messages.success(request, _("Task deleted."))
    return redirect(_tree_url(program_id))


# --- milestones and dependencies (forms on the task page) -------------------------------------


def _back(task, anchor: str):
    return redirect(f"{_task_url(task)}#{anchor}")


@page
@require_POST
def milestone_add(request, pk):
    user = request.user
    task = selectors.get_task(user, pk)
    try:
        due = parse_date(request.POST.get("due_date"), "due_date")
        milestone_services.add_milestone(user, task, name=request.POST.get("name", ""), due_date=due)
    except DomainError as exc:
        messages.error(request, _("Milestone not added: %(msg)s") % {"msg": exc.message})
    return _back(task, "milestones")


@page
@require_POST
def milestone_done(request, pk, mid):
    user = request.user
    task = selectors.get_task(user, pk)
    milestone = selectors_tree.get_milestone(user, task, mid)
    try:
        milestone_services.mark_milestone_done(user, milestone)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return _back(task, "milestones")


@page
@require_POST
def milestone_delete(request, pk, mid):
    user = request.user
    task = selectors.get_task(user, pk)
    milestone = selectors_tree.get_milestone(user, task, mid)
    try:
        milestone_services.delete_milestone(user, milestone)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return _back(task, "milestones")


@page
@require_POST
def dependency_add(request, pk):
    user = request.user
    task = selectors.get_task(user, pk)
    try:
        raw = (request.POST.get("depends_on") or "").strip()
        other = selectors.get_task(user, int(raw) if raw.isdigit() and len(raw) < 19 else 0)
        tree_services.add_dependency(user, task, other, request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, _("Dependency not added: %(msg)s") % {"msg": exc.message})
    return _back(task, "dependencies")


@page
@require_POST
def dependency_remove(request, pk, other):
    user = request.user
    task = selectors.get_task(user, pk)
    try:
        tree_services.remove_dependency(user, task, selectors.get_task(user, other))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return _back(task, "dependencies")
