"""The arrêté's networks in headless Chromium: the Énergie page's national layer painted and its
table, the commune page's networks; screenshots kept in test-artifacts/screenshots."""
from __future__ import annotations

import pytest

from tests.browser.harness import BROWSER_TEST, SCREENSHOTS, wait_painted
from tests.browser.test_user_paths import wait_for_app

pytestmark = BROWSER_TEST


@pytest.fixture
def french_page(browser):
    """A browser set to French: the table's numbers are written its way (decimal comma)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1100}, locale="fr-FR")
    page.set_default_timeout(60_000)
    yield page
    page.close()


def test_energie_page_heat_networks_layer(french_page, app_url) -> None:
    page = french_page
    page.goto(f"{app_url}/energie")
    wait_for_app(page)
    heading = page.get_by_text("Réseaux de chaleur et de froid de l'arrêté DPE 2026")
    heading.scroll_into_view_if_needed()
    heat_map = page.locator(".st-key-wide-heat-arrete-map [data-testid='stDeckGlJsonChart']")
    heat_map.scroll_into_view_if_needed()
    share = wait_painted(heat_map.locator("canvas").first, 0.05)
    page.wait_for_timeout(5000)   # the communes' background image, under the networks
    page.get_by_text("Taux EnR&R du réseau").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "energie-reseaux-arrete.png")
    assert share > 0.05, f"only {share:.1%} of the heat-network map is painted"
    body = page.inner_text("body")
    assert "Taux EnR&R du réseau" in body and "75 % et plus" in body
    assert "1 086 réseaux" in body.replace("\u202f", " ")
    # The grid draws its numbers on a canvas (its hidden accessible cells keep the raw values):
    # the screenshot is where "0,016" (Belley's CO2 content, French browser) shows.
    table = page.locator("[data-testid='stDataFrame']").filter(has=page.locator("td", has_text="BELENA"))
    assert table.count() == 1
    page.get_by_text("Réseaux non rattachés à une commune (2)").click()
    listed = page.locator("[data-testid='stExpander']").filter(has_text="Réseaux non rattachés").locator(
        "[data-testid='stDataFrame']")
    listed.wait_for()
    listed.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)   # the grid draws on its canvas after it appears
    page.screenshot(path=SCREENSHOTS / "energie-reseaux-non-rattaches.png")
    # the grid's (hidden) accessible cells hold the published localities
    assert listed.locator("td", has_text="SAINT MEDARD").count() == 1
    assert listed.locator("td", has_text="METROPOLE DE LYON").count() == 1


def test_commune_page_networks_beside_the_medians(page, app_url) -> None:
    page.goto(f"{app_url}/commune?code=59350")
    wait_for_app(page)
    page.get_by_role("tab", name="Énergie").click()
    panel = page.get_by_role("tabpanel", name="Énergie")
    panel.get_by_text("Réseaux de chaleur et de froid").first.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    page.screenshot(path=SCREENSHOTS / "commune-lille-reseaux-chaleur.png")
    text = panel.inner_text().replace("\u202f", " ")
    assert "oui, 3 réseaux" in text
    networks = panel.locator("[data-testid='stDataFrame']").filter(has=page.locator("td", has_text="RÉSEAU DE LILLE"))
    assert networks.count() == 1
    assert networks.locator("td", has_text="Médiane nationale des réseaux de chaleur").count() == 1
    assert "Pacte pour la Transition, mesure 3" in text
