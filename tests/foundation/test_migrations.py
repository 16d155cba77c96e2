"""The Alembic revisions and the SQLAlchemy models describe the same schema."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from geodata import models
from geodata.migrate import include_name, include_object


def test_autogenerate_finds_no_difference(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "include_schemas": True, "include_name": include_name, "include_object": include_object,
            "version_table_schema": models.CORE_SCHEMA,
        })
        differences = compare_metadata(context, models.Base.metadata)
    assert differences == []


def test_public_views_are_documented(conn):
    import sqlalchemy as sa

    undocumented = conn.execute(sa.text(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'observatory' AND c.relkind IN ('v', 'm') "
        "AND obj_description(c.oid, 'pg_class') IS NULL")).scalars().all()
    assert undocumented == []
    views = set(conn.execute(sa.text(
        "SELECT table_name FROM information_schema.views WHERE table_schema = 'observatory'")).scalars())
    assert {"commune", "departement", "region", "epci"} <= views


def test_contour_loads_keep_the_lookup_index_options(pg):
    # The contours were loaded after the migrations: publish rebuilt the index from its
    # definition, which must still carry the options the point lookups are fast with.
    definition = pg.execute(
        "SELECT pg_get_indexdef('core.idx_commune_boundary_geom'::regclass)").fetchone()[0]
    assert "fillfactor='20'" in definition and "buffering=on" in definition.replace("'", "")
