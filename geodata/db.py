"""Connections to PostGIS: one URL, in the spellings each client needs."""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

import psycopg
import sqlalchemy as sa

from geodata import cluster
from geodata.settings import database_url_override

READER_ROLE = "observatory_reader"
# The Espace des collectifs' writer: EXECUTE on its checking functions, no table privilege.
CONTRIBUTOR_ROLE = "observatory_contributor"


def libpq_url(url: str) -> str:
    """`postgresql://...` as psql and psycopg expect it (no SQLAlchemy driver suffix)."""
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)


def sqlalchemy_url(url: str, driver: str = "psycopg") -> str:
    """The same URL for SQLAlchemy; dagster-postgres needs driver='psycopg2'."""
    return re.sub(r"^postgres(ql)?(\+\w+)?://", f"postgresql+{driver}://", url)


def resolve_url() -> str:
    """`DATABASE_URL` when set, otherwise the project's private cluster (which must be up)."""
    return libpq_url(database_url_override() or cluster.database_url())


def make_engine(url: str | None = None, **kwargs) -> sa.Engine:
    return sa.create_engine(sqlalchemy_url(url or resolve_url()), **kwargs)


def make_reader_engine(url: str | None = None) -> sa.Engine:
    """An engine whose sessions can only SELECT the public `observatory` views."""
    engine = make_engine(url, pool_pre_ping=True)

    @sa.event.listens_for(engine, "connect")
    def _set_role(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {READER_ROLE}")
        dbapi_connection.commit()

    return engine


@contextmanager
def _connection_as(role: str, url: str | None) -> Iterator[psycopg.Connection]:
    with psycopg.connect(libpq_url(url or resolve_url())) as connection:
        connection.execute(f"SET ROLE {role}")
        connection.commit()  # the role stays for the session; callers start from no transaction
        yield connection


def reader_connection(url: str | None = None) -> AbstractContextManager[psycopg.Connection]:
    """A psycopg connection that can only SELECT the public `observatory` views."""
    return _connection_as(READER_ROLE, url)


def contributor_connection(url: str | None = None) -> AbstractContextManager[psycopg.Connection]:
    """A connection that can only call the Espace des collectifs' functions (`core.collectif_*`),
    which check the signed-in member's rights; committed when the block ends without error."""
    return _connection_as(CONTRIBUTOR_ROLE, url)
