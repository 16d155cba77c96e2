"""The printable commune sheet, rendered from the reference database."""
import re
from datetime import date

import pytest

from observatory import sheet


def test_lille_sheet_has_identity_contour_sources_and_date(reference_db, conn):
    html = sheet.render_sheet(conn, "59350", generated=date(2026, 3, 15))
    assert html.startswith("<!DOCTYPE html>") and '<html lang="fr">' in html
    assert "<h1>Lille</h1>" in html and "Code Insee 59350" in html
    assert "<td>Population</td><td class='value'>238\u202f246</td>" in html
    assert "Métropole Européenne de Lille" in html
    path = re.search(r'<svg [^>]*viewBox="(-?\d+) (-?\d+) (\d+) (\d+)"[^>]*><path d="(M [^"]+)"', html)
    assert path, "the contour is drawn as an inline SVG path"
    x0, y0, width, height = map(int, path.group(1, 2, 3, 4))
    coordinates = list(map(int, re.findall(r"-?\d+", path.group(5))))
    assert len(coordinates) > 40
    xs, ys = coordinates[0::2], coordinates[1::2]
    assert x0 < min(xs) and max(xs) < x0 + width and y0 < min(ys) and max(ys) < y0 + height
    assert 5000 < width < 20000, "Lille spans about 10 km in Lambert-93 metres"
    # every block names its source: COG for population, contours for the area, the pact
    assert "Source : Insee, Code officiel géographique" in html
    assert "Source : IGN, ADMIN EXPRESS COG" in html and "millésime 2018" in html
    assert "Contours des communes" in html and "Pacte pour la Transition : mesures" in html
    assert "Aucune signature du Pacte pour la Transition connue" in html
    assert "Fiche générée le 15/03/2026" in html
    assert "@media print" in html and "size: A4" in html
    assert "http" not in html.split("<body>")[0], "self-contained: no external stylesheet or font"


def test_sheet_of_an_unknown_code_is_none(reference_db, conn):
    assert sheet.render_sheet(conn, "99999") is None


def test_sheet_escapes_names(reference_db, conn):
    html = sheet.render_sheet(conn, "49126")   # Orée d'Anjou: an apostrophe
    assert "<h1>Orée d&#x27;Anjou</h1>" in html


def test_overseas_contour_is_drawn_north_up_and_to_scale(reference_db, conn):
    """Saint-Denis (La Réunion) in RGR92 / UTM 40S: in Lambert-93 it was turned by 38° and 1.87
    times too large. The drawing's extent matches the commune's true extent on the ellipsoid."""
    import sqlalchemy as sa
    from pyproj import Geod

    svg = sheet.contour_svg(conn, "97411")
    box_width, box_height = map(float, re.search(r'viewBox="\S+ \S+ (\d+) (\d+)"', svg).group(1, 2))
    margin = 0.03 * max(box_width, box_height) / 1.06
    west, east, south, north = conn.execute(sa.text(
        "SELECT ST_XMin(geom_wgs84), ST_XMax(geom_wgs84), ST_YMin(geom_wgs84), ST_YMax(geom_wgs84) "
        "FROM observatory.commune WHERE insee_code = '97411'")).one()
    geod = Geod(ellps="WGS84")
    true_width = geod.inv(west, (south + north) / 2, east, (south + north) / 2)[2]
    true_height = geod.inv((west + east) / 2, south, (west + east) / 2, north)[2]
    assert box_width - 2 * margin == pytest.approx(true_width, rel=0.02)
    assert box_height - 2 * margin == pytest.approx(true_height, rel=0.02)
