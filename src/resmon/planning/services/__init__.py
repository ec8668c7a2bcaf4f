"""Every write on planning objects, one module per area; the task basics are re-exported here."""

from .tasks import create_task, record_progress, set_task_state, update_task

__all__ = ["create_task", "record_progress", "set_task_state", "update_task"]
