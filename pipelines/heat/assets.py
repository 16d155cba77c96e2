"""France Chaleur Urbaine: the monthly archive of traces, the labels, potentials and figures."""

from dataclasses import dataclass
from pathlib import Path

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from geodata.sources.fetch import Fetched, SourceError
from geodata.sources.heat import load, sources as fcu
from geodata.sources.heat.reader import FcuArchiveError
from pipelines.reference.assets import communes
from pipelines.resources import PostGIS, Sources

GROUP = "heat"


@dataclass(frozen=True)
class FcuArchiveFile:
    """The archive as obtained, or why it could not be."""

    fetched: Fetched | None
    reason: str | None


@asset(group_name=GROUP, description="Archive opendata-fcu.zip de France Chaleur Urbaine (tracés des "
                                     "réseaux de chaleur, PDP, réseaux en construction), mensuelle")
def fcu_opendata_archive(context: AssetExecutionContext, sources: Sources) -> FcuArchiveFile:
    mirror = Path(sources.mirror) if sources.mirror else None
    try:
        fetched = load.obtain_archive(mirror)
    except SourceError as error:
        # Not a failure of the run: the rest of the observatory works without traces, and
        # the check `heat_archive_available` says so loudly.
        context.log.warning(f"FCU archive unavailable: {error}")
        reason = f"l'archive opendata-fcu.zip n'a pu être obtenue ({error})"
        context.add_output_metadata({"available": False, "reason": reason})
        return FcuArchiveFile(None, reason)
    context.add_output_metadata({"available": True, "location": fetched.location,
                                 "sha256": fetched.sha256, "bytes": fetched.path.stat().st_size})
    return FcuArchiveFile(fetched, None)


@asset(group_name=GROUP, deps=[communes],
       description="Réseaux de chaleur (core.heat_network, vue observatory.heat_network), périmètres de "
                   "développement prioritaire et réseaux en construction (core.heat_area)")
def heat_networks(context: AssetExecutionContext, postgis: PostGIS,
                  fcu_opendata_archive: FcuArchiveFile) -> MaterializeResult:
    with postgis.connect() as conn:
        if fcu_opendata_archive.fetched is None:
            kept = load.mark_archive_unavailable(conn, fcu_opendata_archive.reason or "inconnue")
            return MaterializeResult(metadata={
                "available": False, "reason": fcu_opendata_archive.reason or "",
                "previous_load_kept": kept})
        try:
            networks, areas = load.load_archive(conn, fcu_opendata_archive.fetched)
        except FcuArchiveError as error:
            load.mark_archive_unavailable(conn, f"archive illisible : {error}")
            raise
    context.log.info(f"{networks.rows_loaded} networks, {areas.rows_loaded} areas, "
                     f"{networks.rows_quarantined} quarantined")
    return MaterializeResult(metadata={
        "available": True, **networks.as_metadata(),
        "areas_loaded": areas.rows_loaded,
        "quarantine_by_reason": MetadataValue.json(networks.quarantine_by_reason()),
    })


@asset(group_name=GROUP, deps=[communes],
       description="Lauréats des labels Écoréseau et Écoréseau + 2025, avec la commune ou l'EPCI lauréat")
def ecoreseau_labels(context: AssetExecutionContext, postgis: PostGIS, sources: Sources) -> MaterializeResult:
    files = [sources.fetch(fcu.ECORESEAU_2025), sources.fetch(fcu.ECORESEAU_PLUS_2025)]
    with postgis.connect() as conn:
        report = load.load_labels(conn, files)
        methods = dict(conn.execute("SELECT match_method, count(*) FROM core.ecoreseau_label GROUP BY 1"))
    context.log.info(f"{report.rows_loaded} labels, matched: {methods}")
    return MaterializeResult(metadata={**report.as_metadata(), "match_methods": MetadataValue.json(methods)})


@asset(group_name=GROUP, deps=[communes],
       description="Potentiel de raccordement par département (50/100/150 m, BDNB 2022) et nombre de "
                   "réseaux et taux EnR&R par département")
def heat_potential(context: AssetExecutionContext, postgis: PostGIS, sources: Sources) -> MaterializeResult:
    with postgis.connect() as conn:
        report = load.load_potential(conn, sources.fetch(fcu.POTENTIAL), sources.fetch(fcu.STATS_DEPARTEMENTS))
        departements = conn.execute(
            "SELECT count(DISTINCT departement_code) FROM core.heat_potential_departement").fetchone()[0]
    return MaterializeResult(metadata={**report.as_metadata(), "departements": departements})


@asset(group_name=GROUP, description="Chiffres nationaux des réseaux de chaleur publiés par FCU")
def heat_national_figures(context: AssetExecutionContext, postgis: PostGIS, sources: Sources) -> MaterializeResult:
    with postgis.connect() as conn:
        report = load.load_national_figures(conn, sources.fetch(fcu.KEY_FIGURES),
                                            sources.fetch(fcu.STATS_NATIONAL))
    return MaterializeResult(metadata=report.as_metadata())
