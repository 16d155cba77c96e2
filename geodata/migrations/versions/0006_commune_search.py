"""Commune search that folds accents in the database: `unaccent`, `pg_trgm`, the immutable
name fold (`geodata.names`), and the folded names of current communes, former communes and
the contours' communes (where absorbed communes keep their names) kept in generated columns
with trigram indexes. Stored, not computed in the index alone: a trigram search rechecks each
candidate row, and folding thousands of "saint ..." names per query took 230 ms.

Revision ID: 0006_commune_search
Revises: 0001_foundation
"""
from alembic import op

from geodata.names import SQL_FUNCTIONS

revision = "0006_commune_search"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

READER = "observatory_reader"
# The loads insert the other columns in table order: the generated column comes last, and
# `geodata.load.publish` rebuilds the index from its definition.
FOLDED_TABLES = ("commune", "former_commune", "commune_contour")

# Absorbed communes without a name in the COG keep the one their contour had. A filter on
# name_folded reaches each branch, where the trigram index serves it.
COMMUNE_NAME_VIEW = """CREATE VIEW observatory.commune_name AS
    SELECT insee_code, name, name_folded, 'officiel'::text AS kind, insee_code AS code
    FROM core.commune
    UNION ALL
    SELECT current_insee_code, name, name_folded, kind, code
    FROM core.former_commune WHERE name IS NOT NULL
    UNION ALL
    SELECT f.current_insee_code, k.name, k.name_folded, f.kind, f.code
    FROM core.former_commune f JOIN core.commune_contour k ON k.code = f.code
    WHERE f.name IS NULL AND k.name IS NOT NULL"""

COMMUNE_NAME_COLUMNS = {
    "insee_code": "INSEE code of the current commune the name leads to",
    "name": "The name as published (COG, or the 2018 contours for absorbed communes)",
    "name_folded": "observatory.fold_name(name): the key searches and reconciliations compare",
    "kind": "officiel, or the kind of former commune (deleguee, associee, ancienne, arrondissement)",
    "code": "The INSEE code this name had (the current code for kind officiel)",
}


def upgrade() -> None:
    # Both are trusted extensions: a database owner may create them without superuser rights.
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
    for statement in SQL_FUNCTIONS:
        op.execute(statement)
    for function in ("fold_text", "fold_name"):
        op.execute(f"GRANT EXECUTE ON FUNCTION observatory.{function}(text) TO {READER}")
    op.execute("COMMENT ON FUNCTION observatory.fold_name(text) IS "
               "'Comparison key of a place name: no accents nor case, words separated by one space, "
               "St/Ste expanded, a trailing article in brackets moved to the front'")
    for table in FOLDED_TABLES:
        op.execute(f"ALTER TABLE core.{table} ADD COLUMN name_folded text "
                   "GENERATED ALWAYS AS (observatory.fold_name(name)) STORED")
        op.execute(f"CREATE INDEX ix_{table}_name_folded ON core.{table} "
                   "USING gin (name_folded public.gin_trgm_ops)")
    op.execute(COMMUNE_NAME_VIEW)
    op.execute(f"GRANT SELECT ON observatory.commune_name TO {READER}")
    op.execute("COMMENT ON VIEW observatory.commune_name IS 'Every name that leads to a current "
               "commune: its official name (kind officiel), and the names of its delegated, "
               "associated or absorbed communes and arrondissements (kind as in former_commune); "
               "name_folded is observatory.fold_name(name), trigram-indexed'")
    for column, comment in COMMUNE_NAME_COLUMNS.items():
        op.execute(f"COMMENT ON COLUMN observatory.commune_name.{column} IS '{comment}'")


def downgrade() -> None:
    op.execute("DROP VIEW observatory.commune_name")
    for table in FOLDED_TABLES:
        op.execute(f"ALTER TABLE core.{table} DROP COLUMN name_folded")
    op.execute("DROP FUNCTION observatory.fold_name(text)")
    op.execute("DROP FUNCTION observatory.fold_text(text)")
