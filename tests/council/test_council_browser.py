"""The commune page's council block in headless Chromium; a screenshot is kept."""
from __future__ import annotations

from tests.browser.harness import BROWSER_TEST, SCREENSHOTS
from tests.browser.test_user_paths import wait_for_app

pytestmark = BROWSER_TEST


def test_commune_page_shows_the_council_and_how_to_contact_the_town_hall(page, app_url) -> None:
    page.goto(f"{app_url}/commune?code=59350")
    wait_for_app(page)
    block = page.locator(".st-key-council-block")
    block.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=SCREENSHOTS / "commune-lille-conseil.png")
    block.screenshot(path=SCREENSHOTS / "commune-lille-conseil-bloc.png")
    body = block.inner_text().replace("\u202f", " ")
    assert "Conseil municipal élu en 2026" in body
    assert "Arnaud DESLANDES" in body and "27/03/2026" in body and "49,2 %" in body
    assert "Place Augustin-Laurent, 59000 Lille" in body and "03 20 49 50 00" in body
    assert page.get_by_role("link", name="https://www.lille.fr/").count() == 1
    assert "naissance" not in body.lower()
