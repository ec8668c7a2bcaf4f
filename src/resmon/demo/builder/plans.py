"""Action programmes and their task trees, built in memory and written level by level.

Province programmes are issued by the merged provincial party committees, so a programme for
a resolution that predates the merger is dated after 12/06/2025 (the merged committee
re-issued it); ministries and the Government's party committee issue theirs 1-3 months after
the resolution.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from dataclasses import dataclass, field
from decimal import Decimal

from resmon.agencies.models import Agency, AgencyKind
from resmon.planning.models import ActionProgram, Resolution, Task, TaskCoordination

from . import vocab
from .names import person_name
from .progress import pick_due, roll_up_dates, set_completed, set_deadline, set_leaf_progress
from .resolutions import MINISTRY_DEPARTMENT, MINISTRY_RESOLUTIONS, RESOLUTIONS
from .tree import BATCH, MERGER_DAY, AgencyTree, Province

COMMUNE_WIDE = {"57-NQ/TW"}  # every province assigns these down to each commune...
COMMUNE_ALTERNATES = ("66-NQ/TW", "68-NQ/TW")  # ...and one of these, alternating by province
COORDINATION_PARTS = (
    "Cung cấp thông tin, số liệu thuộc lĩnh vực phụ trách",
    "Góp ý dự thảo và thẩm định nội dung chuyên môn",
    "Phối hợp tổ chức triển khai và báo cáo kết quả",
    "Bảo đảm nguồn lực thực hiện phần việc được giao",
)
UNIT_WORK = {
    "KHTC": ("Bố trí kinh phí thực hiện nhiệm vụ", vocab.KE_HOACH, "Dự toán được giao"),
    "CDS": (
        "Triển khai giải pháp công nghệ thông tin phục vụ nhiệm vụ",
        vocab.HE_THONG,
        "Giải pháp được triển khai",
    ),
    "CNTT": (
        "Triển khai giải pháp công nghệ thông tin phục vụ nhiệm vụ",
        vocab.HE_THONG,
        "Giải pháp được triển khai",
    ),
    "VP": ("Tổng hợp, báo cáo kết quả thực hiện nhiệm vụ", vocab.BAO_CAO, "Báo cáo định kỳ"),
}
HEAD_TITLES = {"NHNN": "Thống đốc", "TTCP": "Tổng Thanh tra Chính phủ", "VPCP": "Bộ trưởng, Chủ nhiệm"}
DEPUTY_TITLES = {"NHNN": "Phó Thống đốc", "TTCP": "Phó Tổng Thanh tra Chính phủ", "VPCP": "Phó Chủ nhiệm"}


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def vn_date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def authority_for(assigned_by: Agency, code: str, lead: Agency) -> str:
    """Who accepts the deliverable: the assigning body (its standing committee for a party body).
    About one task in fourteen is left without one, so the six-clears flags have something to show;
    decided by a checksum, not the random stream, so the rest of the data set stays as it was."""
    if zlib.crc32(f"{code}:{lead.code}".encode()) % 14 == 0:
        return ""
    return f"Ban Thường vụ {assigned_by.name}" if assigned_by.is_party else assigned_by.name


@dataclass
class PlanSet:
    programs: list[ActionProgram] = field(default_factory=list)
    levels: list[list[Task]] = field(default_factory=lambda: [[], [], []])
    children: dict[int, list[Task]] = field(default_factory=dict)
    coordinations: list[tuple[Task, Agency, str]] = field(default_factory=list)


class PlanBuilder:
    def __init__(
        self,
        tree: AgencyTree,
        resolutions: dict[str, Resolution],
        today: dt.date,
        seed: int = 2025,
        existing: dict[tuple[str, str], tuple[ActionProgram, int]] | None = None,
    ):
        self.tree = tree
        # programmes a province already holds (carried over by the merger): (agency code,
        # resolution number) -> (programme, its highest top-level task number)
        self.existing = existing or {}
        self._starts: dict[int, dt.date] = {}
        self.resolutions = resolutions
        self.today = today
        self.rng = random.Random(seed)
        self.out = PlanSet()
        self._officers: dict[str, list[str]] = {}
        self._done_on: dict[int, dt.date] = {}  # tasks whose completion day is part of their text

    # -- people -------------------------------------------------------------------------------
    def officer(self, agency: Agency) -> str:
        names = self._officers.get(agency.code)
        if names is None:
            names = self._officers[agency.code] = [person_name(self.rng) for _ in range(2)]
        name = self.rng.choice(names)
        return f"{name} – {self._position(agency, deputy=names.index(name) == 1)}"

    @staticmethod
    def _position(agency: Agency, deputy: bool) -> str:
        kind = agency.kind
        if kind in (AgencyKind.PROVINCIAL_PEOPLES_COMMITTEE, AgencyKind.COMMUNE_PEOPLES_COMMITTEE):
            return (
                "Phó Chủ tịch UBND"
                if deputy or kind == AgencyKind.PROVINCIAL_PEOPLES_COMMITTEE
                else "Chủ tịch UBND"
            )
        if kind == AgencyKind.PROVINCIAL_DEPARTMENT:
            return "Phó Giám đốc Sở" if deputy else "Giám đốc Sở"
        if kind in (AgencyKind.MINISTRY, AgencyKind.MINISTERIAL_AGENCY):
            return DEPUTY_TITLES.get(agency.code, "Thứ trưởng")
        if kind == AgencyKind.MINISTRY_UNIT:
            head = {"Vụ": "Vụ trưởng", "Cục": "Cục trưởng"}.get(agency.name.split()[0], "Chánh Văn phòng")
            return f"Phó {head}" if deputy else head
        return "Chánh Văn phòng" if deputy else "Phó Bí thư"

    # -- programmes ---------------------------------------------------------------------------
    def program(
        self, res: Resolution, agency: Agency, number: str, signer: str, issued: dt.date
    ) -> ActionProgram:
        prog = ActionProgram(
            resolution=res,
            agency=agency,
            doc_type=ActionProgram.DocType.ACTION_PROGRAM,
            number=number,
            title=(
                f"Chương trình hành động của {agency.name} thực hiện Nghị quyết số {res.number} ngày "
                f"{vn_date(res.issued_on)} của Bộ Chính trị về {self._subject(res)}"
            ),
            issued_on=issued,
            signer=signer,
            status=ActionProgram.Status.ISSUED,
        )
        self.out.programs.append(prog)
        self._starts[id(prog)] = issued
        return prog

    @staticmethod
    def _subject(res: Resolution) -> str:
        return next(r.short for r in RESOLUTIONS if r.number == res.number)

    # -- tasks --------------------------------------------------------------------------------
    def task(
        self,
        prog: ActionProgram,
        parent: Task | None,
        code: str,
        lead: Agency,
        assigned_by: Agency,
        title: str,
        dtype: str,
        deliverable: str,
        due: dt.date | None,
        review: str = "",
    ) -> Task:
        """A task with its deadline set (``due`` None: ongoing, reviewed each ``review`` period)."""
        task = Task(
            program=prog,
            resolution=prog.resolution,
            parent=parent,
            code=code,
            title=title[:500],
            lead_agency=lead,
            assigned_by=assigned_by,
            responsible_officer=self.officer(lead),
            deliverable_type=dtype,
            deliverable=deliverable[:500],
            authority=authority_for(assigned_by, code, lead),
        )
        set_deadline(task, self.rng, due, review)
        depth = code.count(".")
        self.out.levels[depth].append(task)
        if parent is not None:
            self.out.children.setdefault(id(parent), []).append(task)
        return task

    def coordinate(self, task: Task, agency: Agency, part: str = "") -> None:
        if agency.pk is not None and agency.pk == task.lead_agency.pk:
            return
        self.out.coordinations.append((task, agency, part or self.rng.choice(COORDINATION_PARTS)))

    def _due(self, start: dt.date, review: str, latest: dt.date | None = None) -> dt.date | None:
        if review or self.rng.random() < 0.05:
            return None
        return pick_due(self.rng, start, latest)

    # -- Government and ministries ------------------------------------------------------------
    def build_central(self) -> None:
        tree, rng = self.tree, self.rng
        government = tree.by_code("DUCP")
        for n, info in enumerate(RESOLUTIONS, 1):
            res = self.resolutions[info.number]
            issued = res.issued_on + dt.timedelta(days=rng.randint(30, 75))
            prog = self.program(
                res,
                government,
                f"{n + 2:02d}-CTr/ĐUCP",
                f"{person_name(rng)} – Bí thư Đảng ủy Chính phủ",
                issued,
            )
            for k, item in enumerate(vocab.GOVERNMENT[info.number], 1):
                lead = tree.by_code(item.lead)
                top = self._central_task(prog, None, str(k), lead, government, item.title, item, issued, k)
                others = [m for m in tree.ministries if m.code != lead.code]
                for other in rng.sample(others, rng.randint(1, 2)):
                    self.coordinate(top, other)
        for ministry in tree.ministries:
            for info in RESOLUTIONS:
                if info.number not in MINISTRY_RESOLUTIONS.get(ministry.code, ()):
                    continue
                self._ministry_program(ministry, self.resolutions[info.number])

    def _ministry_program(self, ministry: Agency, res: Resolution) -> None:
        rng, tree = self.rng, self.tree
        issued = res.issued_on + dt.timedelta(days=rng.randint(30, 90))
        head = HEAD_TITLES.get(ministry.code, "Bộ trưởng")
        prog = self.program(
            res,
            ministry,
            f"{rng.randint(120, 3900)}/QĐ-{ministry.code}",
            f"{person_name(rng)} – {head}",
            issued,
        )
        items = vocab.MINISTRY[res.number]
        chosen = sorted(rng.sample(range(len(items)), rng.randint(min(4, len(items)), min(8, len(items)))))
        dept = MINISTRY_DEPARTMENT.get(ministry.code)
        for k, index in enumerate(chosen, 1):
            item = items[index]
            title = item.title.format(m=ministry.name)
            top = self._central_task(prog, None, str(k), ministry, ministry, title, item, issued, index + 1)
            if dept and (rng.random() < 0.35 or (ministry.code == "BKHCN" and k == 1)):
                provinces = rng.sample(tree.provinces, rng.randint(2, 4))
                if ministry.code == "BKHCN" and k == 1:
                    provinces = [p for p in tree.provinces if p.code in ("HNI", "HCM")]
                for prov in provinces:
                    self.coordinate(
                        top, prov.departments[dept], f"Báo cáo kết quả triển khai tại {prov.full_place}"
                    )
            elif rng.random() < 0.2:
                self.coordinate(top, rng.choice([m for m in tree.ministries if m.code != ministry.code]))

    def _central_task(self, prog, parent, code, lead, assigned_by, title, item, start, clause_no) -> Task:
        rng = self.rng
        due = self._due(start, item.review)
        clause = f"Mục III.{clause_no} Nghị quyết số {prog.resolution.number}"
        top = self.task(
            prog, parent, code, lead, assigned_by, title, item.dtype, item.deliverable, due, item.review
        )
        top.weight, top.source_clause = Decimal(rng.choice((1, 1, 2, 3))), clause
        units = self.tree.ministry_units.get(lead.code, [])
        if units and rng.random() < 0.4:
            for j, unit in enumerate(rng.sample(units, rng.randint(1, 2)), 1):
                work, dtype, deliverable = UNIT_WORK[unit.code.rsplit("-", 1)[1]]
                unit_due = self._due(start, "", top.due_date) if top.due_date else None
                title_j = f"{work}: {lower_first(title)}"
                self.task(prog, top, f"{code}.{j}", unit, lead, title_j, dtype, deliverable, unit_due)
        return top

    # -- provinces ----------------------------------------------------------------------------
    def build_provinces(self) -> None:
        for p_index, prov in enumerate(self.tree.provinces):
            number = self.rng.randint(5, 30)
            for info in RESOLUTIONS:
                number += self.rng.randint(1, 6)
                commune_wide = info.number in COMMUNE_WIDE or info.number == COMMUNE_ALTERNATES[p_index % 2]
                self._province_program(prov, self.resolutions[info.number], number, commune_wide)

    def _province_program(self, prov: Province, res: Resolution, number: int, commune_wide: bool) -> None:
        rng = self.rng
        issued = max(
            res.issued_on + dt.timedelta(days=rng.randint(30, 90)),
            MERGER_DAY + dt.timedelta(days=rng.randint(15, 60)),
        )
        secretary = "Bí thư Thành ủy" if prov.is_city else "Bí thư Tỉnh ủy"
        carried, offset = self.existing.get((prov.code, res.number), (None, 0))
        if carried is not None:  # the merger handed this province its predecessors' programme
            prog = carried
            self._starts[id(prog)] = issued
        else:
            prog = self.program(
                res, prov.party, f"{number}-CTr/TU", f"{person_name(rng)} – {secretary}", issued
            )
        # The People's Committee's implementing plan (state-style number), due within a month;
        # most provinces issued it on time, some a little late.
        plan_day = issued + dt.timedelta(days=rng.choice((10, 15, 20, 25, 28, 35, 45)))
        title = (
            f"Ban hành Kế hoạch của UBND {prov.full_place} thực hiện Chương trình hành động số {prog.number}"
        )
        plan_no = (
            f"Kế hoạch số {rng.randint(40, 480)}/KH-UBND ngày {vn_date(plan_day)} của UBND {prov.full_place}"
        )
        due = issued + dt.timedelta(days=30)
        k = offset + 1
        plan = self.task(prog, None, str(k), prov.ubnd, prov.party, title, vocab.KE_HOACH, plan_no, due)
        plan.source_clause = f"Mục IV Nghị quyết số {res.number}"
        self._done_on[id(plan)] = plan_day
        items = vocab.PROVINCE[res.number]
        chosen = sorted(rng.sample(range(len(items)), rng.randint(4, 5)))
        for index in chosen:
            k += 1
            self._province_item(prog, prov, items[index], str(k), issued, index + 1)
        if commune_wide:
            self._commune_item(prog, prov, str(k + 1), issued)

    def _province_item(
        self, prog, prov: Province, item: vocab.Item, code: str, start, clause_no: int
    ) -> None:
        rng = self.rng
        lead = prov.ubnd if item.lead == "UBND" else prov.departments[item.lead]
        due = self._due(start, item.review)
        title = item.title.format(place=prov.full_place)
        top = self.task(
            prog, None, code, lead, prov.party, title, item.dtype, item.deliverable, due, item.review
        )
        top.weight = Decimal(rng.choice((1, 2, 2, 3)))
        top.source_clause = f"Mục III.{clause_no} Nghị quyết số {prog.resolution.number}"
        subs = rng.sample(item.subs, rng.randint(1, min(3, len(item.subs)))) if item.subs else []
        for j, sub in enumerate(subs, 1):
            sub_lead = prov.departments[sub.lead]
            # A department is assigned work by the People's Committee (or by itself, for its own steps).
            assigned = lead if (lead is prov.ubnd or sub_lead is lead) else prov.ubnd
            if sub_lead is not lead and lead is not prov.ubnd:
                self.coordinate(top, sub_lead, sub.title)
            sub_due = None if top.ongoing else pick_due(rng, start, top.due_date)
            title = f"{sub.title} ({prov.full_place})"
            child = self.task(
                prog, top, f"{code}.{j}", sub_lead, assigned, title, sub.dtype, sub.deliverable, sub_due
            )
            child.weight = Decimal(rng.choice((1, 1, 2)))
            if rng.random() < 0.3:
                self.coordinate(child, prov.departments[rng.choice(vocab_departments())])
            if rng.random() < 0.15:
                for step_no, (step, deliverable) in enumerate(vocab.STEP_TITLES[: rng.randint(2, 3)], 1):
                    step_due = None if child.ongoing else pick_due(rng, start, child.due_date)
                    step_code, step_title = f"{code}.{j}.{step_no}", f"{step}: {lower_first(sub.title)}"
                    self.task(
                        prog,
                        child,
                        step_code,
                        sub_lead,
                        sub_lead,
                        step_title,
                        vocab.KHAC,
                        deliverable,
                        step_due,
                    )
        if not subs and rng.random() < 0.5:
            self.coordinate(top, prov.departments[rng.choice(vocab_departments())])

    def _commune_item(self, prog, prov: Province, code: str, start: dt.date) -> None:
        rng = self.rng
        parent_item, sub = vocab.COMMUNE[prog.resolution.number]
        due = max(
            start + dt.timedelta(days=90),
            rng.choice((dt.date(2026, 6, 30), dt.date(2026, 9, 30), dt.date(2026, 12, 31))),
        )
        title = parent_item.title.format(place=prov.full_place)
        top = self.task(
            prog, None, code, prov.ubnd, prov.party, title, parent_item.dtype, parent_item.deliverable, due
        )
        top.weight, top.source_clause = Decimal(3), f"Mục IV Nghị quyết số {prog.resolution.number}"
        for j, commune in enumerate(prov.communes, 1):
            title = sub.title.format(unit=commune.label)
            self.task(
                prog, top, f"{code}.{j}", commune.ubnd, prov.ubnd, title, sub.dtype, sub.deliverable, due
            )

    # -- progress and saving ------------------------------------------------------------------
    def apply_progress(self) -> None:
        starts = self._starts
        for level in reversed(self.out.levels):
            for task in level:
                kids = self.out.children.get(id(task))
                if kids:
                    roll_up_dates(task, kids)
                elif id(task) in self._done_on:
                    set_completed(
                        task, self.rng, starts[id(task.program)], self._done_on[id(task)], self.today
                    )
                else:
                    set_leaf_progress(task, self.rng, starts[id(task.program)], self.today)

    def save(self) -> None:
        ActionProgram.objects.bulk_create(self.out.programs, batch_size=BATCH)
        for level in self.out.levels:
            for task in level:
                task.program_id = task.program.pk
                task.parent_id = task.parent.pk if task.parent is not None else None
            Task.objects.bulk_create(level, batch_size=BATCH)
        TaskCoordination.objects.bulk_create(
            [
                TaskCoordination(task_id=t.pk, agency_id=a.pk, sub_deliverable=part[:300])
                for t, a, part in self._unique()
            ],
            batch_size=BATCH,
        )

    def _unique(self):
        seen: set[tuple[int, int]] = set()
        for task, agency, part in self.out.coordinations:
            key = (id(task), agency.pk)
            if key in seen or agency.pk == task.lead_agency.pk:
                continue
            seen.add(key)
            yield task, agency, part


def vocab_departments() -> tuple[str, ...]:
    return ("SNV", "STC", "SKHCN", "SGDDT", "SYT", "SCT", "STP", "SNNMT")
