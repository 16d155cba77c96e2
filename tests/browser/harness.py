"""Shared by the browser tests: the real app and tile server on free ports, headless Chromium.

The fixtures `app_url` and `browser` are session-wide, `page` is per test (tests/conftest.py
exposes them): the app reads the database at each request, so data committed by a test's
fixture is visible to it.
"""
from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

CHROMIUM = Path("/usr/bin/chromium")
PROJECT_DIR = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT_DIR / "test-artifacts" / "screenshots"

# scripts/test.sh and CI set it: there a missing Chromium must fail the browser tests, not let
# the run pass without them.
BROWSER_REQUIRED = os.environ.get("OBSERVATORY_WITH_BROWSER") == "1"

BROWSER_TEST = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and not BROWSER_REQUIRED,
                       reason="headless Chromium not installed at /usr/bin/chromium"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {seconds} s")


@pytest.fixture(scope="session")
def app_url(observatory_db: str):
    tiles_port, app_port = _free_port(), _free_port()
    tiles_url = f"http://127.0.0.1:{tiles_port}"
    env = {**os.environ, "DATABASE_URL": observatory_db, "OBSERVATORY_TILES_URL": tiles_url}
    processes = [
        subprocess.Popen([sys.executable, "-m", "dashboards.tile_server", "--port", str(tiles_port),
                          "--database-url", observatory_db], cwd=PROJECT_DIR, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        subprocess.Popen([sys.executable, "-m", "streamlit", "run", "dashboards/app.py",
                          "--server.port", str(app_port), "--server.headless", "true",
                          "--browser.gatherUsageStats", "false"], cwd=PROJECT_DIR, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    ]
    try:
        _wait_for(f"{tiles_url}/health", processes[0])
        _wait_for(f"http://127.0.0.1:{app_port}/_stcore/health", processes[1])
        yield f"http://127.0.0.1:{app_port}"
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"OBSERVATORY_WITH_BROWSER=1 but headless Chromium is not installed at {CHROMIUM}: "
                    "install it (apt-get install chromium) or unset OBSERVATORY_WITH_BROWSER")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
        yield chromium
        chromium.close()


def painted_share(png: bytes) -> float:
    """Share of the canvas that is neither background white nor transparent."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)
    return float((pixels.min(axis=2) < 235).mean())


@pytest.fixture
def page(browser):
    """A fresh page; request it before `app_url` so that a missing Chromium fails before the
    app's database is built."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page.set_default_timeout(60_000)
    yield page
    page.close()


def wait_painted(canvas, share: float, seconds: float = 30) -> float:
    """The canvas's painted share as soon as it exceeds `share`, else the last one measured:
    the map draws a while after its canvas appears."""
    painted, deadline = 0.0, time.monotonic() + seconds
    while time.monotonic() < deadline and painted <= share:
        time.sleep(0.5)
        painted = painted_share(canvas.screenshot())
    return painted
