"""The drills' checks, read from the database once the site is quiet (Django set up in this process,
on the site's database). Each returns a list of problems (sentences; empty: it held)."""

from __future__ import annotations

import hashlib
import subprocess
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from drill_world import ROOT

REPORT_TYPE = "reporting.periodreport"
PY = str(ROOT / ".venv" / "bin" / "python")


def _percent(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value)).quantize(Decimal("0.01"))


def report_problems(world: dict[str, Any]) -> list[str]:
    """Every report of the world: created once, with all its lines; its content equal to what its
    audit rows say was saved last (so a save is wholly there or not at all); one audit row per
    version, no gap; an accepted report's percentages applied to its tasks."""
    from resmon.audit.models import AuditEntry
    from resmon.planning.models import Task
    from resmon.reporting.models import PeriodReport, ReportState

    problems: list[str] = []
    subjects = {s["agency"]: s for s in world["subjects"]}
    reports = list(
        PeriodReport.objects.filter(
            period_id=world["period"], program_id=world["program"], agency_id__in=list(subjects)
        ).prefetch_related("lines")
    )
    for agency, n in Counter(r.agency_id for r in reports).items():
        if n > 1:
            problems.append(f"agency {agency} has {n} reports for the period (one expected)")
    audit = {}
    for row in AuditEntry.objects.filter(
        object_type=REPORT_TYPE, object_id__in=[str(r.pk) for r in reports]
    ).values("object_id", "action", "after"):
        audit.setdefault(int(row["object_id"]), []).append(row)
    for report in reports:
        name = f"report #{report.pk} (v{report.version}, {report.state})"
        lines = {line.task_id: line for line in report.lines.all()}
        expected_lines = subjects[report.agency_id]["lines"]
        if len(lines) != expected_lines:
            problems.append(f"{name} has {len(lines)} lines, {expected_lines} expected")
        rows = audit.get(report.pk, [])
        versions = sorted(
            r["after"]["version"] for r in rows if isinstance(r["after"], dict) and "version" in r["after"]
        )
        if versions != list(range(1, report.version + 1)):
            problems.append(
                f"{name}: the audit rows carry the versions {versions}, 1..{report.version} expected"
            )
        saved: dict[str, Any] = {}
        for row in sorted(
            (r for r in rows if r["action"] == "reporting.report_saved"), key=lambda r: r["after"]["version"]
        ):
            saved.update(row["after"])
        for key, value in saved.items():
            parts = key.split(".")
            if key in ("results", "obstacles", "next_steps"):
                actual: Any = getattr(report, key)
            elif parts[0] == "lines" and len(parts) == 3 and int(parts[1]) in lines:
                actual = getattr(lines[int(parts[1])], parts[2], None)
                if parts[2] == "percent_done":
                    actual, value = _percent(actual), _percent(value)
                elif parts[2] not in ("results", "obstacles"):
                    continue
            else:
                continue
            if actual != value:
                problems.append(f"{name}: {key} is {actual!r}, its last audited save says {value!r}")
        if report.state == ReportState.ACCEPTED:
            percents = dict(Task.objects.filter(pk__in=list(lines)).values_list("pk", "percent_done"))
            for task_id in subjects[report.agency_id]["tasks"]:
                if task_id in lines and _percent(percents.get(task_id)) != _percent(
                    lines[task_id].percent_done
                ):
                    problems.append(
                        f"{name} is accepted but task {task_id} is at {percents.get(task_id)}, "
                        f"its line says {lines[task_id].percent_done}"
                    )
    return problems


def wait_quiet(timeout: float) -> list[str]:
    """Wait until every audit row is sealed and folded, and no job or document is waiting or
    running; what is still not done after ``timeout`` seconds is a problem ("stuck")."""
    from django_tasks_db.models import DBTaskResult

    from resmon.audit.models import AuditEntry
    from resmon.exports.models import StoredDocument
    from resmon.rollups.models import FoldState

    Status = StoredDocument.Status
    deadline = time.monotonic() + timeout
    while True:
        unsealed = AuditEntry.objects.filter(seq__isnull=True).count()
        head = (
            AuditEntry.objects.filter(seq__isnull=False)
            .order_by("-seq")
            .values_list("seq", flat=True)
            .first()
        )
        folded = FoldState.objects.filter(pk=1).values_list("last_seq", flat=True).first() or 0
        jobs = Counter(
            DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).values_list("status", flat=True)
        )
        docs = Counter(
            StoredDocument.objects.filter(status__in=[Status.QUEUED, Status.RUNNING]).values_list(
                "status", flat=True
            )
        )
        if not unsealed and (head or 0) <= folded and not jobs and not docs:
            return []
        if time.monotonic() > deadline:
            problems = []
            if unsealed:
                problems.append(f"{unsealed} audit rows not sealed after {timeout:g} s")
            if (head or 0) > folded:
                problems.append(f"the roll-ups stop at audit row {folded}, the chain at {head}")
            for status, n in sorted(jobs.items()):
                problems.append(f"{n} background jobs still {status} after {timeout:g} s (stuck)")
            for status, n in sorted(docs.items()):
                problems.append(f"{n} stored documents still {status} after {timeout:g} s (stuck)")
            return problems
        time.sleep(0.5)


def document_problems(media: Path) -> tuple[list[str], Counter]:
    """A done document has its whole file (size and SHA-256 as recorded), a failed one none.
    Returns the problems and the documents per status."""
    from resmon.exports.models import StoredDocument

    problems = []
    statuses: Counter = Counter()
    for doc in StoredDocument.objects.all():
        statuses[doc.status] += 1
        path = media / doc.file.name if doc.file.name else None
        if doc.status == StoredDocument.Status.DONE:
            if path is None or not path.exists():
                problems.append(f"document #{doc.pk} is done but its file is missing")
            elif (
                path.stat().st_size != doc.size or hashlib.sha256(path.read_bytes()).hexdigest() != doc.sha256
            ):
                problems.append(f"document #{doc.pk} is done but its file differs from its size or SHA-256")
        elif doc.file.name:
            problems.append(f"document #{doc.pk} is {doc.status} yet has a file")
    return problems, statuses


def orphan_files(media: Path) -> list[str]:
    """Files under MEDIA_ROOT that no row names (left by a write that did not commit)."""
    from resmon.exports.models import StoredDocument
    from resmon.reporting.models import Evidence

    named = set(StoredDocument.objects.exclude(file="").values_list("file", flat=True))
    named |= set(Evidence.objects.exclude(file="").values_list("file", flat=True))
    if not media.exists():
        return []
    return sorted(
        str(p.relative_to(media))
        for p in media.rglob("*")
        if p.is_file() and str(p.relative_to(media)) not in named
    )


def rollup_problems() -> list[str]:
    """The dashboards' roll-ups equal planning's roll-up function over the raw rows."""
    from resmon.core import clock
    from resmon.planning.models import Resolution
    from resmon.rollups.models import ProgressRollup
    from resmon.rollups.services import COLUMNS, compute_resolution

    problems = []
    today = clock.today()
    for resolution_id in Resolution.objects.values_list("pk", flat=True):
        wanted = {
            path: tuple(f.columns().values()) for path, f in compute_resolution(resolution_id, today).items()
        }
        stored = {
            row[0]: tuple(row[1:])
            for row in ProgressRollup.objects.filter(resolution_id=resolution_id).values_list(
                "agency_path", *COLUMNS
            )
        }
        if wanted != stored:
            differ = sorted(p for p in set(wanted) | set(stored) if wanted.get(p) != stored.get(p))
            problems.append(
                f"roll-ups of resolution {resolution_id} differ from the function at {differ[:5]}"
            )
    return problems


def verify_chain(env: dict[str, str]) -> tuple[bool, str]:
    """``manage.py verify_audit --no-save`` with the site's settings (its checkpoint file)."""
    done = subprocess.run(
        [PY, "manage.py", "verify_audit", "--no-save"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return done.returncode == 0, (done.stdout + done.stderr).strip()
