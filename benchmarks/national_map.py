"""How fast the national commune map is: page load to painted map, tile latency, bytes on the wire.

Usage (against a running `observatory serve`):
    .venv/bin/python benchmarks/national_map.py --app http://127.0.0.1:8501 --tiles http://127.0.0.1:8765
    .venv/bin/python benchmarks/national_map.py --page energie --indicator energy_charging_points

The national view is one image (`/national/<indicator>.png`); vector tiles take over from zoom 6.
Tile latency is measured over the z5-z8 tiles covering metropolitan France: "cold" asks each
tile once from a tile server whose cache has not seen it (start a fresh server, or pass an
indicator not yet requested), "warm" asks them again. Run it on a quiet machine.
"""
from __future__ import annotations

import argparse
import io
import math
import statistics
import time
import urllib.request

import numpy as np
from PIL import Image

FRANCE_BBOX = (-5.2, 41.3, 9.6, 51.2)  # lon/lat, metropolitan France with Corsica


def tiles_covering(z: int) -> list[tuple[int, int, int]]:
    def index(lon: float, lat: float) -> tuple[int, int]:
        n = 2 ** z
        y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
        return int((lon + 180) / 360 * n), int(y)
    (x0, y0), (x1, y1) = index(FRANCE_BBOX[0], FRANCE_BBOX[3]), index(FRANCE_BBOX[2], FRANCE_BBOX[1])
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def tile_latencies(tiles_url: str, indicator: str, tiles: list[tuple[int, int, int]]) -> tuple[list[float], int]:
    latencies, size = [], 0
    for z, x, y in tiles:
        request = urllib.request.Request(f"{tiles_url}/communes/{indicator}/{z}/{x}/{y}.pbf",
                                         headers={"Accept-Encoding": "gzip"})
        start = time.perf_counter()
        with urllib.request.urlopen(request) as response:
            size += len(response.read())
        latencies.append((time.perf_counter() - start) * 1000)
    return latencies, size


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def page_to_painted_map(app_url: str, runs: int) -> tuple[list[float], int, int]:
    """Milliseconds from navigation to a canvas at least 30 % painted; bytes of map data received."""
    from playwright.sync_api import sync_playwright

    timings, map_bytes, outside = [], 0, 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            received = []
            page.on("requestfinished", lambda r: received.append(r))
            start = time.perf_counter()
            page.goto(app_url)
            canvas = page.locator("canvas").first
            canvas.wait_for(timeout=60_000)
            while True:
                pixels = np.asarray(Image.open(io.BytesIO(canvas.screenshot())).convert("RGB"))
                if (pixels.min(axis=2) < 235).mean() > 0.3 or time.perf_counter() - start > 60:
                    break
            timings.append((time.perf_counter() - start) * 1000)
            map_bytes = sum(r.sizes()["responseBodySize"] for r in received
                            if ".pbf" in r.url or "mvt-worker" in r.url or "/national/" in r.url)
            outside = sum(1 for r in received if "127.0.0.1" not in r.url and "localhost" not in r.url
                          and r.url.startswith("http"))
            page.close()
        browser.close()
    return timings, map_bytes, outside


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", default="http://127.0.0.1:8501")
    parser.add_argument("--tiles", default="http://127.0.0.1:8765")
    parser.add_argument("--indicator", default="population", help="for tile latency; pick one not yet cached")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--page", default="", help="the page whose map is timed: '' (home) or 'energie'")
    args = parser.parse_args()

    rows = []
    image_ms = []
    for _ in range(2):  # the first asks the server to draw it, the second finds it cached
        started = time.perf_counter()
        with urllib.request.urlopen(f"{args.tiles}/national/{args.indicator}.png") as response:
            image_size = len(response.read())
        image_ms.append((time.perf_counter() - started) * 1000)
    for z in range(5, 9):
        tiles = tiles_covering(z)
        cold, size = tile_latencies(args.tiles, args.indicator, tiles)
        warm, _ = tile_latencies(args.tiles, args.indicator, tiles)
        rows.append((f"z{z} ({len(tiles)} tuiles, {size / 1e6:.1f} MB)", cold, warm))
    timings, map_bytes, outside = page_to_painted_map(f"{args.app.rstrip('/')}/{args.page}", args.runs)

    print(f"{'tiles':32} {'cold p50':>9} {'cold p95':>9} {'warm p50':>9} {'warm p95':>9}  (ms)")
    for label, cold, warm in rows:
        print(f"{label:32} {percentile(cold, .5):9.0f} {percentile(cold, .95):9.0f} "
              f"{percentile(warm, .5):9.1f} {percentile(warm, .95):9.1f}")
    print(f"national image ({image_size / 1e6:.2f} MB PNG): cold {image_ms[0]:.0f} ms, cached {image_ms[1]:.1f} ms")
    print(f"page /{args.page} load to painted map (ms), {args.runs} runs: "
          f"median {statistics.median(timings):.0f}, each {[round(t) for t in timings]}")
    print(f"national view map data over the wire: {map_bytes / 1e6:.2f} MB (national image; tiles and worker from zoom 6)")
    print(f"requests to other hosts: {outside}")


if __name__ == "__main__":
    main()
