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


def test_contour_loads_build_the_lookup_index_with_its_options(pg):
    # The contours were loaded after the migrations. An index kept up row by row during the
    # load would fill its pages (about 190 boxes each); built after it with fillfactor 20,
    # it holds about 40 per page, which is what makes point lookups fast.
    definition, pages, rows = pg.execute(
        """SELECT pg_get_indexdef('core.idx_commune_boundary_geom'::regclass),
                  pg_relation_size('core.idx_commune_boundary_geom') / current_setting('block_size')::int,
                  (SELECT count(*) FROM core.commune_boundary)""").fetchone()
    assert "fillfactor='20'" in definition
    assert rows > 30_000 and rows / pages < 100
