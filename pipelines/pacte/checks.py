"""Checks of the pact: every imported row accounted for, and the published totals."""

from dagster import AssetCheckResult, AssetCheckSeverity, asset_check

from geodata.sources.pacte.reader import HDF_2020_PUBLISHED_TOTALS
from geodata.sources.pacte.store import REFUSED
from pipelines.incremental import reused_when_unchanged
from pipelines.pacte.assets import HDF_DATASET, pact_follow_up, pact_signatures
from pipelines.resources import PostGIS

# The latest run of every dataset: read = matched + ambiguous + unmatched + quarantined,
# one review row per row read, and as many rows published as the run says it loaded. A
# refused file's run changed nothing: the run before it is the one published.
UNACCOUNTED = """
    WITH latest AS (SELECT DISTINCT ON (dataset) * FROM core.pact_import_run WHERE kind = %(kind)s
                      AND coalesce(messages->>0, '') NOT LIKE %(refused)s
                    ORDER BY dataset, id DESC)
    SELECT l.dataset, l.rows_read, l.rows_matched, l.rows_ambiguous, l.rows_unmatched,
           l.rows_quarantined, l.rows_loaded,
           (SELECT count(*) FROM core.pact_review_row r WHERE r.import_run_id = l.id) AS reviewed,
           (SELECT count(*) FROM {table} t WHERE t.dataset = l.dataset) AS published
    FROM latest l"""


def _accounting(postgis: PostGIS, kind: str, table: str) -> AssetCheckResult:
    with postgis.connect() as conn:
        runs = conn.execute(UNACCOUNTED.format(table=table), {"kind": kind, "refused": f"{REFUSED}%"}).fetchall()
    wrong = [r[0] for r in runs
             if r[1] != r[2] + r[3] + r[4] + r[5] or r[7] != r[1] or r[8] != r[6]]
    return AssetCheckResult(passed=not wrong, metadata={
        "datasets": len(runs), "datasets_not_accounted": ", ".join(wrong) or "aucun",
        "rows_read": sum(r[1] for r in runs), "rows_accounted": sum(r[2] + r[3] + r[4] + r[5] for r in runs)})


@asset_check(asset=pact_signatures, description="Chaque ligne lue est rapprochée, ambiguë, non trouvée ou en quarantaine")
@reused_when_unchanged
def signature_rows_accounted_for(postgis: PostGIS) -> AssetCheckResult:
    return _accounting(postgis, "signatures", "core.pact_signature")


@asset_check(asset=pact_follow_up, description="Chaque ligne de suivi lue est rapprochée, ambiguë, non trouvée ou en quarantaine")
@reused_when_unchanged
def follow_up_rows_accounted_for(postgis: PostGIS) -> AssetCheckResult:
    return _accounting(postgis, "follow_up", "core.pact_follow_up")


@asset_check(asset=pact_signatures, description="Totaux par niveau d'engagement de la liste Hauts-de-France = totaux publiés")
@reused_when_unchanged
def hdf_totals_by_level(postgis: PostGIS) -> AssetCheckResult:
    with postgis.connect() as conn:
        imported = conn.execute("SELECT count(*) FROM core.pact_import_run WHERE dataset = %s",
                                (HDF_DATASET,)).fetchone()[0]
        counted = dict(conn.execute(
            """SELECT council_commitment, count(DISTINCT insee_code) FROM core.pact_signature
               WHERE dataset = %s GROUP BY 1""", (HDF_DATASET,)).fetchall())
    if not imported:  # without a mirror: the transcription is published in no file
        return AssetCheckResult(passed=True, metadata={"hdf_list_imported": False})
    published, complete = HDF_2020_PUBLISHED_TOTALS
    # Levels whose list the source gives in full must match; a truncated one cannot exceed.
    passed = all(counted.get(level, 0) == total if level in complete else counted.get(level, 0) <= total
                 for level, total in published.items())
    return AssetCheckResult(passed=passed, severity=AssetCheckSeverity.ERROR, metadata={
        **{f"{level}_counted": counted.get(level, 0) for level in published},
        **{f"{level}_published": total for level, total in published.items()},
        "complete_levels": ", ".join(sorted(complete))})
