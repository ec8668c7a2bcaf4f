"""A worker killed mid-job (the kill -9 drill, bench/drill_kill.py): its job is not left running for
ever. The next worker start (``manage.py run_worker``) queues it again, the job takes over its own
document and makes it; after too many starts the document fails with a message. A document the
disk cannot hold fails with the disk-full message and leaves no file."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from resmon.core import jobs
from resmon.core.storage import STORAGE_FULL_MESSAGE
from resmon.exports.models import StoredDocument
from resmon.exports.stored import building
from tests.core.disk_full import fill_up
from tests.exports.stored.helpers import ask, files_under, made

pytestmark = pytest.mark.django_db
Status = StoredDocument.Status


def dead_worker_id() -> str:
    proc = subprocess.Popen(["sleep", "30"])
    wid = jobs.worker_id(proc.pid)
    assert jobs.worker_alive(wid) is True
    proc.kill()
    proc.wait()
    return wid


def test_a_worker_id_tells_whether_its_process_still_runs():
    assert jobs.worker_alive(jobs.worker_id()) is True
    assert jobs.worker_alive(dead_worker_id()) is False
    assert jobs.worker_alive("another-host:123:456") is None
    assert jobs.worker_alive("kXRfrw0kiENqhqOJNYZfKDhNLEzl5oAq") is None  # db_worker's own random ids


def running(job: DBTaskResult, wid: str, started: dt.datetime | None = None) -> None:
    """As a worker that claimed the job and was then killed left it."""
    DBTaskResult.objects.filter(pk=job.pk).update(
        status="RUNNING", worker_ids=[wid], started_at=started or timezone.now()
    )


def test_run_worker_queues_again_the_job_of_a_dead_worker_and_it_makes_its_document(
    dworld, media, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=True):
        doc = ask(dworld, "hni_leader", "xlsx", agency=dworld.hni.pk)
    [job] = DBTaskResult.objects.all()
    running(job, dead_worker_id())
    StoredDocument.objects.filter(pk=doc.pk).update(status=Status.RUNNING, progress=10)
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    call_command("run_worker", batch=True, no_startup_delay=True, verbosity=0)
    job.refresh_from_db()
    doc.refresh_from_db()
    assert job.status == "SUCCESSFUL" and len(job.worker_ids) == 2  # started twice
    assert doc.status == Status.DONE and files_under(media) == [media / doc.file.name]


def test_only_orphaned_jobs_are_queued_again(dworld, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for fmt, agency in (("xlsx", dworld.hni), ("pdf", dworld.hni), ("docx", dworld.hni)):
            ask(dworld, "hni_leader", fmt, agency=agency.pk)
        ask(dworld, "hni_leader", "xlsx", agency=dworld.hni_xa.pk)
    alive, dead, foreign_recent, foreign_old = DBTaskResult.objects.order_by("enqueued_at")
    running(alive, jobs.worker_id())
    running(dead, dead_worker_id())
    running(foreign_recent, "another-host:1:1")
    running(foreign_old, "another-host:1:1", timezone.now() - dt.timedelta(hours=7))
    assert jobs.recover_stuck_jobs() == 2
    status = dict(DBTaskResult.objects.values_list("pk", "status"))
    assert [status[j.pk] for j in (alive, dead, foreign_recent, foreign_old)] == [
        "RUNNING",
        "READY",
        "RUNNING",
        "READY",
    ]


def test_a_job_started_too_many_times_fails_its_document_with_a_message(dworld, media):
    doc = ask(dworld, "hni_leader", "xlsx")
    StoredDocument.objects.filter(pk=doc.pk).update(status=Status.RUNNING, task_id="job-1")
    assert building.build(doc.pk, task_id="another-job") == Status.RUNNING  # not its document
    assert building.build(doc.pk, task_id="job-1", attempt=building.MAX_ATTEMPTS + 1) == Status.FAILED
    doc.refresh_from_db()
    assert doc.status == Status.FAILED and "stopped 3 times" in doc.error
    assert files_under(media) == []


def test_a_document_the_disk_cannot_hold_fails_with_the_disk_full_message(dworld, media, monkeypatch):
    doc = ask(dworld, "hni_leader", "xlsx")
    fill_up(monkeypatch)
    doc = made(doc)
    assert doc.status == Status.FAILED and doc.error == str(STORAGE_FULL_MESSAGE)
    assert files_under(media) == [] and not doc.file.name
