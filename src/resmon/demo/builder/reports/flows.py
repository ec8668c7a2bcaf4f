"""Demo period reports: the commune KPIs, the demo accounts' items moved on through the services, and
the entry point."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from resmon.accounts.models import User
from resmon.agencies.models import Agency, AgencyKind
from resmon.catalogue.models import Indicator
from resmon.core import clock
from resmon.planning.models import TargetPoint, Task, TaskIndicator
from resmon.reporting.models import (
    Classification,
    Evidence,
    PeriodReport,
)
from resmon.reporting.services import evidence as evidence_services
from resmon.reporting.services import explanations
from resmon.reporting.services import reports as services

from ..indicators import BASELINE_DATE, KPI_FOR, TARGET_DATES
from ..tree import BATCH
from .bulk import (
    ReportBuilder,
)
from .data import (
    COMMUNE_KPI_RESOLUTION,
    DEMO_COMMUNE,
    DEMO_PROVINCE,
    Pair,
    S,
    World,
    vn,
)


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
