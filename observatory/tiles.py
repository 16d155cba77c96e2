"""Mapbox vector tiles of communes, made by PostGIS (`ST_AsMVT`) from the public views."""
from __future__ import annotations

from collections.abc import Sequence

from psycopg import sql

from observatory.formatting import NARROW_NBSP
from observatory.map_indicators import NO_DATA_LABEL, NO_DATA_RGB, MapIndicator

LAYER = "communes"
# Commune names, one point each, in the tile that holds it (`LABEL_LAYER`): from the zoom where
# the commune's box is wider than its name (12 px text, about LABEL_CHAR_PX a character) and
# taller than a line. Every indicator's tile carries them.
LABEL_LAYER = "labels"
LABEL_CHAR_PX, LABEL_MARGIN_PX, LABEL_HEIGHT_PX = 6.5, 8, 16
TILE_PX = 512                       # a tile's width on screen
EARTH_CIRCUMFERENCE_M = 40_075_016.686

# The communes of a tile are clipped once (`features`; values are read only for the communes
# left once clipped to the tile's grid); each indicator then makes its own tile from them: the
# national archive builds the indicators' tiles of a place in one query. Features go in code
# order: the same data makes the same bytes whatever the plan (parallel workers returned them
# in any order).
_TILE_SQL = """
WITH tile AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env_3857),
     bounds AS (SELECT env_3857, ST_Transform(env_3857, 4326) AS env_4326 FROM tile),
     features AS (
        SELECT c.insee_code AS code, c.name AS nom, {values}, clipped.geom
        FROM observatory.commune c, bounds,
             LATERAL (SELECT ST_AsMVTGeom(ST_Transform(c.geom_wgs84, 3857), bounds.env_3857, %(extent)s, 16, true)
                      AS geom) AS clipped
        WHERE c.geom_wgs84 && bounds.env_4326 AND clipped.geom IS NOT NULL),
     labels AS (
        SELECT code, nom, ST_AsMVTGeom(ST_Transform(point, 3857), bounds.env_3857, %(extent)s, 0, false) AS geom
        FROM bounds, (
            SELECT c.insee_code AS code, c.name AS nom, ST_PointOnSurface(c.geom_wgs84) AS point
            FROM observatory.commune c, bounds,
                 LATERAL (SELECT Box2D(ST_Transform(ST_Envelope(c.geom_wgs84), 3857)) AS box) AS b
            WHERE c.geom_wgs84 && bounds.env_4326
              AND (ST_XMax(b.box) - ST_XMin(b.box)) * %(pixels_per_metre)s
                  >= %(label_char_px)s * char_length(c.name) + %(label_margin_px)s
              AND (ST_YMax(b.box) - ST_YMin(b.box)) * %(pixels_per_metre)s >= %(label_height_px)s) AS named
        WHERE ST_Transform(point, 3857) && bounds.env_3857),
     label_tile AS (SELECT coalesce(ST_AsMVT(labels, %(label_layer)s, %(extent)s, 'geom' ORDER BY code), '')
                           AS tile FROM labels)
SELECT {tiles}
"""

_INDICATOR_TILE_SQL = """(SELECT ST_AsMVT(styled, %(layer)s, %(extent)s, 'geom' ORDER BY styled.code)
                                || (SELECT tile FROM label_tile) FROM (
    SELECT code, nom,
           CASE WHEN value IS NULL THEN %(no_data_label)s
                ELSE translate(to_char(round(value::numeric, {p}decimals)s), {p}pattern)s), ',.', %(separators)s)
                     || {p}unit)s END AS valeur,
           ({p}reds)s::int[])[cls] AS r, ({p}greens)s::int[])[cls] AS g,
           ({p}blues)s::int[])[cls] AS b, geom
    FROM (SELECT code, nom, geom, {value} AS value,
                 CASE WHEN {value} IS NULL THEN {p}no_data)s
                      ELSE width_bucket({value}::float8, {p}breaks)s::float8[]) + 1 END AS cls
          FROM features) AS classed) AS styled)"""


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


def tile_exists(z: int, x: int, y: int) -> bool:
    return 0 <= z <= 22 and 0 <= x < 2 ** z and 0 <= y < 2 ** z


def has_communes(conn, z: int, x: int, y: int) -> bool:
    """Whether any commune's contour reaches the tile (its tile may still be empty: at low
    zooms small communes vanish into the grid, where they show in the tiles below)."""
    return conn.execute("SELECT EXISTS (SELECT FROM observatory.commune c WHERE c.geom_wgs84 && "
                        "ST_Transform(ST_TileEnvelope(%s, %s, %s), 4326))", (z, x, y)).fetchone()[0]


def tiles_query(indicators: Sequence[MapIndicator], z: int, x: int, y: int) -> tuple[sql.Composed, dict]:
    """The query (and its parameters) of the tile of each indicator at z/x/y: per-feature colour
    (r, g, b) by the indicator's classes and the value as French text (`valeur`, with its unit)
    for tooltips. Its row holds one tile per indicator, in order: `tiles_of` reads it. The tile
    service runs it on its asynchronous connections, `commune_tiles` on a synchronous one."""
    if not tile_exists(z, x, y):
        raise ValueError(f"no tile {z}/{x}/{y}")
    params = {"z": z, "x": x, "y": y, "extent": tile_extent(z), "layer": LAYER, "label_layer": LABEL_LAYER,
              "pixels_per_metre": TILE_PX * 2 ** z / EARTH_CIRCUMFERENCE_M, "label_char_px": LABEL_CHAR_PX,
              "label_margin_px": LABEL_MARGIN_PX, "label_height_px": LABEL_HEIGHT_PX,
              "no_data_label": NO_DATA_LABEL, "separators": f"{NARROW_NBSP},"}
    values, tiles = [], []
    for index, indicator in enumerate(indicators):
        palette = indicator.palette + [NO_DATA_RGB]
        params.update({f"i{index}_{name}": value for name, value in {
            "breaks": [float(bound) for bound in indicator.breaks], "no_data": len(palette),
            "decimals": indicator.decimals, "pattern": number_pattern(indicator.decimals),
            "unit": f"{NARROW_NBSP}{indicator.unit}" if indicator.unit else "",
            "reds": [c[0] for c in palette], "greens": [c[1] for c in palette], "blues": [c[2] for c in palette],
        }.items()})
        column = sql.Identifier(f"value_{index}")
        values.append(sql.SQL("{} AS {}").format(sql.SQL(indicator.value_sql), column))
        tiles.append(sql.SQL(_INDICATOR_TILE_SQL.replace("{p}", f"%(i{index}_")).format(value=column))
    query = sql.SQL(_TILE_SQL).format(values=sql.SQL(", ").join(values), tiles=sql.SQL(", ").join(tiles))
    return query, params


def tiles_of(indicators: Sequence[MapIndicator], row) -> dict[str, bytes]:
    """The tiles of `tiles_query`'s row by indicator key (empty bytes where no commune is)."""
    return {indicator.key: bytes(tile) if tile else b"" for indicator, tile in zip(indicators, row)}


def commune_tiles(conn, indicators: Sequence[MapIndicator], z: int, x: int, y: int) -> dict[str, bytes]:
    """The tile of each indicator at z/x/y, by indicator key (see `tiles_query`)."""
    return tiles_of(indicators, conn.execute(*tiles_query(indicators, z, x, y)).fetchone())


def commune_tile(conn, indicator: MapIndicator, z: int, x: int, y: int) -> bytes:
    """One indicator's tile (see `commune_tiles`)."""
    return commune_tiles(conn, [indicator], z, x, y)[indicator.key]
