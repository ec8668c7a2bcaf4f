"""The deadline drill: ``clients`` people save the same report at the same moment, all from the same
version (threads held at a barrier, each with its connection already open, over HTTP to the real
server). Exactly one save may win; every other must get the conflict answer (409, code
stale_version) with its message naming who changed the report; the report must then hold the
winner's content, one version later, with exactly one audit row for the save."""

from __future__ import annotations

import contextlib
import http.client
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from drill_world import TIMEOUT, Answer, call

EXPECTED_MESSAGE = "This record was changed by %(who)s at %(when)s. Reload it and apply your change again."


@dataclass
class Outcome:
    number: int
    clients: int
    codes: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def body_of(i: int, version: int, tasks: list[int]) -> dict:
    stamp = f"hạn chót, phiên bản {version}: người thứ {i}"  # differs from what is stored
    return {
        "version": version,
        "results": stamp,
        "lines": [
            {"task": t, "results": stamp, "percent_done": f"{(i * 37 + k * 11) % 90 + 5}.25"}
            for k, t in enumerate(tasks)
        ],
    }


def one_round(port: int, world: dict, subject: dict, clients: int, number: int) -> Outcome:
    """One burst on ``subject``'s report (draft or returned: the caller makes it editable)."""
    from django.db import connections
    from django.utils import translation
    from django.utils.translation import gettext

    from resmon.audit.models import AuditEntry
    from resmon.reporting.models import PeriodReport

    out = Outcome(number, clients)
    report = PeriodReport.objects.get(pk=subject["report"])
    start_version = report.version
    last_audit = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    people = [(subject["officer"], subject["officer_name"]), (subject["leader"], subject["leader_name"])]
    barrier = threading.Barrier(clients)
    answers: list[Answer | None] = [None] * clients

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT * 3)
        with contextlib.suppress(OSError):
            conn.connect()
        barrier.wait()
        token = people[i % 2][0]
        answers[i] = call(
            port,
            "PATCH",
            f"/reports/{report.pk}",
            token,
            body_of(i, start_version, subject["tasks"]),
            conn=conn,
        )

    began = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.seconds = time.monotonic() - began
    connections.close_all()
    out.codes = Counter(a.status if a else 0 for a in answers)
    winners = [i for i, a in enumerate(answers) if a and a.ok]
    if len(winners) != 1:
        out.problems.append(f"{len(winners)} saves answered 2xx, exactly one expected")
    report.refresh_from_db()
    lines = {line.task_id: line for line in report.lines.all()}
    with translation.override("vi"):
        prefix = gettext(EXPECTED_MESSAGE).split("%(who)s")[0]
    if winners:
        winner = winners[0]
        who = people[winner % 2][1]
        for i, a in enumerate(answers):
            if i == winner or a is None:
                continue
            if a.status != 409 or a.code != "stale_version":
                out.problems.append(f"client {i}: {a!r}, the conflict answer (409 stale_version) expected")
            elif who not in a.detail or not a.detail.startswith(prefix):
                out.problems.append(f"client {i}: the conflict message does not name {who}: {a.detail!r}")
        wanted = body_of(winner, start_version, subject["tasks"])
        if report.results != wanted["results"] or any(
            lines[x["task"]].results != x["results"]
            or str(lines[x["task"]].percent_done) != x["percent_done"]
            for x in wanted["lines"]
        ):
            out.problems.append("the report does not hold the winner's content")
    if report.version != start_version + 1:
        out.problems.append(f"the report is at version {report.version}, {start_version + 1} expected")
    saved = AuditEntry.objects.filter(
        id__gt=last_audit, action="reporting.report_saved", object_id=str(report.pk)
    ).count()
    if saved != 1:
        out.problems.append(f"{saved} audit rows for the save, exactly one expected")
    return out


def run(port: int, world: dict, subject: dict, *, clients: int, rounds: int) -> list[Outcome]:
    """``rounds`` bursts of ``clients`` saves on ``subject``'s report (created and editable)."""
    done = []
    for number in range(1, rounds + 1):
        out = one_round(port, world, subject, clients, number)
        print(
            f"  burst {number}: {clients} simultaneous saves in {out.seconds:.1f} s: "
            f"answers {dict(sorted(out.codes.items()))}; problems {len(out.problems)}",
            flush=True,
        )
        for problem in out.problems[:10]:
            print(f"      - {problem}")
        done.append(out)
    return done
