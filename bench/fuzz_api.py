"""The API fuzzing at full budget: every operation of /api/v1 with 200 generated requests (half that
fit the schema, half that do not), authenticated as a national user; the same run as the CI test
(tests/security/test_fuzz_api.py), which has a small budget. Run with `scripts/bench.sh fuzz`.

Prints, per operation, the requests sent, the failures (a 5xx, a status the schema does not declare,
a body or content type that does not match it) and the status codes; then
"operations x examples: failures" and each failure. Exit status 1 if any.

Options: --examples N (per operation, default 200), --only TEXT (operations whose label contains
it), --user NAME (a user of the test world; default sysadmin), --sqlite (instead of PostgreSQL),
--pg-url URL (default $BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/resmon_fuzz; the
tests make and drop test_<name>).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/resmon_fuzz"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--only", default="")
    parser.add_argument("--user", default="sysadmin")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG))
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if not args.sqlite:
        env["DATABASE_URL"] = args.pg_url
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "fuzz.json"
        env.update(FUZZ_EXAMPLES=str(args.examples), FUZZ_ONLY=args.only, FUZZ_USER=args.user)
        env["FUZZ_REPORT"] = str(report)
        cmd = [
            str(ROOT / ".venv" / "bin" / "pytest"),
            "-q",
            "-p",
            "no:cacheprovider",
            "--no-header",
            "-o",
            "log_level=CRITICAL",
            "tests/security/test_fuzz_api.py",
        ]
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if not report.exists():
            print(done.stdout[-4000:], done.stderr[-4000:], sep="\n")
            return 1
        result = json.loads(report.read_text())
    database = "SQLite" if args.sqlite else args.pg_url.rsplit("/", 1)[-1] + " (PostgreSQL)"
    print(f"API fuzzing: {args.examples} requests per operation as {args.user}, on {database}\n")
    print(f"{'operation':<64} {'sent':>6} {'failed':>6}  statuses")
    for label, sent, failed, statuses, _secs in result["rows"]:
        codes = " ".join(f"{s}:{n}" for s, n in sorted(statuses.items()))
        print(f"{label:<64} {sent:>6} {failed:>6}  {codes}")
    failures = result["failures"]
    server_errors = sum(
        n for _l, _s, _f, statuses, _t in result["rows"] for s, n in statuses.items() if int(s) >= 500
    )
    print(
        f"\n{result['operations']} operations x {result['examples']} requests: {len(failures)} failures, "
        f"{server_errors} server errors ({seconds:.0f} s)"
    )
    for failure in failures:
        print("\n" + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
