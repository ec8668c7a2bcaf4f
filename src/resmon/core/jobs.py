"""Background jobs left running by a worker that died.

django-tasks-db marks a job RUNNING when a worker claims it and SUCCESSFUL or FAILED when it ends;
a worker killed in between (kill -9, out of memory, a power cut) leaves it RUNNING for ever, and
nothing picks it up again (the crash drill, bench/drill_kill.py, found it). So the worker is
started by ``manage.py run_worker``, which first puts such jobs back in the queue:

* the worker's id names its host, its process id and the process's start time (:func:`worker_id`),
  so a job whose worker ran on this host in a process that no longer exists is known to be
  orphaned at once;
* a job started more than ``RESMON_JOB_TIMEOUT_HOURS`` ago (default 6) whose worker cannot be
  checked (another host, an id of another form) is taken as orphaned too.

An orphaned job goes back to READY, its list of workers kept: ``TaskContext.attempt`` tells the
task how many times it was started, and the task decides when to give up (every task here must be
safe to start again: ``exports.stored`` takes over its own document).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_HOURS = 6.0


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), None when it does not exist."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()[19]


def _host() -> str:
    return socket.gethostname()[:40]


def worker_id(pid: int | None = None) -> str:
    """``host:pid:start`` of this process (at most 64 characters, the worker id's limit)."""
    pid = pid or os.getpid()
    return f"{_host()}:{pid}:{_start_ticks(pid) or '0'}"[:64]


def worker_alive(wid: str) -> bool | None:
    """Whether the worker named ``wid`` still runs; None when this host cannot tell."""
    parts = wid.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    host, pid, start = parts[0], int(parts[1]), parts[2]
    if host != _host() or not Path("/proc").is_dir():
        return None
    return _start_ticks(pid) == start


def timeout() -> dt.timedelta:
    return dt.timedelta(hours=float(getattr(settings, "RESMON_JOB_TIMEOUT_HOURS", DEFAULT_TIMEOUT_HOURS)))


def recover_stuck_jobs() -> int:
    """Put the jobs left running by a dead worker back in the queue (see the module); how many."""
    from django_tasks_db.models import DBTaskResult

    limit = timezone.now() - timeout()
    requeued = 0
    with transaction.atomic():
        running = DBTaskResult.objects.select_for_update(skip_locked=True).filter(status="RUNNING")
        for job in running:
            last = job.worker_ids[-1] if job.worker_ids else ""
            alive = worker_alive(last) if last else None
            stale = job.started_at is None or job.started_at < limit
            if alive is False or (alive is None and stale):
                DBTaskResult.objects.filter(pk=job.pk, status="RUNNING").update(
                    status="READY", started_at=None
                )
                log.warning(
                    "job %s (%s) was left running by worker %s, which stopped: queued again (start %s)",
                    job.pk,
                    job.task_path,
                    last or "?",
                    len(job.worker_ids) + 1,
                )
                requeued += 1
    return requeued
