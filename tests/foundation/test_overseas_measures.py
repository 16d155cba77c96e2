"""Areas and densities are true in every territory (issue 17): geometries are stored in
Lambert-93, metropolitan France's projection, where La Réunion's communes measured 3.5 times
their size; measures are made on the ellipsoid."""
from __future__ import annotations

import numpy as np
import pytest
from pyproj import Proj

from geodata.conventions import LAMBERT93_MAX_SCALE, LAMBERT93_SCALE_SPREAD

# One commune per overseas département, with its geodesic area computed by pyproj (Geod,
# WGS84) from the vertices of the mirror's GeoJSON, outside PostGIS; and the area Lambert-93 gave.
OVERSEAS = {
    "Guadeloupe (971)": ("97101", "Les Abymes", 69.998, 89.6),
    "Martinique (972)": ("97209", "Fort-de-France", 43.516, 57.3),
    "Guyane (973)": ("97302", "Cayenne", 29.544, 46.9),
    "La Réunion (974)": ("97411", "Saint-Denis", 141.569, 497.0),
    "Mayotte (976)": ("97611", "Mamoudzou", 41.863, 108.9),
}


@pytest.mark.parametrize("territory", OVERSEAS)
def test_overseas_commune_area_and_density_are_geodesic(pg, territory):
    code, name, geodesic_km2, lambert93_km2 = OVERSEAS[territory]
    published, area, density, population = pg.execute(
        "SELECT name, area_km2, density_per_km2, population FROM observatory.commune WHERE insee_code = %s",
        (code,)).fetchone()
    assert published == name
    assert area == pytest.approx(geodesic_km2, rel=1e-3)
    assert area < lambert93_km2 / 1.25
    assert density == pytest.approx(population / geodesic_km2, rel=1e-3)


def test_every_overseas_departement_has_its_communes_measured(pg):
    counts = dict(pg.execute("SELECT departement_code, count(*) FROM observatory.commune "
                             "WHERE zone = 'drom' AND area_km2 > 0 GROUP BY 1"))
    assert counts == {"971": 32, "972": 34, "973": 22, "974": 24, "976": 17}


def test_lambert93_scale_bounds_hold_over_every_territory_with_contours(pg):
    """The bounds by which searches through the Lambert-93 index widen their radius."""
    extents = pg.execute("""
        SELECT CASE WHEN zone = 'metro' THEN 'metro' ELSE departement_code END AS territory,
               ST_XMin(e), ST_XMax(e), ST_YMin(e), ST_YMax(e)
        FROM (SELECT zone, departement_code, ST_Extent(geom_wgs84) AS e FROM observatory.commune
              WHERE geom IS NOT NULL GROUP BY 1, 2) AS by_departement""").fetchall()
    lambert93 = Proj("EPSG:2154")
    scales: dict[str, list[float]] = {}
    for territory, west, east, south, north in extents:
        lon, lat = np.meshgrid(np.linspace(west, east, 12), np.linspace(south, north, 12))
        scales.setdefault(territory, []).extend(lambert93.get_factors(lon.ravel(), lat.ravel()).meridional_scale)
    assert set(scales) == {"metro", "971", "972", "973", "974", "976"}
    assert max(max(s) for s in scales.values()) <= LAMBERT93_MAX_SCALE
    assert max(max(s) / min(s) for s in scales.values()) <= LAMBERT93_SCALE_SPREAD
    assert max(scales["974"]) > 1.85   # where Lambert-93 is least true


def test_sliver_tolerance_is_in_true_metres_overseas(pg):
    """A position at sea 300 m east of La Réunion (560 Lambert-93 metres) is within the 500 m
    tolerance of the easternmost commune; 800 m east is not."""
    from pyproj import Geod, Transformer

    from observatory.attribution import SLIVER_TOLERANCE_M, attribute_points

    code, lon, lat = pg.execute("""
        SELECT insee_code, ST_X(p), ST_Y(p) FROM (
            SELECT insee_code, ST_Transform((ST_DumpPoints(geom)).geom, 4326) AS p
            FROM core.commune_boundary WHERE insee_code LIKE '974%') AS vertices
        ORDER BY ST_X(p) DESC LIMIT 1""").fetchone()
    assert SLIVER_TOLERANCE_M == 500
    east_lon, east_lat, _ = Geod(ellps="WGS84").fwd([lon, lon], [lat, lat], [90, 90], [300, 800])
    x, y = Transformer.from_crs(4326, 2154, always_xy=True).transform(east_lon, east_lat)
    found = attribute_points(pg, np.array(x), np.array(y))
    assert found["insee_code"].tolist() == [code, None]
    assert found["attribution"].tolist() == ["nearest", None]
