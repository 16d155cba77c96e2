"""France Chaleur Urbaine: the monthly archive of traces, the labels, potentials and figures."""

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from geodata.sources.fetch import Fetched, SourceError
from geodata.sources.heat import arrete, load, sources as fcu
from geodata.sources.heat.reader import FcuArchiveError
from observatory.heat_localities import LocalityMatcher, attach_networks
from observatory.reconciliation import reference_from_db
from pipelines.metadata import markdown_table
from pipelines.incremental import unchanged
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
        archive = [fcu_opendata_archive.fetched]
        if same := unchanged(context, conn, files={load.NETWORK_SOURCE: archive, load.AREA_SOURCE: archive},
                             inputs=["cog-commune", "commune-boundaries"]):
            # Obtained again: no longer unavailable, if it was at the previous refresh.
            load.record_availability(conn, fcu.FCU_ARCHIVE.name, available=True, reason=None,
                                     location=fcu_opendata_archive.fetched.location)
            return MaterializeResult(metadata={"available": True, **same})
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
        if same := unchanged(context, conn, files={"fcu-ecoreseau": files}, inputs=["cog-commune", "cog-epci"]):
            return MaterializeResult(metadata=same)
        report = load.load_labels(conn, files)
        methods = dict(conn.execute("SELECT match_method, count(*) FROM core.ecoreseau_label GROUP BY 1"))
    context.log.info(f"{report.rows_loaded} labels, matched: {methods}")
    return MaterializeResult(metadata={**report.as_metadata(), "match_methods": MetadataValue.json(methods)})


@asset(group_name=GROUP, deps=[communes],
       description="Potentiel de raccordement par département (50/100/150 m, BDNB 2022) et nombre de "
                   "réseaux et taux EnR&R par département")
def heat_potential(context: AssetExecutionContext, postgis: PostGIS, sources: Sources) -> MaterializeResult:
    potential, summary = sources.fetch(fcu.POTENTIAL), sources.fetch(fcu.STATS_DEPARTEMENTS)
    with postgis.connect() as conn:
        if same := unchanged(context, conn, files={"fcu-potential": [potential], "fcu-departement-summary": [summary]},
                             inputs=["cog-departement"]):
            return MaterializeResult(metadata=same)
        report = load.load_potential(conn, potential, summary)
        departements = conn.execute(
            "SELECT count(DISTINCT departement_code) FROM core.heat_potential_departement").fetchone()[0]
    return MaterializeResult(metadata={**report.as_metadata(), "departements": departements})


@asset(group_name=GROUP, description="Chiffres nationaux des réseaux de chaleur publiés par FCU")
def heat_national_figures(context: AssetExecutionContext, postgis: PostGIS, sources: Sources) -> MaterializeResult:
    files = [sources.fetch(fcu.KEY_FIGURES), sources.fetch(fcu.STATS_NATIONAL)]
    with postgis.connect() as conn:
        if same := unchanged(context, conn, files={"fcu-national": files}):
            return MaterializeResult(metadata=same)
        report = load.load_national_figures(conn, *files)
    return MaterializeResult(metadata=report.as_metadata())


@asset(group_name=GROUP, deps=[communes],
       description="Réseaux de chaleur et de froid de l'arrêté DPE 2026 (valeurs réglementaires, "
                   "core.heat_network_arrete) et les communes actuelles que chacun dessert d'après sa "
                   "localisation (core.heat_network_commune); localisations non reconnues en quarantaine")
def heat_networks_arrete(context: AssetExecutionContext, postgis: PostGIS, sources: Sources) -> MaterializeResult:
    fetched = sources.fetch(fcu.ARRETE_DPE_2026)
    with postgis.connect() as conn:
        if same := unchanged(context, conn, inputs=["cog-%"], files={
                load.ARRETE_SOURCE: [fetched], f"{load.ARRETE_SOURCE}-communes": [fetched]}):
            return MaterializeResult(metadata=same)
        parsed = arrete.read_arrete(fetched.path)
        attachments, unattached = attach_networks(LocalityMatcher(reference_from_db(conn)), parsed.networks)
        networks, communes_report = load.load_arrete(conn, fetched, parsed, attachments, unattached)
        communes_served = conn.execute("SELECT count(DISTINCT insee_code) FROM core.heat_network_commune"
                                       ).fetchone()[0]
    attached = len(parsed.networks) - len(unattached)
    context.log.info(f"{networks.rows_loaded} networks, {attached} attached to {communes_served} communes, "
                     f"{len(unattached)} quarantined: {communes_report.quarantine_by_reason()}")
    return MaterializeResult(metadata={
        **networks.as_metadata(),
        "heat_networks": sum(n.kind == "heat" for n in parsed.networks),
        "cold_networks": sum(n.kind == "cold" for n in parsed.networks),
        "networks_attached": attached,
        "attached_share_pct": round(100.0 * attached / max(len(parsed.networks), 1), 2),
        "attachments": communes_report.rows_loaded,
        "communes_with_a_network": communes_served,
        "match_methods": MetadataValue.json(dict(sorted(Counter(a[2] for a in attachments).items()))),
        "localities_quarantined_by_reason": MetadataValue.json(communes_report.quarantine_by_reason()),
        "localities_quarantined": markdown_table(
            ("SNCU", "localisation", "motif", "détail"),
            [(r.row_ref, r.payload["localisation"], r.reason, r.detail) for r in unattached]),
    })
