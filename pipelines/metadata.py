"""What assets and checks read back or report about loads: Markdown tables for Dagster's UI,
and the last `core.load_run` of a source."""
from __future__ import annotations

from dagster import MetadataValue
from psycopg import sql


def markdown_table(header: tuple[str, ...], rows: list[tuple]) -> MetadataValue:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return MetadataValue.md("\n".join(lines))


def latest_load_run(conn, source: str, *columns: str) -> tuple | None:
    """Those columns of the source's most recent load, or None when it was never loaded."""
    query = sql.SQL("SELECT {} FROM core.load_run WHERE source = %s ORDER BY id DESC LIMIT 1").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)))
    return conn.execute(query, (source,)).fetchone()
