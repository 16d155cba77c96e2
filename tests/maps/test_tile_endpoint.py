"""The tile service against the real database: vector tiles, the national image, errors,
and validators (ETag, Last-Modified) that follow the data's last load."""
import gzip
import io
import math
import time
from email.utils import parsedate_to_datetime

import psycopg
import pytest
from PIL import Image

from dashboards.tile_server import SERVED, create_app
from observatory import energy
from observatory.formatting import number
from observatory.map_indicators import MAP_INDICATORS
from observatory.national_image import BOUNDS_LONLAT
from tests.maps.serving import get, running

LILLE_TILE = "10/520/344"
POLL_SECONDS = 0.5
LOAD_COLUMNS = ("source, target_table, duration_s, rows_read, rows_loaded, rows_repaired, rows_duplicate, "
                "rows_quarantined, quarantine_by_reason, source_url, source_hash, vintage")


@pytest.fixture(scope="module")
def tiles(reference_db):
    with running(create_app(reference_db)) as url:
        yield url


@pytest.fixture(scope="module")
def energy_tiles(observatory_db):
    """On the database where every pipeline ran: the energy indicators have values. No static
    build: every tile is made by PostGIS."""
    with running(create_app(observatory_db, poll_seconds=POLL_SECONDS)) as url:
        yield url


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


def test_validators_follow_the_last_load_and_answer_304(energy_tiles, observatory_db):
    url = f"{energy_tiles}/communes/density/{LILLE_TILE}.pbf"
    status, headers, body = get(url)
    etag, last_modified = headers["etag"], headers["last-modified"]
    with psycopg.connect(observatory_db) as conn:
        load_id, finished = conn.execute(
            "SELECT id, started_at + make_interval(secs => duration_s) FROM core.load_run "
            "WHERE source IN ('cog-commune', 'commune-boundaries', 'energy-commune-indicators') "
            "ORDER BY id DESC LIMIT 1").fetchone()
    assert status == 200 and etag.startswith(f'"{load_id}-')
    assert parsedate_to_datetime(last_modified) == finished.replace(microsecond=0)
    assert headers["cache-control"].startswith("public")
    for conditional in ({"If-None-Match": etag}, {"If-None-Match": f'"other", W/{etag}'},
                        {"If-Modified-Since": last_modified}):
        status, again, body = get(url, conditional)
        assert (status, body, again["etag"]) == (304, b"", etag), conditional
    assert get(url, {"If-None-Match": '"an-older-load"'})[0] == 200
    national = f"{energy_tiles}/national/density.png"
    assert get(national, {"If-None-Match": get(national)[1]["etag"]})[0] == 304

    # A refresh of the indicators (the same rows, published again): a new ETag, and the old one
    # no longer answers 304.
    with psycopg.connect(observatory_db) as conn:
        new_id = conn.execute(
            f"INSERT INTO core.load_run (started_at, {LOAD_COLUMNS}) SELECT now(), {LOAD_COLUMNS} FROM core.load_run "
            "WHERE source = 'energy-commune-indicators' ORDER BY id DESC LIMIT 1 RETURNING id").fetchone()[0]
    try:
        deadline = time.monotonic() + 10 * POLL_SECONDS + 5
        while (status := get(url, {"If-None-Match": etag})[0]) == 304 and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS / 2)
        assert status == 200
        status, headers, _ = get(url)
        assert headers["etag"].startswith(f'"{new_id}-') and headers["last-modified"] != last_modified
    finally:
        with psycopg.connect(observatory_db) as conn:
            conn.execute("DELETE FROM core.load_run WHERE id = %s", (new_id,))


def test_the_mvt_worker_is_served_gzipped(tiles):
    status, headers, body = get(f"{tiles}/workers/mvt-worker.js")
    assert (status, headers["content-encoding"]) == (200, "gzip")
    assert b"loaders" in gzip.decompress(body)
    assert get(f"{tiles}/workers/mvt-worker.js", {"If-None-Match": headers["etag"]})[0] == 304
