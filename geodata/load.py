"""Loads that cannot half-happen.

Rows are copied (`COPY`) into a temporary staging table, checked in SQL, then the published
table is emptied and refilled from staging, all in one transaction: a load that fails or is
killed midway leaves the previously published rows in place. Every load records its
accounting in `core.load_run` and its rejects in `core.quarantined_row`.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg import sql
from psycopg.copy import QueuedLibpqWriter

from geodata.conventions import CORE_SCHEMA

if TYPE_CHECKING:
    from geodata.sources.fetch import Fetched


class LoadError(RuntimeError):
    """A load refused to publish: nothing was changed."""


@dataclass(frozen=True)
class Rejected:
    row_ref: str
    reason: str
    detail: str = ""
    payload: dict | None = None


SOURCE_HASH_CHARS = 64   # core.load_run.source_hash


def combined_source_hash(files: Sequence[Fetched]) -> str:
    """The `source_hash` of a load made from several files: each file's SHA-256 cut to an equal
    share of the column, in order, separated by spaces (one file keeps its whole hash);
    `pipelines.incremental.same_files` compares them as prefixes."""
    width = (SOURCE_HASH_CHARS + 1) // len(files) - 1
    return " ".join(f.sha256[:width] for f in files)


@dataclass
class LoadReport:
    source: str
    target_table: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_repaired: int = 0
    rows_duplicate: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    source_url: str | None = None
    source_hash: str | None = None
    vintage: str | None = None
    duration_s: float = 0.0

    @classmethod
    def for_fetched(cls, source: str, target_table: str, fetched: Fetched, **fields) -> LoadReport:
        """A report whose provenance (URL or mirror path, hash, vintage) is that of `fetched`."""
        return cls(source=source, target_table=target_table, source_url=fetched.location,
                   source_hash=fetched.sha256, vintage=fetched.vintage, **fields)

    @property
    def rows_quarantined(self) -> int:
        return len(self.rejected)

    def quarantine_by_reason(self) -> dict[str, int]:
        return dict(sorted(Counter(r.reason for r in self.rejected).items()))

    def as_metadata(self) -> dict:
        """The figures a Dagster materialisation records."""
        return {
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_repaired": self.rows_repaired,
            "rows_duplicate": self.rows_duplicate,
            "rows_quarantined": self.rows_quarantined,
            "quarantine_by_reason": self.quarantine_by_reason(),
            "source_url": self.source_url or "",
            "source_hash": self.source_hash or "",
            "vintage": self.vintage or "",
            "duration_s": round(self.duration_s, 3),
        }


# A check receives the open connection (staging table filled) and returns an error or None.
StagingCheck = Callable[[psycopg.Connection], str | None]


def publish(
    conn: psycopg.Connection,
    report: LoadReport,
    *,
    staging_columns: Sequence[tuple[str, str]],
    rows: Iterable[Sequence] | pa.Table,
    insert_select: str | None = None,
    checks: Sequence[StagingCheck] = (),
    account: Callable[[psycopg.Connection, LoadReport], None] | None = None,
) -> LoadReport:
    """Replace `core.<report.target_table>` with `rows`, atomically.

    `staging_columns` are (name, SQL type) of the temporary table `staging` that `COPY`
    fills; `insert_select` is the `SELECT ... FROM staging` that produces the published
    columns in table order (by default, the staging columns as they are). `account` may
    complete the report from the published rows (e.g. count repairs) before it is recorded.
    Geometries go through `COPY` as WKB (`bytea`) or hex EWKB text. `rows` may be an Arrow
    table (columns in staging order): it is then written by Arrow's CSV writer, in C, instead
    of row by row (1.5 M charging points: 8 s of `write_row` down to under 1 s).

    The target's secondary indexes are rebuilt after the INSERT (`indexes_built_after`).
    """
    started = time.perf_counter()
    target = sql.Identifier(CORE_SCHEMA, report.target_table)
    names = [name for name, _ in staging_columns]
    with conn.transaction():
        # Inside an outer transaction (a savepoint) an earlier staging table may still exist.
        conn.execute("DROP TABLE IF EXISTS pg_temp.staging")
        conn.execute(sql.SQL("CREATE TEMP TABLE staging ({}) ON COMMIT DROP").format(
            sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(t))
                               for n, t in staging_columns)))
        copy_rows(conn, "staging", names, rows)
        for check in checks:
            problem = check(conn)
            if problem:
                raise LoadError(f"{report.source} -> {report.target_table}: {problem}; "
                                f"the published table was left unchanged")
        conn.execute(sql.SQL("TRUNCATE {}").format(target))
        select = insert_select or sql.SQL("SELECT {} FROM staging").format(
            sql.SQL(", ").join(map(sql.Identifier, names))).as_string(conn)
        with indexes_built_after(conn, report.target_table):
            inserted = conn.execute(sql.SQL("INSERT INTO {} {}").format(target, sql.SQL(select)))
        report.rows_loaded = inserted.rowcount
        if account:
            account(conn, report)
        report.duration_s = time.perf_counter() - started
        record(conn, report)
    return report


def copy_rows(conn: psycopg.Connection, table: str | sql.Composable, names: Sequence[str],
              rows: Iterable[Sequence] | pa.Table) -> None:
    """`COPY` rows (tuples, or an Arrow table with `names` as its columns) into `table`."""
    columns = sql.SQL(", ").join(map(sql.Identifier, names))
    target = table if isinstance(table, sql.Composable) else sql.Identifier(table)
    if isinstance(rows, pa.Table):
        statement = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(target, columns)
        cursor = conn.cursor()
        # Batch by batch, with a thread that sends: the server parses one batch while Arrow
        # writes the next (1.5 M charging points: 2.7 s of COPY down to 2.0 s).
        with cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
            options = pacsv.WriteOptions(include_header=False)
            for batch in rows.to_batches(max_chunksize=1 << 15):
                buffer = pa.BufferOutputStream()
                pacsv.write_csv(batch, buffer, options)
                copy.write(buffer.getvalue())
        return
    with conn.cursor().copy(sql.SQL("COPY {} ({}) FROM STDIN").format(target, columns)) as copy:
        for row in rows:
            copy.write_row(row)


@contextmanager
def indexes_built_after(conn: psycopg.Connection, table: str) -> Iterator[None]:
    """Fill `core.<table>` inside the block; its indexes that back no constraint are dropped
    before and built again after, from their own definitions, in the caller's transaction.

    Maintaining a GIST index row by row took three times as long as building it once, and
    only a build honours an index's storage options (fillfactor).
    """
    found = conn.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
           FROM pg_index i WHERE i.indrelid = %s::regclass
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
        (f"{CORE_SCHEMA}.{table}",)).fetchall()
    for name, _ in found:
        conn.execute(f"DROP INDEX {name}")
    yield
    for _, definition in found:
        conn.execute(definition)


def record(conn: psycopg.Connection, report: LoadReport) -> None:
    """Write the load's accounting and replace the source's quarantined rows."""
    conn.execute(
        f"""INSERT INTO {CORE_SCHEMA}.load_run (source, target_table, duration_s, rows_read,
            rows_loaded, rows_repaired, rows_duplicate, rows_quarantined, quarantine_by_reason,
            source_url, source_hash, vintage)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
        (report.source, report.target_table, report.duration_s, report.rows_read,
         report.rows_loaded, report.rows_repaired, report.rows_duplicate,
         report.rows_quarantined, json.dumps(report.quarantine_by_reason()),
         report.source_url, report.source_hash, report.vintage),
    )
    conn.execute(f"DELETE FROM {CORE_SCHEMA}.quarantined_row WHERE source = %s", (report.source,))
    copy_rows(conn, sql.Identifier(CORE_SCHEMA, "quarantined_row"),
              ["source", "row_ref", "reason", "detail", "payload"],
              ((report.source, rejected.row_ref, rejected.reason, rejected.detail,
                json.dumps(rejected.payload, default=str) if rejected.payload else None)
               for rejected in report.rejected))


def count_check(query: str, message: str) -> StagingCheck:
    """A check that fails with `message` (formatted with the count) when `query` counts > 0."""
    def check(conn: psycopg.Connection) -> str | None:
        count = conn.execute(query).fetchone()[0]
        return message.format(count=count) if count else None
    return check
