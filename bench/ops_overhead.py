"""What the operations middleware costs a request (run by hand; prints figures, asserts nothing):

  .venv/bin/python bench/ops_overhead.py [--n 20000]

1. Each middleware alone around a response that costs nothing: the request id and the latency
   histogram (resmon.ops.middleware.RequestMiddleware), the replica marker
   (resmon.core.dbrouter.ReplicaReadsMiddleware), in microseconds per request.
2. A whole request to /healthz through Django (test client, every middleware of the settings) with
   and without them, median of five rounds.
Set PROMETHEUS_MULTIPROC_DIR to an empty folder to measure the multiprocess mode (files).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def per_call(fn, n: int) -> float:
    began = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - began) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    n = parser.parse_args().n
    os.environ.setdefault("SQLITE_PATH", str(Path(tempfile.mkdtemp()) / "bench.sqlite3"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "resmon.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.http import HttpResponse
    from django.test import Client, RequestFactory, override_settings
    from django.urls import resolve

    from resmon.core.dbrouter import ReplicaReadsMiddleware
    from resmon.ops.middleware import RequestMiddleware

    request = RequestFactory().get("/healthz")
    request.resolver_match = resolve("/healthz")
    response = HttpResponse()
    mode = "multiprocess (files)" if os.environ.get("PROMETHEUS_MULTIPROC_DIR") else "single process"
    print(f"metrics mode: {mode}; {n} calls each")
    bare = per_call(lambda: (lambda r: response)(request), n)
    ours = RequestMiddleware(lambda r: response)
    replica = ReplicaReadsMiddleware(lambda r: response)
    print(f"  no middleware           {bare:7.2f} µs")
    print(f"  RequestMiddleware       {per_call(lambda: ours(request), n):7.2f} µs")
    print(f"  ReplicaReadsMiddleware  {per_call(lambda: replica(request), n):7.2f} µs")

    mine = {"resmon.ops.middleware.RequestMiddleware", "resmon.core.dbrouter.ReplicaReadsMiddleware"}
    without = [m for m in settings.MIDDLEWARE if m not in mine]
    rounds = max(n // 10, 200)
    for label, middleware in (("with", settings.MIDDLEWARE), ("without", without)):
        with override_settings(MIDDLEWARE=middleware):
            client = Client()
            client.get("/healthz")
            timings = [per_call(lambda c=client: c.get("/healthz"), rounds) for _ in range(5)]
        print(f"  GET /healthz {label:8s} {statistics.median(timings):7.1f} µs (median of 5 x {rounds})")


if __name__ == "__main__":
    main()
