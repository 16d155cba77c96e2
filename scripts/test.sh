#!/usr/bin/env bash
# The whole test suite on the real PostGIS and in headless Chromium (what CI runs).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export OBSERVATORY_WITH_BROWSER=1
source "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"

export OBSERVATORY_MIRROR="${OBSERVATORY_MIRROR:-$ROOT/../shared/data}"
if [ ! -d "$OBSERVATORY_MIRROR" ]; then
  say "the data mirror $OBSERVATORY_MIRROR is missing: set OBSERVATORY_MIRROR"
  exit 1
fi
[ -n "${DATABASE_URL:-}" ] || observatory db up >/dev/null
exec python -m pytest "$@"
