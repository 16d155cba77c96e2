"""Pages that tell the truth, at 1400 px and 390 px, in headless Chromium on a database where
every pipeline ran: Roubaix (no pact measure recorded), Saint-Denis de La Réunion (no charging
point on its island) and the Pacte page. Full-height screenshots go to
test-artifacts/screenshots (issue16-*.png); metrics are never cut with "…"; the downloads
carry what the pages show, in French."""
from __future__ import annotations

import csv
import io
import re

import numpy as np
import pytest
from PIL import Image

from tests.browser.harness import BROWSER_TEST, SCREENSHOTS

pytestmark = BROWSER_TEST

WIDTHS = (1400, 390)
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
# Metric labels and values, and download buttons, whose text overflows its box (Streamlit cuts
# them with "…").
CUT_METRICS = """() => [...document.querySelectorAll('[data-testid=stMetricValue], [data-testid=stMetricLabel], '
  + '[data-testid=stDownloadButton]')]
  .filter(e => e.getBoundingClientRect().width > 0)
  .filter(e => [...e.querySelectorAll('p, div')].some(t => t.scrollWidth > t.clientWidth + 1))
  .map(e => e.innerText)"""


def open_full_height(page, url: str, width: int, tab: str | None = None) -> None:
    """The page, with `tab` chosen, in a viewport as tall as its content: Streamlit scrolls
    inside its own container, which a full-page capture would leave out."""
    page.set_viewport_size({"width": width, "height": 1000})
    page.goto(url)
    page.wait_for_selector(IDLE, timeout=120_000)
    if tab:
        page.get_by_role("tab", name=tab).click()
        page.wait_for_selector(IDLE, timeout=120_000)
    height = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": width, "height": min(height + 50, 12_000)})
    page.wait_for_timeout(3000)   # maps and charts draw after their element appears


@pytest.mark.parametrize("width", WIDTHS)
def test_roubaix_says_what_nobody_recorded(page, app_url, width):
    open_full_height(page, f"{app_url}/commune?code=59512", width)
    page.screenshot(path=SCREENSHOTS / f"issue16-roubaix-{width}.png")
    assert "Mesures engagées non renseignées" in page.inner_text("[data-testid=stMain]")
    assert page.evaluate(CUT_METRICS) == []
    open_full_height(page, f"{app_url}/commune?code=59512", width, tab="Énergie")
    page.screenshot(path=SCREENSHOTS / f"issue16-roubaix-energie-{width}.png")
    assert page.evaluate(CUT_METRICS) == []
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    chart.wait_for()
    # Roubaix had points commissioned in 2022 and 2025, none in 2023 and 2024: the axis keeps them.
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    labels = chart.locator("svg text").evaluate_all("texts => texts.map(t => t.textContent)")
    assert {"2022", "2023", "2024", "2025"} <= set(labels), labels


@pytest.mark.parametrize("width", WIDTHS)
def test_saint_denis_distances_stay_on_the_island(page, app_url, width):
    open_full_height(page, f"{app_url}/commune?code=97411", width, tab="Énergie")
    page.screenshot(path=SCREENSHOTS / f"issue16-saint-denis-energie-{width}.png")
    panel = page.get_by_role("tabpanel", name="Énergie").inner_text()
    assert "aucun dans le territoire" in panel
    # FCU's département statistics have no overseas entry: said so, not "non renseigné réseaux".
    assert "ne couvrant que les départements métropolitains" in panel and "non renseigné réseaux" not in panel
    assert "8 388" not in panel.replace("\u202f", " ") and "1ʳᵉ sur" not in panel.split("communs")[0]
    assert page.evaluate(CUT_METRICS) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_pacte_page_at_both_widths(page, app_url, width):
    open_full_height(page, f"{app_url}/pacte", width)
    page.screenshot(path=SCREENSHOTS / f"issue16-pacte-{width}.png")
    text = page.inner_text("[data-testid=stMain]")
    assert "ne nomment pas les mesures engagées" in text
    assert page.evaluate(CUT_METRICS) == []
    # The map shows every engaged commune, none cut at its edges: the points (the only coloured
    # pixels over the grey communes) keep clear of the map's sides at both widths.
    layout = "phone" if width < 640 else "wide"
    shot = page.locator(f".st-key-{layout}-pact-map canvas").screenshot()
    pixels = np.asarray(Image.open(io.BytesIO(shot)).convert("RGB"), dtype=np.int16)
    columns = np.nonzero(((pixels.max(axis=2) - pixels.min(axis=2)) > 40).any(axis=0))[0]
    assert columns.size and columns.min() > 3 and columns.max() < pixels.shape[1] - 4, \
        (columns.min(), columns.max(), pixels.shape)


def test_energie_page_on_a_phone_cuts_no_figure_nor_button(page, app_url):
    open_full_height(page, f"{app_url}/energie", 390)
    page.screenshot(path=SCREENSHOTS / "issue16-energie-390.png")
    assert page.evaluate(CUT_METRICS) == []


def rows_of(download) -> list[dict]:
    text = download.value.path().read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_downloads_carry_what_the_pages_show(page, app_url):
    page.goto(f"{app_url}/commune?code=59512")
    page.wait_for_selector(IDLE, timeout=120_000)
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger la fiche (CSV)").click()
    [roubaix] = rows_of(download)
    assert roubaix["Surface (km²)"] == "13,2"
    assert roubaix["Points de recharge (points)"] == "88"
    assert re.fullmatch(r"\d+ sur \d+", roubaix["Rang dans le département : points de recharge"])
    assert roubaix["Pacte, Municipales 2020 : engagement du conseil"] == "Unanime"
    assert roubaix["Pacte, Municipales 2020 : mesures engagées"] == "non renseigné"

    page.goto(f"{app_url}/pacte")
    page.wait_for_selector(IDLE, timeout=120_000)
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger les communes (CSV)").click()
    communes = {row["Code Insee"]: row for row in rows_of(download)}
    assert communes["59512"]["Mesures engagées (mesures)"] == "non renseigné"
    assert {row["Engagement du conseil"] for row in communes.values()} <= {"Unanime", "Majoritaire",
                                                                             "Minoritaire", "Aucun",
                                                                             "non renseigné"}
    assert communes["59350"]["Noms publiés"] == "Hellemmes, Lille, Lomme"


def test_a_former_code_opens_its_current_commune(page, app_url):
    page.goto(f"{app_url}/commune?code=59298")
    page.wait_for_selector(IDLE, timeout=120_000)
    main = page.inner_text("[data-testid=stMain]")
    assert main.lstrip().startswith("Lille")
    assert "Hellemmes-Lille (59298)" in main and "Lille (59350)" in main
    page.goto(f"{app_url}/classement?code=59298")
    page.wait_for_selector(IDLE, timeout=120_000)
    page.get_by_role("link", name="Ouvrir Lille").click()
    # Lille's ranking: its heading, and its rank among the communes of its group.
    page.get_by_text("Lille · ").first.wait_for(timeout=60_000)
    page.get_by_test_id("stMetricValue").first.wait_for()
    assert "Aucune commune actuelle" not in page.inner_text("[data-testid=stMain]")
