"""Benchmarks: figures to read, not asserts. Run with `make bench` (or .venv/bin/python bench/run.py).

For each database (SQLite always; PostgreSQL when reachable):
  1. the demo-data load time into a fresh database (migrate timed apart);
  2. latency of the home page, the task-list page and GET /api/v1/tasks, p50/p95 over N requests,
     for a national user (lanhdao.tw) and a provincial one (daumoi.hni), against a real gunicorn
     (gthread, 2 workers x 4 threads, as `make run` serves) on a free loopback port.
The time `make run` takes on a fresh clone until the site answers is measured by
/work/shared/tools/newcomer-check, not here.

Options: --n N (requests per measurement, default 50), --sqlite-only, --pg-url URL
(default $BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/resmon_bench; the database is
dropped and created again: never point it at a database you keep).
"""

from __future__ import annotations

import argparse
import base64
import http.cookiejar
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
USERS = ("lanhdao.tw", "daumoi.hni")
PASSWORD = "demo"
WARMUP = 3


@dataclass
class Result:
    database: str
    load_s: float = 0.0
    migrate_s: float = 0.0
    rows: list[tuple[str, str, float, float, int]] = field(default_factory=list)  # user, what, p50, p95, n


def base_env(db_env: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SQLITE_PATH"}}
    env.update(
        RESMON_ENV="development", DJANGO_SETTINGS_MODULE="resmon.settings", PYTHONPATH=str(ROOT / "src")
    )
    env.update(db_env)
    return env


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return time.perf_counter() - start


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn on a free loopback port, stopped when the block ends."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        cmd = [GUNICORN, "resmon.wsgi", "--pythonpath", "src", "--bind", f"127.0.0.1:{self.port}"]
        cmd += [
            "--worker-class",
            "gthread",
            "--workers",
            "2",
            "--threads",
            "4",
            "--log-level",
            "warning",
            "--no-control-socket",
        ]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/api/v1/openapi.json", timeout=2).read()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    sys.exit("gunicorn exited before it answered")
                time.sleep(0.3)
        self.__exit__()
        sys.exit("gunicorn did not answer within 60 s")

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def _post_form(opener: urllib.request.OpenerDirector, url: str, html: str, fields: dict[str, str]):
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not token:
        sys.exit(f"no CSRF token on {url}")
    body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token.group(1)}).encode()
    return opener.open(urllib.request.Request(url, data=body, headers={"Referer": url}), timeout=30)


def _enrol(opener: urllib.request.OpenerDirector, resp, username: str) -> str:
    """A leader of the fresh demo data sets up two-factor sign-in, as at a first sign-in: the code
    of the secret shown on the page; returns one of the recovery codes (for the API token)."""
    from django_otp.oath import TOTP

    html = resp.read().decode()
    secret = re.search(r'data-testid="otp-secret">([A-Z2-7 ]+)<', html)
    if not secret:
        sys.exit(f"{username}: no two-factor secret on the enrolment page")
    totp = TOTP(base64.b32decode(secret.group(1).replace(" ", "")))
    done = _post_form(opener, resp.geturl(), html, {"code": f"{totp.token():06d}"}).read().decode()
    codes = re.findall(r">([a-z2-7]{4}-[a-z2-7]{4})<", done)
    if not codes:
        sys.exit(f"{username}: two-factor sign-in could not be set up")
    return codes[0]


def browser_session(base: str, username: str) -> tuple[urllib.request.OpenerDirector, str]:
    """A cookie-carrying opener signed in through the login form, as a browser would; a leader
    sets up two-factor sign-in on the way (the one-time code for the API token is returned)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + "/accounts/login/", timeout=30).read().decode()
    resp = _post_form(opener, base + "/accounts/login/", html, {"username": username, "password": PASSWORD})
    otp = ""
    if resp.geturl().endswith("/accounts/login/enrol/"):
        otp = _enrol(opener, resp, username)
    elif "/accounts/login/" in resp.geturl():
        sys.exit(f"{username} could not sign in with the demo password")
    return opener, otp


def api_token(base: str, username: str, otp: str = "") -> str:
    req = urllib.request.Request(
        base + "/api/v1/auth/token",
        data=json.dumps({"username": username, "password": PASSWORD, "otp": otp}).encode(),
        headers={"Content-Type": "application/json"},
    )
    return json.load(urllib.request.urlopen(req, timeout=30))["token"]


def latencies(fetch, n: int) -> tuple[float, float]:
    for _ in range(WARMUP):
        fetch()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fetch()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * len(samples)) - 1)]
    return statistics.median(samples), p95


def measure(database: str, db_env: dict[str, str], n: int) -> Result:
    env = base_env(db_env)
    result = Result(database)
    print(f"[{database}] migrate ...", flush=True)
    result.migrate_s = timed([PY, "manage.py", "migrate", "--no-input", "-v", "0"], env)
    print(f"[{database}] load_demo ...", flush=True)
    result.load_s = timed([PY, "manage.py", "load_demo"], env)
    with Server(env) as server:
        for username in USERS:
            opener, otp = browser_session(server.base, username)
            token = api_token(server.base, username, otp)
            count = json.load(
                urllib.request.urlopen(
                    urllib.request.Request(
                        server.base + "/api/v1/tasks?limit=1", headers={"Authorization": f"Bearer {token}"}
                    ),
                    timeout=30,
                )
            )["count"]

            def home(opener=opener) -> None:
                opener.open(server.base + "/", timeout=60).read()

            def page(opener=opener) -> None:
                opener.open(server.base + "/tasks/", timeout=60).read()

            def api(token=token) -> None:
                req = urllib.request.Request(
                    server.base + "/api/v1/tasks?limit=50", headers={"Authorization": f"Bearer {token}"}
                )
                urllib.request.urlopen(req, timeout=60).read()

            print(f"[{database}] {username}: {count} tasks in scope, {n} requests each ...", flush=True)
            p50, p95 = latencies(home, n)
            result.rows.append((username, "GET / (home page)", p50, p95, count))
            p50, p95 = latencies(page, n)
            result.rows.append((username, "GET /tasks/ (page)", p50, p95, count))
            p50, p95 = latencies(api, n)
            result.rows.append((username, "GET /api/v1/tasks?limit=50", p50, p95, count))
    return result


def pg_recreate(url: str) -> bool:
    sys.path.insert(0, str(ROOT / "scripts"))
    import psycopg
    from pgdb import server_params
    from psycopg import sql

    params, name = server_params(url)
    try:
        with psycopg.connect(**params, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        print(f"PostgreSQL skipped: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc}")
        return False
    return True


def print_table(results: list[Result], n: int) -> None:
    print()
    print(f"{'database':<11} {'demo data load':>15} {'migrate':>9}")
    for r in results:
        print(f"{r.database:<11} {r.load_s:>13.1f} s {r.migrate_s:>7.1f} s")
    print()
    print(f"latency over {n} sequential requests (after {WARMUP} warm-up), gunicorn gthread 2x4 on loopback")
    head = f"{'database':<11} {'user':<12} {'tasks':>6}  {'request':<28} {'p50 ms':>8} {'p95 ms':>8}"
    print(head)
    print("-" * len(head))
    for r in results:
        for user, what, p50, p95, count in r.rows:
            print(f"{r.database:<11} {user:<12} {count:>6}  {what:<28} {p50:>8.1f} {p95:>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/resmon_bench"),
    )
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    results = []
    with tempfile.TemporaryDirectory(prefix="resmon-bench-") as tmp:
        results.append(measure("SQLite", {"SQLITE_PATH": str(Path(tmp) / "bench.sqlite3")}, args.n))
    if not args.sqlite_only and pg_recreate(args.pg_url):
        results.append(measure("PostgreSQL", {"DATABASE_URL": args.pg_url}, args.n))
    print_table(results, args.n)


if __name__ == "__main__":
    main()
