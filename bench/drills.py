"""Crash and concurrency drills (run by hand or `scripts/bench.sh drills`; prints figures and every
problem found, exits 1 if any):

  .venv/bin/python bench/drills.py [--seed N] [--rounds 20] [--clients 200] [--reports 12]
      [--bursts 3] [--only kill,conflict,disk] [--pg-url URL]

On a PostgreSQL database of its own (--pg-url, default resmon_drill: DROPPED and created again;
never point it at a database you keep) it builds a small reporting world (drill_world: a province,
--reports communes with their people and reports) and starts the site's processes one by one from
the Procfile (web = gunicorn, worker, sealer; drill_world.Site), then:

1. kill (drill_kill): --rounds rounds of report writes and background documents during which one
   process (a gunicorn worker, the gunicorn master, the background worker or the sealer, in a
   seeded order at a seeded moment) is killed with SIGKILL and started again; after each round:
   every report wholly saved or not at all, the audit chain verifies, no job stuck, documents whole;
2. conflict (drill_conflict): --bursts times, --clients people save the same report from the same
   version at the same moment: one wins, all others get the conflict message, nothing lost or doubled;
3. disk (drill_disk): MEDIA_ROOT (and, in a second variant, the SQLite database) on a small tmpfs
   (needs root; skipped with a message otherwise): uploads and saves that do not fit are answered
   with a clear error, leave no half-written file, and the database stays consistent.

The schedule (victims, moments, bodies) follows --seed, so a run repeats; the exact interleaving of
requests around a kill cannot repeat exactly (two cores, real processes).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import drill_conflict  # noqa: E402
import drill_disk  # noqa: E402
import drill_kill  # noqa: E402
from drill_world import Site, build, site_env  # noqa: E402
from run import PY, pg_recreate, timed  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/resmon_drill"


def table(rows: list[tuple[str, str, int, int, int]]) -> None:
    print("\nsummary")
    head = f"{'drill':<34} {'what':<52} {'runs':>5} {'held':>5} {'failed':>6}"
    print(head)
    print("-" * len(head))
    for drill, what, runs, held, failed in rows:
        print(f"{drill:<34} {what:<52} {runs:>5} {held:>5} {failed:>6}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--rounds", type=int, default=20, help="kill -9 rounds")
    parser.add_argument("--clients", type=int, default=200, help="simultaneous saves of one report")
    parser.add_argument("--bursts", type=int, default=3, help="rounds of simultaneous saves")
    parser.add_argument("--reports", type=int, default=12, help="communes writing during the kill rounds")
    parser.add_argument("--only", default="kill,conflict,disk")
    parser.add_argument(
        "--victims", default=",".join(drill_kill.VICTIMS), help="processes the kill rounds take turns on"
    )
    parser.add_argument("--settle", type=float, default=90.0, help="seconds a round may take to settle")
    parser.add_argument("--pg-url", default=os.environ.get("DRILL_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    only = set(args.only.split(","))
    dbname = args.pg_url.rsplit("/", 1)[-1].split("?")[0]
    if dbname in {"", "resmon", "resmon_national", "postgres"}:
        sys.exit(f"refusing to drop the database {dbname!r}: give --pg-url a throw-away database")
    data_dir = Path(tempfile.mkdtemp(prefix="resmon-drill-"))
    env = site_env({"DATABASE_URL": args.pg_url}, data_dir)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; database {dbname}; files in {data_dir}")
    print(f"seed {args.seed}; Procfile: {', '.join(Site(env, data_dir / 'x.log').commands.values())}")
    if not pg_recreate(args.pg_url):
        sys.exit("PostgreSQL is needed for the drills")
    print(f"migrate {timed([PY, 'manage.py', 'migrate', '--no-input', '-v', '0'], env):.1f} s", flush=True)
    os.environ.update(env)
    import django

    django.setup()
    began = time.perf_counter()
    world = build(args.reports + 1, precreated=args.reports // 2 + 1)
    spare = world["subjects"].pop(0)  # the conflict and disk drills' report, away from the kill rounds
    print(f"world: {args.reports + 1} communes in {time.perf_counter() - began:.1f} s")
    rows: list[tuple[str, str, int, int, int]] = []
    failed = False
    log = data_dir / "site.log"
    with Site(env, log) as site:
        print(f"site on :{site.port} (web, worker, sealer started one by one); log {log}", flush=True)
        if "kill" in only:
            print(f"\n== kill -9 drill: {args.rounds} rounds, {len(world['subjects'])} communes writing")
            victims = tuple(v.strip() for v in args.victims.split(",") if v.strip())
            unknown = set(victims) - set(drill_kill.VICTIMS)
            if unknown:
                sys.exit(f"unknown victims {sorted(unknown)}; choose among {', '.join(drill_kill.VICTIMS)}")
            rounds = drill_kill.run(
                site,
                world,
                seed=args.seed,
                rounds=args.rounds,
                media=data_dir / "media",
                settle=args.settle,
                victims=victims,
            )
            for victim in victims:
                mine = [r for r in rounds if r.victim == victim]
                bad = sum(1 for r in mine if r.problems)
                rows.append(("kill -9 during writes", victim, len(mine), len(mine) - bad, bad))
            lost = sum(r.tally.retried for r in rounds)
            answered = sum(r.tally.retried_ok for r in rounds)
            rows.append(
                (
                    "kill -9: retried requests",
                    "answered with the result or a conflict",
                    lost,
                    answered,
                    lost - answered,
                )
            )
            print(
                "  files left by writes that did not commit (not referenced): "
                f"{rounds[-1].orphans if rounds else 0}"
            )
            failed |= any(r.problems for r in rounds)
        if "conflict" in only:
            print(f"\n== deadline drill: {args.bursts} x {args.clients} simultaneous saves of one report")
            outs = drill_conflict.run(site.port, world, spare, clients=args.clients, rounds=args.bursts)
            bad = sum(1 for o in outs if o.problems)
            rows.append(
                (
                    f"{args.clients} saves of one report",
                    "one wins, the others: conflict",
                    len(outs),
                    len(outs) - bad,
                    bad,
                )
            )
            failed |= bad > 0
    if "disk" in only:
        print("\n== full disk drill")
        results = drill_disk.run(env, spare, world)
        for what, ok, problems in results:
            rows.append(("full disk", what, 1, int(ok), int(not ok)))
            for problem in problems:
                print(f"      - {problem}")
        failed |= any(not ok for _w, ok, _p in results)
    table(rows)
    print(f"\nsite log: {log}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
