"""The shape of a programme's task tree, shared by its reads and its writes."""

from __future__ import annotations

import re
from collections import defaultdict

from .models import Task


def code_key(code: str) -> tuple:
    """Sort key of a code like 1.10.2 (numeric parts as numbers)."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[.\s]+", code or ""))


def descendant_ids(task: Task) -> set[int]:
    """Ids of every task under ``task`` in its programme (one query)."""
    rows = Task.objects.filter(program_id=task.program_id).values_list("id", "parent_id")
    children: dict[int, list[int]] = defaultdict(list)
    for pk, parent_id in rows:
        if parent_id is not None:
            children[parent_id].append(pk)
    out: set[int] = set()
    stack = [task.pk]
    while stack:
        for c in children.get(stack.pop(), []):
            if c not in out:
                out.add(c)
                stack.append(c)
    return out
