"""DDL of the public views: created with their documentation (COMMENTs) and granted to the
analysts' role, as `docs/sql-interface.md` is generated from those comments."""
from __future__ import annotations

from collections.abc import Callable, Mapping

from geodata.conventions import VIEW_SCHEMA
from geodata.db import READER_ROLE

# view name -> (SELECT, comment on the view, {column: comment})
ViewDefinitions = Mapping[str, tuple[str, str, Mapping[str, str]]]


def literal(text: str) -> str:
    """A SQL string literal (DDL statements take no bound parameters)."""
    return "'" + text.replace("'", "''") + "'"


def create_views(execute: Callable[[str], object], views: ViewDefinitions, *, replace: bool = False) -> None:
    """CREATE (OR REPLACE) each view, comment it and its columns, grant it to the reader role."""
    verb = "CREATE OR REPLACE VIEW" if replace else "CREATE VIEW"
    for name, (select, comment, columns) in views.items():
        execute(f"{verb} {VIEW_SCHEMA}.{name} AS {select}")
        execute(f"COMMENT ON VIEW {VIEW_SCHEMA}.{name} IS {literal(comment)}")
        for column, text in columns.items():
            execute(f"COMMENT ON COLUMN {VIEW_SCHEMA}.{name}.{column} IS {literal(text)}")
        execute(f"GRANT SELECT ON {VIEW_SCHEMA}.{name} TO {READER_ROLE}")
