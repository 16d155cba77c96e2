"""Mapbox vector tiles of communes, made by PostGIS (`ST_AsMVT`) from the public views."""
from __future__ import annotations

from psycopg import sql

from observatory.formatting import NARROW_NBSP
from observatory.map_indicators import NO_DATA_LABEL, NO_DATA_RGB, MapIndicator

LAYER = "communes"

_TILE_SQL = """
WITH tile AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env_3857),
     bounds AS (SELECT env_3857, ST_Transform(env_3857, 4326) AS env_4326 FROM tile),
     features AS (
        SELECT c.insee_code AS code, c.name AS nom, {value} AS value,
               ST_AsMVTGeom(ST_Transform(c.geom_wgs84, 3857), bounds.env_3857, %(extent)s, 16, true) AS geom
        FROM observatory.commune c, bounds
        WHERE c.geom_wgs84 && bounds.env_4326)
SELECT ST_AsMVT(styled, %(layer)s, %(extent)s, 'geom') FROM (
    SELECT code, nom,
           CASE WHEN value IS NULL THEN %(no_data_label)s
                ELSE translate(to_char(round(value::numeric, %(decimals)s), %(pattern)s), ',.', %(separators)s)
                     || %(unit)s END AS valeur,
           (%(reds)s::int[])[cls] AS r, (%(greens)s::int[])[cls] AS g,
           (%(blues)s::int[])[cls] AS b, geom
    FROM (SELECT *, CASE WHEN value IS NULL THEN %(no_data)s
                         ELSE width_bucket(value::float8, %(breaks)s::float8[]) + 1 END AS cls
          FROM features WHERE geom IS NOT NULL) AS classed) AS styled
"""


def tile_extent(z: int) -> int:
    """Grid units across a tile at zoom `z`.

    A tile is shown over 512 screen pixels: at national zooms a grid of 512 keeps detail to about
    a pixel, and ST_AsMVTGeom drops the vertices that fall on the same cell. The national view
    (z5) gets a 2-pixel grid: with a 1-pixel one its vertices froze the first frame for ~19 s
    in software WebGL (headless Chromium), against none noticeable at 256; it is also 0.7 MB
    instead of 1.1 MB. Coarsening through the grid rather than ST_Simplify matters: neighbouring
    communes snap their shared border to the same points, where simplifying each polygon on its
    own opened white cracks between them.
    """
    return 256 if z <= 5 else 512 if z <= 8 else 4096


def number_pattern(decimals: int) -> str:
    """A `to_char` pattern whose `,` and `.` are literal (not the server's locale): the tile
    query turns them into French separators, as `observatory.formatting.number` does."""
    return "FM999,999,999,990" + ("." + "0" * decimals if decimals else "")


def commune_tile(conn, indicator: MapIndicator, z: int, x: int, y: int) -> bytes:
    """One tile, with per-feature colour (r, g, b) by the indicator's classes and the value as
    French text (`valeur`, with its unit) for tooltips."""
    if not (0 <= z <= 22 and 0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise ValueError(f"no tile {z}/{x}/{y}")
    palette = indicator.palette + [NO_DATA_RGB]
    query = sql.SQL(_TILE_SQL).format(value=sql.SQL(indicator.value_sql))
    row = conn.execute(query, {
        "z": z, "x": x, "y": y, "extent": tile_extent(z), "layer": LAYER,
        "breaks": [float(bound) for bound in indicator.breaks], "no_data": len(palette), "no_data_label": NO_DATA_LABEL,
        "decimals": indicator.decimals, "pattern": number_pattern(indicator.decimals),
        "separators": f"{NARROW_NBSP},", "unit": f"{NARROW_NBSP}{indicator.unit}" if indicator.unit else "",
        "reds": [c[0] for c in palette], "greens": [c[1] for c in palette], "blues": [c[2] for c in palette],
    }).fetchone()
    return bytes(row[0]) if row and row[0] else b""
