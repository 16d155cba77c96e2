"""The tile service of the observatory's maps: an ASGI application (Starlette) on uvicorn.

`GET /communes/<indicator>/<z>/<x>/<y>.pbf` answers a gzipped Mapbox vector tile;
`GET /national/<indicator>.png` the national choropleth as one image, for the first paint.
`GET /workers/mvt-worker.js` serves the loaders.gl worker that parses these tiles in the
browser: Streamlit's deck.gl bundle ships only the worker-side MVT loader (no in-page parser)
and would otherwise fetch the worker from unpkg.com; served from here, the map needs no CDN.

Where answers come from:
- the national zooms (z0-z8) and the national images, from the static build that the pipeline
  writes after each refresh (`observatory.national_tiles`: one PMTiles archive per indicator).
  The archive is decoded here, tile by tile, and served under the same URLs as dynamic tiles:
  deck.gl's MVTLayer of Streamlit's bundle cannot read PMTiles itself, the pages need no change,
  and no database is read for them. The build is used while its data version is the database's
  (or while the database cannot be reached); a newer load falls back to dynamic tiles until
  the pipeline has rebuilt it;
- higher zooms, from PostGIS (`observatory.tiles`), through the read-only role, kept in memory
  and on disk until the data changes.

Every answer carries an ETag and Last-Modified made from the data's last load
(`observatory.load_run`, read every few seconds, never per request) and the drawing code's
hash: `If-None-Match` / `If-Modified-Since` get a 304 without touching the database, and a
refresh changes the ETag.

Why this stack: the previous `http.server` endpoint ran a thread per connection with a
hand-made pool; under 64 concurrent clients requests waited 14 s and timed out. uvicorn runs
one event loop that holds any number of idle or slow connections for free; Starlette gives
routing and responses without a framework's weight (FastAPI would add validation and OpenAPI
for five routes). A maintained tile server such as tipg serves tables and functions as they
are; our tiles are styled per indicator (classes, colours, French number text) and partly
static, which is our code either way.

Where the time goes under load (200 connections, 2 cores shared with the client, PostgreSQL
and others' work; figures in benchmarks/README.md): a tile query costs PostGIS about 1 ms on
average (2-10 ms in dense places), and a ready tile costs this process about 0.1 ms, most of it
in uvicorn and the socket writes; a request that needs a query waits for everything else.
When tile queries ran on the serving loop, each of their steps (take a connection, send, read,
give the connection back) waited for a full turn of a loop busy with 200 connections (20-100
ms under load); held that long, 16 connections ran out and a cold tile waited 1 s at the median
for one. Hence:
- tile queries run on a thread of their own with its own event loop (`QueryThread`, psycopg's
  asynchronous connections from a `psycopg_pool` AsyncConnectionPool, which bounds them),
  compressed there too (zlib releases the GIL); the serving loop awaits one future. The GIL
  switch interval is 0.5 ms in the service's processes (`SWITCH_INTERVAL_SECONDS`): the query
  thread waited up to CPython's 5 ms at each step while the serving loop ran;
- a ready tile (static build, memory, disk) is answered by `ReadyTiles`, a pure ASGI
  middleware, before Starlette's router and request/response objects (the application's part
  of a request went from about 35 to 11-20 us, of about 100 us for the whole process);
- made tiles are kept in memory (by size, least recently used first) and on disk (`DiskCache`,
  by database and data version: across restarts and between worker processes), written on a
  thread of their own.

Bad requests are answered at once with a 4xx: unknown indicator or path (404), z beyond 22,
x/y outside the zoom or not a number (400), not HTTP (400). uvicorn only times out idle
keep-alive connections, and any byte resets that timer: a client that never finishes its
request would hold its connection forever. `RequestDeadlineProtocol` (uvicorn's httptools
protocol: C parsing, about twice h11's requests per second here) gives every request
`REQUEST_SECONDS` from the connection (or the previous answer) to arrive, then answers 408 and
closes, and refuses a request head beyond `MAX_HEAD_BYTES` with 431.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gzip
import hashlib
import json
import logging
import os
import shutil
import sys
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime
from pathlib import Path

import anyio
import psycopg
import uvicorn
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from geodata import db
from geodata.settings import PROJECT_DIR, tile_archive_dir
from observatory import energy, national_tiles
from observatory.national_image import render_national_png
from observatory.national_tiles import SERVED, DataVersion, NationalBuild
from observatory.tiles import tile_exists, tiles_of, tiles_query

__all__ = ["SERVED", "MVT_WORKER_PATH", "create_app", "main"]

# Browsers and caches reuse an answer this long, then revalidate it (a 304 until a refresh).
MAX_AGE_SECONDS = 60
CACHE_BYTES = 256 * 1024 * 1024
# Connections to PostGIS, and tile queries at once (shared by the worker processes).
POOL_SIZE = 16
# Dynamic tiles a process writes to the disk cache for one data version, at most.
DISK_CACHE_BYTES = 2 * 1024 ** 3
# How long the serving loop may keep the GIL when the query thread asks for it, in the service's
# processes (CPython's default, 5 ms, was paid at each step of a tile query under load).
SWITCH_INTERVAL_SECONDS = 0.0005
# How often the data version (last load) and the static build are looked at.
POLL_SECONDS = 5.0
REQUEST_SECONDS = 10.0
MAX_HEAD_BYTES = 32 * 1024
KEEP_ALIVE_SECONDS = 5
# Tiles that cover metropolitan France at zoom 6, and the maps the home and Énergie pages
# open with: made before the first visitor asks when no static build has them.
WARM_TILES = [(6, x, y) for x in (31, 32, 33) for y in (21, 22, 23)]
WARM_IMAGES = ("density", energy.INDICATORS["charging_points"].map_key)
# Must be the loaders.gl version bundled by Streamlit (see dashboards/vendor/loaders.gl/).
MVT_WORKER_PATH = "/workers/mvt-worker.js"
MVT_WORKER = Path(__file__).resolve().parent / "vendor" / "loaders.gl" / "mvt-worker-4.4.3.js"
MVT_TYPE = "application/vnd.mapbox-vector-tile"
MAX_COORDINATE_DIGITS = 7   # 2**22 has 7 digits: longer is refused before int() reads it

log = logging.getLogger("observatory.tiles")


class ByteLRU:
    """Answers kept by total size, the least recently used dropped first. Used from the event
    loop only: no lock."""

    def __init__(self, capacity: int = CACHE_BYTES):
        self._items: OrderedDict[tuple, bytes] = OrderedDict()
        self._capacity, self.size = capacity, 0

    def get(self, key: tuple) -> bytes | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: tuple, value: bytes) -> None:
        self.size += len(value) - len(self._items.pop(key, b""))
        self._items[key] = value
        while self.size > self._capacity and self._items:
            self.size -= len(self._items.popitem(last=False)[1])

    def clear(self) -> None:
        self._items.clear()
        self.size = 0


class QueryThread:
    """The service's PostGIS work on a thread of its own, on its own event loop, through an
    asynchronous `psycopg_pool` pool (see the module docstring): the serving loop hands it a
    coroutine and awaits one future."""

    def __init__(self, database_url: str, pool_size: int):
        self.loop = asyncio.new_event_loop()
        self.pool = AsyncConnectionPool(database_url, min_size=1, max_size=pool_size, open=False,
                                        kwargs={"autocommit": True}, configure=self._configure,
                                        name="tiles", timeout=30)
        self._thread = threading.Thread(target=self.loop.run_forever, name="tile-queries", daemon=True)

    @staticmethod
    async def _configure(conn: psycopg.AsyncConnection) -> None:
        await conn.execute(f"SET ROLE {db.READER_ROLE}")

    def run(self, coroutine: Awaitable) -> asyncio.Future:
        """`coroutine` run on the query thread, as a future of the calling loop."""
        return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self.loop))

    async def start(self) -> None:
        self._thread.start()
        await self.run(self.pool.open(wait=False))

    async def stop(self) -> None:
        await self.run(self.pool.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        await anyio.to_thread.run_sync(self._thread.join)
        self.loop.close()


class DiskCache:
    """Dynamic tiles on disk, kept across restarts and shared by the worker processes: one
    folder per database (a hash of its address) and per data version, so that another
    database's tiles or an older load's are never read. The folders of this database's
    other versions are removed when the version changes.

    Files are written one at a time through a rename (a reader sees a whole tile or none), on
    a thread of their own (`put_later`): each file operation gives up the GIL and waits to take
    it back, which on the query thread delayed the next tiles (a cold tile's median rose from
    0.13 to 1 s under load). Writes are best effort: beyond `MAX_WAITING_WRITES` waiting, or
    once a process has written `budget` bytes (counting 4 KiB a file) for a version, tiles are
    served and not written."""

    MAX_WAITING_WRITES = 1000

    def __init__(self, root: Path, database_url: str, budget: int = DISK_CACHE_BYTES):
        info = conninfo_to_dict(database_url)
        place = "|".join(str(info.get(name, "")) for name in ("host", "port", "dbname"))
        self.root = root / hashlib.sha256(place.encode()).hexdigest()[:16]
        self.budget, self.written = budget, 0
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="tile-disk-cache")
        self._slots = threading.BoundedSemaphore(self.MAX_WAITING_WRITES)
        self._folders: set[Path] = set()
        self._failed = False

    def folder(self, version: DataVersion) -> Path:
        return self.root / f"{version.load_id}-{version.code}-{version.loaded_at.timestamp():.6f}"

    def path(self, version: DataVersion, key: str, z: int, x: int, y: int) -> Path:
        return self.folder(version) / key / str(z) / f"{x}-{y}.mvt.gz"

    def get(self, version: DataVersion, key: str, z: int, x: int, y: int) -> bytes | None:
        try:
            return self.path(version, key, z, x, y).read_bytes()
        except OSError:
            return None

    def put(self, version: DataVersion, key: str, z: int, x: int, y: int, body: bytes) -> None:
        if self.written + len(body) + 4096 > self.budget:
            return
        path = self.path(version, key, z, x, y)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            if path.parent not in self._folders:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._folders.add(path.parent)
            temporary.write_bytes(body)
            os.replace(temporary, path)
        except OSError as error:     # a full or read-only disk: the tile is still served
            if not self._failed:
                log.warning("disk cache not written (said once per data version): %s", error)
            self._failed = True
            self._folders.discard(path.parent)    # perhaps removed by another process
            with contextlib.suppress(OSError):
                temporary.unlink()
            return
        self.written += len(body) + 4096

    def put_later(self, version: DataVersion, key: str, z: int, x: int, y: int, body: bytes) -> None:
        """`put` on the writing thread, unless too many writes wait already."""
        if self._slots.acquire(blocking=False):
            self.writer.submit(self._put_released, version, key, z, x, y, body)

    def _put_released(self, *place_and_body) -> None:
        try:
            self.put(*place_and_body)
        finally:
            self._slots.release()

    def keep_only(self, version: DataVersion) -> None:
        """Remove this database's folders of other versions (call it on the writing thread)."""
        self.written, self._failed = 0, False
        self._folders.clear()
        current = self.folder(version)
        try:
            for folder in self.root.glob("*") if self.root.is_dir() else ():
                if folder != current:
                    shutil.rmtree(folder, ignore_errors=True)
        except OSError as error:
            log.warning("disk cache: older versions not removed: %s", error)


class TileService:
    """The state behind the routes: query thread, data version, static build, caches."""

    def __init__(self, database_url: str, archive_dir: Path | None, pool_size: int = POOL_SIZE,
                 poll_seconds: float = POLL_SECONDS, cache_dir: Path | None = None):
        self.database_url, self.archive_dir, self.poll_seconds = database_url, archive_dir, poll_seconds
        self.queries = QueryThread(database_url, pool_size)
        self.disk = DiskCache(cache_dir, database_url) if cache_dir is not None else None
        self.version: DataVersion | None = None     # None: the database was never reached
        self.build: NationalBuild | None = None
        self._build_stamp: float | None = None
        self.cache = ByteLRU()
        self._pending: dict[tuple, asyncio.Future] = {}
        self.mvt_worker = gzip.compress(MVT_WORKER.read_bytes(), 9, mtime=0)
        self.mvt_worker_etag = f'"{hashlib.sha256(self.mvt_worker).hexdigest()[:16]}"'

    # -- versions -------------------------------------------------------------------------
    async def refresh(self) -> None:
        """Read the data version and reopen the static build if it changed."""
        async def read_version() -> DataVersion:
            async with self.queries.pool.connection(timeout=self.poll_seconds) as conn:
                cursor = await conn.execute(*national_tiles.LAST_LOAD_QUERY)
                return national_tiles.version_of(await cursor.fetchone())
        try:
            version = await self.queries.run(read_version())
        except (psycopg.Error, OSError) as error:   # keep the last known version
            log.warning("data version unavailable: %s", error)
        else:
            if version != self.version:
                self.cache.clear()
                self.version = version
                if self.disk is not None:   # before the writes that follow, without waiting for it
                    self.disk.writer.submit(self.disk.keep_only, version)
        self._reload_build()

    def _reload_build(self) -> None:
        if self.archive_dir is None:
            return
        manifest = self.archive_dir / national_tiles.MANIFEST
        try:
            stamp = manifest.stat().st_mtime_ns
        except FileNotFoundError:
            stamp = None
        if stamp == self._build_stamp:
            return
        try:
            build = national_tiles.read_build(self.archive_dir)
        except (OSError, ValueError, KeyError) as error:
            log.warning("static build unreadable, tiles stay dynamic: %s", error)
            return
        old, self.build, self._build_stamp = self.build, build, stamp
        if old is not None:
            old.close()

    async def poll(self) -> None:
        while True:
            await asyncio.sleep(self.poll_seconds)
            await self.refresh()

    def static_build(self) -> NationalBuild | None:
        """The static build when it holds the current data (or the database is out of reach)."""
        build = self.build
        if build is not None and (self.version is None or build.version == self.version):
            return build
        return None

    # -- dynamic answers ------------------------------------------------------------------
    async def shared(self, key: tuple, make: Callable[[], Awaitable[bytes]]) -> bytes:
        """The cached answer for `key`, else made once for every request that asks for it
        meanwhile; a client that goes away does not cancel it for the others."""
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        pending = self._pending.get(key)
        if pending is None:
            pending = asyncio.ensure_future(make())
            self._pending[key] = pending
            pending.add_done_callback(lambda done: self._made(key, done))
        return await asyncio.shield(pending)

    def _made(self, key: tuple, done: asyncio.Future) -> None:
        self._pending.pop(key, None)
        if not done.cancelled() and done.exception() is None and key[0] == self.version:
            self.cache.put(key, done.result())

    def at_hand(self, version: DataVersion, key: str, z: int, x: int, y: int) -> bytes | None:
        """A dynamic tile already made: from memory, else from the disk cache."""
        place = (version, key, z, x, y)
        body = self.cache.get(place)
        if body is None and self.disk is not None and place not in self._pending:
            body = self.disk.get(*place)
            if body is not None:
                self.cache.put(place, body)
        return body

    def ready(self, key: str, z: int, x: int, y: int) -> tuple[DataVersion, bytes] | None:
        """The gzipped tile and its version when no query is needed: from the static build
        (when current), else from memory or disk."""
        build = self.static_build()
        if build is not None and build.covers(key, z):
            return build.version, build.tile(key, z, x, y)
        version = self.version
        body = None if version is None else self.at_hand(version, key, z, x, y)
        return None if body is None else (version, body)

    async def tile(self, version: DataVersion, key: str, z: int, x: int, y: int) -> bytes:
        """A tile at hand, else made by PostGIS on the query thread (compressed there too: zlib
        lets the serving loop run meanwhile) and written to the disk cache."""
        place = (version, key, z, x, y)
        body = self.at_hand(*place)
        if body is not None:
            return body
        indicators = [SERVED[key]]

        async def make() -> bytes:
            async with self.queries.pool.connection() as conn:
                cursor = await conn.execute(*tiles_query(indicators, z, x, y))
                tile = tiles_of(indicators, await cursor.fetchone())[key]
            body = gzip.compress(tile, 5, mtime=0)
            if self.disk is not None:
                self.disk.put_later(*place, body)
            return body
        return await self.shared(place, lambda: self.queries.run(make()))

    async def image(self, version: DataVersion, key: str) -> bytes:
        """A national image, drawn in a worker thread (seconds of Python): only when the static
        build has none of the current data."""
        indicator = SERVED[key]

        def draw() -> bytes:
            with db.reader_connection(self.database_url) as conn:
                return render_national_png(conn, indicator)
        return await self.shared((version, key, "national"), lambda: anyio.to_thread.run_sync(draw))

    async def warm(self) -> None:
        version = self.version
        if version is None:
            return
        build = self.static_build()
        for key in WARM_IMAGES:
            if build is None or key not in build.images:
                await self.image(version, key)
        for z, x, y in WARM_TILES:
            if build is None or not build.covers(WARM_IMAGES[0], z):
                await self.tile(version, WARM_IMAGES[0], z, x, y)


# -- HTTP -------------------------------------------------------------------------------
def _text(status: int, message: str, headers: dict | None = None) -> Response:
    return PlainTextResponse(message, status, headers={"Access-Control-Allow-Origin": "*", **(headers or {})})


def _not_modified(request: Request, version: DataVersion) -> bool:
    """RFC 9110: If-None-Match decides when present, else If-Modified-Since."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or version.etag in tags
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since:
        try:
            return version.loaded_at.replace(microsecond=0) <= parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
    return False


def _versioned(request: Request, version: DataVersion, body: bytes, media_type: str,
               gzipped: bool = False) -> Response:
    headers = {"Access-Control-Allow-Origin": "*", "Cache-Control": f"public, max-age={MAX_AGE_SECONDS}",
               "ETag": version.etag, "Last-Modified": version.last_modified}
    if _not_modified(request, version):
        return Response(status_code=304, headers=headers)
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    return Response(body, 200, headers=headers, media_type=media_type)


def _database_unavailable() -> Response:
    return _text(503, "database unavailable", {"Retry-After": str(int(POLL_SECONDS))})


def _coordinates(*values: str) -> tuple[int, int, int] | None:
    """z, x and y of an existing tile from the path's text, else None."""
    if not all(value.isascii() and value.isdigit() and len(value) <= MAX_COORDINATE_DIGITS for value in values):
        return None
    z, x, y = map(int, values)
    return (z, x, y) if tile_exists(z, x, y) else None


async def tile_route(request: Request) -> Response:
    service: TileService = request.app.state.service
    key = request.path_params["indicator"]
    if key not in SERVED:
        return _text(404, "unknown indicator")
    place = _coordinates(*(request.path_params[name] for name in ("z", "x", "y")))
    if place is None:
        return _text(400, "no such tile: z from 0 to 22, x and y from 0 to 2^z - 1")
    ready = service.ready(key, *place)
    if ready is not None:
        return _versioned(request, *ready, MVT_TYPE, gzipped=True)
    return await _from_database(request, service, lambda version: service.tile(version, key, *place),
                                MVT_TYPE, gzipped=True)


TILE_PREFIX = "/communes/"
_CONDITIONAL = (b"if-none-match", b"if-modified-since")


@functools.lru_cache(maxsize=8)
def _tile_headers(version: DataVersion) -> tuple[tuple[bytes, bytes], ...]:
    """The headers of a ready tile's answer but its length (as `_versioned` writes them)."""
    return tuple((name.encode(), value.encode()) for name, value in (
        ("content-type", MVT_TYPE), ("access-control-allow-origin", "*"),
        ("cache-control", f"public, max-age={MAX_AGE_SECONDS}"), ("etag", version.etag),
        ("last-modified", version.last_modified), ("content-encoding", "gzip")))


class ReadyTiles:
    """Pure ASGI middleware: a GET of a tile that is ready (`TileService.ready`) and not
    conditional is answered here, without the router and the request and response objects,
    which cost two to three times what is left of its path in the application: under load
    nearly every request is one. Anything else goes on to the routes, which answer it the same
    way."""

    def __init__(self, app, service: TileService):
        self.app, self.service = app, service

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"].startswith(TILE_PREFIX):
            answer = self._ready(scope)
            if answer is not None:
                headers, body = answer
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    def _ready(self, scope) -> tuple[list, bytes] | None:
        parts = scope["path"][len(TILE_PREFIX):].split("/")
        if len(parts) != 4 or parts[0] not in SERVED or not parts[3].endswith(".pbf"):
            return None
        place = _coordinates(parts[1], parts[2], parts[3][:-4])
        if place is None or any(name in _CONDITIONAL for name, _ in scope["headers"]):
            return None
        ready = self.service.ready(parts[0], *place)
        if ready is None:
            return None
        version, body = ready
        return [*_tile_headers(version), (b"content-length", str(len(body)).encode())], body


async def national_route(request: Request) -> Response:
    service: TileService = request.app.state.service
    key = request.path_params["indicator"]
    if key not in SERVED:
        return _text(404, "unknown indicator")
    build = service.static_build()
    if build is not None and key in build.images:
        return _versioned(request, build.version, build.images[key], "image/png")
    return await _from_database(request, service, lambda version: service.image(version, key), "image/png")


async def _from_database(request: Request, service: TileService,
                         make: Callable[[DataVersion], Awaitable[bytes]], media_type: str,
                         gzipped: bool = False) -> Response:
    version = service.version
    if version is None:
        return _database_unavailable()
    if _not_modified(request, version):
        return _versioned(request, version, b"", media_type)
    try:
        body = await make(version)
    except (psycopg.OperationalError, psycopg.InterfaceError, TimeoutError) as error:
        log.warning("tile query failed: %s", error)
        return _database_unavailable()
    return _versioned(request, version, body, media_type, gzipped)


async def worker_route(request: Request) -> Response:
    service: TileService = request.app.state.service
    headers = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=86400",
               "ETag": service.mvt_worker_etag}
    if request.headers.get("if-none-match") == service.mvt_worker_etag:
        return Response(status_code=304, headers=headers)
    return Response(service.mvt_worker, headers={**headers, "Content-Encoding": "gzip"},
                    media_type="text/javascript")


async def health_route(request: Request) -> Response:
    return PlainTextResponse("ok")


def create_app(database_url: str, archive_dir: Path | None = None, *, warm: bool = False,
               pool_size: int = POOL_SIZE, poll_seconds: float = POLL_SECONDS,
               cache_dir: Path | None = None) -> Starlette:
    service = TileService(database_url, archive_dir, pool_size, poll_seconds, cache_dir)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        await service.queries.start()
        await service.refresh()
        tasks = [asyncio.create_task(service.poll())]
        if warm:
            tasks.append(asyncio.create_task(service.warm()))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await service.queries.stop()
            if service.disk is not None:
                await anyio.to_thread.run_sync(service.disk.writer.shutdown)
            if service.build is not None:
                service.build.close()

    app = Starlette(routes=[
        Route("/health", health_route),
        Route(MVT_WORKER_PATH, worker_route),
        Route("/national/{indicator}.png", national_route),
        Route(TILE_PREFIX + "{indicator}/{z}/{x}/{y}.pbf", tile_route),
    ], middleware=[Middleware(ReadyTiles, service=service)], lifespan=lifespan)
    app.state.service = service
    return app


def _refusal(status: str, message: bytes) -> bytes:
    return (b"HTTP/1.1 %s\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
            b"content-length: %d\r\n\r\n%s" % (status.encode(), len(message), message))


_TIMEOUT_ANSWER = _refusal("408 Request Timeout", b"request not received in time")
_TOO_LARGE_ANSWER = _refusal("431 Request Header Fields Too Large", b"request head too large")


class RequestDeadlineProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with limits on each request's arrival (see the module
    docstring): 408 and close when a request is not complete `request_seconds` after the
    connection opened or the previous answer was sent; 431 and close when more than
    `MAX_HEAD_BYTES` arrive before a request's head is complete (httptools has no such limit)."""

    request_seconds = REQUEST_SECONDS
    _deadline: asyncio.TimerHandle | None = None
    _head_bytes = 0

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if not self._answering():
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES:
                self._refuse(_TOO_LARGE_ANSWER)
                return
        super().data_received(data)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _answering(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _arm(self) -> None:
        self._disarm()
        self._head_bytes = 0
        if not self.transport.is_closing():
            self._deadline = self.loop.call_later(self.request_seconds, self._deadline_passed)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _deadline_passed(self) -> None:
        self._deadline = None
        if not self._answering():
            self._refuse(_TIMEOUT_ANSWER)

    def _refuse(self, answer: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(answer)
            self.transport.close()


def _server_options(request_seconds: float = REQUEST_SECONDS) -> dict:
    protocol = RequestDeadlineProtocol if request_seconds == REQUEST_SECONDS else \
        type("RequestDeadlineProtocol", (RequestDeadlineProtocol,), {"request_seconds": request_seconds})
    return {"http": protocol, "lifespan": "on", "timeout_keep_alive": KEEP_ALIVE_SECONDS, "access_log": False,
            "log_level": "warning", "backlog": 4096}


def server_config(app: Starlette, host: str, port: int, *, request_seconds: float = REQUEST_SECONDS,
                  **kwargs) -> uvicorn.Config:
    return uvicorn.Config(app, host=host, port=port, **_server_options(request_seconds), **kwargs)


# How `main` hands its settings to the worker processes, which build their own app.
_SETTINGS_ENV = "OBSERVATORY_TILE_SERVICE_SETTINGS"


def app_from_env() -> Starlette:
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    settings = json.loads(os.environ[_SETTINGS_ENV])
    return create_app(settings["database_url"], Path(settings["archives"]), warm=settings["warm"],
                      pool_size=settings["pool_size"], cache_dir=Path(settings["cache"]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Commune vector tiles for the observatory's maps")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--archives", type=Path, default=None,
                        help="folder of the static national build (default: OBSERVATORY_TILE_ARCHIVES "
                             "or .cache/tiles)")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="folder of the disk cache of dynamic tiles (default: OBSERVATORY_TILE_CACHE "
                             "or .cache/tile-cache)")
    parser.add_argument("--workers", type=int, default=1,
                        help="processes (one per core; each has its own memory cache and connections)")
    parser.add_argument("--no-warm", action="store_true")
    args = parser.parse_args(argv)
    os.environ[_SETTINGS_ENV] = json.dumps({
        "database_url": db.libpq_url(args.database_url) if args.database_url else db.resolve_url(),
        "archives": str(args.archives or tile_archive_dir()), "warm": not args.no_warm,
        "cache": str(args.cache_dir or os.environ.get("OBSERVATORY_TILE_CACHE", "").strip()
                     or PROJECT_DIR / ".cache" / "tile-cache"),
        "pool_size": max(2, POOL_SIZE // args.workers)})
    print(f"tiles: http://{args.host}:{args.port}/communes/<indicator>/<z>/<x>/<y>.pbf", flush=True)
    if args.workers == 1:
        uvicorn.Server(server_config(app_from_env(), args.host, args.port)).run()
    else:
        uvicorn.run("dashboards.tile_server:app_from_env",
                    factory=True, host=args.host, port=args.port, workers=args.workers, **_server_options())


if __name__ == "__main__":
    main()
