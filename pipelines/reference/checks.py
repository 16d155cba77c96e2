"""Checks of the published reference: they read the tables, so they can fail."""

from dagster import AssetCheckResult, AssetCheckSeverity, asset_check

from geodata.models.base import STORAGE_SRID
from geodata.sources.cog import reader as cog
from pipelines.incremental import reused_when_unchanged
from pipelines.reference.assets import communes
from pipelines.resources import PostGIS, Sources


@asset_check(asset=communes, description="Every current commune has a valid geometry, or a stated reason")
@reused_when_unchanged
def every_commune_has_valid_geometry(postgis: PostGIS) -> AssetCheckResult:
    with postgis.connect() as conn:
        invalid = conn.execute("SELECT count(*) FROM core.commune_boundary "
                               "WHERE NOT ST_IsValid(geom) OR ST_IsEmpty(geom)").fetchone()[0]
        unexplained = conn.execute(
            "SELECT count(*) FROM core.commune c WHERE NOT EXISTS "
            "(SELECT 1 FROM core.commune_boundary b WHERE b.insee_code = c.insee_code) AND NOT EXISTS "
            "(SELECT 1 FROM core.commune_without_boundary w WHERE w.insee_code = c.insee_code)"
        ).fetchone()[0]
    return AssetCheckResult(passed=invalid == 0 and unexplained == 0,
                            metadata={"invalid_geometries": invalid, "missing_without_reason": unexplained})


@asset_check(asset=communes, description="Geometries are stored in Lambert-93 (EPSG:2154)")
@reused_when_unchanged
def geometries_in_lambert93(postgis: PostGIS) -> AssetCheckResult:
    with postgis.connect() as conn:
        srids = [row[0] for row in conn.execute(
            "SELECT DISTINCT ST_SRID(geom) FROM core.commune_boundary")]
    return AssetCheckResult(passed=srids == [STORAGE_SRID], metadata={"srids": str(srids)})


@asset_check(asset=communes, description="The population total equals the COG file's total")
@reused_when_unchanged
def population_matches_cog(postgis: PostGIS, sources: Sources) -> AssetCheckResult:
    files = [sources.fetch(s) for s in (cog.COMMUNES, cog.EPCI, cog.DEPARTEMENTS, cog.REGIONS)]
    expected = cog.read_reference(*(f.path for f in files)).population_total
    with postgis.connect() as conn:
        published = conn.execute("SELECT coalesce(sum(population), 0) FROM observatory.commune").fetchone()[0]
    return AssetCheckResult(passed=published == expected,
                            metadata={"published": int(published), "cog_total": expected})


@asset_check(asset=communes, description="No INSEE code appears twice in the public view")
@reused_when_unchanged
def no_duplicate_code(postgis: PostGIS) -> AssetCheckResult:
    with postgis.connect() as conn:
        duplicates = conn.execute("SELECT count(*) - count(DISTINCT insee_code) FROM observatory.commune").fetchone()[0]
    return AssetCheckResult(passed=duplicates == 0, metadata={"duplicates": duplicates})


@asset_check(asset=communes, description="Current communes left without geometry (listed, by reason)")
@reused_when_unchanged
def communes_without_geometry_are_few(postgis: PostGIS) -> AssetCheckResult:
    with postgis.connect() as conn:
        by_reason = dict(conn.execute("SELECT reason, count(*) FROM core.commune_without_boundary GROUP BY 1"))
        total = conn.execute("SELECT count(*) FROM core.commune").fetchone()[0]
    missing = sum(by_reason.values())
    # Beyond 1 % the contours are probably of the wrong vintage or truncated.
    return AssetCheckResult(passed=missing <= 0.01 * total, severity=AssetCheckSeverity.WARN,
                            metadata={"missing": missing, "by_reason": by_reason})
