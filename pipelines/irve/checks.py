"""Checks of the published charging points: they read the tables, so they can fail."""
from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, asset_check

from observatory.attribution import declared_code_agreement
from pipelines.incremental import reused_when_unchanged
from pipelines.irve.load import SOURCE
from pipelines.metadata import latest_load_run
from pipelines.resources import PostGIS

POINTS = AssetKey("charging_points")
QUARANTINE = AssetKey("charging_point_quarantine")
MIN_ATTRIBUTION_RATE = 0.995
MAX_QUARANTINE_SHARE = 0.05
MAX_DISAGREEMENT_RATE = 0.10


def _last_run(conn):
    return latest_load_run(conn, SOURCE, "rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate")


@asset_check(asset=POINTS, blocking=True,
             description="Lignes lues = chargées + en quarantaine + doublons, et les tables le confirment")
@reused_when_unchanged
def rows_accounted(postgis: PostGIS) -> AssetCheckResult:
    with postgis.connect() as conn:
        run = _last_run(conn)
        published = conn.execute("SELECT count(*) FROM core.charging_point").fetchone()[0]
        quarantined = conn.execute("SELECT count(*) FROM core.quarantined_row WHERE source = %s",
                                   (SOURCE,)).fetchone()[0]
    if run is None:
        return AssetCheckResult(passed=False, metadata={"problem": "no load recorded"})
    read, loaded, in_quarantine, duplicates = run
    return AssetCheckResult(
        passed=read == loaded + in_quarantine + duplicates and published == loaded
        and quarantined == in_quarantine,
        metadata={"rows_read": read, "rows_loaded": loaded, "rows_quarantined": in_quarantine,
                  "rows_duplicate": duplicates, "table_rows": published, "quarantine_rows": quarantined})


@asset_check(asset=POINTS, blocking=True,
             description="Au moins 99,5 % des points valides sont rattachés à une commune")
@reused_when_unchanged
def valid_points_attributed(postgis: PostGIS) -> AssetCheckResult:
    with postgis.connect() as conn:
        total, attributed, nearest = conn.execute(
            "SELECT count(*), count(insee_code), count(*) FILTER (WHERE attribution = 'nearest') "
            "FROM core.charging_point").fetchone()
    rate = attributed / total if total else 0.0
    return AssetCheckResult(passed=total > 0 and rate >= MIN_ATTRIBUTION_RATE,
                            metadata={"points": total, "attributed": attributed,
                                      "nearest_within_500m": nearest, "rate": round(rate, 6)})


@asset_check(asset=POINTS, description="Code INSEE déclaré par le producteur et commune trouvée: "
                                       "taux de désaccord (avertissement au-delà de 10 %)")
@reused_when_unchanged
def declared_codes_agree(postgis: PostGIS) -> AssetCheckResult:
    with postgis.connect() as conn:
        agreement = declared_code_agreement(conn)
    rate = agreement["disagreement_rate"]
    return AssetCheckResult(passed=rate is None or rate <= MAX_DISAGREEMENT_RATE,
                            severity=AssetCheckSeverity.WARN,
                            metadata={**agreement, "disagreement_rate": rate if rate is not None else -1})


@asset_check(asset=QUARANTINE, description="La quarantaine reste sous 5 % des lignes lues "
                                           "(au-delà: format de la source changé?)")
@reused_when_unchanged
def quarantine_is_small(postgis: PostGIS) -> AssetCheckResult:
    with postgis.connect() as conn:
        run = _last_run(conn)
    if run is None:
        return AssetCheckResult(passed=False, metadata={"problem": "no load recorded"})
    share = run[2] / run[0] if run[0] else 0.0
    return AssetCheckResult(passed=share <= MAX_QUARANTINE_SHARE, severity=AssetCheckSeverity.WARN,
                            metadata={"rows_read": run[0], "rows_quarantined": run[2],
                                      "share": round(share, 6)})
