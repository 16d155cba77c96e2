"""Checks of the commune indicators."""

from dagster import AssetCheckResult, asset_check

from pipelines.energy.assets import commune_energy
from pipelines.incremental import reused_when_unchanged
from pipelines.resources import PostGIS


@asset_check(asset=commune_energy, description="One row per current commune, and heat indicators unknown "
                                              "(NULL, not 0) exactly when neither the arrêté DPE nor the "
                                              "FCU traces are loaded")
@reused_when_unchanged
def one_row_per_commune(postgis: PostGIS) -> AssetCheckResult:
    with postgis.connect() as conn:
        communes, rows, inconsistent = conn.execute("""
            SELECT (SELECT count(*) FROM core.commune), count(*),
                   count(*) FILTER (WHERE (heat_layer_available OR heat_arrete_loaded)
                                             <> (heat_network_present IS NOT NULL)
                                   OR heat_layer_available <> (heat_network_length_km IS NOT NULL))
            FROM core.commune_energy""").fetchone()
    return AssetCheckResult(passed=communes == rows and inconsistent == 0,
                            metadata={"communes": communes, "rows": rows, "inconsistent_heat_rows": inconsistent})
