"""Keeping the roll-ups current (decision 014).

* :func:`compute_resolution` — every subtree's figures on one resolution, from raw task rows, by
  planning's one roll-up function (``every_subtree_progress``) and status rule (``derive_status``);
* :func:`refresh` — recompute some resolutions and write only the rows that changed;
* :func:`fold` — read the sealed audit rows after the watermark, work out which resolutions they
  touch, refresh those, advance the watermark (one transaction; the caller loops);
* :func:`rebuild` — everything from raw rows (``manage.py rebuild_rollups``).

The reporting completeness of the recent periods is kept the same way (:mod:`.completeness`): the
touched resolutions' periods and the touched reports' periods are recounted in the same fold; so are
the KPI bands of the recent periods (:mod:`.kpis`).

Recomputing a touched resolution whole, rather than adding deltas, keeps "incremental = rebuild =
the function" true by construction; the fold's only job is to miss no touched resolution.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from resmon.agencies.models import Agency
from resmon.audit.models import AuditEntry
from resmon.core import clock
from resmon.core.access import PATH_STEP
from resmon.planning.models import ActionProgram, DeadlineExtension, Resolution, Task
from resmon.planning.rollup import Node, every_subtree_progress, rounded
from resmon.planning.status import TaskState, derive_status
from resmon.reporting.models import PeriodReport

from . import completeness, kpis
from .models import STATUS_FIELDS, FoldState, ProgressRollup

FOLD_BATCH = 5000
# audit rows of these kinds may move tasks between agencies or load data in bulk: fold everything
EVERYTHING_PREFIXES = ("restructuring.", "agencies.", "demo")
TASK_FIELDS = (
    "id",
    "parent_id",
    "weight",
    "percent_done",
    "completed_on",
    "state",
    "due_date",
    "ongoing",
    "first_progress_on",
    "lead_agency__path",
)


@dataclass
class Figures:
    """What one subtree's row holds (without the bookkeeping columns)."""

    progress: Any = None
    tasks: int = 0
    counts: Counter[str] = field(default_factory=Counter)

    def columns(self) -> dict[str, Any]:
        """The row's figure columns, in the order of COLUMNS."""
        return {
            "progress": self.progress,
            "tasks": self.tasks,
            **{name: self.counts.get(name, 0) for name in STATUS_FIELDS},
        }


def compute_resolution(resolution_id: int, today: dt.date) -> dict[str, Figures]:
    """{agency path: figures} for every agency subtree leading a task of the resolution."""
    rows = list(Task.objects.filter(resolution_id=resolution_id).values_list(*TASK_FIELDS))
    nodes = [
        Node(
            id=pk,
            parent_id=parent,
            weight=weight,
            percent_done=percent,
            completed=completed is not None,
            cancelled=state == TaskState.CANCELLED,
            lead_path=path,
        )
        for pk, parent, weight, percent, completed, state, _due, _ongoing, _first, path in rows
    ]
    # count per (lead path, status) first, then add each distinct lead path's counts to its
    # ancestors: far fewer lead paths than tasks
    by_lead: Counter[tuple[str, str]] = Counter(
        (
            path,
            derive_status(
                first_progress_on=first,
                completed_on=completed,
                due_date=due,
                today=today,
                ongoing=ongoing,
                state=state,
            ).value,
        )
        for _pk, _parent, _w, _p, completed, state, due, ongoing, first, path in rows
    )
    out: dict[str, Figures] = {}
    for (path, status), n in by_lead.items():
        for k in range(1, len(path) // PATH_STEP + 1):
            prefix = path[: k * PATH_STEP]
            figures = out.get(prefix)
            if figures is None:
                figures = out[prefix] = Figures()
            figures.tasks += n
            figures.counts[status] += n
    for path, value in every_subtree_progress(nodes, PATH_STEP).items():
        if path not in out:
            out[path] = Figures()
        out[path].progress = rounded(value)
    return out


COLUMNS = ("progress", "tasks", *STATUS_FIELDS)


def _write(resolution_id: int, figures: dict[str, Figures], today: dt.date) -> int:
    """Make the stored rows of one resolution equal ``figures``: create, update and delete only
    what differs. Rows are compared as plain tuples (thousands per resolution at national scale);
    agencies are looked up only for subtrees that had no row (a new one, or one that moved)."""
    now = clock.now()
    stored = list(
        ProgressRollup.objects.filter(resolution_id=resolution_id).values_list(
            "pk", "agency_id", "agency_path", "as_of", *COLUMNS
        )
    )
    by_path = {row[2]: row for row in stored}
    by_agency = {row[1]: row for row in stored}
    new_paths = [path for path in figures if path not in by_path]
    agency_of = dict(Agency.objects.filter(path__in=new_paths).values_list("path", "id")) if new_paths else {}
    kept: set[int] = set()
    created: list[ProgressRollup] = []
    changed: list[ProgressRollup] = []
    for path, fig in figures.items():
        columns = fig.columns()
        row = by_path.get(path) or by_agency.get(agency_of.get(path, -1))
        if row is not None:
            kept.add(row[0])
            if row[2] == path and row[3] == today and row[4:] == tuple(columns.values()):
                continue
        target = ProgressRollup(
            pk=row[0] if row is not None else None,
            agency_id=row[1] if row is not None else agency_of[path],
            agency_path=path,
            resolution_id=resolution_id,
            as_of=today,
            computed_at=now,
            **columns,
        )
        (changed if row is not None else created).append(target)
    gone = [row[0] for row in stored if row[0] not in kept]
    if gone:
        ProgressRollup.objects.filter(pk__in=gone).delete()
    ProgressRollup.objects.bulk_create(created, batch_size=1000)
    ProgressRollup.objects.bulk_update(
        changed, ["agency_path", "as_of", "computed_at", *COLUMNS], batch_size=1000
    )
    return len(created) + len(changed) + len(gone)


def refresh(resolution_ids: Iterable[int], today: dt.date | None = None) -> int:
    """Recompute these resolutions' rows; write only what changed. Returns the rows written."""
    today = today or clock.today()
    return sum(_write(r, compute_resolution(r, today), today) for r in sorted(set(resolution_ids)))


def _state() -> FoldState:
    state = FoldState.objects.select_for_update().filter(pk=1).first()
    if state is None:
        FoldState.objects.get_or_create(pk=1)
        state = FoldState.objects.select_for_update().get(pk=1)
    return state


def _sealed_head() -> int:
    last = AuditEntry.objects.filter(seq__isnull=False).order_by("-seq").values_list("seq", flat=True).first()
    return last or 0


def all_resolution_ids() -> set[int]:
    return set(Resolution.objects.values_list("pk", flat=True))


def touched_resolutions(entries: Iterable[AuditEntry]) -> set[int] | None:
    """The resolutions whose figures these audit rows may have changed; None: all of them."""
    found: set[int] = set()
    tasks: set[int] = set()
    programs: set[int] = set()
    extensions: set[int] = set()
    for e in entries:
        if e.object_type.startswith(EVERYTHING_PREFIXES) or e.action.startswith(EVERYTHING_PREFIXES):
            return None
        if e.object_type == "planning.task":
            for snap in (e.before, e.after):
                if isinstance(snap, dict) and snap.get("resolution_id") is not None:
                    found.add(int(snap["resolution_id"]))
            if e.object_id.isdigit():
                tasks.add(int(e.object_id))
        elif e.object_type == "planning.actionprogram" and e.object_id.isdigit():
            programs.add(int(e.object_id))
        elif e.object_type == "planning.deadlineextension" and e.object_id.isdigit():
            extensions.add(int(e.object_id))
    found |= set(Task.objects.filter(pk__in=tasks).values_list("resolution_id", flat=True))
    found |= set(ActionProgram.objects.filter(pk__in=programs).values_list("resolution_id", flat=True))
    found |= set(
        DeadlineExtension.objects.filter(pk__in=extensions).values_list("task__resolution_id", flat=True)
    )
    return found


def may_change_expected(entry: AuditEntry, today: dt.date) -> bool:
    """Whether this audit row may change which reports of the kept periods (begun by ``today``) are
    expected (``reporting.selectors_completeness``: a task is expected unless cancelled or completed
    before the period began). Not a deadline extension; not a task write that keeps its programme,
    lead agency and resolution, is cancelled before and after or neither, and whose completion
    date, before and after, is none or not before today (progress, a completion today: recounting
    the resolution's completeness, the fold's costliest part, is skipped). Anything else may."""
    if entry.object_type == "planning.deadlineextension":
        return False
    if entry.object_type != "planning.task":
        return True
    before, after = entry.before, entry.after
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return True
    fields = ("program_id", "lead_agency_id", "resolution_id", "state", "completed_on")
    if any(k not in before or k not in after for k in fields):
        return True
    if any(before[k] != after[k] for k in fields[:3]):
        return True
    if (before["state"] == TaskState.CANCELLED) != (after["state"] == TaskState.CANCELLED):
        return True
    done = (before["completed_on"], after["completed_on"])
    return done[0] != done[1] and any(d is not None and str(d) < today.isoformat() for d in done)


REPORT_TYPE = "reporting.periodreport"


def touched_reports(entries: Iterable[AuditEntry]) -> set[tuple[int, int]]:
    """The (period id, resolution id) pairs of the period reports these audit rows wrote: their
    completeness may have changed."""
    found: set[tuple[int, int]] = set()
    ids: set[int] = set()
    for e in entries:
        if e.object_type != REPORT_TYPE:
            continue
        for snap in (e.before, e.after):
            if isinstance(snap, dict) and snap.get("period_id") and snap.get("resolution_id"):
                found.add((int(snap["period_id"]), int(snap["resolution_id"])))
        if e.object_id.isdigit():
            ids.add(int(e.object_id))
    if ids:
        found |= set(
            PeriodReport.objects.filter(pk__in=sorted(ids)).values_list("period_id", "resolution_id")
        )
    return found


def _refresh_completeness(
    state: FoldState, today: dt.date, touched: set[int] | None, reports: set, new_day: bool
) -> None:
    """The completeness rows: every kept period recounted when the audit rows touch everything (a
    merger, a bulk load) or nothing was built yet; else, on a new day, the window moves (periods
    that left it dropped, those that entered counted: expected reports do not depend on the day),
    and the kept periods of the touched resolutions and the touched reports' periods are
    recounted."""
    if touched is None or state.completeness_from is None:
        completeness.refresh_window(today)
        state.completeness_from = completeness.window_start(today)
        return
    if new_day:
        completeness.refresh_window(today, full=False)
        state.completeness_from = completeness.window_start(today)
    if touched:
        completeness.refresh(completeness.kept_periods(today), touched)
    completeness.refresh_reports({(p, r) for p, r in reports if r not in touched}, today)


def fold(batch: int = FOLD_BATCH) -> int:
    """Fold the sealed audit rows after the watermark (up to ``batch``) into the roll-ups; on a
    new day re-count every resolution. Returns the number of audit rows folded."""
    with transaction.atomic():
        state = _state()
        today = clock.today()
        entries = list(AuditEntry.objects.filter(seq__gt=state.last_seq).order_by("seq")[:batch])
        new_day = state.as_of != today
        if not entries and not new_day:
            return 0
        touched = touched_resolutions(entries)
        refresh(all_resolution_ids() if touched is None or new_day else touched, today)
        expected = (
            touched
            if touched is None
            else touched_resolutions(e for e in entries if may_change_expected(e, today))
        )
        _refresh_completeness(state, today, expected, touched_reports(entries), new_day)
        kpis.fold(state, today, entries, everything=touched is None, new_day=new_day)
        if entries:
            state.last_seq = entries[-1].seq or state.last_seq
        state.as_of, state.folded_at = today, clock.now()
        state.generation += 1
        state.save()
        return len(entries)


def fold_all(batch: int = FOLD_BATCH) -> int:
    """Fold until nothing sealed is left (tests, commands)."""
    total = 0
    while n := fold(batch):
        total += n
    return total


def rebuild() -> int:
    """Every roll-up from raw rows; the fold continues from the chain's head as it was before the
    rows were read (what was sealed later is folded next). Returns the rows written."""
    with transaction.atomic():
        state = _state()
        head = _sealed_head()
        today = clock.today()
        ids = all_resolution_ids()
        ProgressRollup.objects.exclude(resolution_id__in=ids).delete()
        written = refresh(ids, today)
        written += completeness.refresh_window(today)
        state.completeness_from = completeness.window_start(today)
        written += kpis.rebuild(state, today)
        state.last_seq, state.as_of = head, today
        state.folded_at = state.rebuilt_at = clock.now()
        state.generation += 1
        state.save()
        return written
