# Shared helpers for scripts/*.sh. Source it; it does nothing by itself.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
export UV_PYTHON_DOWNLOADS=never
export PATH="$HOME/.local/bin:$ROOT/var/tools/bin:$PATH"
PY="$ROOT/.venv/bin/python"

# Debian packages: what the site needs to run (PDF rendering, fonts, translations) and what the
# tests need on top (a browser, PDF to image).
RUN_DEBS=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation2 fonts-dejavu-core gettext)
TEST_DEBS=("${RUN_DEBS[@]}" chromium poppler-utils)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
warn() { printf '\033[33mwarning:\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# check_python: python3 must be 3.11 or newer.
check_python() {
  command -v python3 >/dev/null || die "python3 not found: install Python 3.11 or newer (apt-get install python3)"
  python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' ||
    die "Python >= 3.11 is required, python3 is $(python3 -V 2>&1)"
}

# ensure_debs PKG...: installs the missing ones when root, otherwise prints the one command to run.
# Returns 1 when packages are still missing.
ensure_debs() {
  command -v dpkg-query >/dev/null || { warn "not a Debian system: make sure these are installed: $*"; return 0; }
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if [ -z "${_APT_UPDATED:-}" ]; then
      apt-get update -qq || return 1
      _APT_UPDATED=1
    fi
    apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null || return 1
  else
    warn "missing Debian packages; run this once, then try again:"
    echo "    sudo apt-get install -y ${missing[*]}" >&2
    return 1
  fi
}

# ensure_uv: uv on PATH, installed with pip if needed.
ensure_uv() {
  command -v uv >/dev/null && return 0
  say "installing uv"
  python3 -m pip install --user --quiet uv 2>/dev/null ||
    python3 -m pip install --user --quiet --break-system-packages uv 2>/dev/null ||
    { python3 -m venv "$ROOT/var/tools" && "$ROOT/var/tools/bin/pip" install --quiet uv; } ||
    die "could not install uv: run 'python3 -m pip install --user uv' and try again"
  hash -r
  command -v uv >/dev/null || die "uv was installed but is not on PATH (looked in ~/.local/bin)"
}

# sync_env: the project's virtualenv from uv.lock (dev tools included).
sync_env() {
  check_python
  ensure_uv
  say "installing Python packages (uv sync)"
  uv sync --frozen --python python3 --quiet || die "uv sync failed"
}

# ensure_database: creates the PostgreSQL database named in DATABASE_URL if it is missing.
ensure_database() {
  case "${DATABASE_URL:-}" in
    postgres://* | postgresql://*) "$PY" "$ROOT/scripts/pgdb.py" ensure "$DATABASE_URL" ;;
    *) mkdir -p "$ROOT/var" ;;
  esac
}
