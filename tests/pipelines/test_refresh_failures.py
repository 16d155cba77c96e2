"""A corrupt source file fails its own refresh only: the scheduled refresh goes on with the other
sources, the published points stay, and the Données page says so in French, without server paths."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from dagster import DagsterEventType

from geodata import db
from observatory import sources
from pipelines.definitions import defs
from pipelines.incremental import FORCE_TAG
from pipelines.pacte.resources import PacteImports
from pipelines.resources import PostGIS, Sources
from tests.dashboards.conftest import open_page

IRVE_EXTRACT = "irve/irve-statique-2025-10-25-derived.parquet"


def mirror_with_corrupt(mirror: Path, target: Path, corrupt: str) -> Path:
    """The mirror as links to its files, but `corrupt` replaced by bytes that are no such file."""
    for path in mirror.rglob("*"):
        if path.is_file():
            link = target / path.relative_to(mirror)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(path)
    (target / corrupt).unlink()
    (target / corrupt).write_bytes(b"PAR1 this is not a parquet file")
    return target


def freshness(url: str, **kwargs) -> dict[str, sources.Freshness]:
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return {f.source.key: f for f in sources.freshness_status(conn, **kwargs)}
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def failed_refresh(observatory_db, mirror, tmp_path_factory):
    corrupt = mirror_with_corrupt(mirror, tmp_path_factory.mktemp("mirror"), IRVE_EXTRACT)
    with psycopg.connect(observatory_db) as conn:
        points = conn.execute("SELECT count(*) FROM core.charging_point").fetchone()[0]
    # The weekly schedule's job, forced so that every healthy source really reloads.
    result = defs.resolve_job_def("refresh_all").execute_in_process(
        resources={"postgis": PostGIS(database_url=observatory_db), "sources": Sources(mirror=str(corrupt)),
                   "pacte_imports": PacteImports(import_dir="")},
        tags={FORCE_TAG: "true"}, raise_on_error=False)
    return result, points


def test_one_corrupt_source_does_not_stop_the_others(failed_refresh, observatory_db):
    result, points = failed_refresh
    assert not result.success
    steps = {}
    for event in result.all_events:
        if event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            steps[event.step_key] = event.event_type
    assert {k for k, v in steps.items() if v == DagsterEventType.STEP_FAILURE} == {"charging_points"}
    for other in ("cog_reference", "commune_contours", "communes", "ecoreseau_labels", "heat_potential",
                  "heat_national_figures", "pact_catalogue", "pact_signatures", "pact_follow_up"):
        assert steps.get(other) == DagsterEventType.STEP_SUCCESS, other
    loaded = {e.asset_key.to_user_string(): e.materialization.metadata
              for e in result.get_asset_materialization_events()}
    assert loaded["cog_reference"]["rows_loaded"].value == 34_969   # reloaded, not skipped
    with psycopg.connect(observatory_db) as conn:
        assert conn.execute("SELECT count(*) FROM core.charging_point").fetchone()[0] == points


def test_freshness_says_which_source_failed_and_which_is_late(failed_refresh, observatory_db):
    status = freshness(observatory_db)
    assert status["irve"].status == sources.FAILED
    assert status["irve"].failure_summary == "le fichier n'a pu être lu ou chargé"
    assert status["irve"].failure_detail.startswith("IrveFormatError : irve-statique-2025-10-25-derived.parquet: ")
    assert "/" not in status["irve"].failure
    assert status["irve"].loaded_at is not None          # the published points' load
    for key in ("cog", "contours", "fcu-potentiel", "pacte"):
        assert status[key].status == sources.UP_TO_DATE, key
    # The mirror holds no FCU archive: the run goes on without traces, the source is not fresh.
    assert status["fcu-reseaux"].status == sources.FAILED and status["fcu-reseaux"].loaded_at is None
    assert status["fcu-reseaux"].age(datetime.now(sources.PARIS)) is None
    assert "opendata-fcu.zip" in status["fcu-reseaux"].failure_detail and "/" not in status["fcu-reseaux"].failure
    # Three days on, the daily sources are late (older than twice their cadence), the yearly ones not.
    later = freshness(observatory_db, now=datetime.now(sources.PARIS) + timedelta(days=3))
    assert later["indicateurs-energie"].status == sources.LATE
    assert later["cog"].status == sources.UP_TO_DATE and later["irve"].status == sources.FAILED


def test_paths_are_reduced_to_file_names():
    text = "irve: /work/shared/data/irve/x.parquet is missing from the mirror /srv/data; see https://data.gouv.fr/a/b"
    assert sources.without_paths(text) == "irve: x.parquet is missing from the mirror data; see https://data.gouv.fr/a/b"


def test_donnees_page_shows_freshness_and_the_failure(failed_refresh, observatory_db, monkeypatch):
    import streamlit as st

    monkeypatch.setenv("DATABASE_URL", observatory_db)
    monkeypatch.setenv("OBSERVATORY_TILES_URL", "http://127.0.0.1:9")
    st.cache_resource.clear()
    st.cache_data.clear()
    at = open_page("donnees")
    assert not at.exception
    table = next(d.value for d in at.dataframe if "État" in d.value.columns).set_index("Source")
    irve = table.loc["Bornes de recharge pour véhicules électriques (IRVE)"]
    assert irve["État"] == "en échec" and irve["Millésime"] == "2025-10-25"
    assert irve["Dernier chargement réussi"][2] == "/" and irve["Dernier échec"] == "le fichier n'a pu être lu ou chargé"
    cog = table.loc["Code officiel géographique (communes, EPCI, départements, régions)"]
    assert cog["État"] == "à jour" and cog["Âge"] == "moins d'une heure"
    warning = " ".join(w.value for w in at.warning)
    assert "Bornes de recharge pour véhicules électriques (IRVE) : le rafraîchissement du" in warning
    assert "restent celles du dernier chargement réussi" in warning and "/work" not in warning
    detail, = [e for e in at.expander if "IRVE" in e.label]
    assert "not a readable parquet file" in detail.text[0].value and "/work" not in detail.text[0].value
    st.cache_resource.clear()


def test_hourly_freshness_checks_warn_about_the_failed_source(failed_refresh, observatory_db, mirror):
    result = defs.resolve_job_def("freshness_checks").execute_in_process(
        resources={"postgis": PostGIS(database_url=observatory_db), "sources": Sources(mirror=str(mirror)),
                   "pacte_imports": PacteImports(import_dir="")}, raise_on_error=False)
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert len(evaluations) == len(sources.CATALOGUE)
    irve = evaluations["irve_is_fresh"]
    assert not irve.passed and irve.severity.value == "WARN" and irve.metadata["status"].value == "en échec"
    assert evaluations["cog_is_fresh"].passed and evaluations["pacte_is_fresh"].passed
