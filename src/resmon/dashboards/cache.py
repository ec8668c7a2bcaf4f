"""The dashboards' answers kept between requests, keyed on where the roll-ups stand.

Every figure of the overview comes from the roll-ups or from data that changes only through an
audited write, and every audited write reaches the roll-ups through the fold. So an answer is
reused while the fold stamp (``rollups.selectors.fold_stamp``) has not moved: the first request
after a fold computes it again, the others read it. The key also holds the user's scope (users
who see the same agencies and resolutions share the answer, nobody sees another scope's), the
filters, the language and the day. Entries live ``RESMON_READ_CACHE_SECONDS`` at most (0: no
cache), in the ``local`` cache (per process by default: each web worker computes once per
fold round).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import get_language

from resmon.core import clock
from resmon.rollups import selectors as rollups

T = TypeVar("T")
CACHE = "local"


def key(kind: str, user: Any, params: dict[str, Any]) -> str:
    raw = repr(
        (kind, user.scope, sorted(params.items()), get_language(), clock.today(), rollups.fold_stamp())
    )
    return f"dash:{kind}:{hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()}"


def cached(kind: str, user: Any, params: dict[str, Any], build: Callable[[], T]) -> T:
    """``build()``'s answer for this user's scope and these filters, reused until the roll-ups
    move. Errors (a filter refused) are raised every time, never kept."""
    seconds = settings.RESMON_READ_CACHE_SECONDS
    if seconds <= 0:
        return build()
    store = caches[CACHE]
    name = key(kind, user, params)
    found = store.get(name)
    if found is None:
        found = build()
        store.set(name, found, seconds)
    return found
