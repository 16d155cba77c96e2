"""The heat and energy assets materialised against the real database and the real mirror.

The mirror holds no opendata-fcu.zip: the run must succeed, say so through a WARN check,
and leave the heat indicators unknown, while the labels and potentials load.
"""
from __future__ import annotations

from dagster import AssetCheckSeverity, materialize

from pipelines.energy import assets as energy_assets
from pipelines.energy import checks as energy_checks
from pipelines.heat import assets as heat_assets
from pipelines.heat import checks as heat_checks
from pipelines.incremental import FORCE_TAG
from pipelines.resources import PostGIS, Sources


def test_definitions_hold_the_heat_assets_and_monthly_schedule():
    from pipelines.definitions import defs   # every domain's modules: imported here only
    assert defs.get_schedule_def("heat_monthly").cron_schedule == "0 4 5 * *"
    keys = {key.to_user_string() for key in defs.get_repository_def().asset_graph.get_all_asset_keys()}
    assert {"fcu_opendata_archive", "heat_networks", "ecoreseau_labels", "heat_potential",
            "heat_national_figures", "commune_energy"} <= keys


def test_materialise_on_the_mirror_without_traces(reference_db, mirror):
    result = materialize(
        [heat_assets.fcu_opendata_archive, heat_assets.heat_networks, heat_assets.ecoreseau_labels,
         heat_assets.heat_potential, heat_assets.heat_national_figures, energy_assets.commune_energy,
         heat_checks.heat_archive_available, heat_checks.heat_network_accounting,
         heat_checks.labels_complete, heat_checks.potential_covers_departements,
         energy_checks.one_row_per_commune],
        resources={"postgis": PostGIS(database_url=reference_db), "sources": Sources(mirror=str(mirror))},
        # Other tests of the session may have published the same files: reload them regardless.
        tags={FORCE_TAG: "true"}, raise_on_error=True)
    assert result.success
    metadata = {e.asset_key.to_user_string(): e.step_materialization_data.materialization.metadata
                for e in result.get_asset_materialization_events()}
    assert metadata["heat_networks"]["available"].value is False
    assert metadata["heat_networks"]["reason"].value.startswith("l'archive opendata-fcu.zip n'a pu être obtenue")
    assert "missing from the mirror" in metadata["heat_networks"]["reason"].value
    assert metadata["ecoreseau_labels"]["rows_loaded"].value == 137
    assert metadata["heat_potential"]["rows_loaded"].value == 279
    assert metadata["commune_energy"]["heat_layer_available"].value is False

    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    warn = checks["heat_archive_available"]
    assert warn.passed is False and warn.severity == AssetCheckSeverity.WARN
    assert "opendata-fcu.zip is missing from the mirror" in warn.metadata["reason"].value
    assert all(checks[name].passed for name in
               ("labels_complete", "potential_covers_departements", "one_row_per_commune",
                "heat_network_accounting"))
