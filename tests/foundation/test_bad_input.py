"""Each kind of bad input ends in a clear error or a counted, reported reject."""
import http.server
import json
import threading

import pytest

from geodata.sources.contours.harmonise import harmonise
from geodata.sources.contours.load import load_contours
from geodata.sources.contours.reader import COMMUNES_2018, read_contours
from geodata.sources.fetch import Fetched, SourceError, SourceFile, fetch, sha256_of

SQUARE = [[[3.06, 50.63], [3.07, 50.63], [3.07, 50.64], [3.06, 50.64], [3.06, 50.63]]]
BOWTIE = [[[3.06, 50.60], [3.08, 50.62], [3.08, 50.60], [3.06, 50.62], [3.06, 50.60]]]


def feature(code, coordinates, name="x"):
    return {"type": "Feature", "properties": {"code": code, "nom": name},
            "geometry": {"type": "Polygon", "coordinates": coordinates}}


def write_geojson(path, features, crs=None):
    collection = {"type": "FeatureCollection", "features": features}
    if crs:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(collection))
    return path


def as_fetched(path):
    return Fetched(COMMUNES_2018, path, sha256_of(path), "mirror")


def test_truncated_gzip_is_a_clear_error(tmp_path, mirror):
    whole = (mirror / "boundaries/communes-2018.geojson.gz").read_bytes()
    truncated = tmp_path / "communes.geojson.gz"
    truncated.write_bytes(whole[: len(whole) // 3])
    with pytest.raises(SourceError, match="truncated or corrupt"):
        read_contours(truncated)


def test_empty_file_is_a_clear_error(tmp_path):
    empty = tmp_path / "communes.geojson"
    empty.write_bytes(b"")
    with pytest.raises(SourceError, match="empty"):
        read_contours(empty)


def test_file_without_features_is_a_clear_error(tmp_path):
    with pytest.raises(SourceError, match="no feature"):
        read_contours(write_geojson(tmp_path / "none.geojson", []))


def test_self_intersecting_geometry_is_repaired_and_counted(pg, tmp_path):
    path = write_geojson(tmp_path / "c.geojson", [feature("59350", SQUARE), feature("59298", BOWTIE)])
    report = load_contours(pg, as_fetched(path))
    assert (report.rows_loaded, report.rows_repaired) == (2, 1)
    assert pg.execute("SELECT bool_and(ST_IsValid(geom)) FROM core.commune_contour").fetchone()[0]
    assert pg.execute("SELECT rows_repaired FROM core.load_run ORDER BY id DESC LIMIT 1").fetchone()[0] == 1


def test_unknown_code_is_quarantined_with_its_reason(pg, tmp_path):
    path = write_geojson(tmp_path / "c.geojson", [feature("59350", SQUARE, "Lille"),
                                                  feature("99999", SQUARE, "Atlantide")])
    load_contours(pg, as_fetched(path))
    report = harmonise(pg, "test")
    assert report.quarantine_by_reason() == {"unknown_code": 1}
    assert report.rows_loaded == 1
    stored = pg.execute("SELECT row_ref, reason, detail FROM core.quarantined_row "
                        "WHERE source = 'commune-boundaries'").fetchall()
    assert stored == [("99999", "unknown_code", "contour 99999 (Atlantide) matches no commune of the reference")]


def test_malformed_code_is_quarantined_by_the_reader(tmp_path):
    contours = read_contours(write_geojson(tmp_path / "c.geojson", [feature("59350", SQUARE),
                                                                    feature("5935", SQUARE)]))
    assert len(contours.rows) == 1
    assert [(r.row_ref, r.reason) for r in contours.rejected] == [("5935", "malformed_insee_code")]


def test_file_in_lambert93_is_reprojected(pg, tmp_path):
    # The same square as SQUARE, given in Lambert-93 with a declared CRS.
    from pyproj import Transformer

    to_l93 = Transformer.from_crs(4326, 2154, always_xy=True)
    ring = [list(to_l93.transform(x, y)) for x, y in SQUARE[0]]
    path = write_geojson(tmp_path / "l93.geojson", [feature("59350", [ring])], crs="urn:ogc:def:crs:EPSG::2154")
    load_contours(pg, as_fetched(path))
    lon, lat = pg.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_Centroid(geom), 4326) c "
                          "FROM core.commune_contour) p").fetchone()
    assert (lon, lat) == (pytest.approx(3.065, abs=1e-4), pytest.approx(50.635, abs=1e-4))


def test_metric_coordinates_without_crs_are_refused(tmp_path):
    ring = [[704000, 7059000], [705000, 7059000], [705000, 7060000], [704000, 7059000]]
    with pytest.raises(SourceError, match="not longitudes/latitudes and the file declares no CRS"):
        read_contours(write_geojson(tmp_path / "nocrs.geojson", [feature("59350", [ring])]))


@pytest.fixture
def html_server():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"<!DOCTYPE html><html><body>503 Service Unavailable</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/communes.geojson.gz"
    server.shutdown()


def test_html_error_page_from_the_url_is_refused(html_server, tmp_path, monkeypatch):
    monkeypatch.setenv("OBSERVATORY_CACHE", str(tmp_path))
    source = SourceFile("contours-communes", html_server, "boundaries/x.geojson.gz", "2025", "test")
    with pytest.raises(SourceError, match="HTML page"):
        fetch(source, mirror=None)
    assert not list(tmp_path.glob("*/x.geojson.gz"))


def test_html_page_saved_in_the_mirror_is_refused(tmp_path):
    (tmp_path / "boundaries").mkdir()
    (tmp_path / "boundaries/communes-2018.geojson.gz").write_text("<!DOCTYPE html><html>Not found</html>")
    with pytest.raises(SourceError, match="HTML page"):
        fetch(COMMUNES_2018, mirror=tmp_path)


def test_missing_mirror_file_names_the_path(tmp_path):
    with pytest.raises(SourceError, match="missing from the mirror"):
        fetch(COMMUNES_2018, mirror=tmp_path)


def test_missing_property_is_named(tmp_path):
    collection = [{"type": "Feature", "properties": {"insee": "59350", "nom": "Lille"},
                   "geometry": {"type": "Polygon", "coordinates": SQUARE}}]
    with pytest.raises(SourceError, match="missing property code"):
        read_contours(write_geojson(tmp_path / "c.geojson", collection))
