"""Fixtures on the real PostGIS: the private cluster, or the server `DATABASE_URL` names.

Each test session works in a database of its own (`OBSERVATORY_TEST_DB`, default
`observatory_test`), created afresh and migrated.
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from geodata import cluster, db, migrate
from tests.browser.harness import app_url, browser, page  # noqa: F401  (fixtures for browser tests)

MIRROR = Path(os.environ.get("OBSERVATORY_MIRROR") or Path(__file__).resolve().parents[2] / "shared" / "data")
os.environ.setdefault("OBSERVATORY_MIRROR", str(MIRROR))


def _server_url() -> str:
    override = os.environ.get("DATABASE_URL")
    return db.libpq_url(override) if override else cluster.up()


def _with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def mirror() -> Path:
    if not MIRROR.is_dir():
        pytest.fail(f"the data mirror {MIRROR} is missing: set OBSERVATORY_MIRROR")
    return MIRROR


# FCU-shaped archives built from the SYNTHETIC fixture (see its README): the heat loader, the
# energy indicators and the energy pages all read one.
FCU_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "fcu"


def build_fcu_archive(target: Path, members: list[str] | None = None) -> Path:
    """A zip laid out like FCU's (`zip -j`: flat member names)."""
    names = members if members is not None else sorted(p.name for p in FCU_FIXTURES.glob("*.geojson"))
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.write(FCU_FIXTURES / name, arcname=name)
    return target


@pytest.fixture
def fcu_archive(tmp_path) -> Path:
    return build_fcu_archive(tmp_path / "231126-opendata-fcu.zip")


@pytest.fixture
def fcu_mirror(tmp_path) -> Path:
    """A mirror directory holding the synthetic archive where the real one would be."""
    (tmp_path / "heat").mkdir()
    build_fcu_archive(tmp_path / "heat" / "opendata-fcu.zip")
    return tmp_path


TEST_DB = os.environ.get("OBSERVATORY_TEST_DB", "observatory_test")


def _fresh_database(name: str) -> str:
    """An empty, migrated database of that name (dropped first if it exists), and no Dagster
    history of an earlier one: `observatory pipelines` keeps it in `<name>_dagster`, where a
    check of an unchanged asset would find the evaluation of another session's data."""
    server = _server_url()
    with psycopg.connect(_with_database(server, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}_dagster" WITH (FORCE)')
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(server, name)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    migrate.upgrade(url)
    return url


def _load_reference(url: str, mirror: Path) -> None:
    from geodata.sources.cog import reader as cog
    from geodata.sources.cog.load import load_reference
    from geodata.sources.contours.harmonise import harmonise
    from geodata.sources.contours.load import load_contours
    from geodata.sources.contours.reader import COMMUNES_2018
    from geodata.sources.fetch import fetch

    with psycopg.connect(url) as connection:
        load_reference(connection, *(fetch(s, mirror=mirror) for s in
                                     (cog.COMMUNES, cog.EPCI, cog.DEPARTEMENTS, cog.REGIONS, cog.COMMUNES_2024)))
        contours = fetch(COMMUNES_2018, mirror=mirror)
        load_contours(connection, contours)
        harmonise(connection, contours.vintage)


@pytest.fixture(scope="session")
def db_url() -> str:
    return _fresh_database(TEST_DB)


@pytest.fixture(scope="session")
def engine(db_url: str) -> sa.Engine:
    engine = db.make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def conn(engine: sa.Engine):
    """A SQLAlchemy connection whose work is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def pg(reference_db: str):
    """A psycopg connection for load code, on the loaded reference, rolled back after the test.

    Loads open their transactions as savepoints inside this one, so a test may publish
    tiny fixtures without disturbing the reference other tests read.
    """
    with psycopg.connect(reference_db) as connection:
        connection.execute("SELECT 1")
        yield connection
        connection.rollback()


@pytest.fixture(scope="session")
def reference_db(db_url: str, mirror: Path) -> str:
    """The COG 2026 reference and the harmonised contours, loaded once from the mirror."""
    _load_reference(db_url, mirror)
    return db_url


def _pages_reading(url: str, monkeypatch):
    """Streamlit AppTest runs the pages in this process: their read-only engine is pointed at
    `url`, and their caches are emptied around the test."""
    import streamlit as st

    monkeypatch.setenv("DATABASE_URL", url)
    # A port where nothing listens: pages must say the tile endpoint is unavailable.
    monkeypatch.setenv("OBSERVATORY_TILES_URL", "http://127.0.0.1:9")
    st.cache_resource.clear()
    st.cache_data.clear()
    yield url
    st.cache_resource.clear()


@pytest.fixture
def app_env(reference_db, monkeypatch):
    """The pages on the reference alone."""
    yield from _pages_reading(reference_db, monkeypatch)


@pytest.fixture
def full_app_env(observatory_db, monkeypatch):
    """The pages on the database where every pipeline ran."""
    yield from _pages_reading(observatory_db, monkeypatch)


@pytest.fixture(scope="session")
def observatory_db(mirror: Path) -> str:
    """A database of its own where every pipeline ran, as after the main job: the browser
    tests read it, and the other tests' empty tables stay empty."""
    from dagster import AssetSelection, load_assets_from_modules, materialize

    from pipelines.definitions import ASSET_MODULES
    from pipelines.pacte.resources import PacteImports
    from pipelines.reference.assets import GROUP as REFERENCE
    from pipelines.resources import PostGIS, Sources

    url = _fresh_database(f"{TEST_DB}_full")
    _load_reference(url, mirror)
    result = materialize(load_assets_from_modules(ASSET_MODULES), resources={
        "postgis": PostGIS(database_url=url), "sources": Sources(mirror=str(mirror)),
        "pacte_imports": PacteImports(import_dir=""),
    }, selection=AssetSelection.all() - AssetSelection.groups(REFERENCE))
    assert result.success
    return url
