"""Checks of the councils: they read the published table, so they can fail."""

from dagster import AssetCheckResult, AssetCheckSeverity, asset_check

from geodata.sources.council import load
from pipelines.council.assets import commune_councils
from pipelines.incremental import reused_when_unchanged
from pipelines.metadata import latest_load_run
from pipelines.resources import PostGIS

# Reasons that drop a commune (the others concern single councillors).
COMMUNE_REASONS = ("malformed_insee_code", "unknown_commune")


@asset_check(asset=commune_councils, description="Communes read = published + quarantined, and no published "
                                                 "council names a commune absent from the COG")
@reused_when_unchanged
def council_accounting(postgis: PostGIS) -> AssetCheckResult:
    with postgis.connect() as conn:
        run = latest_load_run(conn, load.SOURCE, "rows_read", "rows_loaded")
        dropped = conn.execute("SELECT count(*) FROM core.quarantined_row WHERE source = %s AND reason = ANY(%s)",
                               (load.SOURCE, list(COMMUNE_REASONS))).fetchone()[0]
        orphans = conn.execute("SELECT count(*) FROM core.commune_council k WHERE NOT EXISTS "
                               "(SELECT 1 FROM core.commune c WHERE c.insee_code = k.insee_code)").fetchone()[0]
    if run is None:
        return AssetCheckResult(passed=False, metadata={"note": "never loaded"})
    read, loaded = run
    return AssetCheckResult(passed=read == loaded + dropped and orphans == 0,
                            metadata={"rows_read": read, "rows_loaded": loaded, "communes_quarantined": dropped,
                                      "orphans": orphans})


@asset_check(asset=commune_councils, description="Nearly every current commune has a council and a mayor "
                                                 "(the register lists about 130 communes without one)")
@reused_when_unchanged
def councils_cover_communes(postgis: PostGIS) -> AssetCheckResult:
    with postgis.connect() as conn:
        communes, councils, mayors, no_councillor = conn.execute(
            """SELECT (SELECT count(*) FROM core.commune), count(*), count(mayor_name),
                      count(*) FILTER (WHERE councillors = 0) FROM core.commune_council""").fetchone()
    return AssetCheckResult(passed=councils >= 0.99 * communes and mayors >= 0.99 * councils,
                            severity=AssetCheckSeverity.WARN,
                            metadata={"communes": communes, "councils": councils, "mayors": mayors,
                                      "councils_without_councillor": no_councillor})
