"""The Énergie page in headless Chromium: the national choropleth is painted, the
unavailable heat layer is announced, and a screenshot is kept (test-artifacts/screenshots)."""
from __future__ import annotations

from tests.browser.harness import BROWSER_TEST, SCREENSHOTS, wait_painted

pytestmark = BROWSER_TEST


def test_energie_page_paints_the_national_map(page, app_url: str) -> None:
    # Taller than the shared page: this page's screenshots keep the size they were taken at.
    page.set_viewport_size({"width": 1400, "height": 1100})
    page.goto(f"{app_url}/energie")
    page.get_by_text("Tracés des réseaux de chaleur indisponibles").first.wait_for(timeout=60_000)
    canvas = page.locator("canvas").first
    canvas.wait_for(timeout=60_000)
    share = wait_painted(canvas, 0.05)
    page.screenshot(path=SCREENSHOTS / "energie.png", full_page=True)
    canvas.screenshot(path=SCREENSHOTS / "energie-map.png")
    assert share > 0.05, f"only {share:.1%} of the map canvas is painted"
    body = page.inner_text("body")
    assert "Lauréats du label Écoréseau 2025" in body
    assert "Points de recharge (points)" in body     # legend with its unit

