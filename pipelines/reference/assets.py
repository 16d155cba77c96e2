"""The COG reference, the commune contours, and the communes with their harmonised geometry."""

from dagster import AssetExecutionContext, MaterializeResult, asset

from geodata.sources.cog import reader as cog
from geodata.sources.cog.load import load_reference
from geodata.sources.contours.harmonise import communes_without_boundary, harmonise, published_contours_vintage
from geodata.sources.contours.load import load_contours
from geodata.sources.contours.reader import COMMUNES_2018
from geodata.sources.fetch import MissingFromMirror
from pipelines.incremental import unchanged
from pipelines.metadata import markdown_table
from pipelines.resources import PostGIS, Sources

GROUP = "reference"


@asset(group_name=GROUP, description="COG 2026: régions, départements, EPCI, current and former communes "
                                     "(absorbed codes named from INSEE's COG 2024 and communes since 1943)")
def cog_reference(context: AssetExecutionContext, postgis: PostGIS, sources: Sources) -> MaterializeResult:
    files = [sources.fetch(s) for s in (cog.COMMUNES, cog.EPCI, cog.DEPARTEMENTS, cog.REGIONS, cog.COMMUNES_2024)]
    communes_file, epci, departements, regions, names_2024 = files
    try:
        files.append(sources.fetch(cog.COMMUNES_SINCE_1943))
        history_note = "read"
    except MissingFromMirror as missing:   # optional in a mirror only: a failed download stops here
        context.log.warning(f"{missing}: the codes merged before 2018 stay unnamed")
        history_note = "absent from the mirror"
    former_files = [communes_file, *files[4:]]
    with postgis.connect() as conn:
        if same := unchanged(context, conn, files={
            "cog-commune": [communes_file], "cog-former_commune": former_files, "cog-epci": [epci],
            "cog-departement": [departements], "cog-region": [regions]}):
            return MaterializeResult(metadata=same)
        report, reference = load_reference(conn, *files)
    context.log.info(f"{report.rows_loaded} communes, {len(reference.former_communes)} former codes "
                     f"({reference.former_named_2024} named from the COG 2024, {reference.former_named_history} "
                     f"from the communes since 1943, {reference.former_unnamed} unnamed)")
    return MaterializeResult(metadata={
        **report.as_metadata(),
        "former_codes": len(reference.former_communes),
        "former_named_2024": reference.former_named_2024,
        "former_named_since_1943": reference.former_named_history,
        "former_unnamed": reference.former_unnamed,
        "communes_since_1943": history_note,
        "epci": len(reference.epcis),
        "population_total": reference.population_total,
    })


@asset(group_name=GROUP, description="Commune contours as published (vintage of the source), in Lambert-93")
def commune_contours(context: AssetExecutionContext, postgis: PostGIS, sources: Sources) -> MaterializeResult:
    fetched = sources.fetch(COMMUNES_2018)
    with postgis.connect() as conn:
        if same := unchanged(context, conn, files={"contours": [fetched]}):
            return MaterializeResult(metadata=same)
        report = load_contours(conn, fetched)
    context.log.info(f"{report.rows_loaded} contours, {report.rows_repaired} repaired")
    return MaterializeResult(metadata=report.as_metadata())


@asset(group_name=GROUP, deps=[cog_reference, commune_contours],
       description="Current communes with their geometry: merged communes dissolved into their commune")
def communes(context: AssetExecutionContext, postgis: PostGIS) -> MaterializeResult:
    with postgis.connect() as conn:
        if same := unchanged(context, conn, computed=["commune-boundaries"], inputs=["cog-%", "contours"]):
            return MaterializeResult(metadata=same)
        report = harmonise(conn, published_contours_vintage(conn))
        missing = communes_without_boundary(conn)
    context.log.info(f"{report.rows_loaded} communes with a geometry, {len(missing)} without")
    return MaterializeResult(metadata={
        **report.as_metadata(),
        "communes_without_geometry": len(missing),
        "communes_without_geometry_list": markdown_table(("code", "commune", "raison"), missing),
        "unknown_contour_codes": markdown_table(
            ("code", "détail"), [(r.row_ref, r.detail) for r in report.rejected]),
    })
