"""One way in for every source file: its official URL, or the same file in a local mirror.

With `OBSERVATORY_MIRROR` set (tests, CI, offline machines) the file is read from
`<mirror>/<mirror_path>`; otherwise it is downloaded from its official URL into a cache
keyed by content hash. Either way the caller gets a local path and the file's SHA-256.

Downloads (httpx) are streamed into a temporary file of the cache, checked (size announced by
the server, HTML error pages, the pinned hash when the source declares one) and only then
moved into `<cache>/<sha256>/<name>`: a failed download leaves the cache and the published
data as they were. Server errors (5xx, 429), timeouts and cut transfers are retried with a
growing wait (`OBSERVATORY_DOWNLOAD_RETRIES`, `OBSERVATORY_DOWNLOAD_TIMEOUT`); a 4xx is final.
A file downloaded before is asked for with its ETag / Last-Modified: a 304 answer reuses the
cached copy, whose hash the pipelines then find unchanged. `OBSERVATORY_SOURCE_BASE_URL`
points every official URL at another host, path kept.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from geodata.settings import cache_dir, download_retries, download_timeout, mirror_dir, source_base_url

log = logging.getLogger("geodata.download")

RETRYABLE_STATUS = {429, 500, 502, 503, 504}
BACKOFF_S = 1.0              # first wait between attempts, doubled each time
MAX_RETRY_AFTER_S = 60.0     # a server's Retry-After is honoured up to this
PROGRESS_FROM_BYTES = 8 * 2**20   # files larger than this (or of unknown size) report progress
MAX_JSON_BYTES = 16 * 2**20  # an API answer, not a data file
USER_AGENT = "observatoire-transition-locale/0.1 (open-source observatory; python-httpx)"


class SourceError(RuntimeError):
    """A source could not be obtained or is not what it claims to be."""


class MissingFromMirror(SourceError):
    """The mirror holds no copy of the source."""


class NotPublished(SourceError):
    """The source is a transcription of a web page: no file to download, only a mirror has it."""


class DownloadError(SourceError):
    """A download failed; `summary_fr` says why in French for the public pages."""

    def __init__(self, message: str, summary_fr: str):
        super().__init__(message)
        self.summary_fr = summary_fr


@dataclass(frozen=True)
class SourceFile:
    """A file published by an official producer."""

    name: str          # short id, e.g. "cog-communes"
    url: str           # official download URL
    mirror_path: str   # path of the same content inside the mirror directory
    vintage: str       # what period the file at the official URL describes, e.g. "2026"
    licence: str
    sha256: str | None = None          # pinned content: a download with another hash is refused
    mirror_vintage: str | None = None  # when the mirror holds another vintage than the URL
    published_file: bool = True        # False: `url` is a page the mirror's file transcribes


@dataclass(frozen=True)
class Fetched:
    source: SourceFile
    path: Path
    sha256: str
    origin: str        # "mirror" or the URL

    @property
    def location(self) -> str:
        return str(self.path) if self.origin == "mirror" else self.origin

    @property
    def vintage(self) -> str:
        """The vintage of this copy: the mirror's may be older than the official URL's."""
        if self.origin == "mirror" and self.source.mirror_vintage:
            return self.source.mirror_vintage
        return self.source.vintage


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body")


def _looks_like_html(head: bytes) -> bool:
    return head[:512].lstrip().lower().startswith(_HTML_STARTS)


FROM_SETTINGS = Path("<OBSERVATORY_MIRROR>")


def source_url(url: str) -> str:
    """`url` on the host `OBSERVATORY_SOURCE_BASE_URL` names, same path and query; unchanged
    when the setting is empty."""
    base = source_base_url()
    if not base:
        return url
    parts = urlsplit(url)
    return f"{base}{parts.path}" + (f"?{parts.query}" if parts.query else "")


def fetch(source: SourceFile, *, mirror: Path | None = FROM_SETTINGS, url: str | None = None) -> Fetched:
    """Local path of `source`, from the mirror when one is given, else downloaded.

    By default the mirror is `OBSERVATORY_MIRROR`; `mirror=None` forces the download.
    `url` replaces the declared one (e.g. found in a dataset's API answer).
    """
    mirror = mirror_dir() if mirror is FROM_SETTINGS else mirror
    if mirror is not None:
        path = mirror / source.mirror_path
        if not path.is_file():
            raise MissingFromMirror(f"{source.name}: {path} is missing from the mirror {mirror}")
        with path.open("rb") as handle:
            if _looks_like_html(handle.read(512)):
                raise SourceError(f"{source.name}: {path} answered with an HTML page, not the data file "
                                  f"(an error or a login page?)")
        return Fetched(source, path, sha256_of(path), "mirror")
    if not source.published_file:
        raise NotPublished(f"{source.name}: a transcription of the page {source.url}, which publishes no "
                           f"data file: only a local mirror holds it (OBSERVATORY_MIRROR, file "
                           f"{source.mirror_path})")
    return _download(source, source_url(url or source.url))


def fetch_json(source: SourceFile, url: str) -> object:
    """A small JSON answer of an API (e.g. a data.gouv.fr dataset), with the same retries."""
    url = source_url(url)

    def attempt(client: httpx.Client) -> object:
        with client.stream("GET", url, headers={"Accept": "application/json"}) as response:
            _refuse_status(source, url, response)
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_JSON_BYTES:
                    raise DownloadError(f"{source.name}: {url} answered more than {MAX_JSON_BYTES // 2**20} MB, "
                                        f"not an API answer", "la réponse de l'API n'est pas celle attendue")
        if _looks_like_html(bytes(body)):
            raise _html_error(source, url, response.status_code)
        try:
            return json.loads(body)
        except ValueError as error:
            raise DownloadError(f"{source.name}: {url} did not answer JSON ({error})",
                                "la réponse de l'API n'est pas du JSON") from error

    return _with_retries(source, url, attempt)


# -- the download itself ----------------------------------------------------------------------

class _Transient(Exception):
    """A failure worth another attempt."""

    def __init__(self, message: str, summary_fr: str, retry_after: float | None = None):
        super().__init__(message)
        self.summary_fr = summary_fr
        self.retry_after = retry_after


def _client() -> httpx.Client:
    timeout = download_timeout()
    return httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 30.0)), follow_redirects=True,
                        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})


def _with_retries(source: SourceFile, url: str, attempt: Callable[[httpx.Client], object]):
    retries = download_retries()
    with _client() as client:
        for number in range(retries + 1):
            try:
                return attempt(client)
            except httpx.TimeoutException as error:
                failure = _Transient(f"no answer within {download_timeout():g} s ({type(error).__name__})",
                                     "le serveur n'a pas répondu à temps")
            except httpx.TransportError as error:
                failure = _Transient(f"the connection failed or was cut ({type(error).__name__}: {error})",
                                     "la connexion a échoué ou le transfert a été interrompu")
            except _Transient as error:
                failure = error
            if number == retries:
                break
            wait = failure.retry_after if failure.retry_after is not None else BACKOFF_S * 2 ** number
            log.info(f"{source.name}: {failure}; new attempt in {wait:g} s ({number + 1}/{retries})")
            time.sleep(wait)
    attempts = f"{retries + 1} attempt{'s' if retries else ''}"
    raise DownloadError(f"{source.name}: could not download {url}: {failure} ({attempts}); the data "
                        f"already published are unchanged. Try again later, or set OBSERVATORY_MIRROR "
                        f"to a folder holding {source.mirror_path}",
                        f"téléchargement impossible : {failure.summary_fr} ({attempts.replace('attempt', 'essai')})")


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return min(float(value), MAX_RETRY_AFTER_S) if value.strip().isdigit() else None


def _refuse_status(source: SourceFile, url: str, response: httpx.Response) -> None:
    code = response.status_code
    if code in RETRYABLE_STATUS:
        raise _Transient(f"HTTP {code} {response.reason_phrase}", f"erreur du serveur (HTTP {code})",
                         _retry_after(response))
    if code != 200:
        summary = {404: "fichier introuvable à son adresse officielle (HTTP 404)",
                   403: "accès refusé par le serveur (HTTP 403)",
                   410: "fichier retiré par son producteur (HTTP 410)"}.get(code, f"réponse HTTP {code}")
        raise DownloadError(f"{source.name}: {url} answered HTTP {code} {response.reason_phrase}; the data "
                            f"already published are unchanged. Check the URL (has the producer moved the "
                            f"file?) or set OBSERVATORY_MIRROR to a folder holding {source.mirror_path}", summary)
    if "text/html" in response.headers.get("Content-Type", ""):
        raise _html_error(source, url, code)


def _html_error(source: SourceFile, url: str, code: int) -> DownloadError:
    return DownloadError(f"{source.name}: {url} answered with an HTML page (HTTP {code}), not the data file "
                         f"(an error or a login page?); the data already published are unchanged",
                         "le serveur a répondu par une page web au lieu du fichier")


class _Cache:
    """`<cache>/<sha256>/<name>` files and `index.json`: per URL, the hash, name and validators
    (ETag, Last-Modified) of its latest download."""

    def __init__(self) -> None:
        self.root = cache_dir()
        self.root.mkdir(parents=True, exist_ok=True)
        self.index_path = self.root / "index.json"

    def _index(self) -> dict:
        try:
            return json.loads(self.index_path.read_text())
        except (OSError, ValueError):
            return {}

    def known(self, url: str) -> tuple[dict, Path] | None:
        entry = self._index().get(url)
        if not isinstance(entry, dict):  # absent, or written by an older version (hash only)
            return None
        path = self.root / entry["sha256"] / entry["file"]
        return (entry, path) if path.is_file() else None

    def remember(self, url: str, entry: dict) -> None:
        index = self._index()
        index[url] = entry
        with tempfile.NamedTemporaryFile("w", dir=self.root, suffix=".json", delete=False) as tmp:
            json.dump(index, tmp, indent=1)
        os.replace(tmp.name, self.index_path)


def _megabytes(count: int) -> str:
    return f"{count / 1e6:,.1f} MB"


def _download(source: SourceFile, url: str) -> Fetched:
    cache = _Cache()
    name = Path(source.mirror_path).name
    known = cache.known(url)

    def attempt(client: httpx.Client) -> Fetched:
        headers = {}
        if known and known[0].get("etag"):
            headers["If-None-Match"] = known[0]["etag"]
        if known and known[0].get("last_modified"):
            headers["If-Modified-Since"] = known[0]["last_modified"]
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304 and known:
                log.info(f"{source.name}: not modified on the server since the last download (HTTP 304)")
                return Fetched(source, known[1], known[0]["sha256"], url)
            _refuse_status(source, url, response)
            digest, received = _stream_to_cache(source, url, response, cache.root, name)
        path = cache.root / digest / name
        if known and known[0]["sha256"] == digest:
            log.info(f"{source.name}: downloaded again, same content (sha256 {digest[:12]})")
        cache.remember(url, {"sha256": digest, "file": name, "bytes": received,
                             "etag": response.headers.get("ETag"),
                             "last_modified": response.headers.get("Last-Modified")})
        return Fetched(source, path, digest, url)

    return _with_retries(source, url, attempt)


def _stream_to_cache(source: SourceFile, url: str, response: httpx.Response, root: Path,
                     name: str) -> tuple[str, int]:
    """Write the body to a temporary file, check it, move it to `<root>/<sha256>/<name>`."""
    encoded = response.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
    announced = response.headers.get("Content-Length")
    expected = int(announced) if announced and announced.isdigit() and not encoded else None
    report = expected is None or expected >= PROGRESS_FROM_BYTES
    step = expected // 4 if expected else 25_000_000   # a line per quarter, or per 25 MB
    digest, received, head = hashlib.sha256(), 0, b""
    started, next_mark = time.monotonic(), step
    tmp = tempfile.NamedTemporaryFile(dir=root, prefix=f".{name}.", suffix=".part", delete=False)
    moved = False
    try:
        with tmp:
            chunks = response.iter_bytes(1 << 20) if encoded else response.iter_raw(1 << 20)
            for chunk in chunks:
                if len(head) < 512:
                    head += chunk[:512]
                    if _looks_like_html(head):
                        raise _html_error(source, url, response.status_code)
                tmp.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                if report and received >= next_mark and received != expected:
                    log.info(f"{source.name}: {_megabytes(received)} " + (
                        f"of {_megabytes(expected)} ({received / expected:.0%})" if expected else "received"))
                    next_mark += step * (1 + (received - next_mark) // step)
        if expected is not None and received != expected:
            raise _Transient(f"transfer cut: {received:,} of {expected:,} bytes received",
                             "le transfert a été interrompu")
        if received == 0:
            raise DownloadError(f"{source.name}: {url} answered an empty file; the data already published "
                                f"are unchanged", "le serveur a envoyé un fichier vide")
        sha256 = digest.hexdigest()
        if source.sha256 and sha256 != source.sha256:
            raise DownloadError(
                f"{source.name}: {url} is not the pinned file (sha256 {sha256[:12]}..., expected "
                f"{source.sha256[:12]}...); the data already published are unchanged",
                "le fichier téléchargé n'est pas la version attendue (empreinte différente)")
        if report:
            log.info(f"{source.name}: {_megabytes(received)} downloaded in {time.monotonic() - started:.1f} s")
        final = root / sha256 / name
        final.parent.mkdir(exist_ok=True)
        os.replace(tmp.name, final)
        moved = True
        return sha256, received
    finally:
        if not moved:
            Path(tmp.name).unlink(missing_ok=True)
