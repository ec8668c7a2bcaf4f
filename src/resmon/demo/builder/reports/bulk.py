"""Demo period reports: the national spread, written in bulk (see the package's docstring)."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from resmon.accounts.models import User
from resmon.agencies.models import AgencyKind
from resmon.catalogue import periods as cal
from resmon.catalogue.models import ReportingPeriod
from resmon.catalogue.services_periods import configured_cutoff
from resmon.core import clock
from resmon.planning.models import ActionProgram, TargetPoint, TaskIndicator
from resmon.planning.services.schedule import DEFAULT_DUE_DAYS
from resmon.reporting.models import (
    Classification,
    Evidence,
    Observation,
    PeriodReport,
    Proposal,
    ReportLine,
)

from ..indicators import BASELINE_DATE
from .data import (
    ANSWER,
    DEMO_COMMUNE,
    DEMO_PROVINCE,
    DONE_RESULT,
    NEXT_STEPS,
    NOT_STARTED_RESULT,
    OBSTACLES,
    PARENT_RESULT,
    PROPOSALS,
    REPORT_OBSTACLES,
    REPORT_RESULTS,
    RESULTS,
    RETURN_REASONS,
    VERSIONS,
    Pair,
    S,
    Table,
    TaskRow,
    World,
    at_office,
    doc_number,
    percent_at,
    value_on,
    vn,
)


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
