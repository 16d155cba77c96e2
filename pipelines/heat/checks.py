"""Checks of the heat-network data: they read the published tables, so they can fail."""

from dagster import AssetCheckResult, AssetCheckSeverity, asset_check

from geodata.sources.heat import load
from geodata.sources.heat.sources import FCU_ARCHIVE
from pipelines.heat.assets import ecoreseau_labels, heat_networks, heat_potential
from pipelines.metadata import latest_load_run
from pipelines.resources import PostGIS


@asset_check(asset=heat_networks, description="The FCU traces could be obtained (from the URL or the mirror)")
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
def potential_covers_departements(postgis: PostGIS) -> AssetCheckResult:
    with postgis.connect() as conn:
        per_distance = dict(conn.execute("SELECT distance_m, count(*) FROM core.heat_potential_departement "
                                         "GROUP BY 1"))
        orphans = conn.execute("SELECT count(*) FROM core.heat_potential_departement p WHERE NOT EXISTS "
                               "(SELECT 1 FROM core.departement d WHERE d.code = p.departement_code)").fetchone()[0]
    return AssetCheckResult(passed=orphans == 0 and len(set(per_distance.values())) == 1
                            and sorted(per_distance) == [50, 100, 150],
                            metadata={"per_distance": str(per_distance), "orphans": orphans})
