"""The national commune choropleth as one image, for the first paint of the national map.

Drawing 35,000 vector polygons costs seconds where no GPU helps (software WebGL took 5-9 s
here); one PNG of metropolitan France paints with the page. The image is in Web Mercator,
so a deck.gl BitmapLayer stretched over `BOUNDS_LONLAT` lines up with the vector tiles that
take over when the user zooms in.
"""
from __future__ import annotations

import io
import math

import numpy as np
import shapely
from PIL import Image, ImageDraw
from psycopg import sql

from observatory.map_indicators import MapIndicator

# Metropolitan France and Corsica, in Web Mercator metres (west, south, east, north).
BOUNDS_3857 = (-580_000.0, 5_040_000.0, 1_070_000.0, 6_650_000.0)
WIDTH_PX = 1400  # about twice the national view's width on screen: sharp on HiDPI screens too

_COMMUNES = """
SELECT ST_AsBinary(ST_Transform(c.geom_wgs84, 3857)), {value}
FROM observatory.commune c
WHERE c.geom_wgs84 IS NOT NULL AND c.zone = 'metro'
"""


def to_lonlat(x: float, y: float) -> tuple[float, float]:
    radius = 6_378_137.0
    return math.degrees(x / radius), math.degrees(2 * math.atan(math.exp(y / radius)) - math.pi / 2)


BOUNDS_LONLAT = (*to_lonlat(BOUNDS_3857[0], BOUNDS_3857[1]), *to_lonlat(BOUNDS_3857[2], BOUNDS_3857[3]))


def render_national_png(conn, indicator: MapIndicator, width: int = WIDTH_PX) -> bytes:
    """Every commune of metropolitan France filled with its class colour, transparent around."""
    rows = conn.execute(sql.SQL(_COMMUNES).format(value=sql.SQL(indicator.value_sql))).fetchall()
    west, south, east, north = BOUNDS_3857
    height = round(width * (north - south) / (east - west))
    scale_x, scale_y = width / (east - west), height / (north - south)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for geometry, (_, value) in zip(shapely.from_wkb([row[0] for row in rows]), rows):
        colour = (*indicator.colour_of(value), 255)
        for polygon in shapely.get_parts(geometry):
            ring = np.asarray(polygon.exterior.coords)
            draw.polygon(list(zip(((ring[:, 0] - west) * scale_x).tolist(),
                                  ((north - ring[:, 1]) * scale_y).tolist())), fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
