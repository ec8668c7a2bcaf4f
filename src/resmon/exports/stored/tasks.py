"""The django-tasks task behind every stored document: the worker (``manage.py run_worker``, the
Procfile's ``worker``) runs it; the work itself is ``building.build``. Safe to start again: a job
put back in the queue after its worker died takes over its own document (see ``building``)."""

from __future__ import annotations

from django_tasks import TaskContext, task

from .building import build


@task(takes_context=True)
def build_document(context: TaskContext, document_id: int) -> str:
    """Build stored document ``document_id``; returns its final status."""
    return build(document_id, task_id=str(context.task_result.id), attempt=max(1, context.attempt))
