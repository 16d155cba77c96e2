"""Every word a visitor reads is French: the visible text of every page (every tab and
expander opened, the printable sheet's frame included) holds no English word of Streamlit's
own, no code word of the views (`unanimous`, `short_form`...), no Python value (`None`, `nan`)
and no technical detail (server paths, module or view names), on a database where every
pipeline ran."""
from __future__ import annotations

import re

import pytest

from tests.browser.harness import BROWSER_TEST

pytestmark = BROWSER_TEST

# Roubaix (no pact measure recorded), Saint-Denis de La Réunion (overseas), Hellemmes (a
# former code), the printable sheet and every page of the navigation.
PAGES = ["", "commune?code=59512", "commune?code=97411", "commune?code=59298", "pacte", "energie",
         "comparer?codes=59512,59350,97411", "classement?code=59512&indicateur=pact_committed",
         "classement?code=97411&indicateur=energy_charging_points", "donnees", "fiche?code=59512",
         "commune?code=00000"]

# Whole words (case-sensitive where French uses the same letters in lower case).
FORBIDDEN_WORDS = [
    "Choose", "option", "options", "empty", "None", "nan", "NaN", "null", "True", "False", "Error",
    "Traceback", "Exception", "unknown", "unanimous", "majority", "minority", "outside_france",
    "short_form", "former_commune", "insee_code", "fuzzy", "exact", "article", "matched", "ambiguous",
    "unmatched", "quarantined", "in_progress", "not_started", "done", "abandoned", "components_used",
    "Running", "Download", "Press Enter", "No results", "Show", "Hide",
]
# Anywhere in the text: technical detail that belongs in the logs.
FORBIDDEN_FRAGMENTS = ["/tmp/", "/work/", ".py", "observatory.", "core.", "is missing", "mirror",
                       "_km", "_pct", "opendata-fcu.zip is", "(nom inconnu)", "message du pipeline"]
# French words that the word list would catch: allowed where they are French.
FRENCH = {"option", "options", "article", "exact"}

TECHNICAL_SECTION = "Messages des pipelines et vues interrogées"

VISIBLE_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, element = node.parentElement;
    if (!element || !node.textContent.trim()) continue;
    // Icons are ligatures drawn as pictures ("map", "table"): not words anybody reads.
    if (element.closest('[data-testid="stIconMaterial"], script, style, noscript, [aria-hidden="true"]')) continue;
    // The Données page's technical section is where paths and view names belong.
    const expander = element.closest('[data-testid="stExpander"]');
    if (expander && expander.querySelector('summary').textContent.includes('TECHNICAL_SECTION')) continue;
    const box = element.getBoundingClientRect(), style = getComputedStyle(element);
    if (box.width <= 1 || box.height <= 1 || style.visibility === 'hidden') continue;
    out.push(node.textContent.trim());
  }
  for (const input of document.querySelectorAll('input[placeholder], textarea[placeholder]'))
    if (!input.value && input.getBoundingClientRect().width > 1) out.push(input.placeholder);
  return out.join('\\n');
}""".replace("TECHNICAL_SECTION", TECHNICAL_SECTION)


def wait_for_app(page) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=120_000)


def visible_text(page, url: str) -> str:
    """The page's visible text, with every tab and expander opened in turn, and its frames'."""
    page.goto(url)
    wait_for_app(page)
    page.wait_for_timeout(500)
    texts = [page.evaluate(VISIBLE_TEXT)]
    for expander in page.locator("[data-testid='stExpander'] summary").all():
        expander.click()
    for tab in page.get_by_role("tab").all():
        tab.click()
        wait_for_app(page)
        texts.append(page.evaluate(VISIBLE_TEXT))
    for frame in page.frames[1:]:
        try:
            texts.append(frame.evaluate(VISIBLE_TEXT))
        except Exception:   # noqa: BLE001 (a frame of the maps' workers has no document)
            continue
    return "\n".join(texts)


def english_or_code(text: str) -> list[str]:
    found = [word for word in FORBIDDEN_WORDS if word not in FRENCH and re.search(rf"\b{re.escape(word)}\b", text)]
    # "option"/"exact"/"article" are French too: caught only in Streamlit's English phrases.
    found += [phrase for phrase in ("Choose an option", "Choose options", "an option") if phrase in text]
    found += [fragment for fragment in FORBIDDEN_FRAGMENTS if fragment in text]
    return found


def test_the_word_lists_catch_what_they_should():
    assert english_or_code("Choose an option") == ["Choose", "Choose an option", "an option"]
    assert english_or_code("Conseil : unanimous · None") == ["None", "unanimous"]
    assert english_or_code("Détail : /tmp/x/opendata-fcu.zip is missing") == ["/tmp/", "is missing",
                                                                              "opendata-fcu.zip is"]
    assert english_or_code("Méthode : nom exact, article défini, une option") == []


@pytest.mark.parametrize("path", PAGES)
def test_every_visible_word_is_french(page, app_url, path):
    text = visible_text(page, f"{app_url}/{path}")
    assert len(text) > 200, f"/{path} shows almost nothing: {text!r}"
    found = english_or_code(text)
    context = {word: re.findall(rf".{{0,60}}{re.escape(word)}.{{0,60}}", text)[:2] for word in found}
    assert not found, f"/{path} shows English or code words: {context}"
