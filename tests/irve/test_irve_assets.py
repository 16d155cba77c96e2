"""The IRVE assets and their checks, materialised on the mirror against the test database."""
from __future__ import annotations

import psycopg
import pytest
from dagster import load_asset_checks_from_modules, materialize

from pipelines.definitions import defs
from pipelines.irve import assets, checks
from pipelines.irve.load import SOURCE
from pipelines.resources import PostGIS, Sources


@pytest.fixture
def published_then_removed(reference_db: str):
    """The assets commit their load; remove it afterwards, so other suites find the table empty."""
    yield reference_db
    with psycopg.connect(reference_db) as conn:
        conn.execute("TRUNCATE core.charging_point")
        conn.execute("DELETE FROM core.quarantined_row WHERE source = %s", (SOURCE,))
        conn.execute("DELETE FROM core.load_run WHERE source = %s", (SOURCE,))


def test_assets_materialise_and_checks_pass(published_then_removed: str, mirror):
    reference_db = published_then_removed
    result = materialize(
        [assets.irve_source, assets.charging_points, *load_asset_checks_from_modules([checks])],
        resources={"postgis": PostGIS(database_url=reference_db), "sources": Sources(mirror=str(mirror))})
    assert result.success
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert set(evaluations) == {"rows_accounted", "valid_points_attributed", "declared_codes_agree",
                                "quarantine_is_small"}
    assert all(e.passed for e in evaluations.values())
    assert evaluations["rows_accounted"].metadata["rows_read"].value == 149_112
    points = next(m.materialization for m in result.get_asset_materialization_events()
                  if m.asset_key.to_user_string() == "charging_points")
    assert points.metadata["rows_loaded"].value == 148_951
    assert points.metadata["quarantine_by_reason"].value == {
        "implausible_date_maj": 3, "implausible_date_mise_en_service": 64, "outside_france": 92,
        "zero_coordinates": 2}


def test_daily_schedule_refreshes_the_points():
    schedule = defs.resolve_schedule_def("irve_daily")
    assert schedule.cron_schedule == "0 7 * * *"
    job = defs.resolve_job_def("irve_refresh")
    assert {"irve_source", "charging_points", "charging_point_quarantine"} <= {
        k.to_user_string() for k in job.asset_layer.selected_asset_keys}
