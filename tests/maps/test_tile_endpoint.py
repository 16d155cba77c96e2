"""The tile endpoint against the real database: vector tiles, the national image, errors."""
import gzip
import io
import threading
import urllib.error
import urllib.request

import pytest
from PIL import Image

from dashboards.tile_server import TileServer
from observatory.map_indicators import MAP_INDICATORS
from observatory.national_image import BOUNDS_LONLAT


@pytest.fixture(scope="module")
def tiles(reference_db):
    server = TileServer(("127.0.0.1", 0), reference_db)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_national_image_draws_france_in_the_indicator_colours(tiles):
    status, headers, body = get(f"{tiles}/national/density.png")
    assert (status, headers["Content-Type"]) == (200, "image/png")
    image = Image.open(io.BytesIO(body)).convert("RGBA")
    assert image.width == 1400
    # Paris (2.35 E, 48.86 N) is in the densest class; the Atlantic, west of Brittany, is empty.
    west, south, east, north = BOUNDS_LONLAT
    import math

    def pixel(lon, lat):
        y_of = lambda la: math.log(math.tan(math.pi / 4 + math.radians(la) / 2))  # noqa: E731
        x = (lon - west) / (east - west) * image.width
        y = (y_of(north) - y_of(lat)) / (y_of(north) - y_of(south)) * image.height
        return image.getpixel((int(x), int(y)))

    assert pixel(2.35, 48.86)[:3] == MAP_INDICATORS["density"].palette[-1]
    assert pixel(-6.0, 47.0)[3] == 0


def test_vector_tile_of_lille_carries_colour_and_name(tiles):
    status, headers, body = get(f"{tiles}/communes/density/10/520/344.pbf")
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    tile = gzip.decompress(body)
    assert b"communes" in tile and "Lille".encode() in tile


def test_unknown_indicator_and_impossible_tile_are_refused(tiles):
    assert get(f"{tiles}/communes/nope/5/16/11.pbf")[0] == 404
    assert get(f"{tiles}/communes/density/5/99/11.pbf")[0] == 400
    assert get(f"{tiles}/national/nope.png")[0] == 404
