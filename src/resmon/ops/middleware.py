"""The first middleware: the request id (for the logs and the response) and the request's latency
(for ``/metrics``); with LOG_REQUESTS=1 one log line per request. A few microseconds a request
(docs/decisions/019-operations.md has the measurement)."""

from __future__ import annotations

import logging
import time

from resmon.core import logs

from .metrics import REQUEST_LATENCY

access_log = logging.getLogger("resmon.requests")


class RequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        began = time.perf_counter()
        request_id = logs.new_request_id(request.META.get("HTTP_X_REQUEST_ID"))
        token = logs.request_id.set(request_id)
        try:
            response = self.get_response(request)
            elapsed = time.perf_counter() - began
            match = request.resolver_match
            route = match.view_name if match is not None else "unmatched"
            REQUEST_LATENCY.labels(route, request.method, f"{response.status_code // 100}xx").observe(elapsed)
            response["X-Request-ID"] = request_id
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %s %.1f ms",
                    request.method,
                    request.path,
                    response.status_code,
                    elapsed * 1000,
                    extra={
                        "route": route,
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round(elapsed * 1000, 1),
                        # the user if the request already looked them up (no query for the log)
                        "user_id": getattr(getattr(request, "_cached_user", None), "pk", None),
                    },
                )
            return response
        finally:
            logs.request_id.reset(token)
