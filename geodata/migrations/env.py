"""Alembic environment: the `core` schema of the models, GeoAlchemy2-aware."""
from __future__ import annotations

from alembic import context
from geoalchemy2 import alembic_helpers

from geodata import models
from geodata.db import make_engine
from geodata.migrate import include_name, include_object

config = context.config
target_metadata = models.Base.metadata


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    connectable = config.attributes.get("connection") or make_engine(url)
    if hasattr(connectable, "connect"):
        with connectable.connect() as connection:
            _configure_and_run(connection)
    else:
        _configure_and_run(connectable)


def _configure_and_run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_schemas=True,
        include_name=include_name,
        include_object=include_object,
        process_revision_directives=alembic_helpers.writer,
        render_item=alembic_helpers.render_item,
        version_table_schema=models.CORE_SCHEMA,
    )
    with context.begin_transaction():
        connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {models.CORE_SCHEMA}")
        context.run_migrations()


run_migrations_online()
