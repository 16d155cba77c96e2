"""A database of its own for benchmarks, in the private cluster or beside DATABASE_URL."""
from __future__ import annotations

import os
from urllib.parse import urlsplit

from geodata import cluster, db, migrate

BENCH_DATABASE = "observatory_bench"


def bench_database(url: str | None = None) -> str:
    """`url`, or else `observatory_bench` on the server DATABASE_URL names (the private cluster
    when it is unset): created with PostGIS when missing, and migrated."""
    if url is None:
        server = db.libpq_url(os.environ["DATABASE_URL"]) if os.environ.get("DATABASE_URL") else cluster.up()
        # urlsplit keeps the password, port and query that a hand split would lose.
        url = urlsplit(server)._replace(path=f"/{BENCH_DATABASE}").geturl()
    url = db.libpq_url(url)
    cluster.ensure_database(url)
    migrate.upgrade(url)
    return url
