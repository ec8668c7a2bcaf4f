"""Benchmark of the decomposition editor (run by hand; prints figures, asserts nothing):

  .venv/bin/python bench/planning_tree.py [--tasks 5000] [--n 20]

On a throw-away SQLite database: builds a 5,000-task programme (bulk insert: 10 top tasks, each
with 10 children of 49 grandchildren), then times the tree page (Django test client, the full
view and template: the top levels, with progress from one roll-up of the whole programme) and
the htmx partial that expands one branch, for a provincial focal officer, and the move of a
~500-task subtree under another top task and back. Prints p50/p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=5000)
    parser.add_argument("--n", type=int, default=20)
    args = parser.parse_args()
    db = Path(tempfile.mkdtemp()) / "bench-tree.sqlite3"
    os.environ["SQLITE_PATH"] = str(db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resmon.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    import datetime as dt

    from django.test import Client
    from django.urls import reverse
    from tests import factories
    from tests.factories import build_world

    from resmon.planning.models import Task
    from resmon.planning.services import tree

    w = build_world()
    program = factories.program(w.res2, w.hni, title="Chương trình hành động (đo hiệu năng)")
    per_top, per_mid = 10, max(1, args.tasks // 100 - 1)
    t0 = time.perf_counter()
    tops = Task.objects.bulk_create(
        Task(
            program=program,
            resolution=program.resolution,
            lead_agency=w.hni,
            assigned_by=w.hni,
            code=str(i + 1),
            position=i,
            title=f"Nhiệm vụ {i + 1}",
            due_date=dt.date(2027, 12, 31),
        )
        for i in range(10)
    )
    mids = Task.objects.bulk_create(
        Task(
            program=program,
            resolution=program.resolution,
            parent=top,
            lead_agency=w.hni_ubnd,
            assigned_by=w.hni,
            code=f"{top.code}.{j + 1}",
            position=j,
            title=f"Nhiệm vụ {top.code}.{j + 1}",
            due_date=dt.date(2027, 6, 30),
        )
        for top in tops
        for j in range(per_top)
    )
    Task.objects.bulk_create(
        (
            Task(
                program=program,
                resolution=program.resolution,
                parent=mid,
                lead_agency=w.hni_xa,
                assigned_by=w.hni_ubnd,
                code=f"{mid.code}.{k + 1}",
                position=k,
                title=f"Nhiệm vụ xã {mid.code}.{k + 1}",
                due_date=dt.date(2027, 3, 31),
            )
            for mid in mids
            for k in range(per_mid)
        ),
        batch_size=1000,
    )
    total = Task.objects.filter(program=program).count()
    print(f"built a programme of {total} tasks in {time.perf_counter() - t0:.1f} s ({db})")

    client = Client()
    client.force_login(w.users["hni_officer"])
    url = reverse("planning:program_tree", args=[program.pk])
    client.get(url)
    times = []
    for _ in range(args.n):
        t = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    print(
        f"tree page ({total} tasks, {len(response.content) // 1024} KiB): "
        f"p50 {statistics.median(times):.0f} ms, p95 {pct(times, 0.95):.0f} ms"
    )

    branch = reverse("planning:tree_children", args=[mids[0].pk])
    times = []
    for _ in range(args.n):
        t = time.perf_counter()
        response = client.get(branch, HTTP_HX_REQUEST="true")
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    print(
        f"branch expansion ({per_mid} rows, {len(response.content) // 1024} KiB): "
        f"p50 {statistics.median(times):.0f} ms, p95 {pct(times, 0.95):.0f} ms"
    )

    officer = w.users["hni_officer"]
    subtree = tops[0]
    size = (
        1 + Task.objects.filter(parent=subtree).count() + Task.objects.filter(parent__parent=subtree).count()
    )
    times = []
    for i in range(max(2, args.n // 2)):
        target = tops[1] if i % 2 == 0 else None
        moving = Task.objects.get(pk=subtree.pk)
        t = time.perf_counter()
        tree.move_task(officer, moving, Task.objects.get(pk=target.pk) if target else None, 0)
        times.append((time.perf_counter() - t) * 1000)
    print(
        f"subtree move ({size} tasks, codes renumbered): "
        f"p50 {statistics.median(times):.0f} ms, p95 {pct(times, 0.95):.0f} ms"
    )


if __name__ == "__main__":
    main()
