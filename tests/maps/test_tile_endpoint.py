"""The tile endpoint against the real database: vector tiles, the national image, errors."""
import gzip
import io
import math
import threading
import urllib.error
import urllib.request

import psycopg
import pytest
from PIL import Image

from dashboards.tile_server import SERVED, TileServer
from observatory import energy
from observatory.formatting import number
from observatory.map_indicators import MAP_INDICATORS
from observatory.national_image import BOUNDS_LONLAT

LILLE_TILE = "10/520/344"


def _serve(database_url: str):
    server = TileServer(("127.0.0.1", 0), database_url)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def tiles(reference_db):
    yield from _serve(reference_db)


@pytest.fixture(scope="module")
def energy_tiles(observatory_db):
    """On the database where every pipeline ran: the energy indicators have values."""
    yield from _serve(observatory_db)


def get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def pixel_at(png: bytes, lon: float, lat: float) -> tuple[int, int, int, int]:
    """The national image's pixel at a place (the image is in Web Mercator)."""
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    west, south, east, north = BOUNDS_LONLAT

    def mercator_y(latitude: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(latitude) / 2))

    x = (lon - west) / (east - west) * image.width
    y = (mercator_y(north) - mercator_y(lat)) / (mercator_y(north) - mercator_y(south)) * image.height
    return image.getpixel((int(x), int(y)))


def test_national_image_draws_france_in_the_indicator_colours(tiles):
    status, headers, body = get(f"{tiles}/national/density.png")
    assert (status, headers["Content-Type"]) == (200, "image/png")
    assert Image.open(io.BytesIO(body)).width == 1400
    # Paris (2.35 E, 48.86 N) is in the densest class; the Atlantic, west of Brittany, is empty.
    assert pixel_at(body, 2.35, 48.86)[:3] == MAP_INDICATORS["density"].palette[-1]
    assert pixel_at(body, -6.0, 47.0)[3] == 0


def test_vector_tile_of_lille_carries_colour_and_name(tiles):
    status, headers, body = get(f"{tiles}/communes/density/{LILLE_TILE}.pbf")
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    tile = gzip.decompress(body)
    assert b"communes" in tile and "Lille".encode() in tile


def test_unknown_indicator_and_impossible_tile_are_refused(tiles):
    assert get(f"{tiles}/communes/nope/5/16/11.pbf")[0] == 404
    assert get(f"{tiles}/communes/density/5/99/11.pbf")[0] == 400
    assert get(f"{tiles}/national/nope.png")[0] == 404


def test_energy_indicators_are_served_with_their_values_in_french(energy_tiles, observatory_db):
    with psycopg.connect(observatory_db) as conn:
        points, per_1000 = conn.execute("SELECT charging_points, points_per_1000_inhabitants "
                                        "FROM observatory.commune_energy WHERE insee_code = '59350'").fetchone()
    assert points > 100
    shown = {}
    for key, value in (("charging_points", points), ("points_per_1000_inhabitants", per_1000)):
        indicator = energy.INDICATORS[key]
        status, _, body = get(f"{energy_tiles}/communes/{indicator.map_key}/{LILLE_TILE}.pbf")
        assert status == 200
        shown[key] = number(value, indicator.decimals, indicator.unit)
        assert shown[key].encode() in gzip.decompress(body), shown[key]
    assert "," in shown["points_per_1000_inhabitants"]    # one decimal, after a comma
    status, headers, body = get(f"{energy_tiles}/national/energy_charging_points.png")
    assert (status, headers["Content-Type"]) == (200, "image/png")
    # Paris has more than 200 points: the top class
    assert pixel_at(body, 2.35, 48.86)[:3] == energy.MAPS["energy_charging_points"].palette[-1]


@pytest.mark.parametrize("indicator_key", sorted(SERVED))
def test_every_served_indicator_makes_a_tile(energy_tiles, indicator_key):
    status, _, body = get(f"{energy_tiles}/communes/{indicator_key}/{LILLE_TILE}.pbf")
    assert status == 200, body[:300]
    assert "Lille".encode() in gzip.decompress(body)
