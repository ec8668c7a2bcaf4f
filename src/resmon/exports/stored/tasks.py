"""The django-tasks task behind every stored document: the worker (``manage.py db_worker``, the
Procfile's ``worker``) runs it; the work itself is ``building.build``."""

from __future__ import annotations

from django_tasks import task

from .building import build


@task()
def build_document(document_id: int) -> str:
    """Build stored document ``document_id``; returns its final status."""
    return build(document_id)
