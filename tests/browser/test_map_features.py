"""The national map in headless Chromium: the basemap under the communes with its attribution
(IGN's WMS answered here by a stand-in image: these machines are offline), the overseas
insets, a click on a commune that opens its page, and a phone's map that shows all of it."""
from __future__ import annotations

import io
import math
import re
from urllib.parse import parse_qs, urlparse

import numpy as np
from PIL import Image

import pydeck as pdk

from dashboards.components.map_widths import PHONE_MAP_WIDTH_PX
from dashboards.maps import BASEMAPS, NATIONAL_VIEW, national_view
from observatory.overseas_insets import INSETS
from tests.browser.harness import BROWSER_TEST, SCREENSHOTS, painted_share, wait_painted

pytestmark = BROWSER_TEST

PLAN_IGN = BASEMAPS["plan-ign"]
MAGENTA = (255, 0, 255)


def stand_in_basemap() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), MAGENTA).save(buffer, "PNG")
    return buffer.getvalue()


def magenta_share(png: bytes) -> float:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)
    return float((np.abs(pixels - np.array(MAGENTA)).max(axis=2) < 40).mean())


def to_3857(longitude: float, latitude: float) -> tuple[float, float]:
    radius = 6_378_137.0
    return (math.radians(longitude) * radius,
            math.log(math.tan(math.pi / 4 + math.radians(latitude) / 2)) * radius)


def on_screen(box: dict, x_3857: float, y_3857: float, view: pdk.ViewState = NATIONAL_VIEW) -> tuple[float, float]:
    """Where a Web Mercator point is drawn in the map at its first view."""
    scale = 512 * 2 ** view.zoom / 40_075_016.686
    centre_x, centre_y = to_3857(view.longitude, view.latitude)
    return (box["x"] + box["width"] / 2 + (x_3857 - centre_x) * scale,
            box["y"] + box["height"] / 2 - (y_3857 - centre_y) * scale)


def test_basemap_insets_and_a_click_on_an_overseas_commune(page, app_url):
    asked = []

    def answer(route):
        query = {k.upper(): v for k, v in parse_qs(urlparse(route.request.url).query).items()}
        asked.append(query)
        if query.get("REQUEST") == ["GetMap"]:
            route.fulfill(status=200, content_type="image/png", body=stand_in_basemap())
        else:
            route.fulfill(status=404, body="")

    page.route(re.compile("^" + re.escape(PLAN_IGN.wms_url)), answer)
    page.goto(app_url)
    canvas = page.locator("canvas").first
    canvas.wait_for()
    wait_painted(canvas, 0.3)
    page.wait_for_timeout(2000)   # the basemap image is asked half a second after the view settles
    shot = canvas.screenshot(path=SCREENSHOTS / "map-basemap-insets.png")
    maps = [q for q in asked if q.get("REQUEST") == ["GetMap"]]
    assert maps and maps[-1]["LAYERS"] == [PLAN_IGN.layer] and maps[-1]["CRS"] == ["EPSG:3857"]
    # The basemap shows around France and the insets (the communes cover it elsewhere).
    assert 0.1 < magenta_share(shot) < 0.8
    attribution = page.evaluate("() => getComputedStyle(document.querySelector("
                                "'[data-testid=stDeckGlJsonChart]'), '::after').content")
    assert PLAN_IGN.attribution in attribution

    # La Réunion's inset: its communes are drawn there, with their tooltip; a click opens one.
    reunion = next(inset for inset in INSETS if inset.departement_code == "974")
    west, south, east, north = reunion.box_3857
    x, y = on_screen(canvas.bounding_box(), (west + east) / 2, (south + north) / 2)
    tooltip = page.locator(".deck-tooltip")
    for step in range(20):
        page.mouse.move(x + step % 3, y)
        page.wait_for_timeout(300)
        if tooltip.count() and tooltip.first.is_visible() and "(974" in tooltip.first.inner_text():
            break
    assert re.search(r"\(974\d\d\)", tooltip.first.inner_text()), tooltip.first.inner_text()
    page.mouse.click(x, y)
    page.wait_for_url(re.compile(r"/commune\?code=974\d\d"), timeout=60_000)
    page.get_by_text("La Réunion (974)").first.wait_for(timeout=60_000)
    page.screenshot(path=SCREENSHOTS / "map-click-opened.png")


def test_a_phone_sees_metropolitan_france_and_the_insets_at_once(page, app_url):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(app_url)
    phone_map = page.locator(".st-key-phone-national-map canvas")
    phone_map.wait_for(timeout=60_000)
    assert not page.locator(".st-key-wide-national-map").is_visible()
    wait_painted(phone_map, 0.15)
    page.wait_for_timeout(1000)
    box = phone_map.bounding_box()
    shot = phone_map.screenshot(path=SCREENSHOTS / "map-phone-390.png")
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    image = Image.open(io.BytesIO(shot))
    reunion = next(inset for inset in INSETS if inset.departement_code == "974")
    west, south, east, north = reunion.box_3857
    # Brest, Strasbourg, Perpignan, Ajaccio and La Réunion's inset are drawn within the map.
    for place, (x_3857, y_3857) in {"Brest": to_3857(-4.49, 48.39), "Strasbourg": to_3857(7.75, 48.58),
                                    "Perpignan": to_3857(2.90, 42.70), "Ajaccio": to_3857(8.74, 41.93),
                                    "La Réunion": ((west + east) / 2, (south + north) / 2)}.items():
        x, y = on_screen({"x": 0, "y": 0, "width": box["width"], "height": box["height"]}, x_3857, y_3857,
                         national_view(PHONE_MAP_WIDTH_PX))
        assert 0 <= x < box["width"] and 0 <= y < box["height"], (place, x, y, box)
        around = image.crop((int(x) - 3, int(y) - 3, int(x) + 4, int(y) + 4))
        buffer = io.BytesIO()
        around.save(buffer, "PNG")
        assert painted_share(buffer.getvalue()) > 0.5, f"{place} is not drawn at ({x:.0f}, {y:.0f})"
