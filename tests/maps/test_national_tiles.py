"""The static national build (PMTiles archives and images) and the tile service reading it:
national zooms answer without the database."""
import gzip
import json
import shutil
import time

import psycopg
import pytest
from dagster import build_asset_context
from pmtiles.reader import MmapSource, Reader
from pmtiles.tile import Compression, TileType

from dashboards.tile_server import create_app
from observatory import national_tiles
from observatory.national_tiles import SERVED
from observatory.tiles import commune_tile
from pipelines.definitions import defs
from pipelines.maps.assets import national_map_tiles
from pipelines.maps.checks import build_is_current_and_complete
from pipelines.resources import PostGIS
from tests.maps.serving import get, running

# The build of two indicators up to the national view's zoom: the pipeline's (every indicator,
# up to z8) takes minutes.
INDICATORS = {key: SERVED[key] for key in ("density", "background")}
MAX_ZOOM = 5
PARIS_Z5 = (5, 16, 11)
UNREACHABLE = "postgresql://observatory@127.0.0.1:9/nothing?connect_timeout=1"


@pytest.fixture(scope="module")
def build(reference_db, tmp_path_factory):
    directory = tmp_path_factory.mktemp("national")
    with psycopg.connect(reference_db) as conn:
        report = national_tiles.build(conn, directory, max_zoom=MAX_ZOOM, indicators=INDICATORS)
    return directory, report


def test_build_holds_every_zoom_of_every_indicator_with_its_data_version(build, reference_db):
    directory, report = build
    with psycopg.connect(reference_db) as conn:
        version = national_tiles.data_version(conn)
    assert report.version == version and version.load_id > 0
    assert list(report.tiles_by_zoom) == list(range(MAX_ZOOM + 1)) and report.tiles_by_zoom[0] == 1
    manifest = json.loads((directory / national_tiles.MANIFEST).read_text())
    assert manifest["indicators"] == sorted(INDICATORS) and manifest["max_zoom"] == MAX_ZOOM
    for key in INDICATORS:
        with open(directory / manifest["folder"] / f"{key}.pmtiles", "rb") as file:
            reader = Reader(MmapSource(file))
            header = reader.header()
            assert (header["tile_type"], header["tile_compression"]) == (TileType.MVT, Compression.GZIP)
            assert (header["min_zoom"], header["max_zoom"]) == (0, MAX_ZOOM)
            assert header["addressed_tiles_count"] == report.tiles_per_indicator
            assert reader.metadata()["observatory"] == version.as_json()
            assert b"Paris" in gzip.decompress(reader.get(*PARIS_Z5))
        assert (directory / manifest["folder"] / f"{key}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_z5_tile_and_the_national_image_come_from_the_build_with_the_database_unreachable(build, reference_db):
    directory, report = build
    with psycopg.connect(reference_db) as conn:
        conn.execute("SET max_parallel_workers_per_gather = 0")   # parallel plans reorder features
        expected = commune_tile(conn, SERVED["density"], *PARIS_Z5)
    with running(create_app(UNREACHABLE, directory)) as url:
        started = time.monotonic()
        status, headers, body = get(f"{url}/communes/density/{'/'.join(map(str, PARIS_Z5))}.pbf")
        assert time.monotonic() - started < 1
        assert (status, headers["content-encoding"]) == (200, "gzip")
        assert gzip.decompress(body) == expected
        assert headers["etag"] == report.version.etag
        assert get(f"{url}/communes/density/5/16/11.pbf", {"If-None-Match": report.version.etag})[0] == 304
        # Out at sea: no commune, so not in the archive, and empty without asking anyone.
        status, _, body = get(f"{url}/communes/background/5/0/0.pbf")
        assert (status, gzip.decompress(body)) == (200, b"")
        status, headers, image = get(f"{url}/national/density.png")
        assert (status, headers["content-type"], image[:4]) == (200, "image/png", b"\x89PNG")
        # Beyond the build's zooms, or an indicator it lacks: the database is needed, and out
        # of reach: 503 at once, never a hang.
        for path in ("/communes/density/6/32/22.pbf", "/communes/population/5/16/11.pbf"):
            started = time.monotonic()
            assert get(f"{url}{path}")[0] == 503
            assert time.monotonic() - started < 2
        assert get(f"{url}/communes/nope/5/16/11.pbf")[0] == 404


def test_a_current_build_is_served_without_querying_the_database(build, reference_db):
    directory, report = build
    app = create_app(reference_db, directory)
    service = app.state.service
    with running(app) as url:
        assert service.version == report.version
        status, headers, body = get(f"{url}/communes/density/5/16/11.pbf")
        assert (status, headers["etag"]) == (200, report.version.etag) and b"Paris" in gzip.decompress(body)
        assert get(f"{url}/national/background.png")[0] == 200
        assert (service.cache.size, service._pending) == (0, {})   # nothing was asked of PostGIS
        # Above the build's zooms: PostGIS, then its memory.
        assert get(f"{url}/communes/density/10/520/344.pbf")[0] == 200
        assert service.cache.size > 0


def test_a_build_older_than_the_data_is_not_served(build, reference_db, tmp_path):
    directory, report = build
    stale = tmp_path / "stale"
    shutil.copytree(directory, stale)
    manifest = json.loads((stale / national_tiles.MANIFEST).read_text())
    manifest["version"]["load_id"] = report.version.load_id - 1
    (stale / national_tiles.MANIFEST).write_text(json.dumps(manifest))
    with running(create_app(reference_db, stale)) as url:
        status, headers, body = get(f"{url}/communes/density/5/16/11.pbf")
    assert status == 200 and headers["etag"] == report.version.etag   # the database's version
    assert b"Paris" in gzip.decompress(body)


def test_the_build_is_an_asset_of_the_refresh(build):
    graph = defs.get_repository_def().asset_graph
    key = next(k for k in graph.materializable_asset_keys if k.to_user_string() == "national_map_tiles")
    assert {parent.to_user_string() for parent in graph.get(key).parent_keys} == {"communes", "commune_energy"}
    assert key in defs.resolve_job_def("refresh_all").asset_layer.asset_graph.materializable_asset_keys


def test_the_check_fails_on_a_missing_or_incomplete_build(build, reference_db, monkeypatch, tmp_path):
    directory, report = build
    postgis = PostGIS(database_url=reference_db)
    monkeypatch.setenv("OBSERVATORY_TILE_ARCHIVES", str(tmp_path))
    result = build_is_current_and_complete(postgis=postgis)
    assert not result.passed and result.metadata["build"].value == "none"
    # The test build holds two maps up to z5: current data, but incomplete.
    monkeypatch.setenv("OBSERVATORY_TILE_ARCHIVES", str(directory))
    result = build_is_current_and_complete(postgis=postgis)
    assert not result.passed
    assert result.metadata["build_load_id"].value == result.metadata["database_load_id"].value == report.version.load_id
    missing = result.metadata["missing_indicators"].value.split(", ")
    assert sorted(missing) == sorted(set(SERVED) - set(INDICATORS))
    assert result.metadata["indicators_without_national_tiles"].value == "none"


@pytest.fixture
def complete_build(build, tmp_path):
    """A build of every served map up to z8, as the asset makes it, faked from the test build:
    each map's files are copies of the density map's (the real one takes minutes)."""
    directory, _ = build
    manifest = json.loads((directory / national_tiles.MANIFEST).read_text())
    source, target = directory / manifest["folder"], tmp_path / "complete"
    (target / manifest["folder"]).mkdir(parents=True)
    for key in SERVED:
        for suffix in ("pmtiles", "png"):
            shutil.copy(source / f"density.{suffix}", target / manifest["folder"] / f"{key}.{suffix}")
    manifest.update(indicators=sorted(SERVED), max_zoom=national_tiles.ARCHIVE_MAX_ZOOM)
    (target / national_tiles.MANIFEST).write_text(json.dumps(manifest))
    return target


def test_the_asset_keeps_a_current_build_and_the_check_passes(complete_build, reference_db, monkeypatch):
    monkeypatch.setenv("OBSERVATORY_TILE_ARCHIVES", str(complete_build))
    postgis = PostGIS(database_url=reference_db)
    before = sorted(p.name for p in complete_build.iterdir())
    result = national_map_tiles(context=build_asset_context(), postgis=postgis)
    assert result.metadata["unchanged"] is True
    assert json.loads(result.metadata["data_version"])["load_id"] > 0
    assert sorted(p.name for p in complete_build.iterdir()) == before       # nothing built
    assert build_is_current_and_complete(postgis=postgis).passed
