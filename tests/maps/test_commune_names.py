"""Commune names on the vector tiles: one label point per commune, in the tile that holds it,
from the zoom where the name fits inside the commune; and the overseas insets of the national
maps."""
import psycopg
import pytest

from observatory.map_indicators import MAP_INDICATORS
from observatory.overseas_insets import INSETS, inset_features, inset_frames
from observatory.tiles import LABEL_LAYER, LAYER, commune_tiles
from tests.maps.mvt import layers

DENSITY = MAP_INDICATORS["density"]
# The tile of each zoom holding the label point of a commune.
LABEL_TILE = """SELECT x, y FROM (SELECT ST_Transform(ST_PointOnSurface(geom_wgs84), 3857) AS p
                                  FROM observatory.commune WHERE insee_code = %(code)s) s,
                     LATERAL (SELECT floor((ST_X(p) + 20037508.34) / (40075016.68 / 2 ^ %(z)s))::int AS x,
                                     floor((20037508.34 - ST_Y(p)) / (40075016.68 / 2 ^ %(z)s))::int AS y) t"""


@pytest.fixture(scope="module")
def reference(reference_db):
    with psycopg.connect(reference_db) as conn:
        yield conn


def labels_of(conn, code: str, z: int) -> tuple[list[dict], list[dict]]:
    x, y = conn.execute(LABEL_TILE, {"code": code, "z": z}).fetchone()
    tile = layers(commune_tiles(conn, [DENSITY], z, x, y)["density"])
    return tile.get(LABEL_LAYER, []), tile[LAYER]


def test_a_commune_is_named_once_it_fits_and_in_one_tile(reference):
    # Lille (about 8 km across) fits its name from zoom 10, not at the national zooms.
    labels, communes = labels_of(reference, "59350", 10)
    assert {"code": "59350", "nom": "Lille", "$type": "Point"} in labels
    assert {label["$type"] for label in labels} == {"Point"}
    assert {label["code"] for label in labels} <= {commune["code"] for commune in communes}
    labels, communes = labels_of(reference, "59350", 6)
    assert "59350" in {commune["code"] for commune in communes}
    assert "59350" not in {label["code"] for label in labels}
    # The tile beside the one holding its point has Lille's polygon edge at most, never its name.
    x, y = reference.execute(LABEL_TILE, {"code": "59350", "z": 10}).fetchone()
    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        beside = layers(commune_tiles(reference, [DENSITY], 10, x + dx, y + dy)["density"])
        assert "59350" not in {label["code"] for label in beside.get(LABEL_LAYER, [])}


def test_every_overseas_departement_has_its_inset_with_its_communes(reference):
    features = inset_features(reference, DENSITY)
    overseas = dict(reference.execute(
        "SELECT departement_code, count(*) FROM observatory.commune WHERE departement_code = ANY(%s) "
        "AND geom_wgs84 IS NOT NULL GROUP BY 1", ([i.departement_code for i in INSETS],)).fetchall())
    assert len(features) == sum(overseas.values()) and set(overseas) == {i.departement_code for i in INSETS}
    saint_denis = next(f for f in features if f["properties"]["code"] == "97411")
    assert saint_denis["properties"]["nom"] == "Saint-Denis"
    assert saint_denis["properties"]["valeur"].endswith("hab./km²")
    # Every moved commune lies inside its territory's box, west of Brittany.
    for inset, frame in zip(INSETS, inset_frames()):
        west, south = frame["path"][0]
        east, north = frame["path"][2]
        assert east < -6 and frame["name"] == inset.name
        for feature in features:
            if feature["properties"]["code"].startswith(inset.departement_code[:3]):
                rings = feature["geometry"]["coordinates"]
                points = [p for ring in rings for p in ring] if feature["geometry"]["type"] == "Polygon" \
                    else [p for polygon in rings for ring in polygon for p in ring]
                assert all(west <= lon <= east and south <= lat <= north for lon, lat in points), inset.name
