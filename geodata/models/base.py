"""Declarative base shared by every table of the `core` schema."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

from geodata.conventions import CORE_SCHEMA, DISPLAY_SRID, STORAGE_SRID, VIEW_SCHEMA

__all__ = ["Base", "CORE_SCHEMA", "DISPLAY_SRID", "NAMING", "STORAGE_SRID", "VIEW_SCHEMA"]

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(schema=CORE_SCHEMA, naming_convention=NAMING)
