"""A loopback HTTP server (uvicorn + starlette) that answers like the sources' official hosts:
every official URL path serves its file (tests/online/official_files.py), with ETag and
Last-Modified validators and 304 answers, and the faults a test asks for.

Bounded: it listens on 127.0.0.1 only, on a free port, accepts a few connections at a time and
stops by itself after `lifetime_s` if the test that started it did not stop it first.
"""
from __future__ import annotations

import asyncio
import hashlib
import socket
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

import uvicorn
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from tests.online.official_files import Resource

# The faults a path can be given, consumed one per request (then the file is served).
NOT_FOUND, SERVER_ERROR, BUSY, HTML_ERROR_PAGE, SLOW, CUT, MOVED = "404", "500", "503", "html", "slow", "cut", "moved"
BUSY_RETRY_AFTER_S = 2
SLOW_S = 3.0
HTML_PAGE = (b"<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>Service "
             b"momentan\xc3\xa9ment indisponible</h1></body></html>")


@dataclass(frozen=True)
class Seen:
    path: str
    status: int


class _Cut(Exception):
    """Raised mid-body: uvicorn drops the connection, as a network cut does."""


class OfficialHost:
    def __init__(self, site: dict[str, Resource], *, lifetime_s: float = 900):
        self.site = site
        self.lifetime_s = lifetime_s
        self.faults: dict[str, list[str]] = {}
        self.requests: list[Seen] = []
        self._etags: dict[tuple[Path, float], str] = {}
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    # -- what tests call ------------------------------------------------------------------

    def fail(self, path: str, *faults: str) -> None:
        """The next requests of `path` meet these faults, in order."""
        self.faults[path] = list(faults)

    def serve(self, path: str, file: Path) -> None:
        """From now on `path` answers this file (a new version of it)."""
        self.site[path] = Resource(file, self.site[path].content_type)

    def seen(self, path: str) -> list[Seen]:
        return [r for r in self.requests if r.path == path]

    def start(self) -> OfficialHost:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        # "critical": a cut transfer is an exception raised mid-body, which uvicorn would log.
        config = uvicorn.Config(self._app, interface="asgi3", lifespan="off", log_level="critical",
                                limit_concurrency=8, timeout_keep_alive=2, access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True,
                                        name="official-host")
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the loopback server did not start")
            time.sleep(0.02)
        timer = threading.Timer(self.lifetime_s, self.stop)
        timer.daemon = True
        timer.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)

    # -- the ASGI application ---------------------------------------------------------------

    async def _app(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        path = request.url.path
        fault = self.faults[path].pop(0) if self.faults.get(path) else None
        response = self._answer(request, fault)
        # Recorded on arrival: a slow answer may come after its client gave up.
        self.requests.append(Seen(path, response.status_code))
        if fault == SLOW:
            await asyncio.sleep(SLOW_S)
        await response(scope, receive, send)

    def _answer(self, request: Request, fault: str | None) -> Response:
        path = request.url.path
        resource = self.site.get(path)
        if resource is None:
            return Response(b"Not Found", status_code=404, media_type="text/plain")
        if fault == NOT_FOUND:
            return Response(b"Not Found", status_code=404, media_type="text/plain")
        if fault == SERVER_ERROR:
            return Response(b"Internal Server Error", status_code=500, media_type="text/plain")
        if fault == BUSY:
            return Response(b"Service Unavailable", status_code=503, media_type="text/plain",
                            headers={"Retry-After": str(BUSY_RETRY_AFTER_S)})
        if fault == HTML_ERROR_PAGE:
            return Response(HTML_PAGE, status_code=200, media_type="text/html; charset=utf-8")
        if fault == MOVED:
            return RedirectResponse(f"{path}?moved=1", status_code=301)
        if resource.redirect_to:
            return RedirectResponse(resource.redirect_to, status_code=302)
        etag, modified = self._validators(resource.path)
        headers = {"ETag": etag, "Last-Modified": modified}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        size = resource.path.stat().st_size
        return StreamingResponse(self._body(resource.path, cut_at=size // 2 if fault == CUT else None),
                                 media_type=resource.content_type,
                                 headers={**headers, "Content-Length": str(size)})

    def _validators(self, path: Path) -> tuple[str, str]:
        stat = path.stat()
        key = (path, stat.st_mtime)
        if key not in self._etags:
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            self._etags[key] = f'"{digest.hexdigest()[:20]}"'
        return self._etags[key], formatdate(stat.st_mtime, usegmt=True)

    @staticmethod
    async def _body(path: Path, cut_at: int | None):
        sent = 0
        with path.open("rb") as handle:
            while block := handle.read(1 << 18):
                if cut_at is not None and sent + len(block) > cut_at:
                    yield block[:cut_at - sent]
                    raise _Cut()
                sent += len(block)
                yield block
