"""The bulk writers of bench/national_data.py and its task generator (sub-tasks assigned down the
agency tree under the demo's programmes). A data generator: COPY, no services, no audit rows."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

MAX_LEVELS = 4  # a task code has at most 4 parts ("1.2.3.4")
LEAD_KINDS = ("commune_ubnd", "provincial_ubnd", "provincial_department", "ministry", "ministerial_agency")
PARENT_FIELDS = (
    "pk", "program_id", "resolution_id", "code", "title", "lead_agency_id", "due_date", "ongoing",
    "review_period",
)  # fmt: skip


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


# --- bulk writing ------------------------------------------------------------------------------


def reserve_ids(model: Any, n: int) -> list[int]:
    """``n`` ids from the table's identity sequence, so parents can be referred to before COPY."""
    from django.db import connection

    if n == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, n],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(model: Any, rows: list[dict[str, Any]]) -> int:
    """COPY ``rows`` (attname -> value; missing fields take the model's default) into the table."""
    from django.db import connection
    from django.utils import timezone

    if not rows:
        return 0
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if f.attname in rows[0] or not f.primary_key]
    defaults = {
        f.attname: now
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        else f.get_default()
        for f in fields
    }
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row.get(f.attname, defaults[f.attname]) for f in fields])
    return len(rows)


# --- tasks -------------------------------------------------------------------------------------


@dataclass(slots=True)
class NewTask:
    """A task to insert; the demo's progress helpers set these attributes as on a Task."""

    id: int
    program_id: int
    resolution_id: int
    parent_id: int
    code: str
    position: int
    title: str
    lead_agency_id: int
    assigned_by_id: int
    start: dt.date
    responsible_officer: str = ""
    deliverable_type: str = ""
    deliverable: str = ""
    authority: str = ""
    weight: Decimal = Decimal(1)
    due_date: dt.date | None = None
    original_due_date: dt.date | None = None
    ongoing: bool = False
    review_period: str = ""
    percent_done: Decimal = Decimal(0)
    first_progress_on: dt.date | None = None
    completed_on: dt.date | None = None
    state: str = "active"
    state_reason: str = ""
    children: list[NewTask] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        return {
            name: getattr(self, name)
            for name in self.__slots__  # type: ignore[attr-defined]
            if name not in ("start", "children")
        }


@dataclass(slots=True)
class Parent:
    id: int
    program_id: int
    resolution_id: int
    code: str
    title: str
    lead_id: int
    due_date: dt.date | None
    ongoing: bool
    review_period: str
    start: dt.date
    next_child: int


class TaskMaker:
    def __init__(self, rng: random.Random, today: dt.date) -> None:
        from resmon.agencies.models import Agency, AgencyKind

        self.rng, self.today = rng, today
        self.agencies = {a.pk: a for a in Agency.objects.filter(valid_to__isnull=True)}
        self.by_path = {a.path: a for a in self.agencies.values()}
        self.kind = AgencyKind
        self.parent_of = {a.pk: self.by_path.get(a.path[:-4]) for a in self.agencies.values()}
        self.children_of: dict[int, list[Any]] = defaultdict(list)
        for a in sorted(self.agencies.values(), key=lambda a: a.path):
            parent = self.parent_of[a.pk]
            if parent is not None:
                self.children_of[parent.pk].append(a)
        self.officers: dict[int, list[str]] = {}
        self.made: list[NewTask] = []

    def province_of(self, agency: Any) -> Any:
        return self.by_path[agency.path[:8]]

    def communes(self, province: Any) -> list[Any]:
        """The commune People's Committees of a province (under its commune party committees)."""
        out = []
        for party in self.children_of[province.pk]:
            if party.kind == self.kind.COMMUNE_PARTY:
                out += [
                    u for u in self.children_of[party.pk] if u.kind == self.kind.COMMUNE_PEOPLES_COMMITTEE
                ]
        return out

    def departments(self, province: Any) -> list[Any]:
        ubnd = [u for u in self.children_of[province.pk] if u.kind == self.kind.PROVINCIAL_PEOPLES_COMMITTEE]
        return [d for u in ubnd for d in self.children_of[u.pk]]

    def officer(self, agency: Any) -> str:
        from resmon.demo.builder.names import person_name

        names = self.officers.setdefault(agency.pk, [person_name(self.rng) for _ in range(2)])
        return self.rng.choice(names)

    def task(self, parent: Parent | NewTask, ids: list[int], lead: Any, assigned_by: Any, title: str,
             dtype: str, deliverable: str) -> NewTask:  # fmt: skip
        from resmon.demo.builder.plans import authority_for
        from resmon.demo.builder.progress import pick_due, set_deadline

        rng = self.rng
        if isinstance(parent, Parent):
            n = parent.next_child
            parent.next_child += 1
            due, ongoing, review = parent.due_date, parent.ongoing, parent.review_period
        else:
            n = len(parent.children) + 1
            due, ongoing, review = parent.due_date, parent.ongoing, parent.review_period
        code = f"{parent.code}.{n}"
        task = NewTask(
            id=ids.pop(),
            program_id=parent.program_id,
            resolution_id=parent.resolution_id,
            parent_id=parent.id,
            code=code,
            position=n,
            title=title[:500],
            lead_agency_id=lead.pk,
            assigned_by_id=assigned_by.pk,
            start=parent.start,
            responsible_officer=self.officer(lead)[:150],
            deliverable_type=dtype,
            deliverable=deliverable[:500],
            authority=authority_for(assigned_by, code, lead)[:300],
            weight=Decimal(rng.choice((1, 1, 2, 3))),
        )
        set_deadline(task, rng, None if ongoing else pick_due(rng, parent.start, due), review or "quarter")  # type: ignore[arg-type]
        if isinstance(parent, NewTask):
            parent.children.append(task)
        self.made.append(task)
        return task

    def steps(self, parent: Parent | NewTask, ids: list[int], lead: Any, depth: int) -> None:
        """A lead agency breaks its task into its own steps (and now and then sub-steps)."""
        from resmon.demo.builder import vocab

        rng = self.rng
        for step, deliverable in vocab.STEP_TITLES[: rng.randint(2, 3)]:
            title = f"{step}: {lower_first(parent.title)}"
            child = self.task(parent, ids, lead, lead, title, vocab.KHAC, deliverable)
            if depth + 1 < MAX_LEVELS and rng.random() < 0.15:
                self.steps(child, ids, lead, depth + 1)

    def bundle(self, parent: Parent, ids: list[int]) -> None:
        """Sub-tasks of one existing task, assigned down the tree from its lead agency."""
        from resmon.demo.builder import vocab

        rng, kind = self.rng, self.kind
        lead = self.agencies[parent.lead_id]
        depth = parent.code.count(".") + 1  # levels of the parent
        if lead.kind in (kind.MINISTRY, kind.MINISTERIAL_AGENCY):
            for unit in rng.sample(
                self.children_of[lead.pk], min(len(self.children_of[lead.pk]), rng.randint(1, 3))
            ):
                title = f"{unit.name} thực hiện: {lower_first(parent.title)}"
                child = self.task(parent, ids, unit, lead, title, vocab.BAO_CAO, "Báo cáo kết quả")
                if depth + 1 < MAX_LEVELS:
                    self.steps(child, ids, unit, depth + 1)
            return
        if lead.kind == kind.COMMUNE_PEOPLES_COMMITTEE:
            self.steps(parent, ids, lead, depth)
            return
        province = self.province_of(lead)
        ubnd = lead if lead.kind == kind.PROVINCIAL_PEOPLES_COMMITTEE else self.parent_of[lead.pk]
        communes = self.communes(province)
        chosen = rng.sample(communes, max(1, int(len(communes) * rng.uniform(0.3, 1.0))))
        for commune in sorted(chosen, key=lambda a: a.path):
            title = f"Triển khai tại {commune.name.removeprefix('UBND ')}: {lower_first(parent.title)}"
            child = self.task(parent, ids, commune, ubnd, title, vocab.BAO_CAO, "Báo cáo kết quả thực hiện")
            if depth + 1 < MAX_LEVELS and rng.random() < 0.6:
                self.steps(child, ids, commune, depth + 1)
        if lead.kind == kind.PROVINCIAL_PEOPLES_COMMITTEE:
            for dept in rng.sample(self.departments(province), rng.randint(1, 3)):
                title = f"{dept.name} hướng dẫn, đôn đốc: {lower_first(parent.title)}"
                self.task(parent, ids, dept, ubnd, title, vocab.KE_HOACH, "Văn bản hướng dẫn")

    def progress(self) -> None:
        """Leaves get the demo's status mix; new parents the dates their children imply."""
        from resmon.demo.builder.progress import roll_up_dates, set_leaf_progress

        for task in reversed(self.made):  # children were made after their parents
            if task.children:
                roll_up_dates(task, task.children)  # type: ignore[arg-type]
            else:
                set_leaf_progress(task, self.rng, task.start, self.today)  # type: ignore[arg-type]


def add_tasks(target: int, rng: random.Random, today: dt.date) -> int:
    from django.db import transaction

    from resmon.planning.models import ActionProgram, Task

    existing = Task.objects.count()
    if existing >= target:
        return 0
    maker = TaskMaker(rng, today)
    starts = {p.pk: p.issued_on or p.created_at.date() for p in ActionProgram.objects.all()}
    last_child: dict[int, int] = defaultdict(int)
    children: dict[int, int] = defaultdict(int)
    for parent_id, code in Task.objects.filter(parent__isnull=False).values_list("parent_id", "code"):
        tail = code.rsplit(".", 1)[-1]
        last_child[parent_id] = max(last_child[parent_id], int(tail) if tail.isdigit() else 0)
        children[parent_id] += 1
    rows = (
        Task.objects.filter(
            state="active",
            completed_on__isnull=True,
            lead_agency__valid_to__isnull=True,
            lead_agency__kind__in=LEAD_KINDS,
        )
        .order_by("pk")
        .values_list(*PARENT_FIELDS)
    )
    # not completed, active, room for a level below, and not already split among many agencies
    candidates = [
        Parent(pk, prog, res, code, title, lead, due, ongoing, review, starts[prog], last_child[pk] + 1)
        for pk, prog, res, code, title, lead, due, ongoing, review in rows
        if code.count(".") + 1 < MAX_LEVELS and children[pk] < 20
    ]
    rng.shuffle(candidates)
    needed = target - existing
    ids = reserve_ids(Task, needed + 5000)[::-1]  # popped from the end: increasing ids
    for parent in candidates:
        if len(maker.made) >= needed:
            break
        maker.bundle(parent, ids)
    maker.progress()
    with transaction.atomic():
        copy_rows(Task, [t.row() for t in maker.made])
    return len(maker.made)
