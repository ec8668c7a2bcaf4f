#!/usr/bin/env bash
# make messages: refresh the Vietnamese and English catalogues from the code, then compile them.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
[ -x "$PY" ] || sync_env
mkdir -p src/resmon/locale
cd src/resmon
"$PY" "$ROOT/manage.py" makemessages -l vi -l en --no-obsolete --ignore='migrations/*'
"$PY" "$ROOT/manage.py" compilemessages
