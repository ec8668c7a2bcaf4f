"""Agency mergers and splits: tasks, programmes, users and history follow the new agency.

What moves when agencies merge (``merge_agencies``):

* the sources' sub-agencies (with their whole subtrees) move under the result; the tree's
  materialised paths are rewritten with one UPDATE per moved subtree;
* every row that points at a source through a foreign key (tasks it leads or assigned,
  coordination links, users, inspection grants, indicators it owns, ...) points at the result;
* action programmes follow their agency. A result holds one programme per resolution: when
  several meet (the result already had one, or several sources had one), the result's own or
  else the earliest issued one is kept and receives the others' tasks, their codes prefixed with
  the number of the programme they came from (``12-CTr/TU · 1.2``); the emptied programmes stay
  with their former agency as the record of what it issued;
* the sources stay in the tree as history: ``valid_to`` the day before the merger takes effect,
  listed among the result's ``predecessors``.

Nothing about a task changes but whom it points at, so the number of tasks and every rolled-up
progress figure are the same before and after. A split (``split_agency``) is the mirror image.
Only system administrators restructure; each operation is one transaction with its audit rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from resmon.accounts.models import Grant
from resmon.agencies.models import Agency
from resmon.audit.services import record
from resmon.core.access import Role
from resmon.core.errors import Conflict, PermissionRefused, ValidationFailed
from resmon.planning.models import ActionProgram, Task, TaskCoordination

from .models import RestructuringEvent

DAY = dt.timedelta(days=1)
SPEC_FIELDS = ("code", "name", "short_name", "kind", "level", "admin_type", "is_synthetic")


# -- checks --------------------------------------------------------------------------------------


def _require_sysadmin(actor: Any) -> None:
    if (
        actor is None
        or not getattr(actor, "is_authenticated", False)
        or actor.scope.role != Role.SYSTEM_ADMIN
    ):
        raise PermissionRefused(_("Only a system administrator may merge or split agencies."))


def agencies_by_code(codes: Iterable[str]) -> list[Agency]:
    """The agencies with these codes, in the given order; unknown codes are refused by name."""
    codes = [c.strip() for c in codes if c and c.strip()]
    found = {a.code: a for a in Agency.objects.filter(code__in=codes)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ValidationFailed(
            _("Unknown agency codes: %(codes)s.") % {"codes": ", ".join(unknown)}, field="sources"
        )
    return [found[c] for c in codes]


def _check_sources(sources: Sequence[Agency], effective_on: dt.date) -> None:
    if not sources:
        raise ValidationFailed(_("Name at least one agency to restructure."), field="sources")
    if len({s.pk for s in sources}) != len(sources):
        raise ValidationFailed(_("An agency is named twice among the sources."), field="sources")
    for s in sources:
        if s.valid_to is not None:
            raise ValidationFailed(
                _("%(name)s is no longer active (it ended on %(day)s).")
                % {"name": s.name, "day": s.valid_to.strftime("%d/%m/%Y")},
                field="sources",
            )
        if s.valid_from and s.valid_from >= effective_on:
            raise ValidationFailed(
                _("%(name)s only starts on %(day)s; it cannot be restructured before it exists.")
                % {"name": s.name, "day": s.valid_from.strftime("%d/%m/%Y")},
                field="effective_on",
            )
    first = sources[0]
    for s in sources[1:]:
        if (s.kind, s.level) != (first.kind, first.level):
            raise ValidationFailed(
                _("%(a)s and %(b)s are of different kinds or levels; only like agencies can be merged.")
                % {"a": first.name, "b": s.name},
                field="sources",
            )


def _check_target(target: Agency, sources: Sequence[Agency], *, as_parent: bool = False) -> None:
    for s in sources:
        if target.pk == s.pk and not as_parent:
            raise ValidationFailed(_("An agency cannot be merged into itself."), field="into")
        if target.path.startswith(s.path):
            raise ValidationFailed(
                _("%(target)s lies under %(source)s; an agency cannot be merged into its own subtree.")
                % {"target": target.name, "source": s.name},
                field="parent" if as_parent else "into",
            )
    if target.valid_to is not None:
        raise ValidationFailed(_("%(name)s is no longer active.") % {"name": target.name}, field="into")


def _check_spec(spec: dict, taken: set[str] | None = None) -> None:
    code = (spec.get("code") or "").strip()
    name = (spec.get("name") or "").strip()
    if not code or not name:
        raise ValidationFailed(_("A new agency needs a code and a name."), field="code")
    if (taken is not None and code in taken) or Agency.objects.filter(code=code).exists():
        raise Conflict(
            _("The code %(code)s is already used by another agency.") % {"code": code}, field="code"
        )
    if not isinstance(spec.get("parent"), Agency):
        raise ValidationFailed(_("Say under which agency the new agency sits."), field="parent")


def _check_dates(effective_on: Any, reference: str) -> None:
    if not isinstance(effective_on, dt.date):
        raise ValidationFailed(_("Give the date the change takes effect."), field="effective_on")
    if not (reference or "").strip():
        raise ValidationFailed(
            _("Give the decision that orders the change (e.g. Nghị quyết số 202/2025/QH15)."),
            field="reference",
        )


# -- the tree ------------------------------------------------------------------------------------


def _refresh(*agencies: Agency) -> None:
    for a in agencies:
        a.refresh_from_db(fields=["path", "depth", "numchild", "valid_to"])


def _last_step(parent: Agency) -> int:
    last = Agency.objects.filter(path__startswith=parent.path, depth=parent.depth + 1).aggregate(
        m=Max("path")
    )["m"]
    return Agency._str2int(last[-Agency.steplen :]) if last else 0


def create_child(parent: Agency, spec: dict, effective_on: dt.date) -> Agency:
    """A new agency as the last child of ``parent`` (treebeard's layout), in force from ``effective_on``."""
    parent.refresh_from_db(fields=["path", "depth", "numchild"])
    step = _last_step(parent) + 1
    fields = {k: spec[k] for k in SPEC_FIELDS if spec.get(k) not in (None, "")}
    node = Agency.objects.create(
        path=Agency._get_path(parent.path, parent.depth + 1, step),
        depth=parent.depth + 1,
        numchild=0,
        valid_from=effective_on,
        **fields,
    )
    Agency.objects.filter(pk=parent.pk).update(numchild=F("numchild") + 1)
    parent.numchild += 1
    return node


def move_subtrees(children: Sequence[Agency], target: Agency) -> int:
    """Re-parent ``children`` (with their subtrees) as the last children of ``target``."""
    if not children:
        return 0
    target.refresh_from_db(fields=["path", "depth", "numchild"])
    step = _last_step(target)
    old_parents: dict[str, int] = defaultdict(int)
    for child in children:
        step += 1
        new = Agency._get_path(target.path, target.depth + 1, step)
        Agency.objects.filter(path__startswith=child.path).update(
            path=Concat(Value(new), Substr("path", len(child.path) + 1)),
            depth=F("depth") + (target.depth + 1 - child.depth),
        )
        old_parents[child.path[: -Agency.steplen]] += 1
    for path, n in old_parents.items():
        Agency.objects.filter(path=path).update(numchild=F("numchild") - n)
    Agency.objects.filter(pk=target.pk).update(numchild=F("numchild") + len(children))
    return len(children)


def _children(agency: Agency) -> list[Agency]:
    return list(Agency.objects.filter(path__startswith=agency.path, depth=agency.depth + 1).order_by("path"))


# -- what points at an agency --------------------------------------------------------------------

SPECIAL = {(ActionProgram, "agency"), (TaskCoordination, "agency"), (Grant, "agency")}


def _fk_relations() -> list[tuple[type, str]]:
    """Every (model, field) holding a foreign key to Agency, outside the tree itself."""
    out = []
    for rel in Agency._meta.related_objects:
        if rel.many_to_many or rel.related_model is Agency:
            continue
        out.append((rel.related_model, rel.field.name))
    return out


def _repoint(model: type, field_name: str, source_ids: list[int], result: Agency) -> int:
    qs = model._default_manager.filter(**{f"{field_name}__in": source_ids})
    extra: dict[str, Any] = {}
    if any(f.name == "version" for f in model._meta.concrete_fields):
        extra["version"] = F("version") + 1  # an edit made against the old copy is refused
    try:
        with transaction.atomic():
            return qs.update(**{field_name: result}, **extra)
    except IntegrityError:
        raise Conflict(
            _("%(what)s of the former agencies clash with those of %(name)s; resolve them first.")
            % {"what": model._meta.verbose_name_plural, "name": result.name}
        ) from None


def _move_coordinations(source_ids: list[int], result: Agency) -> int:
    rows = list(TaskCoordination.objects.filter(agency_id__in=source_ids).order_by("task_id", "id"))
    if not rows:
        return 0
    existing = {
        c.task_id: c
        for c in TaskCoordination.objects.filter(agency=result, task_id__in={r.task_id for r in rows})
    }
    drop = []
    for row in rows:
        kept = existing.get(row.task_id)
        if kept is None:
            row.agency = result
            row.save(update_fields=["agency"])
            existing[row.task_id] = row
            continue
        if row.sub_deliverable and row.sub_deliverable not in kept.sub_deliverable:
            kept.sub_deliverable = "; ".join(p for p in (kept.sub_deliverable, row.sub_deliverable) if p)[
                :300
            ]
            kept.save(update_fields=["sub_deliverable"])
        drop.append(row.pk)
    TaskCoordination.objects.filter(pk__in=drop).delete()
    return len(rows)


def _move_grants(source_ids: list[int], result: Agency) -> int:
    rows = list(Grant.objects.filter(agency_id__in=source_ids))
    have = set(Grant.objects.filter(agency=result).values_list("user_id", "kind"))
    for g in rows:
        if (g.user_id, g.kind) in have:
            g.delete()
        else:
            have.add((g.user_id, g.kind))
            Grant.objects.filter(pk=g.pk).update(agency=result)
    return len(rows)


def _move_programs(source_ids: list[int], result: Agency) -> tuple[int, int]:
    """Programmes follow the agency; one kept per resolution (module docstring). Returns
    (programmes re-assigned, programmes folded into another)."""
    programs = list(
        ActionProgram.objects.filter(agency_id__in=source_ids)
        .order_by("issued_on", "id")
        .select_related("agency")
    )
    own = {p.resolution_id: p for p in ActionProgram.objects.filter(agency=result)}
    moved = folded = 0
    for prog in programs:
        kept = own.get(prog.resolution_id)
        if kept is None:
            ActionProgram.objects.filter(pk=prog.pk).update(agency=result, version=F("version") + 1)
            own[prog.resolution_id] = prog
            moved += 1
            continue
        prefix = f"{prog.number or prog.agency.code} · "
        Task.objects.filter(program=prog).update(
            program=kept, code=Substr(Concat(Value(prefix), "code"), 1, 40), version=F("version") + 1
        )
        folded += 1
    return moved, folded


@dataclass
class Moved:
    agencies: int = 0
    tasks: int = 0
    users: int = 0
    programs: int = 0
    programs_folded: int = 0
    coordinations: int = 0
    grants: int = 0
    other: int = 0

    def add(self, other: Moved) -> None:
        for k, v in vars(other).items():
            setattr(self, k, getattr(self, k) + v)


def _absorb(sources: Sequence[Agency], result: Agency, effective_on: dt.date) -> Moved:
    """Move everything of ``sources`` to ``result`` and end the sources (no checks, no audit)."""
    ids = [s.pk for s in sources]
    moved = Moved()
    children = [c for s in sources for c in _children(s)]
    moved.agencies = move_subtrees(children, result)
    moved.programs, moved.programs_folded = _move_programs(ids, result)
    moved.coordinations = _move_coordinations(ids, result)
    moved.grants = _move_grants(ids, result)
    task_ids: set[int] = set()
    for model, name in _fk_relations():
        if (model, name) in SPECIAL:
            continue
        if model is Task:
            task_ids.update(Task.objects.filter(**{f"{name}__in": ids}).values_list("pk", flat=True))
        n = _repoint(model, name, ids, result)
        if model is Task:
            continue
        if name == "agency" and model._meta.label_lower == "accounts.user":
            moved.users += n
        else:
            moved.other += n
    moved.tasks = len(task_ids)
    Agency.objects.filter(pk__in=ids).update(valid_to=effective_on - DAY)
    result.predecessors.add(*ids)
    return moved


def _event(actor, kind, effective_on, reference, note, sources, results, moved: Moved) -> RestructuringEvent:
    event = RestructuringEvent.objects.create(
        kind=kind,
        effective_on=effective_on,
        reference=reference.strip(),
        note=note,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        moved=vars(moved),
    )
    event.sources.add(*sources)
    event.results.add(*results)
    return event


def _audit(actor, action: str, event: RestructuringEvent, sources, results, moved: Moved) -> None:
    record(
        actor,
        action,
        event,
        before={"agencies": [s.code for s in sources]},
        after={"agencies": [r.code for r in results], "moved": vars(moved)},
        agency_path=results[0].path if len(results) == 1 else "",
        reason=event.reference,
    )


# -- merging -------------------------------------------------------------------------------------


def merge_agencies(
    actor: Any,
    *,
    sources: Sequence[Agency],
    into: Agency | None = None,
    new_spec: dict | None = None,
    effective_on: dt.date,
    reference: str,
    note: str = "",
) -> RestructuringEvent:
    """Merge ``sources`` into an existing agency ``into`` or into a new one described by
    ``new_spec`` (code, name, parent, optionally short_name, admin_type; kind and level are the
    sources'). Returns the recorded event."""
    _require_sysadmin(actor)
    _check_dates(effective_on, reference)
    if (into is None) == (new_spec is None):
        raise ValidationFailed(
            _("Merge into an existing agency or describe a new one, not both."), field="into"
        )
    with transaction.atomic():
        sources = [Agency.objects.select_for_update(of=("self",)).get(pk=s.pk) for s in sources]
        _check_sources(sources, effective_on)
        if into is not None:
            into = Agency.objects.get(pk=into.pk)
            _check_target(into, sources)
            if (into.kind, into.level) != (sources[0].kind, sources[0].level):
                raise ValidationFailed(
                    _("%(name)s is of another kind or level than the agencies merged into it.")
                    % {"name": into.name},
                    field="into",
                )
            result = into
        else:
            spec = {**new_spec, "kind": sources[0].kind, "level": sources[0].level}
            _check_spec(spec)
            _check_target(spec["parent"], sources, as_parent=True)
            result = create_child(spec["parent"], spec, effective_on)
            record(actor, "agency.created", result, after={"code": result.code, "name": result.name})
        moved = _absorb(sources, result, effective_on)
        event = _event(
            actor, RestructuringEvent.Kind.MERGE, effective_on, reference, note, sources, [result], moved
        )
        _audit(actor, "agency.merged", event, sources, [result], moved)
    return event


# -- splitting -----------------------------------------------------------------------------------


@dataclass
class Part:
    """One agency a split produces: an existing ``into`` or a new one from ``spec``; the
    children, tasks, users and programmes (ids) it receives. What no part names goes to the
    first part; inspection grants over the source are given for every part."""

    spec: dict | None = None
    into: Agency | None = None
    children: list[int] = field(default_factory=list)
    tasks: list[int] = field(default_factory=list)
    users: list[int] = field(default_factory=list)
    programs: list[int] = field(default_factory=list)


def split_agency(
    actor: Any,
    *,
    source: Agency,
    parts: Sequence[Part],
    effective_on: dt.date,
    reference: str,
    note: str = "",
) -> RestructuringEvent:
    _require_sysadmin(actor)
    _check_dates(effective_on, reference)
    if len(parts) < 2:
        raise ValidationFailed(_("A split needs at least two resulting agencies."), field="parts")
    with transaction.atomic():
        source = Agency.objects.select_for_update(of=("self",)).get(pk=source.pk)
        _check_sources([source], effective_on)
        _check_split_ids(source, parts)
        taken: set[str] = set()
        for part in parts:
            if (part.into is None) == (part.spec is None):
                raise ValidationFailed(
                    _("Each part is an existing agency or a new one, not both."), field="parts"
                )
            if part.spec is not None:
                spec = {"kind": source.kind, "level": source.level, **part.spec}
                _check_spec(spec, taken)
                taken.add(spec["code"].strip())
                _check_target(spec["parent"], [source], as_parent=True)
            else:
                _check_target(part.into, [source])
        results = []
        for part in parts:
            if part.spec is not None:
                spec = {"kind": source.kind, "level": source.level, **part.spec}
                result = create_child(spec["parent"], spec, effective_on)
                record(actor, "agency.created", result, after={"code": result.code, "name": result.name})
            else:
                result = part.into
            results.append(result)
        moved = _distribute(source, parts, results)
        Agency.objects.filter(pk=source.pk).update(valid_to=effective_on - DAY)
        for result in results:
            result.predecessors.add(source)
        event = _event(
            actor, RestructuringEvent.Kind.SPLIT, effective_on, reference, note, [source], results, moved
        )
        _audit(actor, "agency.split", event, [source], results, moved)
    return event


def _check_split_ids(source: Agency, parts: Sequence[Part]) -> None:
    children = {c.pk for c in _children(source)}
    tasks = set(Task.objects.filter(lead_agency=source).values_list("pk", flat=True)) | set(
        Task.objects.filter(assigned_by=source).values_list("pk", flat=True)
    )
    users = set(source.users.values_list("pk", flat=True))
    programs = set(source.programs.values_list("pk", flat=True))
    for label, allowed, attr in (
        (_("sub-agencies"), children, "children"),
        (_("tasks"), tasks, "tasks"),
        (_("users"), users, "users"),
        (_("programmes"), programs, "programs"),
    ):
        seen: set[int] = set()
        for n, part in enumerate(parts, 1):
            ids = set(getattr(part, attr))
            stray = ids - allowed
            if stray:
                raise ValidationFailed(
                    _("Part %(n)s names %(what)s that do not belong to %(name)s: %(ids)s.")
                    % {"n": n, "what": label, "name": source.name, "ids": ", ".join(map(str, sorted(stray)))},
                    field="parts",
                )
            if ids & seen:
                raise ValidationFailed(
                    _("Part %(n)s names %(what)s already given to another part.") % {"n": n, "what": label},
                    field="parts",
                )
            seen |= ids


def _distribute(source: Agency, parts: Sequence[Part], results: list[Agency]) -> Moved:
    moved = Moved()
    first = results[0]
    for part, result in zip(parts, results, strict=True):
        kids = [c for c in _children(source) if c.pk in set(part.children)] if part.children else []
        moved.agencies += move_subtrees(kids, result)
    moved.agencies += move_subtrees(_children(source), first)
    # programmes: named ones to their part, the rest to the first
    prog_part = {pid: r for part, r in zip(parts, results, strict=True) for pid in part.programs}
    for prog in ActionProgram.objects.filter(agency=source):
        target = prog_part.get(prog.pk, first)
        if ActionProgram.objects.filter(agency=target, resolution_id=prog.resolution_id).exists():
            raise Conflict(
                _("%(name)s already has a programme for %(res)s.")
                % {"name": target.name, "res": prog.resolution}
            )
        ActionProgram.objects.filter(pk=prog.pk).update(agency=target, version=F("version") + 1)
        moved.programs += 1
    # tasks: a named task goes to its part; the others to the part holding their programme, else the first
    task_part = {tid: r for part, r in zip(parts, results, strict=True) for tid in part.tasks}
    prog_agency = dict(ActionProgram.objects.values_list("pk", "agency_id"))
    by_pk = {r.pk: r for r in results}
    for t in Task.objects.filter(lead_agency=source) | Task.objects.filter(assigned_by=source):
        target = task_part.get(t.pk) or by_pk.get(prog_agency.get(t.program_id)) or first
        changes: dict[str, Any] = {"version": F("version") + 1}
        if t.lead_agency_id == source.pk:
            changes["lead_agency"] = target
        if t.assigned_by_id == source.pk:
            changes["assigned_by"] = target
        Task.objects.filter(pk=t.pk).update(**changes)
        moved.tasks += 1
    for c in TaskCoordination.objects.filter(agency=source):
        target = task_part.get(c.task_id) or first
        if TaskCoordination.objects.filter(task_id=c.task_id, agency=target).exists():
            c.delete()
        else:
            TaskCoordination.objects.filter(pk=c.pk).update(agency=target)
        moved.coordinations += 1
    # users
    for part, result in zip(parts, results, strict=True):
        if part.users:
            moved.users += source.users.filter(pk__in=part.users).update(agency=result)
    moved.users += source.users.update(agency=first)
    # an inspection mandate over the source covers every part
    for g in Grant.objects.filter(agency=source):
        for result in results:
            Grant.objects.get_or_create(
                user_id=g.user_id, kind=g.kind, agency=result, defaults={"note": g.note}
            )
        g.delete()
        moved.grants += 1
    for model, name in _fk_relations():
        if (model, name) in SPECIAL or model is Task or model._meta.label_lower == "accounts.user":
            continue
        moved.other += _repoint(model, name, [source.pk], first)
    return moved
