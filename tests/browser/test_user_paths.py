"""What a committee member does, in headless Chromium, on a database where every pipeline ran:
find a commune, open it, compare it with peers, export a table, open the printable sheet; and
the Pacte and Énergie pages as they are shown. Screenshots go to test-artifacts/screenshots."""
from __future__ import annotations

import csv
import io

from tests.browser.harness import BROWSER_TEST, SCREENSHOTS, wait_painted

pytestmark = BROWSER_TEST


def wait_for_app(page) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=90_000)


def test_search_compare_export_and_sheet(page, app_url) -> None:
    page.goto(app_url)
    page.get_by_label("Nom ou code postal").fill("Arras")
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Arras (62)").first.click()
    page.get_by_text("Code Insee 62041").first.wait_for()
    wait_for_app(page)
    page.get_by_test_id("stMetricValue").first.wait_for()
    page.screenshot(path=SCREENSHOTS / "path-1-commune-arras.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger la fiche (CSV)").click()
    content = download.value.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    flat = [cell for row in rows for cell in row]
    assert "Arras" in flat and "62041" in flat

    page.get_by_role("link", name="Comparer avec des communes semblables").click()
    page.get_by_text("Comparer des communes").first.wait_for()
    wait_for_app(page)
    assert "codes=62041" in page.url.replace("%2C", ",")
    compared = page.url.split("codes=")[1].replace("%2C", ",").split("&")[0].split(",")
    assert len(compared) >= 3  # Arras and at least two peers
    page.screenshot(path=SCREENSHOTS / "path-2-compare.png", full_page=True)
    assert page.get_by_text("Fiche commune").count() >= 3

    page.goto(f"{app_url}/commune?code=62041")
    wait_for_app(page)
    page.get_by_role("link", name="Ouvrir la fiche imprimable").click()
    page.get_by_text("Fiche imprimable").first.wait_for()
    wait_for_app(page)
    sheet = page.frame_locator("iframe").first
    sheet.get_by_text("Arras").first.wait_for()
    assert sheet.locator("svg path").count() >= 1  # the contour
    page.screenshot(path=SCREENSHOTS / "path-3-sheet.png", full_page=True)
    assert "code=62041" in page.url


def test_pacte_page_shows_the_published_totals(page, app_url) -> None:
    page.goto(f"{app_url}/pacte")
    page.get_by_text("Communes engagées").first.wait_for()
    wait_for_app(page)
    page.locator("canvas").first.wait_for()
    page.wait_for_timeout(5000)  # the communes' background tiles, then the points
    page.screenshot(path=SCREENSHOTS / "pacte.png", full_page=True)
    metrics = {m.get_by_test_id("stMetricLabel").inner_text().strip(): m.get_by_test_id("stMetricValue").inner_text()
               for m in page.get_by_test_id("stMetric").all()}
    assert metrics["Conseil unanime"] == "6"
    assert metrics["Conseil majoritaire"] == "35"


def test_commune_page_shows_pact_and_energy_panels(page, app_url) -> None:
    page.goto(f"{app_url}/commune?code=59350")
    page.get_by_text("Code Insee 59350").first.wait_for()
    wait_for_app(page)
    body = page.inner_text("body")
    assert "unanime" in body.lower()
    page.get_by_role("tab", name="Énergie").click()
    panel = page.get_by_role("tabpanel", name="Énergie")
    panel.get_by_text("Énergie : recharge et réseaux de chaleur").wait_for()
    # Streamlit scrolls inside its own container, which a full-page capture leaves out: bring
    # the panel's map into view and wait for its points before the screenshot.
    energy_map = panel.locator("canvas").first
    energy_map.scroll_into_view_if_needed()
    share = wait_painted(energy_map, 0.05)
    page.screenshot(path=SCREENSHOTS / "commune-lille-energie.png")
    assert share > 0.05, f"only {share:.1%} of the commune's energy map is painted"
    text = panel.inner_text()
    assert "Points de recharge par puissance (kW)" in text
    assert "Rang dans le département" in text and "points de recharge 1ʳᵉ sur" in text  # Lille leads the Nord
    assert "signature du pacte, Municipales 2020" in text
    panel.get_by_text("Points de recharge mis en service par année").scroll_into_view_if_needed()
    panel.locator("[data-testid='stVegaLiteChart']").first.wait_for()
    page.wait_for_timeout(1000)   # Vega draws after its element appears
    page.screenshot(path=SCREENSHOTS / "commune-lille-energie-trend.png")
