#!/usr/bin/env bash
# The main job: install what is missing, start the private PostGIS, run every pipeline on real
# data, then serve the observatory, its map tiles and the Dagster UI (Ctrl-C stops them).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"

if [ -z "${OBSERVATORY_MIRROR:-}" ] && [ -d "$ROOT/../shared/data" ]; then
  export OBSERVATORY_MIRROR="$ROOT/../shared/data"
  say "reading sources from the local mirror $OBSERVATORY_MIRROR (unset it to download them)"
fi
# `observatory up` prepares the database itself; the private cluster is started here only so
# that its URL can be shown before the pipelines run. With DATABASE_URL set there is no cluster
# (bootstrap.sh installs no PostgreSQL then).
if [ -z "${DATABASE_URL:-}" ]; then
  say "starting PostGIS and applying the migrations"
  observatory db up >/dev/null
fi
say "database: $(observatory db url)"
exec observatory up "$@"
