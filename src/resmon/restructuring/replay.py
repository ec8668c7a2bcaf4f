"""Replay the 2025 merger of provinces (63 → 34) on a tree where the former provinces are active.

Each row of the CSV (code, name, kind = city or province, formed_from = former names separated
by ";") gives one new provincial party committee. Its former committees are merged into it,
then their People's Committees into the new People's Committee, then their departments, one
new department per kind of department (matched by the last part of the code, e.g. ``-SKHCN``).
One restructuring event and one audit row per new province.
"""

from __future__ import annotations

import csv
import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from resmon.agencies.models import Agency, AgencyKind, Level
from resmon.core.errors import ValidationFailed
from resmon.planning.models import ActionProgram, Resolution, Task
from resmon.planning.rollup import Node, rounded, subtree_progress

from .models import RestructuringEvent
from .services import Moved, _absorb, _audit, _children, _event, _require_sysadmin, create_child

MERGER_REFERENCE = (
    "Nghị quyết số 202/2025/QH15 ngày 12/6/2025 của Quốc hội về sắp xếp đơn vị hành chính cấp tỉnh"
)
COLUMNS = ("code", "name", "kind", "formed_from")


@dataclass(frozen=True)
class NewProvince:
    code: str
    name: str
    is_city: bool
    formed_from: tuple[str, ...]

    @property
    def place(self) -> str:
        if self.code != "HCM" and self.name.startswith("Thành phố "):
            return self.name.removeprefix("Thành phố ")
        return self.name

    @property
    def full_place(self) -> str:
        return self.name if self.code == "HCM" else f"{'thành phố' if self.is_city else 'tỉnh'} {self.place}"

    @property
    def party_name(self) -> str:
        return f"{'Thành ủy' if self.is_city else 'Tỉnh ủy'} {self.place}"


def read_rows(path: Path | str) -> list[NewProvince]:
    """The CSV's rows; a malformed file is refused naming the line and column."""
    try:
        with Path(path).open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise ValidationFailed(
                    _("The file lacks the columns %(cols)s.") % {"cols": ", ".join(missing)}, field="csv"
                )
            rows = []
            for line, row in enumerate(reader, 2):
                for col in COLUMNS:
                    if not (row.get(col) or "").strip():
                        raise ValidationFailed(
                            _("Line %(line)s: the column %(col)s is empty.") % {"line": line, "col": col},
                            field="csv",
                        )
                if row["kind"].strip() not in ("city", "province"):
                    raise ValidationFailed(
                        _("Line %(line)s: kind must be city or province, not %(kind)s.")
                        % {"line": line, "kind": row["kind"]},
                        field="csv",
                    )
                rows.append(
                    NewProvince(
                        code=row["code"].strip(),
                        name=row["name"].strip(),
                        is_city=row["kind"].strip() == "city",
                        formed_from=tuple(p.strip() for p in row["formed_from"].split(";") if p.strip()),
                    )
                )
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ValidationFailed(_("The file cannot be read: %(err)s") % {"err": exc}, field="csv") from None
    return rows


def former_names(name: str) -> list[str]:
    return [f"Tỉnh ủy {name}", f"Thành ủy {name}"]


def find_former(rows: list[NewProvince]) -> dict[str, Agency]:
    """Former name -> its provincial party committee; refuses a tree already merged or unknown names."""
    taken = list(Agency.objects.filter(code__in=[r.code for r in rows]).values_list("code", flat=True))
    wanted = [n for r in rows for n in r.formed_from]
    candidates = defaultdict(list)
    for a in Agency.objects.filter(
        kind=AgencyKind.PROVINCIAL_PARTY, name__in=[x for n in wanted for x in former_names(n)]
    ):
        candidates[a.name.split(" ", 2)[-1]].append(a)
    found: dict[str, Agency] = {}
    ended = []
    for name in wanted:
        active = [a for a in candidates.get(name, []) if a.valid_to is None]
        if active:
            found[name] = active[0]
        elif candidates.get(name):
            ended.append(name)
    if taken or (ended and len(ended) == len(wanted)):
        raise ValidationFailed(
            _("The tree is already merged: %(what)s already exist. Nothing changed.")
            % {"what": ", ".join(taken[:5] or ended[:5])},
            code="already_merged",
        )
    unknown = [n for n in wanted if n not in found]
    if unknown:
        raise ValidationFailed(
            _("No active provincial party committee named after: %(names)s. Nothing changed.")
            % {"names": ", ".join(unknown)},
            field="csv",
        )
    return found


def national_totals() -> dict[str, Any]:
    """Number of tasks and the national rolled-up progress per resolution (the one roll-up function)."""
    nodes: dict[int, list[Node]] = defaultdict(list)
    for row in Task.objects.values_list(
        "id",
        "parent_id",
        "weight",
        "percent_done",
        "completed_on",
        "state",
        "lead_agency__path",
        "resolution_id",
    ).iterator(chunk_size=5000):
        pk, parent, weight, pct, done, state, path, res = row
        nodes[res].append(
            Node(
                pk,
                parent,
                weight,
                pct,
                completed=done is not None,
                cancelled=state == "cancelled",
                lead_path=path,
            )
        )
    numbers = dict(Resolution.objects.values_list("pk", "number"))
    progress = {
        numbers[res]: str(rounded(subtree_progress(ns, lambda _p: True)) or Decimal(0))
        for res, ns in sorted(nodes.items())
    }
    return {"tasks": Task.objects.count(), "programs": ActionProgram.objects.count(), "progress": progress}


@dataclass
class Summary:
    provinces: int = 0
    former: int = 0
    agencies_ended: int = 0
    moved: Moved = field(default_factory=Moved)
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    dry_run: bool = False


class _DryRun(Exception):
    pass


def replay_merger(
    actor: Any,
    rows: list[NewProvince],
    *,
    effective_on: dt.date,
    reference: str = MERGER_REFERENCE,
    dry_run: bool = False,
    totals: bool = True,
) -> Summary:
    """Merge the former provinces into the new ones; ``actor`` None is the system (command line,
    demo loader). ``dry_run`` does the whole work and rolls it back."""
    if actor is not None:
        _require_sysadmin(actor)
    started = time.perf_counter()
    summary = Summary(dry_run=dry_run)
    try:
        with transaction.atomic():
            former = find_former(rows)
            summary.before = national_totals() if totals else {}
            for row in rows:
                sources = [former[n] for n in row.formed_from]
                moved, ended = merge_province(actor, row, sources, effective_on, reference)
                summary.moved.add(moved)
                summary.provinces += 1
                summary.former += len(sources)
                summary.agencies_ended += ended
            summary.after = national_totals() if totals else {}
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    summary.seconds = time.perf_counter() - started
    return summary


def merge_province(
    actor: Any, row: NewProvince, sources: list[Agency], effective_on: dt.date, reference: str
) -> tuple[Moved, int]:
    """One new province from its former ones: party committee, People's Committee, departments."""
    parent = Agency.objects.get(path=sources[0].path[: -Agency.steplen])
    party = create_child(
        parent,
        {
            "code": row.code,
            "name": row.party_name,
            "kind": AgencyKind.PROVINCIAL_PARTY,
            "level": Level.PROVINCE,
            "admin_type": "city" if row.is_city else "province",
        },
        effective_on,
    )
    moved = _absorb(sources, party, effective_on)
    ended, results = list(sources), [party]
    ubnds = [
        c
        for c in _children(party)
        if c.kind == AgencyKind.PROVINCIAL_PEOPLES_COMMITTEE and c.valid_to is None
    ]
    if ubnds:
        ubnd = create_child(
            party,
            {
                "code": f"{row.code}-UBND",
                "name": f"UBND {row.full_place}",
                "kind": AgencyKind.PROVINCIAL_PEOPLES_COMMITTEE,
                "level": Level.PROVINCE,
            },
            effective_on,
        )
        moved.add(_absorb(ubnds, ubnd, effective_on))
        ended += ubnds
        results.append(ubnd)
        groups: dict[str, list[Agency]] = defaultdict(list)
        for dept in _children(ubnd):
            if dept.kind == AgencyKind.PROVINCIAL_DEPARTMENT and dept.valid_to is None:
                groups[dept.code.rsplit("-", 1)[-1]].append(dept)
        for suffix, depts in groups.items():
            short = depts[0].short_name or depts[0].name
            new = create_child(
                ubnd,
                {
                    "code": f"{row.code}-{suffix}",
                    "name": f"{short} {row.full_place}",
                    "short_name": short,
                    "kind": AgencyKind.PROVINCIAL_DEPARTMENT,
                    "level": Level.PROVINCE,
                },
                effective_on,
            )
            moved.add(_absorb(depts, new, effective_on))
            ended += depts
            results.append(new)
    event = _event(
        actor, RestructuringEvent.Kind.MERGE, effective_on, reference, row.name, ended, results, moved
    )
    _audit(actor, "agency.merged", event, sources, [party], moved)
    return moved, len(ended)
