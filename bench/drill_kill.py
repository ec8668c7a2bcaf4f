"""The kill -9 drill: the site (Procfile's web, worker, sealer) under a steady stream of report
writes and background documents; at a seeded moment one process is killed with SIGKILL — a
gunicorn worker (its master starts another), the gunicorn master, the background worker or the
sealer — and started again as a supervisor would; then the writes stop, the site is left to
settle, and the checks run (drill_checks): every report wholly saved or not at all, one audit
row per version, the audit chain verifies, no job or document left running, done documents
whole, the roll-ups equal to the function.

Each commune's client works on its report as people do: creates it if it does not exist yet,
saves it (every line together, stamped with the round and a counter) a few times, sends it to the
head, the head approves it, the province accepts it and reopens it, and so again. A request whose
answer is lost to the kill is sent again as a client retries: the same body and Idempotency-Key
(create, submit, approve, accept, reopen), which must be answered with the result, never a duplicate.
The province's token confirms it is its holder (POST /auth/confirm) at the start of each round, as
accepting and reopening ask; a round lasts a few minutes, well within RESMON_REAUTH_MINUTES.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import drill_checks as checks
from drill_world import Answer, Site, call, confirm

VICTIMS = ("web worker", "web master", "worker", "sealer")
RETRY_FOR = 90.0  # seconds a client keeps retrying a request whose answer was lost
REASON = "Diễn tập: mở lại để bổ sung số liệu của quý."


@dataclass
class Tally:
    answers: Counter = field(default_factory=Counter)  # ok, conflict, lost (no answer), other
    retried: int = 0  # requests sent again after a lost answer
    retried_ok: int = 0  # ... answered with the result (2xx) or a conflict naming the change
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, what: str, n: int = 1) -> None:
        with self.lock:
            self.answers[what] += n


class Client(threading.Thread):
    """One commune's officer, leader and the province's acceptor working on its report."""

    def __init__(self, port: int, world: dict, subject: dict, seed: int, stop: threading.Event, tally: Tally):
        super().__init__(daemon=True)
        self.port, self.world, self.s = port, world, subject
        self.rng = random.Random(seed)
        self.stop, self.tally = stop, tally
        self.saves = 0
        self.counter = 0

    def send(self, method: str, path: str, token: str, body: Any = None, keyed: bool = False) -> Answer:
        """Send; a lost answer (a killed server) is retried with the same body and key."""
        key = str(uuid.uuid4()) if keyed else ""
        answer = call(self.port, method, path, token, body, key=key)
        retried = False
        deadline = time.monotonic() + RETRY_FOR
        while answer.status == 0 and time.monotonic() < deadline:
            self.tally.add("lost")
            retried = True
            time.sleep(0.3)
            answer = call(self.port, method, path, token, body, key=key)
        if answer.ok:
            self.tally.add("ok")
        elif answer.status == 409:
            self.tally.add("conflict")
        elif answer.status:
            self.tally.add("other")
            with self.tally.lock:
                self.tally.unexpected.append(f"{method} {path}: {answer!r}")
        if retried:
            with self.tally.lock:
                self.tally.retried += 1
                self.tally.retried_ok += answer.ok or answer.status == 409
        return answer

    def step(self) -> None:
        s, w = self.s, self.world
        if s["report"] is None:
            a = self.send(
                "POST", "/reports", s["officer"], {"program": w["program"], "period": w["period"]}, True
            )
            if a.ok:
                s["report"] = a.data["id"]
            elif a.code == "report_exists":
                s["report"] = a.data["report_id"]
            return
        path = f"/reports/{s['report']}"
        a = self.send("GET", path, s["officer"])
        if not a.ok:
            return
        state, version = a.data["state"], a.data["version"]
        if state in ("draft", "returned"):
            if self.saves < 2 + self.rng.randrange(3):
                self.counter += 1
                stamp = f"diễn tập {self.rng.random():.6f} lần {self.counter}"
                body = {
                    "version": version,
                    "results": stamp,
                    "lines": [
                        {"task": t, "results": stamp, "percent_done": f"{self.rng.uniform(5, 95):.2f}"}
                        for t in s["tasks"]
                    ],
                }
                if self.send("PATCH", path, s["officer"], body).ok:
                    self.saves += 1
            elif self.send("POST", path + "/submit", s["officer"], {"version": version}, True).ok:
                self.saves = 0
        elif state == "awaiting_head":
            self.send("POST", path + "/approve", s["leader"], {"version": version}, True)
        elif state == "sent":
            self.send("POST", path + "/accept", w["acceptor"], {"version": version}, True)
        elif state == "accepted":
            self.send("POST", path + "/reopen", w["acceptor"], {"version": version, "reason": REASON}, True)

    def run(self) -> None:
        while not self.stop.is_set():
            self.step()
            time.sleep(self.rng.uniform(0.02, 0.15))


@dataclass
class Round:
    number: int
    victim: str
    delay: float
    pid: int = 0
    tally: Tally = field(default_factory=Tally)
    problems: list[str] = field(default_factory=list)
    documents: Counter = field(default_factory=Counter)
    orphans: int = 0
    seconds: float = 0.0


def plan(seed: int, rounds: int, victims: tuple[str, ...] = VICTIMS) -> list[tuple[str, float]]:
    """The seeded schedule: each victim in turn (a shuffled order, repeated) and the moment."""
    rng = random.Random(seed)
    order = list(victims)
    rng.shuffle(order)
    return [(order[i % len(order)], round(rng.uniform(0.3, 2.0), 2)) for i in range(rounds)]


def _running_job(timeout: float) -> bool:
    from django_tasks_db.models import DBTaskResult

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if DBTaskResult.objects.filter(status="RUNNING").exists():
            return True
        time.sleep(0.05)
    return False


def one_round(site: Site, world: dict, rnd: Round, seed: int, media: Path, settle: float) -> None:
    from django.db import connections

    began = time.monotonic()
    stop = threading.Event()
    rng = random.Random(seed * 1000 + rnd.number)
    confirmed = confirm(site.port, world["acceptor"])
    if not confirmed.ok:
        rnd.problems.append(f"the province's token could not confirm: {confirmed!r}")
    clients = [Client(site.port, world, s, rng.randrange(2**31), stop, rnd.tally) for s in world["subjects"]]
    for c in clients:
        c.start()
    # a background document: a PDF when the worker is the victim (long enough to be killed mid-job)
    subject = world["subjects"][rnd.number % len(world["subjects"])]
    fmt = "pdf" if rnd.victim == "worker" else rng.choice(["xlsx", "pdf", "docx"])
    doc = call(
        site.port, "POST", "/documents", subject["leader"], {"format": fmt, "agency": subject["agency"]}
    )
    rnd.tally.add("ok" if doc.ok else "other")
    if rnd.victim == "worker":
        _running_job(20)
    time.sleep(rnd.delay)
    if rnd.victim == "web worker":
        workers = site.web_workers()
        rnd.pid = site.kill("web", rng.choice(workers)) if workers else 0
    else:
        name = {"web master": "web", "worker": "worker", "sealer": "sealer"}[rnd.victim]
        rnd.pid = site.kill(name)
        time.sleep(rng.uniform(0.2, 1.0))
        site.start(name)
    site.wait_web()
    time.sleep(1.5)  # writes go on against the restarted site
    stop.set()
    for c in clients:
        c.join(timeout=RETRY_FOR + 30)
    connections.close_all()
    rnd.problems += checks.wait_quiet(settle)
    rnd.problems += checks.report_problems(world)
    ok, text = checks.verify_chain(site.env)
    if not ok:
        rnd.problems.append(f"audit chain: {text}")
    rnd.problems += checks.rollup_problems()
    problems, rnd.documents = checks.document_problems(media)
    rnd.problems += problems
    rnd.orphans = len(checks.orphan_files(media))
    for name in ("web", "worker", "sealer"):
        if not site.alive(name):
            rnd.problems.append(f"the {name} process exited")
    rnd.problems += [f"unexpected answer: {u}" for u in rnd.tally.unexpected]
    connections.close_all()
    rnd.seconds = time.monotonic() - began


def run(
    site: Site,
    world: dict,
    *,
    seed: int,
    rounds: int,
    media: Path,
    settle: float = 60.0,
    victims: tuple[str, ...] = VICTIMS,
) -> list[Round]:
    """``rounds`` rounds on a running site; prints one line per round."""
    done = []
    for number, (victim, delay) in enumerate(plan(seed, rounds, victims), start=1):
        rnd = Round(number, victim, delay)
        one_round(site, world, rnd, seed, media, settle)
        t = rnd.tally
        print(
            f"  round {number:>2}: kill -9 {victim:<10} pid {rnd.pid:<7} after {delay:.2f} s; "
            f"answers {dict(t.answers)}; retried {t.retried} ({t.retried_ok} answered); "
            f"documents {dict(rnd.documents)}; problems {len(rnd.problems)} ({rnd.seconds:.0f} s)",
            flush=True,
        )
        for problem in rnd.problems[:10]:
            print(f"      - {problem}")
        done.append(rnd)
    return done
