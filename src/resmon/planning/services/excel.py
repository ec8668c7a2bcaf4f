"""The Excel round trip of an action programme: export (see :mod:`.excel_export`) and import.

Import creates or updates the programme's whole task tree from a file in the template of
:mod:`resmon.planning.excel_format`. Every row and column is checked first; if anything is wrong
nothing is saved and the caller gets a report naming the row (as numbered in Excel), the column
(letter and header) and the problem. Otherwise all changes are applied in one transaction with an
audit row per created or updated task and one ``planning.program_imported`` row. Unchanged rows
are left alone (no audit row); tasks absent from the file are kept and reported as "not in file".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from resmon.audit.services import record, snapshot
from resmon.core import clock
from resmon.core.access import can
from resmon.core.errors import PermissionRefused

from .. import excel_format as fmt
from ..models import ActionProgram, Task, TaskCoordination
from .coordination import carry_part_dates
from .excel_checks import validate_rows
from .excel_export import export_filename, export_program, tree_order
from .excel_rows import CellError, ImportRejected, ParsedRow, read_workbook
from .tree import ensure_editable

__all__ = [
    "CellError",
    "ImportRejected",
    "ImportSummary",
    "export_filename",
    "export_program",
    "import_program",
    "read_upload",
    "tree_order",
]

SCALAR_FIELDS = (
    "title",
    "responsible_officer",
    "due_date",
    "ongoing",
    "review_period",
    "deliverable_type",
    "deliverable",
    "authority",
    "weight",
    "deadline_justification",
    "description",
)


@dataclass
class ImportSummary:
    created: list[Task] = field(default_factory=list)
    updated: list[Task] = field(default_factory=list)
    unchanged: list[Task] = field(default_factory=list)
    not_in_file: list[Task] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        def refs(tasks: list[Task]) -> list[dict[str, Any]]:
            return [{"id": t.pk, "code": t.code, "title": t.title} for t in tasks]

        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "not_in_file": refs(self.not_in_file),
            "created_tasks": refs(self.created),
            "updated_tasks": refs(self.updated),
        }


def _task_snapshot(task: Task, coordinations: list[tuple[Any, str]], clause_refs: list[str]) -> dict:
    return snapshot(task) | {
        "coordinating": [[agency.code, sub] for agency, sub in coordinations],
        "clauses": clause_refs,
    }


def read_upload(upload: Any) -> bytes:
    """The bytes of an uploaded file, reading no more than one byte past the size limit."""
    upload.seek(0)
    return upload.read(fmt.MAX_BYTES + 1)


def import_program(actor: Any, program: ActionProgram, data: bytes, *, filename: str = "") -> ImportSummary:
    """Create or update the programme's tasks from an .xlsx file; all or nothing."""
    if not can(actor, "change", program):
        raise PermissionRefused(_("You may not change this programme."))
    ensure_editable(program)
    sheet = read_workbook(data)
    with transaction.atomic():
        program = (
            ActionProgram.objects.select_for_update(of=("self",))
            .select_related("agency", "resolution")
            .get(pk=program.pk)
        )
        existing = {
            t.pk: t
            for t in Task.objects.filter(program=program)
            .select_related("lead_agency", "parent")
            .prefetch_related("coordinations__agency", "clauses")
        }
        rows, context = validate_rows(sheet, program, existing)
        summary = _apply(actor, program, rows, existing, context)
        record(
            actor,
            "planning.program_imported",
            program,
            after={
                "file": filename[:200],
                "created": len(summary.created),
                "updated": len(summary.updated),
                "unchanged": len(summary.unchanged),
                "not_in_file": [t.pk for t in summary.not_in_file],
            },
            agency_path=program.agency.path,
        )
    return summary


def _positions(rows: list[ParsedRow], existing: dict[int, Task], parent_of: dict[str, str]) -> dict[str, int]:
    """Positions among siblings in the order of the codes, changing as few as possible: a task
    that stays under its parent keeps its position if it is not before the previous sibling's; a
    new or moved task, or one out of order, comes right after the previous sibling."""
    groups: dict[str, list[ParsedRow]] = defaultdict(list)
    for row in rows:
        groups[parent_of[row.code]].append(row)
    by_code = {row.code: row for row in rows}
    out: dict[str, int] = {}
    for parent_code, members in groups.items():
        members.sort(key=lambda r: r.parts)
        parent_row = by_code.get(parent_code)
        parent_id = parent_row.task_id if parent_row else None
        previous = -1
        for row in members:
            old = existing.get(row.task_id) if row.task_id else None
            stays = (
                old is not None
                and (parent_row is None or parent_id is not None)
                and old.parent_id == parent_id
            )
            position = old.position if stays and old.position >= previous else previous + 1
            out[row.code] = previous = position
    return out


def _apply(
    actor: Any,
    program: ActionProgram,
    rows: list[ParsedRow],
    existing: dict[int, Task],
    context: dict[str, Any],
) -> ImportSummary:
    now = clock.now()
    username = actor.get_username()
    summary = ImportSummary()
    parent_of = {row.code: fmt.parent_code(row.code) for row in rows}
    positions = _positions(rows, existing, parent_of)
    by_code: dict[str, Task] = {}
    clause_ids: dict[str, int] = context["clause_ids"]
    new_coordinations: list[TaskCoordination] = []
    replaced_coordinations: list[int] = []
    new_clause_links: list[tuple[Task, list[str]]] = []
    replaced_clause_links: list[int] = []
    audit: list[tuple[str, Task, dict | None, ParsedRow]] = []
    to_update: list[Task] = []
    updated_fields: set[str] = set()

    for depth in sorted({len(r.parts) for r in rows}):
        level = [r for r in rows if len(r.parts) == depth]
        to_create: list[Task] = []
        for row in level:
            parent = by_code.get(parent_of[row.code])
            assigned_by = parent.lead_agency if parent else program.agency
            if row.task_id is None:
                task = Task(
                    program=program,
                    resolution_id=program.resolution_id,
                    parent=parent,
                    code=row.code,
                    position=positions[row.code],
                    lead_agency=row.lead,
                    assigned_by=assigned_by,
                    updated_by_name=username,
                    **{f: row.values[f] for f in SCALAR_FIELDS if f in row.values},
                )
                task.original_due_date = task.due_date
                to_create.append(task)
                by_code[row.code] = task
                continue
            task = existing[row.task_id]
            by_code[row.code] = task
            new_parent_id = parent.pk if parent else None
            changes: dict[str, Any] = {}
            if task.parent_id != new_parent_id:
                changes |= {"parent": parent, "assigned_by": assigned_by}
            # a stored code that is not hierarchical (e.g. carried over from the programme of a merged
            # agency) is kept while the task stays under its parent; the file's code only places it
            foreign_code = bool(task.code) and fmt.code_parts(task.code) is None
            if task.code != row.code and not (foreign_code and task.parent_id == new_parent_id):
                changes["code"] = row.code
            for name, value in (
                ("position", positions[row.code]),
                ("lead_agency", row.lead),
            ):
                if getattr(task, name) != value:
                    changes[name] = value
            for name in SCALAR_FIELDS:
                if name in row.values and getattr(task, name) != row.values[name]:
                    changes[name] = row.values[name]
            coordinations_changed = row.coordinations is not None and sorted(
                (a.pk, s) for a, s in _coordination_pairs(task)
            ) != sorted((a.pk, s) for a, s in row.coordinations)
            clauses_changed = row.clauses is not None and set(_clause_refs(task)) != set(row.clauses)
            if not (changes or coordinations_changed or clauses_changed):
                summary.unchanged.append(task)
                continue
            before = _task_snapshot(task, _coordination_pairs(task), _clause_refs(task))
            for name, value in changes.items():
                setattr(task, name, value)
            if coordinations_changed:
                replaced_coordinations.append(task.pk)
                new_coordinations.extend(
                    TaskCoordination(task=task, agency=a, sub_deliverable=s)
                    for a, s in row.coordinations or ()
                )
            if clauses_changed:
                replaced_clause_links.append(task.pk)
                new_clause_links.append((task, row.clauses or []))
            if task.original_due_date is None and task.due_date:
                changes["original_due_date"] = task.original_due_date = task.due_date
            updated_fields.update(changes)
            task.version += 1
            task.updated_by_name = username
            task.updated_at = now
            to_update.append(task)
            audit.append(("planning.task_updated", task, before, row))
            summary.updated.append(task)
        if to_create:
            Task.objects.bulk_create(to_create)
            for task, row in zip(to_create, [r for r in level if r.task_id is None], strict=True):
                if row.coordinations:
                    new_coordinations.extend(
                        TaskCoordination(task=task, agency=a, sub_deliverable=s) for a, s in row.coordinations
                    )
                if row.clauses:
                    new_clause_links.append((task, row.clauses))
                audit.append(("planning.task_created", task, None, row))
                summary.created.append(task)

    if to_update:
        Task.objects.bulk_update(
            to_update, [*sorted(updated_fields), "version", "updated_by_name", "updated_at"], batch_size=500
        )
    if replaced_coordinations:
        carry_part_dates(replaced_coordinations, new_coordinations)
        TaskCoordination.objects.filter(task_id__in=replaced_coordinations).delete()
    TaskCoordination.objects.bulk_create(new_coordinations, batch_size=1000)
    through = Task.clauses.through
    if replaced_clause_links:
        through.objects.filter(task_id__in=replaced_clause_links).delete()
    through.objects.bulk_create(
        [through(task_id=t.pk, clause_id=clause_ids[ref]) for t, refs in new_clause_links for ref in refs],
        batch_size=1000,
    )

    for action, task, before, row in audit:
        coordinations = row.coordinations if row.coordinations is not None else _coordination_pairs(task)
        refs = row.clauses if row.clauses is not None else _clause_refs(task)
        record(
            actor,
            action,
            task,
            before=before,
            after=_task_snapshot(task, coordinations, refs),
            agency_path=task.lead_agency.path,
        )
    in_file = {row.task_id for row in rows if row.task_id}
    summary.not_in_file = sorted(
        (t for pk, t in existing.items() if pk not in in_file), key=lambda t: (t.code, t.pk)
    )
    return summary


def _coordination_pairs(task: Task) -> list[tuple[Any, str]]:
    return [(c.agency, c.sub_deliverable) for c in sorted(task.coordinations.all(), key=lambda c: c.pk)]


def _clause_refs(task: Task) -> list[str]:
    return sorted(c.reference for c in task.clauses.all())
