#!/usr/bin/env bash
# make run: install what is missing, prepare the database and demo data, then serve the site and
# the background worker until Ctrl-C. Safe to run again: it reuses what exists.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

PORT="${PORT:-8000}"
sync_env
ensure_debs "${RUN_DEBS[@]}" || warn "continuing without them: PDF exports may not work"

mkdir -p var/static var/media
ensure_database
say "database: ${DATABASE_URL:-SQLite at var/resmon.sqlite3}"
"$PY" manage.py migrate --no-input -v 0
if command -v msgfmt >/dev/null && compgen -G "src/resmon/locale/*/LC_MESSAGES/*.po" >/dev/null; then
  "$PY" manage.py compilemessages -v 0 --ignore=.venv
fi
if [ "${RESMON_ENV:-development}" != "production" ]; then
  say "loading the demo data (synthetic; accounts use the password 'demo')"
  "$PY" manage.py load_demo
  [ -n "${RESMON_SIGNING_P12:-}" ] || "$PY" manage.py make_demo_certificate  # self-signed, demo only
fi

say "serving http://127.0.0.1:$PORT/ (web + background worker; Ctrl-C stops both)"
export RESMON_BIND="127.0.0.1:$PORT"
export PYTHONUNBUFFERED=1
exec "$ROOT/.venv/bin/honcho" start -f Procfile --no-colour
