"""Mapbox vector tiles of communes, made by PostGIS (`ST_AsMVT`) from the public views."""
from __future__ import annotations

from psycopg import sql

from observatory.map_indicators import NO_DATA_RGB, MapIndicator

LAYER = "communes"
EXTENT = 4096

_TILE_SQL = """
WITH tile AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env_3857),
     bounds AS (SELECT env_3857, ST_Transform(env_3857, 4326) AS env_4326 FROM tile),
     features AS (
        SELECT c.insee_code AS code, c.name AS nom, {value} AS value,
               ST_AsMVTGeom(ST_Simplify(ST_Transform(c.geom_wgs84, 3857), %(tolerance)s, true),
                            bounds.env_3857, %(extent)s, 16, true) AS geom
        FROM observatory.commune c, bounds
        WHERE c.geom_wgs84 && bounds.env_4326)
SELECT ST_AsMVT(styled, %(layer)s, %(extent)s, 'geom') FROM (
    SELECT code, nom, round(value::numeric, 2)::float8 AS value,
           (%(reds)s::int[])[cls] AS r, (%(greens)s::int[])[cls] AS g,
           (%(blues)s::int[])[cls] AS b, geom
    FROM (SELECT *, CASE WHEN value IS NULL THEN %(no_data)s
                         ELSE width_bucket(value::float8, %(breaks)s::float8[]) + 1 END AS cls
          FROM features WHERE geom IS NOT NULL) AS classed) AS styled
"""


def simplify_tolerance(z: int) -> float:
    """Metres (Web Mercator) below which a vertex cannot be seen at zoom `z`.

    A tile is 40,075 km / 2^z wide and shown over 512 screen pixels: dropping detail under
    about one pixel keeps national tiles small (a z5 tile went from 3.3 MB to well under 1 MB).
    """
    return 40_075_016.7 / (2 ** z) / 512 if z < 11 else 0.0


def commune_tile(conn, indicator: MapIndicator, z: int, x: int, y: int) -> bytes:
    """One tile, with per-feature colour (r, g, b) by the indicator's classes."""
    if not (0 <= z <= 22 and 0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise ValueError(f"no tile {z}/{x}/{y}")
    palette = indicator.palette + [NO_DATA_RGB]
    query = sql.SQL(_TILE_SQL).format(value=sql.SQL(indicator.value_sql))
    row = conn.execute(query, {
        "z": z, "x": x, "y": y, "extent": EXTENT, "layer": LAYER, "tolerance": simplify_tolerance(z),
        "breaks": list(indicator.breaks), "no_data": len(palette),
        "reds": [c[0] for c in palette], "greens": [c[1] for c in palette], "blues": [c[2] for c in palette],
    }).fetchone()
    return bytes(row[0]) if row and row[0] else b""
