"""Give every current commune (COG) its geometry from contours of an older vintage.

A contour code resolves to the current commune that bears it, or that absorbed it
(`anciensCodes`), or whose delegated / associated commune or arrondissement it is; the
contours resolving to one commune are dissolved into one MultiPolygon. Current communes
left without geometry and contour codes unknown to the reference are reported, with a reason.
Areas are geodesic (on the WGS84 ellipsoid), true overseas as in the mainland.
"""
from __future__ import annotations

import time

import psycopg

from geodata.load import LoadReport, Rejected, indexes_built_after, record
from geodata.conventions import DISPLAY_SRID, on_ellipsoid

SOURCE = "commune-boundaries"
DISPLAY_TOLERANCE_M = 20  # simplification of the map geometry, in Lambert-93 metres (11 to 18 true metres overseas)

RESOLVE_CONTOUR_CODES = """
CREATE TEMP TABLE contour_resolution ON COMMIT DROP AS
SELECT k.code, k.name,
       coalesce(c.insee_code, absorbed.current_insee_code, member.current_insee_code) AS insee_code
FROM core.commune_contour k
LEFT JOIN core.commune c ON c.insee_code = k.code
LEFT JOIN LATERAL (SELECT f.current_insee_code FROM core.former_commune f
                   WHERE f.code = k.code AND f.kind = 'ancienne' LIMIT 1) absorbed ON true
LEFT JOIN LATERAL (SELECT f.current_insee_code FROM core.former_commune f
                   WHERE f.code = k.code AND f.kind <> 'ancienne'
                   ORDER BY f.kind LIMIT 1) member ON true
"""

INSERT_BOUNDARIES = f"""
INSERT INTO core.commune_boundary (insee_code, contour_codes, area_km2, geom, geom_display, centroid)
SELECT insee_code, contour_codes, ST_Area({on_ellipsoid('geom')}) / 1e6, geom,
       ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Transform(
           ST_SimplifyPreserveTopology(geom, %(tolerance)s), {DISPLAY_SRID})), 3)),
       ST_PointOnSurface(geom)
FROM (SELECT r.insee_code, array_agg(r.code ORDER BY r.code) AS contour_codes,
             ST_Multi(CASE WHEN count(*) = 1 THEN min(k.geom::text)::geometry
                           ELSE ST_CollectionExtract(ST_UnaryUnion(ST_Collect(k.geom)), 3) END) AS geom
      FROM contour_resolution r JOIN core.commune_contour k ON k.code = r.code
      WHERE r.insee_code IS NOT NULL
      GROUP BY r.insee_code) AS dissolved
"""

INSERT_MISSING = """
INSERT INTO core.commune_without_boundary (insee_code, name, reason)
SELECT c.insee_code, c.name,
       CASE WHEN c.zone = 'com'
            THEN 'collectivité d''outre-mer : hors du champ des contours communaux publiés'
            ELSE 'absente des contours ' || %(vintage)s
                 || ' : commune créée ou rétablie depuis ; son territoire reste compté dans la commune'
                 || ' dont elle faisait partie' END
FROM core.commune c
WHERE NOT EXISTS (SELECT 1 FROM core.commune_boundary b WHERE b.insee_code = c.insee_code)
"""


def harmonise(conn: psycopg.Connection, contours_vintage: str) -> LoadReport:
    """Rebuild core.commune_boundary and core.commune_without_boundary in one transaction."""
    started = time.perf_counter()
    report = LoadReport(source=SOURCE, target_table="commune_boundary", vintage=contours_vintage)
    with conn.transaction():
        conn.execute("DROP TABLE IF EXISTS pg_temp.contour_resolution")
        conn.execute(RESOLVE_CONTOUR_CODES)
        report.rows_read = conn.execute("SELECT count(*) FROM contour_resolution").fetchone()[0]
        for code, name in conn.execute(
                "SELECT code, name FROM contour_resolution WHERE insee_code IS NULL ORDER BY code"):
            report.rejected.append(Rejected(code, "unknown_code",
                                            f"contour {code} ({name}) matches no commune of the reference",
                                            {"code": code, "nom": name}))
        conn.execute("TRUNCATE core.commune_boundary, core.commune_without_boundary")
        with indexes_built_after(conn, "commune_boundary"):
            conn.execute(INSERT_BOUNDARIES, {"tolerance": DISPLAY_TOLERANCE_M})
        conn.execute(INSERT_MISSING, {"vintage": contours_vintage})
        report.rows_loaded = conn.execute("SELECT count(*) FROM core.commune_boundary").fetchone()[0]
        # Contours dissolved with others into one commune: read, not published on their own.
        report.rows_duplicate = report.rows_read - report.rows_quarantined - report.rows_loaded
        report.duration_s = time.perf_counter() - started
        record(conn, report)
    return report


def published_contours_vintage(conn: psycopg.Connection) -> str:
    """The vintage of the contours published last (the mirror's copy is older than the URL's)."""
    row = conn.execute("SELECT vintage FROM core.load_run WHERE source = 'contours' "
                       "ORDER BY id DESC LIMIT 1").fetchone()
    if row is None:
        raise LookupError("no commune contours were loaded yet")
    return row[0]


def communes_without_boundary(conn: psycopg.Connection) -> list[tuple[str, str, str]]:
    return conn.execute("SELECT insee_code, name, reason FROM core.commune_without_boundary "
                        "ORDER BY insee_code").fetchall()
