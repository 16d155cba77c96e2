"""Overseas insets of the national maps, as INSEE's maps draw them: each overseas département's
communes moved and scaled into a box in the Atlantic, west of metropolitan France, so that the
national view shows them beside the metropolitan communes.

PostGIS moves them in Web Mercator (the maps' projection: shapes stay as the map shows them),
each territory scaled to fill its box, then back to WGS84 for deck.gl.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from psycopg import sql

from observatory.formatting import number
from observatory.map_indicators import NO_DATA_LABEL, MapIndicator
from observatory.national_image import to_lonlat


@dataclass(frozen=True)
class Inset:
    departement_code: str
    name: str                                   # French, written above the box
    box_3857: tuple[float, float, float, float]  # west, south, east, north, Web Mercator metres


# A column of boxes west of Brittany (longitudes -9.8 to -6.4), north to south.
_WEST, _EAST, _NORTH, _SOUTH, _GAP = -1_090_000.0, -715_000.0, 6_640_000.0, 5_060_000.0, 40_000.0
_TERRITORIES = (("971", "Guadeloupe"), ("972", "Martinique"), ("973", "Guyane"), ("974", "La Réunion"),
                ("976", "Mayotte"))
_STEP = (_NORTH - _SOUTH) / len(_TERRITORIES)
INSETS = tuple(Inset(code, name, (_WEST, _NORTH - (index + 1) * _STEP + _GAP, _EAST, _NORTH - index * _STEP - _GAP))
               for index, (code, name) in enumerate(_TERRITORIES))
# Room left inside each box for its frame and title.
_FILL = 0.86
# Detail kept in the insets, Web Mercator metres: half a pixel at the national view (zoom 4.5).
_TOLERANCE = 1_500.0

_INSET_SQL = """
WITH box AS (SELECT * FROM unnest(%(codes)s::text[], %(west)s::float8[], %(south)s::float8[],
                                  %(east)s::float8[], %(north)s::float8[]) AS b(dep, west, south, east, north)),
     communes AS (SELECT c.insee_code, c.name, c.departement_code AS dep, {value} AS value,
                         ST_Transform(c.geom_wgs84, 3857) AS geom
                  FROM observatory.commune c
                  WHERE c.departement_code = ANY(%(codes)s) AND c.geom_wgs84 IS NOT NULL),
     extent AS (SELECT dep, ST_Extent(geom) AS e FROM communes GROUP BY dep),
     fit AS (SELECT b.*, e, %(fill)s * least((b.east - b.west) / (ST_XMax(e) - ST_XMin(e)),
                                             (b.north - b.south) / (ST_YMax(e) - ST_YMin(e))) AS s
             FROM box b JOIN extent USING (dep))
SELECT c.insee_code, c.name, c.value,
       ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(
           ST_Affine(c.geom, f.s, 0, 0, f.s,
                     (f.west + f.east) / 2 - f.s * (ST_XMin(f.e) + ST_XMax(f.e)) / 2,
                     (f.south + f.north) / 2 - f.s * (ST_YMin(f.e) + ST_YMax(f.e)) / 2),
           %(tolerance)s), 4326), 3)
FROM communes c JOIN fit f USING (dep)
ORDER BY c.insee_code
"""


def inset_features(conn, indicator: MapIndicator) -> list[dict]:
    """GeoJSON features of the overseas communes moved into their insets, with the properties
    of the vector tiles (`code`, `nom`, `valeur`: the value as French text with its unit) and
    their class colour (`r`, `g`, `b`)."""
    params = {"codes": [i.departement_code for i in INSETS], "fill": _FILL, "tolerance": _TOLERANCE,
              **{side: [i.box_3857[n] for i in INSETS] for n, side in enumerate(("west", "south", "east", "north"))}}
    rows = conn.execute(sql.SQL(_INSET_SQL).format(value=sql.SQL(indicator.value_sql)), params).fetchall()
    features = []
    for code, name, value, geometry in rows:
        value = None if value is None else float(value)
        r, g, b = indicator.colour_of(value)
        features.append({"type": "Feature", "geometry": json.loads(geometry), "properties": {
            "code": code, "nom": name, "r": r, "g": g, "b": b,
            "valeur": number(value, indicator.decimals, indicator.unit, missing=NO_DATA_LABEL)}})
    return features


def inset_frames() -> list[dict]:
    """Each inset's box (a closed path, WGS84) and where its title goes (just above its top
    left corner)."""
    frames = []
    for inset in INSETS:
        west, south, east, north = inset.box_3857
        corners = [to_lonlat(x, y) for x, y in ((west, south), (east, south), (east, north), (west, north), (west, south))]
        frames.append({"name": inset.name, "path": [list(c) for c in corners],
                       "title_at": list(to_lonlat(west, north + 6_000))})
    return frames
