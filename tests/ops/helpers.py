"""Rows of the background-job queue, as the worker leaves them."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max


def job(status: str = "READY", waited: dt.timedelta = dt.timedelta(0)) -> DBTaskResult:
    row = DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [1], "kwargs": {}},
        task_path="resmon.exports.stored.tasks.build_document",
        backend_name="default",
        run_after=get_date_max(),
        exception_class_path="",
        traceback="",
    )
    # enqueued_at is set on creation (auto_now_add): move it back by hand
    DBTaskResult.objects.filter(pk=row.pk).update(enqueued_at=timezone.now() - waited)
    return row
