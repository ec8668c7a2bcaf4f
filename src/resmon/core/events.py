"""Domain events: a lower layer tells the layers above what happened, after commit.

Subscribers register explicitly (in their AppConfig.ready); publishing inside a transaction
delivers only once it commits, so no subscriber ever sees a rolled-back write.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

Handler = Callable[..., None]
_subscribers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(event: str, handler: Handler) -> None:
    if handler not in _subscribers[event]:
        _subscribers[event].append(handler)


def publish(event: str, **payload: Any) -> None:
    def deliver() -> None:
        for handler in list(_subscribers[event]):
            handler(**payload)

    transaction.on_commit(deliver)
