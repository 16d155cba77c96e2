"""Resources shared by every asset: the database and the source mirror."""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import psycopg
from dagster import ConfigurableResource, EnvVar
from sqlalchemy.pool import NullPool

from geodata import db
from geodata.sources.fetch import Fetched, SourceFile, fetch


class PostGIS(ConfigurableResource):
    """The observatory's database; empty means the project's private cluster."""

    database_url: str = ""

    def url(self) -> str:
        return db.libpq_url(self.database_url) if self.database_url else db.resolve_url()

    @contextmanager
    def connect(self):
        with psycopg.connect(self.url()) as conn:
            yield conn

    @contextmanager
    def sql_connect(self):
        """A SQLAlchemy connection, for the `observatory` functions that read with pandas."""
        engine = db.make_engine(self.url(), poolclass=NullPool)
        try:
            with engine.connect() as conn:
                yield conn
        finally:
            engine.dispose()


class Sources(ConfigurableResource):
    """Where source files come from: the local mirror when set, else the official URLs."""

    mirror: str = ""

    def fetch(self, source: SourceFile) -> Fetched:
        return fetch(source, mirror=Path(self.mirror) if self.mirror else None)


def env_or_empty(name: str):
    # EnvVar fails on an unset variable, and unset means something to each resource (the
    # private cluster, no mirror, no import folder).
    return EnvVar(name) if os.environ.get(name) else ""


def default_resources() -> dict:
    return {
        "postgis": PostGIS(database_url=env_or_empty("DATABASE_URL")),
        "sources": Sources(mirror=env_or_empty("OBSERVATORY_MIRROR")),
    }
