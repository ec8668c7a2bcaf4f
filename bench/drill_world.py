"""What the drills (bench/drills.py, tests/drills/) share: a small reporting world built through the
services, the site's processes started one by one from the Procfile, and an HTTP client.

The world: one province (its focal officer accepts the reports), ``n`` communes whose People's
Committee leads three tasks of the province's programme (a parent and two leaves), a focal
officer and a leader per commune, API tokens for everyone, the period calendar; the reports of
the quarter containing today are created for the first ``precreated`` communes (the others are
created by the drill's clients, over HTTP). The acceptor also has a password (``ACCEPTOR_PASSWORD``):
accepting and reopening over the API need "confirm it is you" first (:func:`confirm`).

  .venv/bin/python bench/drill_world.py build --reports 4 --precreated 2   # prints the world (JSON)

builds it in the database of the environment (DATABASE_URL or SQLITE_PATH), already migrated.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT / "src"))

from run import base_env, free_port  # noqa: E402

SITE_PROCESSES = ("web", "worker", "sealer")  # the Procfile's, without the daily scheduler
TIMEOUT = 60.0  # seconds an HTTP request may take
ACCEPTOR_PASSWORD = "dien-tap-tiep-nhan-2026"  # the drill world's only password (a throw-away database)


# --- the world ---------------------------------------------------------------------------------


def build(n: int, precreated: int) -> dict[str, Any]:
    """Build the world (see the module) in the current database; returns it as plain data."""
    from django.contrib.auth.hashers import Argon2PasswordHasher
    from django.db import transaction

    from resmon.accounts.models import User
    from resmon.accounts.tokens import create_token
    from resmon.agencies.models import Agency, AgencyKind, Level
    from resmon.catalogue import periods as cal
    from resmon.catalogue.models import ReportingPeriod
    from resmon.catalogue.services_periods import configured_cutoff, generate_periods
    from resmon.core import clock
    from resmon.core.access import Role
    from resmon.planning.models import ActionProgram, Resolution, Task
    from resmon.reporting.services import reports as services

    today = clock.today()
    cutoff = configured_cutoff()
    generate_periods(first_year=today.year - 1, years_ahead=1, cutoff=cutoff)
    code = cal.period_containing(cal.QUARTER, today, cutoff).code
    period = ReportingPeriod.objects.get(kind=cal.QUARTER, cutoff=cutoff, code=code)

    def person(username: str, agency: Any, role: str, name: str, password: str = "") -> tuple[Any, str]:
        user = User(username=username, agency=agency, role=role, full_name=name)
        if password:
            # hashed for the site's settings: the world may be built under the tests', whose fast
            # hasher the site does not know
            hasher = Argon2PasswordHasher()
            user.password = hasher.encode(password, hasher.salt())
        else:
            user.set_unusable_password()
        user.save()
        return user, create_token(user, "drill")[1]

    with transaction.atomic():
        root = Agency.objects.add_root(
            {"code": "DT", "name": "Ban Chấp hành Trung ương", "kind": AgencyKind.CENTRAL_COMMITTEE}
            | {"level": Level.CENTRAL}
        )
        province = Agency.objects.add_child(
            root,
            {
                "code": "DT-T",
                "name": "Tỉnh ủy Diễn Tập",
                "kind": AgencyKind.PROVINCIAL_PARTY,
                "level": Level.PROVINCE,
            },
        )
        resolution, _created = Resolution.objects.get_or_create(
            number="57-NQ/TW",
            defaults={
                "title": "Đột phá phát triển khoa học, công nghệ",
                "issued_on": today.replace(month=1, day=1),
            },
        )
        program = ActionProgram.objects.create(
            resolution=resolution, agency=province, title="Chương trình hành động diễn tập", status="issued"
        )
        acceptor, acceptor_token = person(
            "drill.tinh", province, Role.FOCAL_OFFICER, "Cán bộ đầu mối tỉnh", ACCEPTOR_PASSWORD
        )
        subjects = []
        for i in range(1, n + 1):
            party = Agency.objects.add_child(
                Agency.objects.get(pk=province.pk),
                {"code": f"DT-X{i:03}", "name": f"Đảng ủy xã Diễn Tập {i}", "kind": AgencyKind.COMMUNE_PARTY}
                | {"level": Level.COMMUNE},
            )
            ubnd = Agency.objects.add_child(
                Agency.objects.get(pk=party.pk),
                {"code": f"DT-X{i:03}-UBND", "name": f"UBND xã Diễn Tập {i}"}
                | {"kind": AgencyKind.COMMUNE_PEOPLES_COMMITTEE, "level": Level.COMMUNE},
            )
            common = {
                "program": program,
                "resolution": resolution,
                "lead_agency": ubnd,
                "assigned_by": province,
            }
            due = today.replace(month=12, day=31)
            parent = Task.objects.create(code=f"{i}", title=f"Nhiệm vụ {i}", due_date=due, **common)
            leaves = [
                Task.objects.create(
                    code=f"{i}.{k}",
                    title=f"Nhiệm vụ {i}.{k}",
                    parent=parent,
                    position=k,
                    due_date=due,
                    **common,
                )
                for k in (1, 2)
            ]
            officer, officer_token = person(f"drill.xa{i}.cb", ubnd, Role.FOCAL_OFFICER, f"Cán bộ xã {i}")
            leader, leader_token = person(f"drill.xa{i}.ct", ubnd, Role.LEADER, f"Chủ tịch xã {i}")
            subjects.append(
                {
                    "index": i,
                    "agency": ubnd.pk,
                    "report": None,
                    "tasks": [t.pk for t in leaves],
                    "lines": 3,
                    "officer": officer_token,
                    "officer_name": officer.username,
                    "leader": leader_token,
                    "leader_name": leader.username,
                }
            )
    for subject in subjects[:precreated]:
        officer = User.objects.get(username=subject["officer_name"])
        report = services.create_report(
            officer, program=program, period=period, agency=Agency.objects.get(pk=subject["agency"])
        )
        subject["report"] = report.pk
    return {
        "period": period.pk,
        "program": program.pk,
        "province": province.pk,
        "acceptor": acceptor_token,
        "acceptor_name": acceptor.username,
        "subjects": subjects,
    }


def build_in(env: dict[str, str], n: int, precreated: int) -> dict[str, Any]:
    """Migrate the database of ``env`` and build the world there (in a subprocess)."""
    py = str(ROOT / ".venv" / "bin" / "python")
    for cmd in (
        [py, "manage.py", "migrate", "--no-input", "-v", "0"],
        # the site's own cache tables (rate limits): a database migrated by the tests' settings,
        # whose caches are in memory, has none
        [py, "manage.py", "createcachetable", "-v", "0"],
        [py, str(Path(__file__)), "build", "--reports", str(n), "--precreated", str(precreated)],
    ):
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{' '.join(cmd[1:3])} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the site, process by process ---------------------------------------------------------------


def procfile() -> dict[str, str]:
    commands = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() and not name.startswith("#"):
            commands[name.strip()] = command.strip()
    return commands


def site_env(db_env: dict[str, str], data_dir: Path) -> dict[str, str]:
    return base_env({**db_env, "RESMON_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"})


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                raw = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(raw[raw.rindex(")") + 2 :].split()[1]) == pid:
                found.append(int(entry))
    return sorted(found)


class Site:
    """The Procfile's processes (web, worker, sealer), each started on its own in its own process
    group with the Procfile's command line, so that one can be killed with SIGKILL and started again
    as a supervisor (systemd) would. Output goes to ``log``. Everything is stopped on exit."""

    def __init__(self, env: dict[str, str], log: Path, names: tuple[str, ...] = SITE_PROCESSES) -> None:
        self.port = free_port()
        self.env = {**env, "RESMON_BIND": f"127.0.0.1:{self.port}"}
        self.commands = {name: procfile()[name] for name in names}
        self.log = log
        self.procs: dict[str, subprocess.Popen] = {}
        self.groups: set[int] = set()

    def __enter__(self) -> Site:
        self.out = open(self.log, "ab")  # noqa: SIM115 - closed in __exit__
        try:
            for name in self.commands:
                self.start(name)
            self.wait_web()
        except BaseException:
            self.__exit__()
            raise
        return self

    def start(self, name: str) -> None:
        self.out.write(f"\n=== drill: start {name} ===\n".encode())
        self.out.flush()
        proc = subprocess.Popen(
            ["bash", "-c", "exec " + self.commands[name]],
            cwd=ROOT,
            env=self.env,
            stdout=self.out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs[name] = proc
        self.groups.add(proc.pid)

    def alive(self, name: str) -> bool:
        return self.procs[name].poll() is None

    def wait_web(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("GET", "/api/v1/openapi.json")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                if not self.alive("web"):  # e.g. the port still held by a killed master's workers
                    time.sleep(1)
                    self.start("web")
                time.sleep(0.2)
        raise RuntimeError(f"the site did not answer within {timeout:g} s; see {self.log}")

    def web_workers(self) -> list[int]:
        return children(self.procs["web"].pid)

    def kill(self, name: str, pid: int | None = None) -> int:
        """SIGKILL the process ``name`` (or one of its children, ``pid``); reaps it. Returns the pid."""
        target = pid or self.procs[name].pid
        self.out.write(f"\n=== drill: kill -9 {name} pid {target} ===\n".encode())
        self.out.flush()
        try:
            os.kill(target, signal.SIGKILL)
        except ProcessLookupError:
            return 0
        if target == self.procs[name].pid:
            self.procs[name].wait(timeout=10)
        return target

    def __exit__(self, *exc: object) -> None:
        for pgid in self.groups:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for proc in self.procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        for pgid in self.groups:  # whatever is left, e.g. the workers of a killed master
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
        self.out.close()


# --- HTTP ----------------------------------------------------------------------------------------


class Answer:
    def __init__(self, status: int, data: Any, error: str = "") -> None:
        self.status, self.data, self.error = status, data, error

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def code(self) -> str:
        return str(self.data.get("code", "")) if isinstance(self.data, dict) else ""

    @property
    def detail(self) -> str:
        return str(self.data.get("detail", "")) if isinstance(self.data, dict) else ""

    def __repr__(self) -> str:
        return f"<{self.status} {self.code or self.error} {self.detail[:120]}>"


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, content, ctype) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {ctype}\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def call(
    port: int,
    method: str,
    path: str,
    token: str,
    body: Any = None,
    *,
    key: str = "",
    conn: http.client.HTTPConnection | None = None,
    raw: tuple[bytes, str] | None = None,
) -> Answer:
    """One API request; a transport error (a killed server) is status 0 with the error."""
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    payload = None
    if raw is not None:
        payload, headers["Content-Type"] = raw
    elif body is not None:
        payload, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        conn.request(method, "/api/v1" + path, body=payload, headers=headers)
        resp = conn.getresponse()
        text = resp.read()
    except (OSError, http.client.HTTPException) as exc:
        return Answer(0, None, f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()
    try:
        data = json.loads(text) if text else None
    except ValueError:
        data = {"raw": text[:300].decode(errors="replace")}
    return Answer(resp.status, data)


def confirm(port: int, token: str, password: str = ACCEPTOR_PASSWORD) -> Answer:
    """Confirm it is the holder of ``token`` (POST /auth/confirm): its sensitive requests (accepting,
    reopening) are then allowed for RESMON_REAUTH_MINUTES (15 by default)."""
    return call(port, "POST", "/auth/confirm", token, {"password": password})


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=["build"])
    parser.add_argument("--reports", type=int, default=4)
    parser.add_argument("--precreated", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resmon.settings")
    import django

    django.setup()
    print(json.dumps(build(args.reports, args.precreated)))


if __name__ == "__main__":
    main()
