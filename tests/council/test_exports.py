"""The CSV and GeoJSON builders, on tiny explicit tables."""
import io
import json
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

from observatory.exports import csv_bytes, feature_collection, geojson_bytes, points_collection


def test_csv_is_french_excel_utf8_with_bom_semicolons_and_decimal_comma():
    frame = pd.DataFrame({"commune": ["Lille", "Évry-Courcouronnes"], "population": [238246.0, np.nan],
                          "part_pct": [12.5, 0.25], "codes": [["59000", "59160"], None]})
    data = csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "commune;population;part_pct;codes"
    # counts stay integers (no "238246,0"), decimals take a comma, lists become JSON text
    assert lines[1] == 'Lille;238246;12,5;"[""59000"", ""59160""]"'
    assert lines[2] == "Évry-Courcouronnes;;0,25;"


def test_csv_reads_back_with_the_french_settings():
    frame = pd.DataFrame({"insee_code": ["2A004", "01001"], "density": [1234.5, 0.125]})
    back = pd.read_csv(io.BytesIO(csv_bytes(frame)), sep=";", decimal=",", encoding="utf-8-sig",
                       dtype={"insee_code": str})
    pd.testing.assert_frame_equal(back, frame)


def test_feature_collection_parses_postgis_geometries_and_keeps_properties():
    rows = [{"insee_code": "59350", "area_km2": Decimal("34.99"), "geometry": '{"type":"Point","coordinates":[3.06,50.63]}'},
            {"insee_code": "97501", "area_km2": float("nan"), "geometry": None}]
    collection = feature_collection(rows)
    assert collection["type"] == "FeatureCollection"
    first, second = collection["features"]
    assert first["geometry"] == {"type": "Point", "coordinates": [3.06, 50.63]}
    assert second["geometry"] is None and second["properties"]["area_km2"] is None
    decoded = json.loads(geojson_bytes(collection))
    assert decoded["features"][0]["properties"] == {"insee_code": "59350", "area_km2": 34.99}


def test_points_collection_places_rows_with_coordinates_only():
    frame = pd.DataFrame({"name": ["Lille", "Sans position"], "opened": [date(2024, 3, 1), None],
                          "lon": [3.0635123456789, None], "lat": [50.6292, None], "count": [np.int64(7), np.int64(0)]})
    collection = json.loads(geojson_bytes(points_collection(frame, "lon", "lat")))
    assert len(collection["features"]) == 1
    feature = collection["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [3.063512, 50.6292]}
    assert feature["properties"] == {"name": "Lille", "opened": "2024-03-01", "count": 7}


def test_commune_contour_is_wgs84_geojson_from_the_view(reference_db, conn):
    from observatory.exports import commune_contour, commune_charging_points

    (feature,) = commune_contour(conn, "59350")["features"]
    assert feature["properties"]["name"] == "Lille" and feature["properties"]["population"] == 238246
    assert feature["geometry"]["type"] == "MultiPolygon"
    lon, lat = feature["geometry"]["coordinates"][0][0][0]
    assert 2.9 < lon < 3.2 and 50.5 < lat < 50.8
    assert commune_contour(conn, "99999")["features"] == []
    assert commune_charging_points(conn, "59350") == {"type": "FeatureCollection", "features": []}


def test_commune_profile_csv_of_lille(reference_db, conn):
    from dashboards.components.export import profile_table
    from observatory.communes import commune_profile

    lines = csv_bytes(profile_table(commune_profile(conn, "59350"))).decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("Code Insee;Nom;Population;Surface (km²);Densité (hab./km²);Codes postaux")
    assert lines[1].startswith("59350;Lille;238246;")
    assert "59000, 59160" in lines[1] and ";Métropole Européenne de Lille;" in lines[1]


def test_csv_exports_get_french_headers():
    import pandas as pd

    from dashboards.components.export import with_french_headers

    frame = pd.DataFrame({"insee_code": ["59350"], "charging_points": [12], "council_commitment": ["unanimous"],
                          "unknown_column": [1]})
    assert list(with_french_headers(frame).columns) == [
        "Code Insee", "Points de recharge (points)", "Engagement du conseil", "unknown_column"]
