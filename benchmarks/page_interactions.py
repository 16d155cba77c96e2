"""How fast every page answers, in headless Chromium: opening it, then what a visitor does on it
(a filter change, a download), all in one run so that the pages are compared on the same load.

Usage (against a running `observatory serve`, on a database where every pipeline ran):
    .venv/bin/python benchmarks/page_interactions.py --app http://127.0.0.1:8501 [--runs 3]

Each row is the median of `--runs` (each run in a fresh browser page, so the browser caches
nothing between runs; Streamlit's server-side caches stay warm after the first run, as they do
for a visitor who is not the first of the day: the first run's figure is printed apart).

- "open": from navigation to the app's script idle with the page's first figure shown.
- "change": from the option being chosen to the script idle again with the figures redrawn
  (Streamlit marks the app `data-test-script-state="notRunning"` once a rerun has ended).
- "download": from the click on a download button to the browser holding the whole file
  (Streamlit builds deferred downloads on the click).
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
MAIN = "[data-testid='stMain']"
# Records every change of the script's state, with its time, so that a rerun shorter than a
# polling interval is still seen to have started and ended.
WATCH_STATE = """() => {
  window.__states = [];
  const app = document.querySelector("[data-testid='stApp']");
  new MutationObserver(() => window.__states.push([performance.now(), app.getAttribute('data-test-script-state')]))
      .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def wait_idle(page, timeout_s: float = 120) -> None:
    page.wait_for_selector(IDLE, timeout=timeout_s * 1000)


def wait_rerun(page, since_ms: float, before: str, timeout_s: float = 120) -> None:
    """Until a rerun begun after `since_ms` (page clock) has ended: seen start and end, or,
    should the observer miss a short one, the page's text changed and the app idle."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        states = page.evaluate("window.__states")
        started = [t for t, s in states if t >= since_ms and s == "running"]
        if started and any(t > started[0] and s == "notRunning" for t, s in states):
            return
        if page.locator(IDLE).count() and page.inner_text(MAIN) != before:
            return
        time.sleep(0.05)
    raise TimeoutError("the page did not rerun")


def choose(page, label: str, option: str) -> float:
    """Pick `option` in the select box labelled `label`; returns the page clock at the choice."""
    page.get_by_role("combobox", name=label, exact=True).first.click()
    target = page.get_by_role("option", name=option).first
    target.wait_for()
    page.evaluate(WATCH_STATE)
    now = page.evaluate("performance.now()")
    target.click()
    box = page.get_by_role("combobox", name=label, exact=True).first
    if not _shows(box, option):   # a click on a list still opening may close it unchosen
        box.click()
        page.get_by_role("option", name=option).first.click()
    return now


def _shows(box, option: str, seconds: float = 3) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if box.input_value().startswith(option):
            return True
        time.sleep(0.05)
    return False


@dataclass
class Step:
    page: str
    what: str
    run: Callable  # (page, app_url) -> seconds


def open_page(path: str, ready_text: str) -> Callable:
    def run(page, app: str) -> float:
        start = time.perf_counter()
        page.goto(f"{app}/{path}")
        page.get_by_text(ready_text).first.wait_for(timeout=120_000)
        wait_idle(page)
        return time.perf_counter() - start
    return run


def change(path: str, label: str, option: str, ready_text: str) -> Callable:
    def run(page, app: str) -> float:
        open_page(path, ready_text)(page, app)
        before = page.inner_text(MAIN)
        start = time.perf_counter()
        since = choose(page, label, option)
        wait_rerun(page, since, before)
        return time.perf_counter() - start
    return run


def download(path: str, button: str, ready_text: str) -> Callable:
    def run(page, app: str) -> float:
        open_page(path, ready_text)(page, app)
        start = time.perf_counter()
        with page.expect_download(timeout=120_000) as info:
            page.get_by_role("button", name=button).first.click()
        info.value.path()   # waits for the whole file
        return time.perf_counter() - start
    return run


STEPS = [
    Step("Carte de France", "ouvrir", open_page("", "Carte de France")),
    Step("Fiche commune (Roubaix)", "ouvrir", open_page("commune?code=59512", "Code Insee 59512")),
    Step("Fiche commune (Saint-Denis, 974)", "ouvrir", open_page("commune?code=97411", "Code Insee 97411")),
    Step("Pacte", "ouvrir", open_page("pacte", "Communes engagées")),
    Step("Pacte", "filtre Territoire → Région", change("pacte", "Territoire", "Région", "Communes engagées")),
    Step("Pacte", "filtre Département → Nord", change("pacte", "Département", "Nord (59)", "Communes engagées")),
    Step("Pacte", "télécharger les communes (CSV)",
         download("pacte", "Télécharger les communes (CSV)", "Communes engagées")),
    Step("Énergie", "ouvrir", open_page("energie", "Énergie")),
    Step("Comparer", "ouvrir", open_page("comparer?codes=59512,59350,59599", "Comparer des communes")),
    Step("Classement", "ouvrir", open_page("classement?code=59512", "Rang")),
    Step("Classement", "indicateur → Population",
         change("classement?code=59512", "Indicateur", "Territoire · Population municipale", "Rang")),
    Step("Données", "ouvrir", open_page("donnees", "Données")),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", default="http://127.0.0.1:8501")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="", help="only the steps whose page name contains this")
    args = parser.parse_args()
    app = args.app.rstrip("/")

    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
        for step in STEPS:
            if args.only and args.only.lower() not in step.page.lower():
                continue
            timings = []
            for _ in range(args.runs):
                page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
                try:
                    timings.append(step.run(page, app))
                finally:
                    page.close()
            results.append((step, timings))
            print(f"  {step.page} · {step.what}: {[round(t, 2) for t in timings]}", flush=True)
        browser.close()

    print(f"\n{'page':34} {'action':34} {'median (s)':>10} {'first (s)':>10} {'max (s)':>8}")
    for step, timings in results:
        print(f"{step.page:34} {step.what:34} {statistics.median(timings):10.2f} {timings[0]:10.2f} "
              f"{max(timings):8.2f}")


if __name__ == "__main__":
    main()
