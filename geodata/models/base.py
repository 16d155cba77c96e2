"""Declarative base shared by every table of the `core` schema."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

CORE_SCHEMA = "core"
VIEW_SCHEMA = "observatory"
STORAGE_SRID = 2154  # Lambert-93: metres, for areas, lengths and distances
DISPLAY_SRID = 4326

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(schema=CORE_SCHEMA, naming_convention=NAMING)
