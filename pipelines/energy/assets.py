"""The per-commune energy indicators, materialised in core.commune_energy."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from observatory.energy import refresh_commune_energy
from pipelines.heat.assets import ecoreseau_labels, heat_networks, heat_networks_arrete, heat_potential
from pipelines.incremental import unchanged
from pipelines.reference.assets import communes
from pipelines.resources import PostGIS


# The loads of the tables the indicators read (FCU's national figures are not among them).
ENERGY_INPUTS = ["cog-commune", "cog-departement", "commune-boundaries", "irve-statique", "fcu-heat-%",
                 "fcu-ecoreseau", "fcu-potential", "fcu-departement-summary", "fcu-arrete-%"]


@asset(group_name="energy",
       deps=[communes, heat_networks, heat_networks_arrete, ecoreseau_labels, heat_potential,
             AssetKey("charging_points")],
       description="Indicateurs énergie par commune (observatory.commune_energy): recharge, réseaux de "
                   "chaleur, potentiel départemental, potentiel de communs énergétiques et ses composantes")
def commune_energy(context: AssetExecutionContext, postgis: PostGIS) -> MaterializeResult:
    with postgis.connect() as conn:
        if same := unchanged(context, conn, computed=["energy-commune-indicators"],
                             inputs=ENERGY_INPUTS):
            return MaterializeResult(metadata=same)
        report = refresh_commune_energy(conn)
        summary = conn.execute("""
            SELECT count(*) FILTER (WHERE charging_points > 0), count(*) FILTER (WHERE heat_network_present),
                   bool_or(heat_layer_available), count(*) FILTER (WHERE ecoreseau_label IS NOT NULL),
                   round(avg(energy_commons_potential)::numeric, 1), min(components_used), max(components_used),
                   bool_or(heat_arrete_loaded)
            FROM core.commune_energy""").fetchone()
    context.log.info(f"{report.rows_loaded} communes in {report.duration_s:.1f} s")
    return MaterializeResult(metadata={
        **report.as_metadata(),
        "communes_with_charging_points": summary[0],
        "communes_with_heat_network": summary[1] or 0,
        "heat_layer_available": bool(summary[2]),
        "heat_arrete_loaded": bool(summary[7]),
        "communes_with_ecoreseau_label": summary[3],
        "mean_energy_commons_potential": float(summary[4] or 0),
        "components_used_min_max": f"{summary[5]}-{summary[6]}",
    })
