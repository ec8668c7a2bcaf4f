"""Demo period reports: the vocabulary, the rows read from the database and small helpers."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max

from resmon.accounts.models import User
from resmon.agencies.models import Agency, AgencyKind
from resmon.catalogue import periods as cal
from resmon.core import clock
from resmon.core.access import Role
from resmon.planning.models import ActionProgram, ProgramSchedule, Task
from resmon.planning.services.schedule import DEFAULT_DUE_DAYS, DEFAULT_GRACE_DAYS
from resmon.planning.status import TaskState
from resmon.planning.tree_shape import code_key
from resmon.reporting.models import (
    ReportState,
)

from ..tree import BATCH

S = ReportState
DEMO_PROVINCE = "HNI"
DEMO_COMMUNE = "HNI-X001-UBND"  # daumoi.xa.hni's People's Committee
COMMUNE_KPI_RESOLUTION = "57-NQ/TW"  # Hà Nội's communes report the online-services indicator
VERSIONS: dict[str, int] = {S.DRAFT: 2, S.AWAITING_HEAD: 3, S.SENT: 4, S.ACCEPTED: 5, S.RETURNED: 5}

RESULTS = (
    "Đã triển khai theo kế hoạch; khối lượng hoàn thành đạt {pct}%.",
    "Đã ban hành văn bản chỉ đạo, phân công cán bộ phụ trách; tiến độ đạt {pct}% so với kế hoạch.",
    "Đã tổ chức họp triển khai, rà soát nội dung; hoàn thành {pct}% khối lượng công việc.",
    "Đang hoàn thiện dự thảo, lấy ý kiến các cơ quan liên quan; ước đạt {pct}%.",
    "Đã hoàn thành các bước chuẩn bị, đang triển khai thực hiện; đạt {pct}%.",
)
DONE_RESULT = "Đã hoàn thành nhiệm vụ ngày {day}; sản phẩm: {deliverable}."
NOT_STARTED_RESULT = "Chưa triển khai trong kỳ; đang chờ hướng dẫn, bố trí nguồn lực."
PARENT_RESULT = (
    "Đã chỉ đạo, đôn đốc thực hiện các nhiệm vụ thành phần; tiến độ chung tính theo các nhiệm vụ đó."
)
OBSTACLES = (
    "",
    "",
    "Kinh phí được bố trí chậm so với kế hoạch.",
    "Thiếu cán bộ có chuyên môn về công nghệ thông tin.",
    "Hạ tầng kỹ thuật chưa đồng bộ giữa các đơn vị.",
    "Hướng dẫn nghiệp vụ của cơ quan cấp trên chưa cụ thể, cần thống nhất cách thực hiện.",
    "Khối lượng công việc lớn sau sắp xếp tổ chức bộ máy, nhân lực còn mỏng.",
)
REPORT_RESULTS = (
    "Trong kỳ, {agency} đã tập trung triển khai {n} nhiệm vụ được giao theo Chương trình hành động; "
    "các nhiệm vụ cơ bản bảo đảm tiến độ.",
    "{agency} đã quán triệt, phân công rõ người, rõ việc, rõ thời gian; {n} nhiệm vụ được theo dõi "
    "và cập nhật tiến độ đầy đủ.",
    "Các nhiệm vụ trọng tâm được triển khai đồng bộ; {agency} đã rà soát, đôn đốc thực hiện {n} "
    "nhiệm vụ trong kỳ.",
)
REPORT_OBSTACLES = (
    "Một số nhiệm vụ chậm do nguồn lực hạn chế; việc phối hợp giữa các cơ quan có lúc chưa kịp thời.",
    "Kinh phí, nhân lực thực hiện còn khó khăn; một số hướng dẫn chuyên môn chưa được ban hành.",
    "Không có khó khăn, vướng mắc lớn.",
)
NEXT_STEPS = (
    "Tiếp tục triển khai các nội dung còn lại, bảo đảm hoàn thành đúng thời hạn.",
    "Tập trung tháo gỡ vướng mắc về kinh phí; đôn đốc các đơn vị cập nhật tiến độ hằng tháng.",
    "Hoàn thiện sản phẩm, trình cấp có thẩm quyền xem xét, ban hành trong kỳ tới.",
)
RETURN_REASONS = (
    "Báo cáo chưa có minh chứng cho kết quả đã nêu; đề nghị bổ sung văn bản, số liệu kèm theo.",
    "Tỷ lệ hoàn thành chưa khớp với kết quả mô tả; đề nghị rà soát, cập nhật lại số liệu.",
    "Chưa nêu rõ khó khăn, vướng mắc và đề xuất giải pháp tháo gỡ; đề nghị bổ sung.",
)
PROPOSALS = (
    "Đề nghị cấp trên sớm bố trí kinh phí năm tới để triển khai các nhiệm vụ chuyển đổi số.",
    "Đề nghị ban hành hướng dẫn thống nhất về quy trình số hóa hồ sơ thủ tục hành chính.",
    "Đề nghị tổ chức tập huấn nghiệp vụ cho cán bộ đầu mối cấp xã.",
    "Đề nghị điều chỉnh thời hạn hoàn thành do phụ thuộc vào văn bản của cơ quan trung ương.",
)
ANSWER = "Đã ghi nhận; sẽ tổng hợp, trình Thường trực xem xét trong kỳ tới và thông báo kết quả."


# -- plain inserts ---------------------------------------------------------------------------------


class Table:
    """Rows of one model, their ids given here, written with plain INSERTs (executemany)."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.defaults = {f.attname: None if f.primary_key else f.get_default() for f in self.fields}
        self.next_id = (model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1
        self.rows: list[dict[str, Any]] = []

    def add(self, **values: Any) -> dict[str, Any]:
        if not values.keys() <= self.defaults.keys():
            unknown = ", ".join(sorted(values.keys() - self.defaults.keys()))
            raise KeyError(f"{self.model.__name__} has no column {unknown}")
        row = {**self.defaults, **values, "id": self.next_id}
        self.next_id += 1
        self.rows.append(row)
        return row

    def write(self) -> int:
        if not self.rows:
            return 0
        ops, quote = connection.ops, connection.ops.quote_name
        names = [f.attname for f in self.fields]
        stamps = [f.attname for f in self.fields if isinstance(f, models.DateTimeField)]
        # only the model's own table and column names, quoted; the values go as parameters
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
            quote(str(self.model._meta.db_table)),
            ", ".join(quote(str(f.column)) for f in self.fields),
            ", ".join(["%s"] * len(self.fields)),
        )
        params = []
        for row in self.rows:
            for name in stamps:
                if row[name] is not None:
                    row[name] = ops.adapt_datetimefield_value(row[name])
            params.append(tuple(row[n] for n in names))
        with connection.cursor() as cursor:
            for start in range(0, len(params), BATCH * 4):
                cursor.executemany(sql, params[start : start + BATCH * 4])
            for statement in ops.sequence_reset_sql(no_style(), [self.model]):
                cursor.execute(statement)  # PostgreSQL: the ids given here are taken
        return len(self.rows)


# -- what the builder reads ------------------------------------------------------------------------


@dataclass
class TaskRow:
    id: int
    program_id: int
    parent_id: int | None
    code: str
    position: int
    lead_id: int
    assigned_by_id: int
    state: str
    percent: Decimal
    completed_on: dt.date | None
    first_progress_on: dt.date | None
    deliverable: str
    leaf: bool = True
    order: tuple = ()  # the place in its programme's tree


@dataclass
class AgencyRow:
    id: int
    path: str
    code: str
    kind: str
    name: str


@dataclass
class Pair:
    """One expected report: (programme, reporting agency) in one period."""

    program: ActionProgram
    agency: AgencyRow
    tasks: list[TaskRow]  # its lines, in tree order
    accepting: AgencyRow
    due: dt.date
    grace: dt.date


class World:
    """Tasks, agencies, programmes, schedules and the demo users, read once."""

    def __init__(self) -> None:
        rows = Task.objects.values_list(
            "id",
            "program_id",
            "parent_id",
            "code",
            "position",
            "lead_agency_id",
            "assigned_by_id",
            "state",
            "percent_done",
            "completed_on",
            "first_progress_on",
            "deliverable",
        )
        self.tasks = {r[0]: TaskRow(*r) for r in rows.iterator(chunk_size=5000)}
        for t in self.tasks.values():
            t.order = (code_key(t.code), t.position, t.id)
        self.by_lead: dict[tuple[int, int], list[TaskRow]] = defaultdict(list)  # (programme, lead)
        for t in self.tasks.values():
            self.by_lead[(t.program_id, t.lead_id)].append(t)
            if t.parent_id is not None:
                self.tasks[t.parent_id].leaf = False
        self.leads: dict[int, set[int]] = defaultdict(set)
        for program_id, lead_id in self.by_lead:
            self.leads[program_id].add(lead_id)
        self.agencies = {
            a[0]: AgencyRow(*a) for a in Agency.objects.values_list("id", "path", "code", "kind", "name")
        }
        self.by_path = {a.path: a for a in self.agencies.values()}
        self.by_code = {a.code: a for a in self.agencies.values()}
        programs = ActionProgram.objects.filter(pk__in=self.leads).select_related("resolution")
        self.programs = {p.pk: p for p in programs}
        self.schedules: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
        for program_id, kind, due_days, grace_days in ProgramSchedule.objects.values_list(
            "program_id", "kind", "due_days", "grace_days"
        ):
            self.schedules[program_id][kind] = (due_days, grace_days)
        self.people: dict[tuple[str, str], User | None] = {}
        self.users_at: dict[str, list[User]] = defaultdict(list)
        for user in User.objects.filter(agency__isnull=False, is_active=True).select_related("agency"):
            if user.agency is not None:
                self.users_at[user.agency.path].append(user)

    def province_of(self, agency: AgencyRow) -> str:
        return self.by_path[agency.path[:8]].code if len(agency.path) >= 8 else agency.code

    # -- the rules of reporting.services.reports, on the rows in memory -----------------------
    def accepting(self, program: ActionProgram, agency: AgencyRow) -> AgencyRow:
        """accepting_agency_for: among the agency's top-most tasks (not cancelled), the agencies
        that assigned them other than itself, the highest first; else the programme's agency, or
        for the programme's own agency its parent."""
        assigners = {
            t.assigned_by_id
            for t in self.by_lead[(program.pk, agency.id)]
            if t.state != TaskState.CANCELLED
            and (t.parent_id is None or self.tasks[t.parent_id].lead_id != agency.id)
        } - {agency.id}
        if assigners:
            return min((self.agencies[a] for a in assigners), key=lambda a: (len(a.path), a.path))
        if program.agency_id != agency.id:
            return self.agencies[program.agency_id]
        return self.by_path.get(agency.path[:-4], agency)

    def due_tasks(self, program: ActionProgram, agency_id: int, start: dt.date) -> list[TaskRow]:
        """report_tasks: led by the agency, not cancelled, not completed before the period; in
        the order of the programme's tree (codes compared part by part)."""
        rows = [
            t
            for t in self.by_lead[(program.pk, agency_id)]
            if t.state != TaskState.CANCELLED and (t.completed_on is None or t.completed_on >= start)
        ]
        return sorted(rows, key=lambda t: t.order)

    def schedule(self, program_id: int, kind: str) -> tuple[int, int] | None:
        rows = self.schedules.get(program_id)
        if not rows:
            return (DEFAULT_DUE_DAYS, DEFAULT_GRACE_DAYS) if kind == cal.QUARTER else None
        return rows.get(kind)

    # -- people (the demo has accounts for some agencies only) ---------------------------------
    def nearest(
        self, path: str, roles: tuple[str, ...], *, root: bool = False, outside: str = ""
    ) -> User | None:
        """The demo user at or nearest above ``path`` with one of ``roles`` (preferred in that
        order); the root's users only with ``root``; never one inside ``outside``."""
        for end in range(len(path), 0 if root else 4, -4):
            if outside and path[:end].startswith(outside):
                continue
            here = self.users_at.get(path[:end], [])
            for role in roles:
                for user in here:
                    if user.role == role:
                        return user
        return None

    def preparer(self, agency: AgencyRow) -> User | None:
        key = ("prepare", agency.path)
        if key not in self.people:
            self.people[key] = self.nearest(agency.path, (Role.FOCAL_OFFICER, Role.LEADER))
        return self.people[key]

    def head(self, agency: AgencyRow) -> User | None:
        key = ("head", agency.path)
        if key not in self.people:
            self.people[key] = self.nearest(agency.path, (Role.LEADER,))
        return self.people[key]

    def acceptor(self, accepting: AgencyRow, agency: AgencyRow) -> User | None:
        key = (accepting.path, agency.path)
        if key not in self.people:
            self.people[key] = self.nearest(
                accepting.path, (Role.FOCAL_OFFICER, Role.LEADER), root=True, outside=agency.path
            )
        return self.people[key]


# -- small helpers ---------------------------------------------------------------------------------


def at_office(rng: random.Random, day: dt.date) -> dt.datetime:
    """A moment of office hours on ``day`` in the deployment's time zone."""
    minutes = rng.randint(8 * 60, 17 * 60)
    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=clock.tz())


def percent(value: float) -> Decimal:
    return Decimal(max(0, min(100, round(value)))).quantize(Decimal("0.01"))


def percent_at(task: TaskRow, end: dt.date, today: dt.date) -> tuple[Decimal, dt.date | None]:
    """A leaf task's (percent done, completed on) as it stood on ``end``, interpolated between its
    first progress and where it is today, in round figures (never ahead of today's)."""
    if task.completed_on and task.completed_on <= end:
        return percent(100), task.completed_on
    if task.first_progress_on is None or task.first_progress_on > end:
        return percent(0), None
    now_pct = 100.0 if task.completed_on else float(task.percent or 0)
    span = max((min(task.completed_on or today, today) - task.first_progress_on).days, 1)
    share = min(max((end - task.first_progress_on).days, 0) / span, 1.0)
    value = now_pct * (0.15 + 0.85 * share)
    if value >= 5:
        value = round(value / 5) * 5
    return min(percent(value), percent(now_pct)), None


def vn(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def doc_number(rng: random.Random, agency: AgencyRow) -> str:
    """A report's number in its issuer's style (state bodies 15/BC-UBND, party bodies 15-BC/ĐU)."""
    n = rng.randint(12, 480)
    if agency.kind == AgencyKind.PROVINCIAL_DEPARTMENT:
        return f"{n}/BC-S{agency.code.rsplit('-', 1)[-1][1:]}"
    if agency.kind in (AgencyKind.COMMUNE_PEOPLES_COMMITTEE, AgencyKind.PROVINCIAL_PEOPLES_COMMITTEE):
        return f"{n}/BC-UBND"
    if agency.kind in (AgencyKind.MINISTRY, AgencyKind.MINISTERIAL_AGENCY, AgencyKind.MINISTRY_UNIT):
        return f"{n}/BC-{agency.code.split('-')[0]}"
    return f"{n}-BC/ĐU"


def value_on(path: list[tuple[dt.date, Decimal]], day: dt.date) -> float:
    """The planned value on ``day``: linear between the trajectory's points, flat outside them."""
    if day <= path[0][0]:
        return float(path[0][1])
    for (d0, v0), (d1, v1) in zip(path, path[1:], strict=False):
        if d0 <= day <= d1:
            return float(v0) + (float(v1) - float(v0)) * (day - d0).days / max((d1 - d0).days, 1)
    return float(path[-1][1])


# -- the builder -----------------------------------------------------------------------------------
