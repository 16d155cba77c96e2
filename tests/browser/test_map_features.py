"""The national map in headless Chromium: the basemap under the communes with its attribution
(IGN's WMS answered here by a stand-in image: these machines are offline), the overseas
insets, and a click on a commune that opens its page."""
from __future__ import annotations

import io
import math
import re
from urllib.parse import parse_qs, urlparse

import numpy as np
from PIL import Image

from dashboards.maps import BASEMAPS, NATIONAL_VIEW
from observatory.overseas_insets import INSETS
from tests.browser.harness import BROWSER_TEST, SCREENSHOTS, wait_painted

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


def on_screen(box: dict, x_3857: float, y_3857: float) -> tuple[float, float]:
    """Where a Web Mercator point is drawn in the map at its first view (NATIONAL_VIEW)."""
    radius, scale = 6_378_137.0, 512 * 2 ** NATIONAL_VIEW.zoom / 40_075_016.686
    centre_x = math.radians(NATIONAL_VIEW.longitude) * radius
    centre_y = math.log(math.tan(math.pi / 4 + math.radians(NATIONAL_VIEW.latitude) / 2)) * radius
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
