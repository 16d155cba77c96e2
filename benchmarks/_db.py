"""A database of its own for benchmarks, in the private cluster or beside DATABASE_URL."""
from __future__ import annotations

import os

import psycopg

from geodata import cluster, db, migrate


def bench_database(name: str = "observatory_bench") -> str:
    server = db.libpq_url(os.environ["DATABASE_URL"]) if os.environ.get("DATABASE_URL") else cluster.up()
    base = server.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{base}/{name}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    migrate.upgrade(url)
    return url
