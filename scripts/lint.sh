#!/usr/bin/env bash
# make lint: the quality gates alone (fast). FIX=1 applies ruff's fixes and formatting first.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
[ -x "$PY" ] || sync_env
if [ -n "${FIX:-}" ]; then
  .venv/bin/ruff check --fix src tests bench
  .venv/bin/ruff format src tests bench
fi
rc=0
.venv/bin/ruff check src tests bench || rc=1
.venv/bin/ruff format --check src tests bench || rc=1
.venv/bin/mypy || rc=1
PYTHONPATH=src .venv/bin/lint-imports || rc=1
# security linter: any finding of high severity fails (docs/security.md)
.venv/bin/bandit -r src -c pyproject.toml -q --severity-level high || rc=1
exit "$rc"
