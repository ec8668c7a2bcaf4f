"""Period reports in the demo: the last quarter that ended and the current one, a realistic spread.

The national spread (about 6,000 reports with their lines, evidence records, KPI values and a few
proposals) is written with plain INSERTs: going through the services one report at a time takes
minutes, and even Django's bulk_create spends seconds preparing that many rows. The rows follow
the rules the services apply, and tests/demo/test_demo_reports.py checks them against the
services themselves: a report's lines are ``report_tasks(program, agency, period)`` in tree
order, its accepting level is ``accepting_agency_for(program, agency)``, its due date follows the
programme's schedule, ``is_late`` is judged on ``first_sent_at`` against the due date, a returned
report carries its reason, accepted figures never run ahead of the task's.

The last quarter (its due date passed): most provinces' departments accepted, some sent and
waiting, some returned with a reason, some drafts; about 60 % of the communes sent (some late), the
rest missing. The current quarter: drafts, a few with their heads, a few sent early.

What the demo accounts find in their queues is then moved on through the services, so their
history, checks and notifications are the real ones: the first Hà Nội commune's report for the
last quarter, returned by the city, is corrected and sent to the commune's head; its report for
this quarter is a draft to finish; two explanation requests are asked, one of them answered.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max

from resmon.accounts.models import User
from resmon.agencies.models import Agency, AgencyKind
from resmon.catalogue import periods as cal
from resmon.catalogue.models import Indicator, ReportingPeriod
from resmon.catalogue.services_periods import configured_cutoff
from resmon.core import clock
from resmon.core.access import Role
from resmon.planning.models import ActionProgram, ProgramSchedule, TargetPoint, Task, TaskIndicator
from resmon.planning.services.schedule import DEFAULT_DUE_DAYS, DEFAULT_GRACE_DAYS
from resmon.planning.status import TaskState
from resmon.planning.tree_shape import code_key
from resmon.reporting.models import (
    Classification,
    Evidence,
    Observation,
    PeriodReport,
    Proposal,
    ReportLine,
    ReportState,
)
from resmon.reporting.services import evidence as evidence_services
from resmon.reporting.services import explanations
from resmon.reporting.services import reports as services

from .indicators import BASELINE_DATE, KPI_FOR, TARGET_DATES
from .tree import BATCH

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


class ReportBuilder:
    def __init__(self, today: dt.date, seed: int) -> None:
        self.today, self.seed = today, seed
        self.rng = random.Random(f"{seed}:reports")
        self.now = clock.now() if today == clock.today() else at_office(random.Random(seed), today)
        self.w = World()
        cutoff = configured_cutoff()
        # the last quarter whose reports were due (settled) and the one being reported on now
        current = cal.period_containing(cal.QUARTER, today, cutoff)
        previous = current.previous()
        if cal.due_date(previous, DEFAULT_DUE_DAYS)[0] >= today:  # ended, its reports still due
            current, previous = previous, previous.previous()
        self.periods = [previous, current]
        rows = ReportingPeriod.objects.filter(
            kind=cal.QUARTER, cutoff=cutoff, code__in=[p.code for p in self.periods]
        )
        self.period_rows = {r.code: r for r in rows}
        self.diligence: dict[str, float] = {}
        self.counts: dict[str, int] = defaultdict(int)
        self.reports = Table(PeriodReport)
        self.lines = Table(ReportLine)
        self.evidence = Table(Evidence)
        self.observations = Table(Observation)
        self.proposals = Table(Proposal)
        self.kpis: dict[int, list[tuple[TaskIndicator, list[tuple[dt.date, Decimal]]]]] = {}
        self.observed: set[tuple[int, int, int]] = set()
        self.wanted_proposals = {"HNI-SKHCN": False, "BKHCN": False, DEMO_COMMUNE: True}  # answered?
        self.other_proposals = 8

    def moment(self, moment: dt.datetime) -> dt.datetime:
        """Never in the future (half an hour ago at the latest)."""
        return min(moment, self.now - dt.timedelta(minutes=30))

    # -- which reports are expected ------------------------------------------------------------
    def pairs(self, period: cal.Period) -> list[Pair]:
        w, out, start, end = self.w, [], period.start, period.end
        for program in sorted(w.programs.values(), key=lambda p: p.pk):
            if program.status != ActionProgram.Status.ISSUED or program.issued_on is None:
                continue
            schedule = w.schedule(program.pk, cal.QUARTER)
            if program.issued_on > end or schedule is None:
                continue
            due, grace = cal.due_date(period, *schedule)
            for lead in sorted(w.leads[program.pk], key=lambda a: w.agencies[a].path):
                tasks = w.due_tasks(program, lead, start)
                if tasks:
                    agency = w.agencies[lead]
                    out.append(Pair(program, agency, tasks, w.accepting(program, agency), due, grace))
        return out

    # -- the spread ----------------------------------------------------------------------------
    def province_diligence(self, code: str) -> float:
        if code not in self.diligence:
            self.diligence[code] = 1.0 if code == DEMO_PROVINCE else self.rng.uniform(0.75, 1.2)
        return self.diligence[code]

    def settled_state(self, pair: Pair) -> str | None:
        """A report for the last quarter (due date passed); None: never written (missing)."""
        rng = self.rng
        commune = pair.agency.kind == AgencyKind.COMMUNE_PEOPLES_COMMITTEE
        d = self.province_diligence(self.w.province_of(pair.agency))
        if rng.random() < (min(0.6 * d, 0.85) if commune else min(0.9 * d, 0.97)):
            roll = rng.random()
            accepted = (0.55 if commune else 0.78) * min(d, 1.1)
            return S.ACCEPTED if roll < accepted else S.RETURNED if roll < accepted + 0.08 else S.SENT
        roll = rng.random()
        if commune:
            return S.DRAFT if roll < 0.2 else S.AWAITING_HEAD if roll < 0.25 else None
        return S.DRAFT if roll < 0.55 else S.AWAITING_HEAD if roll < 0.75 else None

    def open_state(self, pair: Pair, period: ReportingPeriod) -> str | None:
        """A report for the current quarter (due date not passed yet)."""
        rng = self.rng
        commune = pair.agency.kind == AgencyKind.COMMUNE_PEOPLES_COMMITTEE
        roll = rng.random()
        if self.today > period.end:  # ended, due in a few days: many are on their way
            sent = 0.25 if commune else 0.45
            if roll < sent:
                return S.ACCEPTED if rng.random() < 0.2 else S.SENT
            return S.DRAFT if roll < sent + 0.3 else S.AWAITING_HEAD if roll < sent + 0.4 else None
        elapsed = (self.today - period.start).days / max((period.end - period.start).days, 1)
        drafts = (0.1 if commune else 0.3) * (0.5 + elapsed)
        if roll < drafts:
            return S.DRAFT
        if roll < drafts + (0.02 if commune else 0.06):
            return S.AWAITING_HEAD
        return S.SENT if roll < drafts + (0.03 if commune else 0.09) else None

    def forced(self, pair: Pair, settled: bool, state: str | None) -> str | None:
        """The demo accounts' own: the commune's last report was returned (the services take it
        on from there), its current one is not started (the services create it); Hà Nội's
        officer keeps a backlog of reports to accept."""
        if pair.agency.code == DEMO_COMMUNE:
            return S.RETURNED if settled else None
        if settled and state == S.ACCEPTED and self.w.province_of(pair.agency) == DEMO_PROVINCE:
            return S.SENT if self.rng.random() < 0.35 else state
        return state

    # -- rows -----------------------------------------------------------------------------------
    def build(self) -> list[Pair]:
        """Every report row; returns the expected reports left missing."""
        missing = []
        self.kpis = self.load_kpis()
        for period in self.periods:
            row = self.period_rows.get(period.code)
            if row is None or period.start > self.today:
                continue
            settled = period == self.periods[0]
            for pair in self.pairs(period):
                state = self.settled_state(pair) if settled else self.open_state(pair, row)
                state = self.forced(pair, settled, state)
                if state is None:
                    missing.append(pair)
                    continue
                self.report(pair, row, state, settled)
                self.counts[f"{'settled' if settled else 'open'}:{state}"] += 1
        return missing

    def report(self, pair: Pair, period: ReportingPeriod, state: str, settled: bool) -> None:
        rng, w = self.rng, self.w
        preparer = w.preparer(pair.agency)
        written = state != S.DRAFT or rng.random() < 0.5
        started = period.end - dt.timedelta(days=rng.randint(0, 12)) if settled else None
        values: dict[str, Any] = {
            "program_id": pair.program.id,
            "resolution_id": pair.program.resolution_id,
            "period_id": period.pk,
            "agency_id": pair.agency.id,
            "accepting_agency_id": pair.accepting.id,
            "state": state,
            "due_date": pair.due,
            "grace_until": pair.grace,
            "prepared_by_id": preparer.pk if preparer else None,
            "version": VERSIONS[state],
            "updated_by_name": preparer.get_username() if preparer else "",
        }
        if written:
            values["results"] = rng.choice(REPORT_RESULTS).format(agency=pair.agency.name, n=len(pair.tasks))
            values["obstacles"] = rng.choice(REPORT_OBSTACLES)
            values["next_steps"] = rng.choice(NEXT_STEPS)
        if state != S.DRAFT:
            self.timeline(values, pair, period, state, settled)
        first = values.get("submitted_to_head_at") or self.now
        if started is None:
            days = max((self.today - period.start).days, 0)
            started = self.today - dt.timedelta(days=rng.randint(0, min(days, 30)))
        created = self.moment(min(at_office(rng, started), first - dt.timedelta(hours=2)))
        stamps = [values.get(k) for k in ("submitted_to_head_at", "sent_at", "accepted_at", "returned_at")]
        values["created_at"] = created
        values["updated_at"] = max([created, *[s for s in stamps if s is not None]])
        report = self.reports.add(**values)
        lines = [self.line(report, t, i, period, settled, written) for i, t in enumerate(pair.tasks, start=1)]
        if preparer is not None:
            self.attach(report, lines, pair, preparer, period)

    def timeline(
        self, values: dict[str, Any], pair: Pair, period: ReportingPeriod, state: str, settled: bool
    ) -> None:
        """When it went to the head, was sent, accepted or returned, and by whom."""
        rng, w = self.rng, self.w
        if state == S.AWAITING_HEAD and not settled:
            day = self.today - dt.timedelta(days=rng.randint(0, 6))
            values["submitted_to_head_at"] = self.moment(at_office(rng, day))
            return
        commune = pair.agency.kind == AgencyKind.COMMUNE_PEOPLES_COMMITTEE
        last_day = min(self.today - dt.timedelta(days=1), pair.due + dt.timedelta(days=25))
        if settled and last_day > pair.due and rng.random() < (0.22 if commune else 0.1):
            day = pair.due + dt.timedelta(days=rng.randint(1, (last_day - pair.due).days))
        elif settled:
            day = pair.due - dt.timedelta(days=rng.randint(0, 6))
        else:
            day = self.today - dt.timedelta(days=rng.randint(0, min(10, (self.today - period.start).days)))
        sent = self.moment(at_office(rng, day))
        values["submitted_to_head_at"] = sent - dt.timedelta(hours=rng.randint(2, 30))
        if state == S.AWAITING_HEAD:  # the last quarter's, written but still with the head
            values["submitted_to_head_at"] = sent
            return
        head = w.head(pair.agency)
        values.update(
            first_sent_at=sent,
            sent_at=sent,
            is_late=not cal.is_on_time(sent, pair.due),
            head_approved_by_id=head.pk if head else None,
        )
        if head is not None:
            values["updated_by_name"] = head.get_username()
        actor = w.acceptor(pair.accepting, pair.agency)
        later = self.moment(sent + dt.timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 6)))
        if state == S.ACCEPTED:
            values.update(accepted_at=later, accepted_by_id=actor.pk if actor else None)
        elif state == S.RETURNED:
            values.update(
                returned_at=later,
                returned_by_id=actor.pk if actor else None,
                return_reason=rng.choice(RETURN_REASONS),
            )
        if actor is not None and state in (S.ACCEPTED, S.RETURNED):
            values["updated_by_name"] = actor.get_username()

    def line(
        self,
        report: dict[str, Any],
        task: TaskRow,
        position: int,
        period: ReportingPeriod,
        settled: bool,
        written: bool,
    ) -> dict[str, Any]:
        rng = self.rng
        if not task.leaf:  # a parent's progress is rolled up from its sub-tasks
            pct = None
            done = task.completed_on if task.completed_on and task.completed_on <= period.end else None
        elif settled:
            pct, done = percent_at(task, period.end, self.today)
        else:  # prefilled from the task, as create_report does
            pct, done = task.percent, task.completed_on
        results = obstacles = ""
        if written:
            if done:
                results = DONE_RESULT.format(day=vn(done), deliverable=task.deliverable or "theo kế hoạch")
            elif pct is None:
                results = PARENT_RESULT
            elif pct > 0:
                results = rng.choice(RESULTS).format(pct=int(pct))
            else:
                results = NOT_STARTED_RESULT
            obstacles = rng.choice(OBSTACLES)
        return self.lines.add(
            report_id=report["id"],
            task_id=task.id,
            position=position,
            percent_done=pct,
            completed_on=done,
            results=results,
            obstacles=obstacles,
            created_at=report["created_at"],
            updated_at=report["updated_at"],
        )

    def attach(
        self,
        report: dict[str, Any],
        lines: list[dict[str, Any]],
        pair: Pair,
        preparer: User,
        period: ReportingPeriod,
    ) -> None:
        """Evidence (the report's own document number; now and then a classified directive
        recorded by number and date only), KPI values and the odd proposal."""
        rng = self.rng
        handed = report["submitted_to_head_at"]
        if handed is not None:
            day = handed.astimezone(clock.tz()).date()
            number = doc_number(rng, pair.agency)
            stamp = handed - dt.timedelta(hours=1)
            self.evidence.add(
                line_id=lines[0]["id"],
                classification=Classification.NORMAL,
                kind=Evidence.Kind.DOCUMENT,
                title=f"Báo cáo số {number} ngày {vn(day)} của {pair.agency.name}"[:300],
                doc_number=number,
                doc_date=day,
                uploaded_by_id=preparer.pk,
                created_at=stamp,
                updated_at=stamp,
            )
            if rng.random() < 0.04:
                self.evidence.add(
                    line_id=lines[-1]["id"],
                    classification=Classification.CONFIDENTIAL,
                    kind=Evidence.Kind.DOCUMENT,
                    title="Văn bản chỉ đạo của cấp ủy (tài liệu Mật: chỉ ghi số, ngày)",
                    doc_number=f"{rng.randint(10, 300)}-CV/ĐU",
                    doc_date=day - dt.timedelta(days=rng.randint(10, 60)),
                    uploaded_by_id=preparer.pk,
                    created_at=stamp,
                    updated_at=stamp,
                )
        if report["state"] == S.DRAFT and not report["results"]:
            return
        for line in lines:
            for kpi, path in self.kpis.get(line["task_id"], []):
                key = (kpi.indicator_id, report["agency_id"], report["period_id"])
                if key in self.observed:
                    continue
                self.observed.add(key)
                self.observations.add(
                    indicator_id=kpi.indicator_id,
                    indicator_version_id=kpi.indicator_version_id,
                    agency_id=report["agency_id"],
                    period_id=report["period_id"],
                    report_id=report["id"],
                    value=self.observed_value(kpi, value_on(path, period.end)),
                    entered_by_id=preparer.pk,
                    created_at=report["created_at"],
                    updated_at=report["updated_at"],
                )
        self.proposal(report, lines[0], pair)

    def observed_value(self, kpi: TaskIndicator, planned: float) -> Decimal:
        """Near the plan (a little behind more often than ahead), within the indicator's range."""
        version = kpi.indicator_version
        value = planned * self.rng.uniform(0.88, 1.04)
        if version.min_value is not None:
            value = max(value, float(version.min_value))
        if version.max_value is not None:
            value = min(value, float(version.max_value))
        places = min(version.decimal_places, 1)
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)

    def proposal(self, report: dict[str, Any], line: dict[str, Any], pair: Pair) -> None:
        """A few proposals in sent reports: the demo accounts' agencies (Hà Nội's science
        department and the ministry: awaiting an answer; the demo commune: answered), and a
        handful elsewhere, about half of them answered."""
        rng = self.rng
        if report["first_sent_at"] is None:
            return
        code = pair.agency.code
        if code in self.wanted_proposals:
            answered = self.wanted_proposals.pop(code)
        elif self.other_proposals and rng.random() < 0.004:
            self.other_proposals -= 1
            answered = rng.random() < 0.5
        else:
            return
        raised = report["first_sent_at"] - dt.timedelta(hours=1)
        values: dict[str, Any] = {
            "report_id": report["id"],
            "line_id": line["id"],
            "text": rng.choice(PROPOSALS),
            "raised_by_agency_id": pair.agency.id,
            "addressed_to_id": pair.accepting.id,
            "created_by_id": report["prepared_by_id"],
            "created_at": raised,
            "updated_at": raised,
        }
        answerer = self.w.acceptor(pair.accepting, pair.agency)
        if answered and answerer is not None:
            at = self.moment(report["first_sent_at"] + dt.timedelta(days=rng.randint(2, 10)))
            values.update(
                status=Proposal.Status.ANSWERED,
                answer=ANSWER,
                answered_by_id=answerer.pk,
                answered_at=at,
                updated_at=at,
            )
        self.proposals.add(**values)

    @staticmethod
    def load_kpis() -> dict[int, list[tuple[TaskIndicator, list[tuple[dt.date, Decimal]]]]]:
        """Every task's KPIs with their planned path (baseline, then targets); a few hundred rows.
        Indicators that are part of another are left out (their value must fit the whole's)."""
        kpis = TaskIndicator.objects.filter(indicator_version__part_of__isnull=True).select_related(
            "indicator_version"
        )
        points: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
        for kpi_id, on, value in TargetPoint.objects.values_list("kpi_id", "on", "value"):
            points[kpi_id].append((on, value))
        out: dict[int, list[tuple[TaskIndicator, list[tuple[dt.date, Decimal]]]]] = defaultdict(list)
        for kpi in kpis:
            path = sorted(points[kpi.pk])
            if kpi.baseline_value is not None:
                path.insert(0, (kpi.baseline_date or BASELINE_DATE, kpi.baseline_value))
            if path:
                out[kpi.task_id].append((kpi, path))
        return out

    def write(self) -> dict[str, int]:
        return {
            "period_reports": self.reports.write(),
            "report_lines": self.lines.write(),
            "evidence": self.evidence.write(),
            "observations": self.observations.write(),
            "proposals": self.proposals.write(),
        }


def commune_kpis(w: World, seed: int) -> int:
    """The national online-services indicator on Hà Nội's communes' digital-services tasks, each
    with the trajectory the city set (so their reports carry a KPI value with a target)."""
    code, traj = KPI_FOR[COMMUNE_KPI_RESOLUTION]
    indicator = Indicator.objects.filter(code=code, current__isnull=False).first()
    province = w.by_code.get(DEMO_PROVINCE)
    if indicator is None or province is None:
        return 0
    tasks = sorted(
        (
            t
            for t in w.tasks.values()
            if t.leaf
            and w.agencies[t.lead_id].kind == AgencyKind.COMMUNE_PEOPLES_COMMITTEE
            and w.agencies[t.lead_id].path.startswith(province.path)
            and w.programs[t.program_id].resolution.number == COMMUNE_KPI_RESOLUTION
        ),
        key=lambda t: t.id,
    )
    taken = set(
        TaskIndicator.objects.filter(task_id__in=[t.id for t in tasks], indicator=indicator).values_list(
            "task_id", flat=True
        )
    )
    rng = random.Random(f"{seed}:commune-kpis")
    kpis, plans = [], []
    for t in tasks:
        if t.id in taken:
            continue
        baseline = rng.uniform(20, 45)
        kpis.append(
            TaskIndicator(
                task_id=t.id,
                indicator=indicator,
                indicator_version=indicator.current,
                baseline_value=Decimal(str(round(baseline, 1))),
                baseline_date=BASELINE_DATE,
                criterion=traj.criterion,
            )
        )
        span = traj.target - baseline
        plans.append([Decimal(str(round(baseline + span * s, 1))) for s in (0.4, 0.7, 0.85, 1.0)])
    created = TaskIndicator.objects.bulk_create(kpis, batch_size=BATCH)
    TargetPoint.objects.bulk_create(
        [
            TargetPoint(kpi=kpi, on=on, value=value)
            for kpi, values in zip(created, plans, strict=True)
            for on, value in zip(TARGET_DATES, values, strict=True)
        ],
        batch_size=BATCH,
    )
    return len(created)


def user_named(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).select_related("agency").first()


def through_services(builder: ReportBuilder, missing: list[Pair]) -> dict[str, int]:
    """The demo accounts' own queues, moved on by the reporting services (their audit rows and
    notifications are the real ones): the demo commune corrects last quarter's returned report
    and sends it to its head (lanhdao.xa.hni approves it), starts this quarter's (a draft for
    daumoi.xa.hni to finish); the city asks a commune that sent nothing to explain; the
    inspection commission asks a late provincial body, which answers."""
    done: dict[str, int] = defaultdict(int)
    today = builder.today
    officer, city = user_named("daumoi.xa.hni"), user_named("daumoi.hni")
    settled, current = (builder.period_rows.get(p.code) for p in builder.periods)
    commune = builder.w.by_code.get(DEMO_COMMUNE)
    if officer is not None and commune is not None:
        returned = PeriodReport.objects.filter(agency_id=commune.id, period=settled, state=S.RETURNED).first()
        if returned is not None:
            lines = list(returned.lines.order_by("position"))
            report = services.save_report(
                officer,
                returned,
                expected_version=returned.version,
                results=returned.results
                + " Đã rà soát, cập nhật số liệu và bổ sung minh chứng theo yêu cầu.",
                lines=[
                    {"task": line.task_id, "results": line.results + " Số liệu đã được đối chiếu lại."}
                    for line in lines
                ],
            )
            evidence_services.add_evidence(
                officer,
                lines[0],
                classification=Classification.NORMAL,
                kind=Evidence.Kind.DOCUMENT,
                title="Báo cáo bổ sung kết quả triển khai dịch vụ công trực tuyến toàn trình",
                doc_number=f"{builder.rng.randint(100, 300)}/BC-UBND",
                doc_date=today - dt.timedelta(days=1),
                expected_version=report.version,
            )
            report.refresh_from_db()
            services.submit_to_head(officer, report, expected_version=report.version)
            done["services:corrected_and_sent_to_head"] += 1
        for program_id in sorted({t.program_id for t in builder.w.tasks.values() if t.lead_id == commune.id}):
            if (
                current is None
                or PeriodReport.objects.filter(
                    program_id=program_id, period=current, agency_id=commune.id
                ).exists()
            ):
                continue
            program = builder.w.programs[program_id]
            if not builder.w.due_tasks(program, commune.id, current.start):
                continue
            draft = services.create_report(officer, program=program, period=current)
            services.save_report(
                officer,
                draft,
                expected_version=draft.version,
                results="UBND xã đã giao Văn phòng - Thống kê đầu mối theo dõi; đang tổng hợp số liệu.",
            )
            done["services:draft_started"] += 1
            break  # one draft to finish; any other programme stays "to write"
    province = builder.w.by_code.get(DEMO_PROVINCE)
    silent = next(
        (
            p
            for p in missing
            if province is not None
            and p.agency.kind == AgencyKind.COMMUNE_PEOPLES_COMMITTEE
            and p.agency.code != DEMO_COMMUNE
            and p.agency.path.startswith(province.path)
            and p.due < today  # last quarter's, never sent
        ),
        None,
    )
    if city is not None and silent is not None and settled is not None:
        explanations.request_explanation(
            city,
            agency=Agency.objects.get(pk=silent.agency.id),
            question=(
                f"Đề nghị giải trình lý do chưa gửi báo cáo {settled.label} về nhiệm vụ được giao "
                f"(hạn gửi {vn(silent.due)}) và cho biết thời gian hoàn thành báo cáo."
            ),
            due_date=today + dt.timedelta(days=7),
            task=Task.objects.get(pk=silent.tasks[0].id),
        )
        done["services:explanations"] += 1
    inspector = user_named("kiemtra.tw")
    late = (
        PeriodReport.objects.filter(period=settled, is_late=True, agency__code__startswith="HCM-")
        .exclude(agency__kind=AgencyKind.COMMUNE_PEOPLES_COMMITTEE)
        .select_related("agency")
        .order_by("agency__path", "id")
        .first()
    )
    answerer = user_named("daumoi.hcm")
    if inspector is not None and late is not None:
        req = explanations.request_explanation(
            inspector,
            agency=late.agency,
            question=(
                f"Báo cáo {late.period.label} của {late.agency.name} gửi sau hạn ({vn(late.due_date)}). "
                "Đề nghị giải trình nguyên nhân và biện pháp khắc phục."
            ),
            due_date=today + dt.timedelta(days=10),
            report=late,
        )
        done["services:explanations"] += 1
        if answerer is not None:
            explanations.answer_explanation(
                answerer,
                req,
                answer=(
                    "Do thay đổi cán bộ đầu mối sau sắp xếp tổ chức bộ máy, báo cáo gửi chậm. Đơn vị "
                    "đã phân công cán bộ thay thế và cam kết gửi báo cáo các kỳ sau đúng hạn."
                ),
            )
    return done


def build_reports(today: dt.date | None = None, seed: int = 2025) -> dict[str, int]:
    """Write the demo's period reports; call inside the loader's transaction, after the accounts.
    The demo accounts' steps go through the services, which read the real clock: they run only
    when ``today`` is the clock's today."""
    today = today or clock.today()
    builder = ReportBuilder(today, seed)
    counts: dict[str, int] = {"commune_kpis": commune_kpis(builder.w, seed)}
    missing = builder.build()
    counts.update(builder.write())
    counts["missing_reports"] = len(missing)
    counts.update(builder.counts)
    if today == clock.today():
        counts.update(through_services(builder, missing))
    return counts
