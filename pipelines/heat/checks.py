"""Checks of the heat-network data: they read the published tables, so they can fail."""

from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue, asset_check

from geodata.sources.heat import load
from geodata.sources.heat.sources import FCU_ARCHIVE
from pipelines.heat.assets import ecoreseau_labels, heat_networks, heat_networks_arrete, heat_potential
from pipelines.incremental import reused_when_unchanged
from pipelines.metadata import latest_load_run
from pipelines.resources import PostGIS


@asset_check(asset=heat_networks, description="The FCU traces could be obtained (from the URL or the mirror)")
@reused_when_unchanged
def heat_archive_available(postgis: PostGIS) -> AssetCheckResult:
    with postgis.connect() as conn:
        row = conn.execute("SELECT available, reason FROM core.source_availability WHERE source = %s",
                           (FCU_ARCHIVE.name,)).fetchone()
        networks = conn.execute("SELECT count(*) FROM core.heat_network").fetchone()[0]
    available, reason = row if row else (False, "never attempted")
    return AssetCheckResult(
        passed=bool(available) and networks > 0, severity=AssetCheckSeverity.WARN,
        description=None if available else f"Heat-network layer unavailable: {reason}",
        metadata={"available": bool(available), "reason": reason or "", "networks": networks})


@asset_check(asset=heat_networks, description="Rows read = loaded + merged duplicates + quarantined")
@reused_when_unchanged
def heat_network_accounting(postgis: PostGIS) -> AssetCheckResult:
    with postgis.connect() as conn:
        row = latest_load_run(conn, load.NETWORK_SOURCE,
                              "rows_read", "rows_loaded", "rows_duplicate", "rows_quarantined")
        areas = latest_load_run(conn, load.AREA_SOURCE, "rows_loaded")
    if row is None:
        return AssetCheckResult(passed=True, severity=AssetCheckSeverity.WARN,
                                metadata={"note": "no load yet (archive unavailable)"})
    read, loaded, duplicates, quarantined = row
    accounted = loaded + duplicates + quarantined + (areas[0] if areas else 0)
    return AssetCheckResult(passed=read == accounted, metadata={
        "rows_read": read, "networks_loaded": loaded, "duplicates": duplicates,
        "quarantined": quarantined, "areas_loaded": areas[0] if areas else 0})


@asset_check(asset=ecoreseau_labels, description="137 laureates (83 Écoréseau, 54 Écoréseau +) and most "
                                                 "collectivités recognised")
@reused_when_unchanged
def labels_complete(postgis: PostGIS) -> AssetCheckResult:
    with postgis.connect() as conn:
        per_label = dict(conn.execute("SELECT label, count(*) FROM core.ecoreseau_label GROUP BY 1"))
        unmatched = conn.execute("SELECT count(*) FROM core.ecoreseau_label "
                                 "WHERE match_method = 'unmatched'").fetchone()[0]
    total = sum(per_label.values())
    return AssetCheckResult(passed=total > 0 and unmatched <= total / 2, severity=AssetCheckSeverity.WARN,
                            metadata={"per_label": str(per_label), "unmatched": unmatched})


@asset_check(asset=heat_potential, description="Potential covers the départements with networks and "
                                               "every row names a COG département")
@reused_when_unchanged
def potential_covers_departements(postgis: PostGIS) -> AssetCheckResult:
    with postgis.connect() as conn:
        per_distance = dict(conn.execute("SELECT distance_m, count(*) FROM core.heat_potential_departement "
                                         "GROUP BY 1"))
        orphans = conn.execute("SELECT count(*) FROM core.heat_potential_departement p WHERE NOT EXISTS "
                               "(SELECT 1 FROM core.departement d WHERE d.code = p.departement_code)").fetchone()[0]
    return AssetCheckResult(passed=orphans == 0 and len(set(per_distance.values())) == 1
                            and sorted(per_distance) == [50, 100, 150],
                            metadata={"per_distance": str(per_distance), "orphans": orphans})


# The goal of issue 13: at least 98 % of the arrêté's networks attached to a commune.
ATTACHED_GOAL_PCT = 98.0


@asset_check(asset=heat_networks_arrete, description="Every network read is published or quarantined, and "
                                                     f">= {ATTACHED_GOAL_PCT:g} % are attached to a commune")
@reused_when_unchanged
def arrete_networks_attached(postgis: PostGIS) -> AssetCheckResult:
    with postgis.connect() as conn:
        run = latest_load_run(conn, load.ARRETE_SOURCE, "rows_read", "rows_loaded", "rows_duplicate",
                              "rows_quarantined")
        networks, attached, communes = conn.execute(
            """SELECT count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM core.heat_network_commune hc
                                                              WHERE hc.sncu_id = a.sncu_id)),
                      (SELECT count(DISTINCT insee_code) FROM core.heat_network_commune)
               FROM core.heat_network_arrete a""").fetchone()
        by_reason = dict(conn.execute(
            "SELECT reason, count(*) FROM core.quarantined_row WHERE source = %s GROUP BY 1 ORDER BY 1",
            (f"{load.ARRETE_SOURCE}-communes",)).fetchall())
    if run is None:
        return AssetCheckResult(passed=False, metadata={"note": "the arrêté was never loaded"})
    read, loaded, duplicates, quarantined = run
    share = 100.0 * attached / networks if networks else 0.0
    return AssetCheckResult(
        passed=read == loaded + duplicates + quarantined and attached + sum(by_reason.values()) == networks
        and share >= ATTACHED_GOAL_PCT,
        metadata={"rows_read": read, "networks": networks, "attached": attached,
                  "attached_share_pct": round(share, 2), "communes_with_a_network": communes,
                  "localities_quarantined_by_reason": MetadataValue.json(by_reason)})


@asset_check(asset=heat_networks_arrete, description="Every Écoréseau laureate's SNCU id is a network of the arrêté",
             additional_deps=[ecoreseau_labels])
def laureates_in_arrete(postgis: PostGIS) -> AssetCheckResult:
    with postgis.connect() as conn:
        laureates, joined, with_communes = conn.execute(
            """SELECT count(*), count(a.sncu_id),
                      count(*) FILTER (WHERE EXISTS (SELECT 1 FROM core.heat_network_commune hc
                                                     WHERE hc.sncu_id = l.sncu_id))
               FROM core.ecoreseau_label l LEFT JOIN core.heat_network_arrete a USING (sncu_id)""").fetchone()
    return AssetCheckResult(passed=laureates > 0 and joined == laureates, severity=AssetCheckSeverity.WARN,
                            metadata={"laureates": laureates, "in_arrete": joined,
                                      "with_communes": with_communes})
