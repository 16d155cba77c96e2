"""Apply the Alembic migrations programmatically (no alembic.ini to find)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from alembic import command
from alembic.config import Config
from geoalchemy2 import alembic_helpers

from geodata.db import sqlalchemy_url
from geodata.models import CORE_SCHEMA

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    return config


def revision_module(file_name: str):
    """An earlier migration file as a module, for a later one to reuse (or, on downgrade,
    restore) its definitions."""
    path = MIGRATIONS_DIR / "versions" / file_name
    spec = importlib.util.spec_from_file_location(f"revision_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade(url: str) -> None:
    """Bring the database to every head: each domain (energy, pact) has its own branch."""
    command.upgrade(alembic_config(url), "heads")


def include_object(obj, name, obj_type, reflected, compare_to):
    """Only our own schema: PostGIS' tables and the `observatory` views are managed by hand."""
    if obj_type == "table" and obj.schema != CORE_SCHEMA:
        return False
    return alembic_helpers.include_object(obj, name, obj_type, reflected, compare_to)


def include_name(name, type_, parent_names):
    return name == CORE_SCHEMA if type_ == "schema" else True
