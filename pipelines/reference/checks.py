"""Checks of the published reference: they read the tables, so they can fail."""

from dagster import AssetCheckResult, AssetCheckSeverity, asset_check

from geodata.models.base import STORAGE_SRID
from geodata.sources.cog import reader as cog
from pipelines.incremental import reused_when_unchanged
from pipelines.metadata import markdown_table
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


# The published areas and densities against an independent measure of each contour: planar
# area in an equal-area projection (ETRS89-LAEA Europe, EPSG:3035, in mainland France and
# Corsica; WGS 84 / NSIDC EASE-Grid 2.0, cylindrical equal-area, EPSG:6933, overseas), where
# the published area is geodesic. On the real contours both agree within 0.002 %; areas
# measured in Lambert-93 were off by up to 0.6 % in the mainland and 257 % overseas.
AREA_TOLERANCE = 0.001
AREAS_AGAINST_EQUAL_AREA = """
SELECT insee_code, name, zone, area_km2, equal_area_km2,
       coalesce(abs(area_km2 / nullif(equal_area_km2, 0) - 1), 1) AS area_error,
       CASE WHEN population > 0
            THEN abs(coalesce(density_per_km2, 0) * equal_area_km2 / population - 1) END AS density_error
FROM (SELECT insee_code, name, zone, area_km2, density_per_km2, population,
             ST_Area(ST_Transform(geom, CASE WHEN zone = 'metro' THEN 3035 ELSE 6933 END)) / 1e6
                 AS equal_area_km2
      FROM observatory.commune WHERE geom IS NOT NULL) AS measured
"""


@asset_check(asset=communes, description="Every commune's published area and density are within 0.1 % of "
                                         "its true area, measured independently in an equal-area projection")
@reused_when_unchanged
def areas_are_true(postgis: PostGIS) -> AssetCheckResult:
    with postgis.connect() as conn:
        rows = conn.execute(AREAS_AGAINST_EQUAL_AREA).fetchall()
    error = {row[0]: max(row[5], row[6] or 0) for row in rows}
    wrong = sorted((row for row in rows if error[row[0]] > AREA_TOLERANCE), key=lambda row: -error[row[0]])

    def largest(overseas: bool) -> float:
        return round(100 * max((error[r[0]] for r in rows if (r[2] != "metro") == overseas), default=0), 4)

    return AssetCheckResult(passed=bool(rows) and not wrong, metadata={
        "communes_checked": len(rows), "outside_tolerance": len(wrong),
        "tolerance_pct": 100 * AREA_TOLERANCE,
        "largest_error_pct_mainland": largest(False), "largest_error_pct_overseas": largest(True),
        "outside_tolerance_list": markdown_table(
            ("code", "commune", "surface publiée (km²)", "surface à aire égale (km²)", "écart (%)"),
            [(r[0], r[1], round(r[3], 3), round(r[4], 3), round(100 * error[r[0]], 3)) for r in wrong[:20]]),
    })


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
