"""A small HTTP endpoint serving commune vector tiles for the national maps.

`GET /communes/<indicator>/<z>/<x>/<y>.pbf` answers a gzipped Mapbox vector tile made by
PostGIS; `GET /national/<indicator>.png` the national choropleth as one image, for the first
paint. Both are kept in memory for a while: they cost up to a second to make and every visitor
asks for the same few. Reads go through the read-only role.

`GET /workers/mvt-worker.js` serves the loaders.gl worker that parses these tiles in the
browser. Streamlit's deck.gl bundle ships only the worker-side MVT loader (no in-page parser),
and would otherwise fetch the worker from unpkg.com: served from here, the map needs no CDN.
"""
from __future__ import annotations

import argparse
import gzip
import queue
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg

from geodata import db
from observatory import energy
from observatory.map_indicators import MAP_INDICATORS, MapIndicator
from observatory.national_image import render_national_png
from observatory.tiles import commune_tile

TILE_PATH = re.compile(r"^/communes/(?P<indicator>[a-z_0-9]+)/(?P<z>\d+)/(?P<x>\d+)/(?P<y>\d+)\.pbf$")
NATIONAL_PATH = re.compile(r"^/national/(?P<indicator>[a-z_0-9]+)\.png$")
# The home map's indicators and the Énergie page's, each under its own key.
SERVED: dict[str, MapIndicator] = {**MAP_INDICATORS, **energy.MAPS}
CACHE_SECONDS = 600
CACHE_TILES = 2000
# Idle connections kept for the next requests (each request runs in a new thread); beyond
# this, a burst's extra connections are closed rather than kept open for nothing.
IDLE_CONNECTIONS = 8
# Tiles that cover metropolitan France at national zooms: made before the first visitor asks.
WARM_TILES = [(6, x, y) for x in (31, 32, 33) for y in (21, 22, 23)]
# The maps the home and Énergie pages open with (about 2 s each to draw).
WARM_IMAGES = ("density", energy.INDICATORS["charging_points"].map_key)
# Must be the loaders.gl version bundled by Streamlit (see dashboards/vendor/loaders.gl/).
MVT_WORKER_PATH = "/workers/mvt-worker.js"
MVT_WORKER = Path(__file__).resolve().parent / "vendor" / "loaders.gl" / "mvt-worker-4.4.3.js"


class TileCache:
    def __init__(self, size: int = CACHE_TILES, seconds: float = CACHE_SECONDS):
        self._tiles: OrderedDict[tuple, tuple[float, bytes]] = OrderedDict()
        self._size, self._seconds = size, seconds
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            hit = self._tiles.get(key)
            if hit is None or time.monotonic() - hit[0] > self._seconds:
                return None
            self._tiles.move_to_end(key)
            return hit[1]

    def put(self, key: tuple, tile: bytes) -> None:
        with self._lock:
            self._tiles[key] = (time.monotonic(), tile)
            while len(self._tiles) > self._size:
                self._tiles.popitem(last=False)


class TileServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], database_url: str):
        super().__init__(address, TileHandler)
        self.database_url = database_url
        self.cache = TileCache()
        # Redrawing a national image costs about a second: tile traffic must not evict it.
        self.national_cache = TileCache(size=len(SERVED))
        self.mvt_worker = gzip.compress(MVT_WORKER.read_bytes(), 9)
        self._idle: queue.SimpleQueue[psycopg.Connection] = queue.SimpleQueue()

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            conn = psycopg.connect(self.database_url, autocommit=True)
            conn.execute(f"SET ROLE {db.READER_ROLE}")
        try:
            yield conn
        finally:
            # A failed query leaves an autocommit connection usable; a lost one is dropped.
            if conn.closed or conn.broken or self._idle.qsize() >= IDLE_CONNECTIONS:
                conn.close()
            else:
                self._idle.put(conn)

    def tile(self, indicator_key: str, z: int, x: int, y: int) -> bytes:
        key = (indicator_key, z, x, y)
        cached = self.cache.get(key)
        if cached is None:
            with self.connection() as conn:
                cached = gzip.compress(commune_tile(conn, SERVED[indicator_key], z, x, y), 5)
            self.cache.put(key, cached)
        return cached

    def national_image(self, indicator_key: str) -> bytes:
        key = (indicator_key, "national")
        cached = self.national_cache.get(key)
        if cached is None:
            with self.connection() as conn:
                cached = render_national_png(conn, SERVED[indicator_key])
            self.national_cache.put(key, cached)
        return cached

    def warm(self) -> None:
        for indicator_key in WARM_IMAGES:
            self.national_image(indicator_key)
        for z, x, y in WARM_TILES:
            self.tile(WARM_IMAGES[0], z, x, y)


class TileHandler(BaseHTTPRequestHandler):
    server: TileServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path == "/health":
            return self._answer(200, b"ok", "text/plain")
        if self.path == MVT_WORKER_PATH:
            return self._answer(200, self.server.mvt_worker, "text/javascript", gzipped=True)
        national = NATIONAL_PATH.match(self.path.split("?")[0])
        if national and national["indicator"] in SERVED:
            return self._answer(200, self.server.national_image(national["indicator"]), "image/png")
        match = TILE_PATH.match(self.path.split("?")[0])
        if not match or match["indicator"] not in SERVED:
            return self._answer(404, b"unknown tile path or indicator", "text/plain")
        try:
            tile = self.server.tile(match["indicator"], int(match["z"]), int(match["x"]), int(match["y"]))
        except ValueError as error:
            return self._answer(400, str(error).encode(), "text/plain")
        self._answer(200, tile, "application/vnd.mapbox-vector-tile", gzipped=True)

    def _answer(self, status: int, body: bytes, content_type: str, gzipped: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Cache-Control", f"public, max-age={CACHE_SECONDS}")
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args) -> None:
        pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Commune vector tiles for the observatory's maps")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--no-warm", action="store_true")
    args = parser.parse_args(argv)
    server = TileServer((args.host, args.port), args.database_url or db.resolve_url())
    if not args.no_warm:
        threading.Thread(target=server.warm, daemon=True).start()
    print(f"tiles: http://{args.host}:{server.server_port}/communes/<indicator>/<z>/<x>/<y>.pbf", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
