#!/usr/bin/env bash
# Installs what the project needs and is missing: system packages (Debian/Ubuntu), then a
# virtual environment in .venv with the project installed. Sourced by run.sh and test.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
say() { printf '\033[1m[observatory]\033[0m %s\n' "$*"; }

need_apt=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "${DATABASE_URL:-}" ]; then
  if [ -z "$pg_bin" ]; then
    need_apt+=(postgresql)
  fi
  pg_version=$(basename "$(dirname "${pg_bin:-/usr/lib/postgresql/15/bin}")")
  [ -n "$pg_bin" ] || pg_version=15
  if ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
    need_apt+=("postgresql-${pg_version}-postgis-3")
  fi
fi
command -v ogr2ogr >/dev/null 2>&1 || need_apt+=(gdal-bin)
if [ "${OBSERVATORY_WITH_BROWSER:-0}" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  need_apt+=(chromium)
fi
python3 -m venv --help >/dev/null 2>&1 || need_apt+=(python3-venv)

if [ ${#need_apt[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    say "missing: ${need_apt[*]}. This is not a Debian-like system: install PostgreSQL with PostGIS >= 3.3"
    say "and GDAL yourself, or point DATABASE_URL at an existing PostGIS."
    exit 1
  fi
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  say "installing system packages: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ ! -x "$VENV/bin/python" ]; then
  say "creating the virtual environment in .venv"
  python3 -m venv "$VENV"
fi
stamp="$VENV/.installed-$(sha1sum "$ROOT/pyproject.toml" | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  say "installing the project and its dependencies into .venv (a few minutes the first time)"
  log="$VENV/pip-install.log"
  if ! { "$VENV/bin/pip" install --disable-pip-version-check -q --upgrade pip &&
         "$VENV/bin/pip" install --disable-pip-version-check -e "$ROOT[test]"; } >"$log" 2>&1; then
    tail -n 40 "$log"
    say "pip install failed (full log: $log)"
    exit 1
  fi
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi
export PATH="$VENV/bin:$PATH"
