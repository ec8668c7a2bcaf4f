#!/usr/bin/env bash
# make test: the whole suite. On PostgreSQL every test (browser ones included), then on SQLite the
# fast ones, then the quality gates (ruff, mypy, import contracts, translations). Every step runs;
# the summary lists each one and the exit status is non-zero if any failed.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

PG_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/resmon}"
unset DATABASE_URL
WORKERS="${TEST_WORKERS:-2}"
PYTEST_ARGS=("$@")

sync_env
ensure_debs "${TEST_DEBS[@]}" || die "the tests need these Debian packages"

results=()
failed=0
step() { # step NAME COMMAND...: runs the command, records its outcome and duration
  local name="$1" start=$SECONDS rc
  shift
  say "$name"
  "$@"
  rc=$?
  if [ "$rc" -eq 0 ]; then
    results+=("ok      $name ($((SECONDS - start)) s)")
  else
    results+=("FAILED  $name (exit $rc, $((SECONDS - start)) s)")
    failed=1
  fi
}

# pytest's exit 5 ("no tests collected") is a failure here, never a silent pass.
run_pytest() {
  "$ROOT/.venv/bin/pytest" "$@"
  local rc=$?
  [ "$rc" -eq 5 ] && echo "pytest collected no tests: counted as a failure" >&2
  return "$rc"
}

pg_suite() {
  if ! "$PY" scripts/pgdb.py check "$PG_URL"; then
    echo "PostgreSQL is needed for the full suite. Start it (as root:" >&2
    echo "  pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start)" >&2
    echo "or point DATABASE_URL at a server (the test database is created by the tests)." >&2
    return 1
  fi
  DATABASE_URL="$PG_URL" run_pytest -q -n "$WORKERS" -p no:cacheprovider "${PYTEST_ARGS[@]}"
}

sqlite_suite() {
  run_pytest -q -n "$WORKERS" -p no:cacheprovider -m "not browser and not slow" "${PYTEST_ARGS[@]}"
}

check_translations() {
  command -v msgfmt >/dev/null || { echo "msgfmt not found (Debian package gettext)" >&2; return 1; }
  local po n=0 rc=0
  while IFS= read -r -d '' po; do
    n=$((n + 1))
    msgfmt --check --output-file=/dev/null "$po" || { echo "does not compile: $po" >&2; rc=1; }
  done < <(find src -path '*/locale/*/LC_MESSAGES/*.po' -print0)
  echo "$n translation catalogue(s) checked"
  return "$rc"
}

step "tests on PostgreSQL (all, $WORKERS workers): $PG_URL" pg_suite
step "tests on SQLite (not browser, not slow)" sqlite_suite
step "ruff check" "$ROOT/.venv/bin/ruff" check src tests bench
step "ruff format --check" "$ROOT/.venv/bin/ruff" format --check src tests bench
step "mypy" "$ROOT/.venv/bin/mypy"
step "import contracts (lint-imports)" env PYTHONPATH=src "$ROOT/.venv/bin/lint-imports"
step "translations compile" check_translations

echo
say "summary"
printf '  %s\n' "${results[@]}"
exit "$failed"
