"""Run the background worker (the Procfile's ``worker``): first put back in the queue the jobs that
a worker killed mid-job left running (resmon.core.jobs), then run django-tasks-db's ``db_worker``
under an id naming this host and process, so the next start can tell that it died."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand

from resmon.core import jobs


class Command(BaseCommand):
    help = "Queue again the jobs a stopped worker left running, then run the background worker."

    def add_arguments(self, parser):
        parser.add_argument("--queue-name", default="default", help="queues to process, comma-separated")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls when idle")
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")
        parser.add_argument("--max-tasks", type=int, default=None, help="exit after this many tasks")
        parser.add_argument("--no-startup-delay", action="store_true", help="poll at once, no random delay")

    def handle(
        self,
        *args,
        queue_name: str,
        interval: float,
        batch: bool,
        max_tasks: int | None,
        no_startup_delay: bool,
        **options,
    ):
        requeued = jobs.recover_stuck_jobs()
        if requeued:
            self.stdout.write(f"{requeued} job(s) left running by a stopped worker: queued again")
        call_command(
            "db_worker",
            queue_name=queue_name,
            interval=interval,
            batch=batch,
            max_tasks=max_tasks,
            reload=False,
            startup_delay=not no_startup_delay,
            worker_id=jobs.worker_id(),
            verbosity=options["verbosity"],
        )
