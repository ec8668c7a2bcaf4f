"""The request id of the running request, for every log line it writes (settings LOGGING).

The request middleware (``resmon.ops.middleware``) takes the proxy's ``X-Request-ID`` (nginx's
``$request_id``) or makes one, sets it here for the request's duration and sends it back in the
response; :class:`RequestIdFilter` puts it on each log record (``-`` outside a request: the
worker, the sealer, commands). With ``LOG_FORMAT=json`` every line is one JSON object
(python-json-logger) carrying it."""

from __future__ import annotations

import itertools
import logging
import os
import re
import uuid
from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("resmon_request_id", default="-")

_GIVEN = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# a new id: this process's random prefix, its pid and a counter (a uuid4 costs a system call)
_PREFIX = uuid.uuid4().hex[:12]
_COUNTER = itertools.count(1)


def new_request_id(given: str | None) -> str:
    """The proxy's id when it looks like one (letters, digits, ``._:-``, at most 64), else a new one
    (unique: the prefix is random, the pid tells apart processes forked with the same prefix)."""
    if given and _GIVEN.match(given):
        return given
    return f"{_PREFIX}-{os.getpid():x}-{next(_COUNTER):x}"


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True
