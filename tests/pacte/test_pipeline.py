"""The Dagster side: assets with their checks on the real database, and the folder sensor."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from dagster import RunRequest, SkipReason, build_sensor_context, materialize

from geodata.sources.pacte.template import write_template
from pipelines.pacte import assets, checks
from pipelines.pacte.resources import PacteImports
from pipelines.pacte.sensors import pact_import_folder_sensor
from pipelines.resources import PostGIS, Sources
from tests.pacte.conftest import remove_committed_pact


@pytest.fixture
def committed_db(reference_db: str):
    """Assets commit: empty the pact tables afterwards so the rolled-back tests see none of it."""
    yield reference_db
    remove_committed_pact(reference_db)


def test_assets_load_mirror_and_import_folder_with_passing_checks(committed_db, mirror, tmp_path):
    folder = tmp_path / "imports"
    folder.mkdir()
    write_template(folder / "collectif-lille-municipales-2020.csv", "signatures",
                   [["Lille", "", "59", "", "", "Liste A", "", "oui", "unanime", "3;12;14", "2020-06-01", ""],
                    ["Marly", "", "", "", "", "Liste B", "", "non", "", "1", "2020-06-01", ""]])
    write_template(folder / "suivi-lille.xlsx", "follow_up",
                   [["Lille", "", "59", "municipales-2020", "14", "réalisée", "2024-09-01", "", "", ""]])
    result = materialize(
        [assets.pact_catalogue, assets.pact_signatures, assets.pact_follow_up,
         checks.signature_rows_accounted_for, checks.follow_up_rows_accounted_for,
         checks.hdf_totals_by_level],
        resources={"postgis": PostGIS(database_url=committed_db),
                   "sources": Sources(mirror=str(mirror)),
                   "pacte_imports": PacteImports(import_dir=str(folder))})
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == 3 and all(e.passed for e in evaluations)
    signatures = result.asset_materializations_for_node("pact_signatures")[0].metadata
    assert signatures["rows_read"].value == 72 and signatures["rows_matched"].value == 71
    assert signatures["rows_ambiguous"].value == 1  # Marly: Nord or Moselle
    follow_up = result.asset_materializations_for_node("pact_follow_up")[0].metadata
    assert follow_up["follow_up_rows_published"].value == 1
    totals = next(e for e in evaluations if e.check_name == "hdf_totals_by_level").metadata
    assert (totals["unanimous_counted"].value, totals["majority_counted"].value) == (6, 35)


def test_sensor_requests_a_run_once_per_new_file(tmp_path: Path):
    folder = tmp_path / "imports"
    folder.mkdir()
    imports = PacteImports(import_dir=str(folder))
    context = build_sensor_context(resources={"pacte_imports": imports})
    assert isinstance(pact_import_folder_sensor(context), SkipReason)
    write_template(folder / "liste.csv", "signatures")
    first = pact_import_folder_sensor(context)
    assert isinstance(first, RunRequest) and "liste.csv" in first.run_key
    again = build_sensor_context(resources={"pacte_imports": imports}, cursor=context.cursor)
    assert isinstance(pact_import_folder_sensor(again), SkipReason)
    (folder / "liste.csv").write_text("commune\nLille\nRoubaix\n", encoding="utf-8")
    os.utime(folder / "liste.csv", (1e9, 2e9))
    assert isinstance(pact_import_folder_sensor(again), RunRequest)


def test_sensor_skips_without_a_folder():
    context = build_sensor_context(resources={"pacte_imports": PacteImports()})
    assert "PACTE_IMPORT_DIR" in pact_import_folder_sensor(context).skip_message
