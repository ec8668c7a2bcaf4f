"""KPI bands pre-aggregated: after random writes through the services (KPIs added, changed and
removed; values entered, reports sent, accepted and reopened; a new band rule; tasks re-assigned,
paused, cancelled, deleted; an agency merger), folded incrementally, the stored band counts of
every subtree, resolution and kept period and the stored score of every KPI equal a rebuild and
equal the live function (``dashboards.kpis.kpi_bands`` scoring live for the national leader),
exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from resmon.agencies.models import Agency
from resmon.audit.models import AuditEntry
from resmon.catalogue.models import Direction
from resmon.core import clock
from resmon.core.errors import DomainError
from resmon.dashboards.kpis import kpi_bands
from resmon.planning.bands import BANDS
from resmon.planning.models import Resolution, Task, TaskIndicator
from resmon.planning.selectors_bands import current_band_rule
from resmon.planning.services import kpis as kpi_services
from resmon.planning.services import tasks as task_services
from resmon.planning.services import tree as tree_services
from resmon.planning.services.band_rule import set_band_rule
from resmon.planning.status import TaskState
from resmon.reporting.models import PeriodReport, ReportState
from resmon.reporting.services import observations as observation_services
from resmon.reporting.services import reports as report_services
from resmon.restructuring.services import merge_agencies
from resmon.rollups import kpis, services
from resmon.rollups.models import FoldState, KpiRollup, KpiScore
from tests.planning.kpi_helpers import indicator
from tests.reporting.helpers import quarter
from tests.reporting.reports_helpers import create, sent
from tests.rollups.test_engine import Writer, fold_now

pytestmark = pytest.mark.django_db
JUSTIFIED = "Theo kế hoạch của địa phương"


@pytest.fixture(autouse=True)
def _short_window(settings):
    """A 60-day window: seven kept periods (2026-Q1 among them) to check against the live function."""
    settings.ROLLUP_COMPLETENESS_DAYS = 60


def stored_counts() -> dict[tuple[int, int, int], tuple[int, ...]]:
    return {
        (r.agency_id, r.resolution_id, r.period_id): tuple(getattr(r, b) for b in BANDS)
        for r in KpiRollup.objects.all()
    }


def stored_scores() -> dict[tuple[int, int], tuple]:
    return {
        (s.kpi_id, s.period_id): (s.resolution_id, s.agency_path, s.expected, s.actual, s.attainment, s.band)
        for s in KpiScore.objects.all()
    }


def by_the_function(user) -> tuple[dict, dict]:
    """Each subtree, resolution and kept period scored live on its own (empty ones left out); and
    each KPI's score in each kept period, from the live list of the whole country."""
    counts, scores = {}, {}
    led = set(
        TaskIndicator.objects.exclude(task__state=TaskState.CANCELLED).values_list(
            "task__resolution_id", "task__lead_agency__path"
        )
    )
    agencies = list(Agency.objects.all())
    root = Agency.objects.get(depth=1)
    for period in kpis.kept_periods(clock.today()):
        for resolution in Resolution.objects.all():
            for agency in agencies:
                if not any(r == resolution.pk and p.startswith(agency.path) for r, p in led):
                    continue  # leads no KPI of it: nothing to count, no row
                result = kpi_bands(user, agency=agency, resolution=resolution, period=period, live=True)
                assert not result.from_rollup
                counts[(agency.pk, resolution.pk, period.pk)] = tuple(result.counts[b] for b in BANDS)
        every = kpi_bands(user, agency=root, period=period, live=True, limit=10**6)
        for row in every.rows:
            task = row.kpi.task
            scores[(row.kpi.pk, period.pk)] = (
                task.resolution_id,
                task.lead_agency.path,
                row.expected,
                row.actual,
                row.attainment,
                row.band,
            )
    return counts, scores


def assert_consistent(user) -> None:
    folded = (stored_counts(), stored_scores())
    assert folded == by_the_function(user)
    services.rebuild()
    assert (stored_counts(), stored_scores()) == folded


class KpiWriter(Writer):
    """The engine test's random writes, and KPIs, values and reports (the band rule: once, as a
    merger, since either rescores everything and would hide a missed touch)."""

    def __init__(self, world, seed: int):
        super().__init__(world, seed)
        self.indicators = [
            indicator(world.bo_khcn, f"KPI-{i}", direction=Direction.LOWER if i == 3 else Direction.HIGHER)
            for i in range(4)
        ]

    def kpis(self) -> list[TaskIndicator]:
        return list(TaskIndicator.objects.select_related("task").order_by("pk"))

    def trajectory(self) -> dict:
        days = sorted({dt.date(2025, 1, 1) + dt.timedelta(days=self.rng.randint(60, 720)) for _ in range(2)})
        return {
            "baseline_value": Decimal(self.rng.randint(0, 50)),
            "baseline_date": dt.date(2025, 1, 1),
            "targets": [(day, Decimal(self.rng.randint(0, 200))) for day in days],
        }

    def add_kpi(self):
        # half of them on the commune's task: its report carries their values
        task = self.rng.choice([self.w.tasks["hni_xa"], *self.tasks()])
        ind = self.rng.choice(self.indicators)
        kpi_services.add_kpi(self.admin, task, indicator=ind, **self.trajectory())

    def update_kpi(self):
        kpi_services.update_kpi(self.admin, self.rng.choice(self.kpis()), **self.trajectory())

    def reassign(self):
        """Mostly a task with KPIs (a sub-task due after its parent says why)."""
        with_kpis = [k.task for k in self.kpis()]
        task = self.rng.choice(with_kpis if with_kpis and self.rng.random() < 0.7 else self.tasks())
        task = Task.objects.select_related("program__agency").get(pk=task.pk)
        lead = self.rng.choice(self.leads_for(task))
        task_services.update_task(
            self.admin,
            task,
            expected_version=task.version,
            lead_agency=lead,
            deadline_justification=JUSTIFIED,
        )

    def remove_kpi(self):
        kpi_services.remove_kpi(self.admin, self.rng.choice(self.kpis()))

    def report(self) -> PeriodReport:
        found = PeriodReport.objects.filter(agency=self.w.hni_xa_ubnd, period=quarter()).first()
        return found or create(self.w)

    def observe(self, indicator_id: int | None = None):
        report = self.report()
        codes = list(
            TaskIndicator.objects.filter(task__report_lines__report=report).values_list(
                "indicator", flat=True
            )
        )
        observation_services.save_observation(
            self.w.users["xa_ubnd_officer"],
            report,
            indicator=indicator_id or self.rng.choice(codes),
            value=str(self.rng.randint(0, 200)),
            explanation="Số liệu thực tế của xã",
        )

    def accept(self):
        report = self.report()
        if report.state in (ReportState.DRAFT, ReportState.RETURNED):
            report = sent(self.w, report)
        report_services.accept_report(self.w.users["hni_leader"], report, expected_version=report.version)

    def reopen(self):
        report = self.report()
        report_services.reopen_report(
            self.w.users["hni_leader"],
            report,
            reason="Cần bổ sung số liệu chỉ tiêu",
            expected_version=report.version,
        )

    def rule(self):
        on_track, at_risk = self.rng.choice([("100", "85"), ("90", "50"), ("120", "100")])
        set_band_rule(self.admin, on_track_from=on_track, at_risk_below=at_risk)

    def step(self) -> None:
        name = self.rng.choice(
            [
                "add_kpi",
                "add_kpi",
                "add_kpi",
                "update_kpi",
                "remove_kpi",
                "observe",
                "observe",
                "accept",
                "reopen",
                "reassign",
                "pause_or_cancel",
                "delete",
                "progress",
            ]
        )
        self.step_named(name)

    def step_named(self, name: str) -> None:
        try:
            getattr(self, name)()
        except (DomainError, IndexError):  # refused, or nothing to pick from yet
            return
        self.applied[name] += 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_equals_rebuild_equals_the_function(rworld, seed):
    w = rworld
    national = w.users["national_leader"]
    services.rebuild()
    writer = KpiWriter(w, seed)
    for ind in writer.indicators[:3]:  # the commune's task (its report carries their values)
        kpi_services.add_kpi(writer.admin, w.tasks["hni_xa"], indicator=ind, **writer.trajectory())
    for _ in range(3):
        writer.step_named("add_kpi")
    fold_now()
    assert KpiScore.objects.exists()
    assert_consistent(national)
    bands: set[str] = set()
    for round_ in range(5):
        if round_ == 0:
            # values reach the bands only once their report is accepted: the commune reports on
            # the KPIs of its task
            for ind in writer.indicators[:3]:
                writer.observe(ind.pk)
            writer.accept()
            writer.applied["accepted report"] += 1
            fold_now()
            bands |= set(KpiScore.objects.values_list("band", flat=True))
        for _ in range(10):
            writer.step()
        if round_ == 2:
            writer.rule()  # every KPI rescored under the new rule
            writer.applied["rule"] += 1
        if round_ == 3:
            # the merged commune leads a task with a KPI: the merger hands it to the commune it joins
            task = task_services.create_task(
                writer.admin,
                program=w.tasks["hni_xa"].program,
                lead_agency=w.hni_xa2,
                title="Chuyển đổi số cấp xã",
                due_date=dt.date(2026, 12, 31),
            )
            kpi_services.add_kpi(writer.admin, task, indicator=writer.indicators[0], **writer.trajectory())
            fold_now()
            assert KpiRollup.objects.filter(agency=w.hni_xa2).exists()
            merge_agencies(
                writer.admin,
                sources=[w.hni_xa2],
                into=w.hni_xa,
                effective_on=clock.today(),
                reference="Nghị quyết số 1656/NQ-UBTVQH15",
            )
            writer.applied["merger"] += 1
        fold_now()
        assert_consistent(national)
        bands |= set(KpiScore.objects.values_list("band", flat=True))
        if round_ == 3:
            assert not KpiRollup.objects.filter(agency=w.hni_xa2).exists()
    assert sum(writer.applied.values()) >= 25, writer.applied
    assert writer.applied["add_kpi"] >= 3 and writer.applied["accepted report"] == 1, writer.applied
    assert bands - {"not_assessable"}, "some KPI was assessed on the way"


def _kpi_on_the_commune(w, plan="100") -> TaskIndicator:
    ind = indicator(w.bo_khcn, "KPI-XA")
    return kpi_services.add_kpi(
        w.users["sysadmin"],
        w.tasks["hni_xa"],
        indicator=ind,
        baseline_value=Decimal(plan),
        baseline_date=dt.date(2025, 1, 1),
        targets=[(dt.date(2026, 12, 31), Decimal(plan))],
    )


def _band(kpi: TaskIndicator, period) -> str:
    return KpiScore.objects.get(kpi=kpi, period=period).band


def test_an_accepted_value_moves_the_band_once_folded_and_a_reopening_moves_it_back(rworld):
    w = rworld
    services.rebuild()
    kpi = _kpi_on_the_commune(w)
    fold_now()
    q1 = quarter()
    assert _band(kpi, q1) == "not_assessable"
    report = create(w)
    observation_services.save_observation(
        w.users["xa_ubnd_officer"], report, indicator=kpi.indicator, value="90", explanation="Số liệu quý I"
    )
    fold_now()
    assert _band(kpi, q1) == "not_assessable"  # entered, not accepted
    report = sent(w, report)
    report_services.accept_report(w.users["hni_leader"], report, expected_version=report.version)
    assert _band(kpi, q1) == "not_assessable"  # not folded yet
    fold_now()
    assert _band(kpi, q1) == "behind"  # 90 of 100
    row = KpiRollup.objects.get(agency=w.root, resolution=w.res, period=q1)
    assert (row.behind, row.not_assessable) == (1, 0)
    report.refresh_from_db()
    report_services.reopen_report(
        w.users["hni_leader"], report, reason="Số liệu cần kiểm tra lại", expected_version=report.version
    )
    fold_now()
    assert _band(kpi, q1) == "not_assessable"
    assert_consistent(w.users["national_leader"])


def test_a_new_band_rule_is_not_read_from_rows_scored_under_the_old_one(rworld):
    w = rworld
    kpi = _kpi_on_the_commune(w)
    services.rebuild()
    q1 = quarter()
    state = FoldState.objects.get(pk=1)
    rule = kpis.stored_rule(state)
    assert rule is not None and kpis.covered(q1, state, rule)
    set_band_rule(w.users["sysadmin"], on_track_from="90", at_risk_below="50")
    new_rule = current_band_rule()
    assert not kpis.covered(q1, state, new_rule)  # the rows were scored under the old rule
    fold_now()
    state.refresh_from_db()
    assert kpis.covered(q1, state, new_rule)
    assert KpiScore.objects.filter(kpi=kpi).exists()
    assert_consistent(w.users["national_leader"])


def test_progress_on_a_task_leaves_its_kpis_alone(rworld):
    """Progress, with or without KPIs on the task, changes no KPI's score: nothing is rescored."""
    w = rworld
    _kpi_on_the_commune(w)
    services.rebuild()
    stamps = dict(KpiScore.objects.values_list("pk", "computed_at"))
    for key in ("hcm", "hni_xa"):  # without KPIs, with one
        task_services.record_progress(w.users["sysadmin"], w.tasks[key], percent_done=Decimal(30))
    entries = list(AuditEntry.objects.filter(object_type="planning.task"))
    assert len(entries) == 2 and kpis.touched_resolutions(entries) == set()
    with time_machine.travel(dt.datetime(2026, 3, 17, 9, tzinfo=clock.tz()), tick=False):  # same day, later
        fold_now()
    assert dict(KpiScore.objects.values_list("pk", "computed_at")) == stamps
    task = Task.objects.get(pk=w.tasks["hni_xa"].pk)
    task_services.set_task_state(w.users["sysadmin"], task, state=TaskState.PAUSED, reason="Chờ kinh phí")
    paused = list(AuditEntry.objects.filter(object_type="planning.task").order_by("-id")[:1])
    assert kpis.touched_resolutions(paused) == {w.res.pk}


def test_a_new_day_moves_the_window(rworld):
    w = rworld
    _kpi_on_the_commune(w)
    services.rebuild()
    q1 = quarter()
    assert KpiScore.objects.filter(period=q1).exists()
    with time_machine.travel(dt.datetime(2026, 6, 20, 9, tzinfo=clock.tz()), tick=False):
        services.fold()
        state = FoldState.objects.get(pk=1)
        assert not KpiScore.objects.filter(period=q1).exists()  # ended more than 60 days ago
        assert not kpis.covered(q1, state, current_band_rule())
        assert KpiScore.objects.filter(period=quarter("2026-Q3")).exists()  # begun on 15/06
        assert_consistent(w.users["national_leader"])


def test_covered_only_for_the_kept_periods_of_the_configured_calendar(rworld):
    _kpi_on_the_commune(rworld)
    rule = current_band_rule()
    assert not kpis.covered(quarter(), None, rule)
    services.rebuild()
    state = FoldState.objects.get(pk=1)
    assert kpis.covered(quarter(), state, rule)
    assert not kpis.covered(quarter("2025-Q3"), state, rule)  # ended before the window
    assert not kpis.covered(quarter("2026-Q3"), state, rule)  # not begun
    other = quarter()
    other.cutoff = "calendar"
    assert not kpis.covered(other, state, rule)
    assert {p.pk for p in kpis.kept_periods(clock.today())} == set(
        KpiScore.objects.values_list("period_id", flat=True)
    )


def test_rows_follow_a_kpi_whose_task_moved_to_another_resolution(rworld):
    w = rworld
    _kpi_on_the_commune(w)
    services.rebuild()
    Task.objects.filter(resolution=w.res).update(resolution=w.res2)  # a bulk change no audit row names
    services.rebuild()
    assert not KpiRollup.objects.filter(resolution=w.res).exists()
    assert KpiScore.objects.filter(resolution=w.res2).exists()
    assert_consistent(w.users["national_leader"])


def test_a_kpi_follows_its_task_reassigned_paused_or_cancelled(rworld):
    w = rworld
    admin = w.users["sysadmin"]
    kpi = _kpi_on_the_commune(w)
    services.rebuild()
    q1 = quarter()
    task = Task.objects.get(pk=w.tasks["hni_xa"].pk)
    task_services.update_task(
        admin, task, expected_version=task.version, lead_agency=w.hni_xa2, deadline_justification=JUSTIFIED
    )
    fold_now()
    assert KpiScore.objects.get(kpi=kpi, period=q1).agency_path == w.hni_xa2.path
    assert KpiRollup.objects.filter(agency=w.hni_xa2, period=q1).exists()
    assert not KpiRollup.objects.filter(agency=w.hni_xa, period=q1).exists()
    task_services.set_task_state(
        admin, Task.objects.get(pk=task.pk), state=TaskState.CANCELLED, reason="Thôi"
    )
    fold_now()
    assert not KpiScore.objects.filter(kpi=kpi).exists()  # a cancelled task's KPIs are not counted
    assert not KpiRollup.objects.filter(resolution=w.res).exists()
    assert_consistent(w.users["national_leader"])


def test_a_deleted_task_takes_its_kpis_out_of_the_counts(rworld):
    w = rworld
    admin = w.users["sysadmin"]
    task = task_services.create_task(
        admin,
        program=w.tasks["hcm"].program,
        lead_agency=w.hcm_xa,
        title="Thí điểm",
        due_date=dt.date(2026, 9, 30),
    )
    kpi = kpi_services.add_kpi(
        admin,
        task,
        indicator=indicator(w.bo_khcn, "KPI-DEL"),
        baseline_value=Decimal(10),
        baseline_date=dt.date(2025, 1, 1),
        targets=[(dt.date(2026, 12, 31), Decimal(50))],
    )
    fold_now()
    assert KpiScore.objects.filter(kpi=kpi).exists()
    assert KpiRollup.objects.filter(agency=w.hcm_xa).exists()
    tree_services.delete_task(admin, task)
    fold_now()
    assert not KpiRollup.objects.filter(agency=w.hcm_xa).exists()
    assert_consistent(w.users["national_leader"])
