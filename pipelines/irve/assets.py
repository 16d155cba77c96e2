"""IRVE charging points: the source file as fetched, then the cleaned, attributed points."""
from dataclasses import dataclass

from dagster import AssetExecutionContext, AssetIn, AssetSpec, MaterializeResult, MetadataValue, asset, multi_asset

from geodata.sources.fetch import Fetched, SourceError
from geodata.sources.irve.reader import CONSOLIDATED, DERIVED_EXTRACT, SCHEMA
from pipelines.incremental import unchanged
from pipelines.irve.load import SOURCE, load_charging_points
from pipelines.reference.assets import communes
from pipelines.resources import PostGIS, Sources

GROUP = "irve"


@dataclass(frozen=True)
class IrveFiles:
    data: Fetched
    schema: Fetched


@asset(group_name=GROUP, description="Fichier national consolidé IRVE (schéma statique 2.3), tel que "
                                     "publié sur data.gouv.fr, ou l'extrait du miroir; et le schéma officiel")
def irve_source(context: AssetExecutionContext, sources: Sources) -> IrveFiles:
    try:
        data = sources.fetch(CONSOLIDATED)
    except SourceError as error:
        if not sources.mirror:
            raise
        # The mirror carries the dated extract, not the daily national file.
        context.log.info(f"{error}; reading the mirror's extract {DERIVED_EXTRACT.mirror_path}")
        data = sources.fetch(DERIVED_EXTRACT)
    schema = sources.fetch(SCHEMA)
    context.add_output_metadata({
        "file": data.location, "sha256": data.sha256, "bytes": data.path.stat().st_size,
        "vintage": data.source.vintage, "schema": schema.location,
    })
    return IrveFiles(data, schema)


@multi_asset(
    specs=[
        AssetSpec("charging_points", group_name=GROUP, deps=[communes, "irve_source"],
                  description="Points de recharge validés, réparés, dédoublonnés, rattachés à leur "
                              "commune (core.charging_point, vue observatory.charging_point)"),
        AssetSpec("charging_point_quarantine", group_name=GROUP, deps=["irve_source"],
                  description="Lignes IRVE écartées, avec leur motif (core.quarantined_row)"),
    ],
    ins={"irve_source": AssetIn()},
)
def charging_points(context: AssetExecutionContext, postgis: PostGIS, irve_source: IrveFiles):
    with postgis.connect() as conn:
        # The schema is a fixed version (declared in the reader): the data file decides.
        if same := unchanged(context, conn, files={SOURCE: [irve_source.data]},
                             inputs=["cog-commune", "commune-boundaries"]):
            yield MaterializeResult(asset_key="charging_points", metadata=same)
            yield MaterializeResult(asset_key="charging_point_quarantine", metadata=same)
            return
        loaded = load_charging_points(conn, irve_source.data, irve_source.schema)
    report = loaded.report
    context.log.info(f"{report.rows_loaded} points loaded, {report.rows_quarantined} quarantined, "
                     f"{report.rows_duplicate} duplicates, attribution {loaded.attribution.rate:.4%}")
    yield MaterializeResult(asset_key="charging_points", metadata={
        **loaded.metadata(),
        "points_without_commune": MetadataValue.json(loaded.without_commune),
    })
    yield MaterializeResult(asset_key="charging_point_quarantine", metadata={
        "source": SOURCE,
        "rows_quarantined": report.rows_quarantined,
        "quarantine_by_reason": report.quarantine_by_reason(),
        "sample": MetadataValue.json([{"row": r.row_ref, "reason": r.reason, "detail": r.detail}
                                      for r in report.rejected[:20]]),
    })
