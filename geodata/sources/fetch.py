"""One way in for every source file: its official URL, or the same file in a local mirror.

With `OBSERVATORY_MIRROR` set (tests, CI, offline machines) the file is read from
`<mirror>/<mirror_path>`; otherwise it is downloaded from its official URL into a cache
keyed by content hash. Either way the caller gets a local path and the file's SHA-256.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from geodata.settings import cache_dir, mirror_dir


class SourceError(RuntimeError):
    """A source could not be obtained or is not what it claims to be."""


@dataclass(frozen=True)
class SourceFile:
    """A file published by an official producer."""

    name: str          # short id, e.g. "cog-communes"
    url: str           # official download URL
    mirror_path: str   # path of the same content inside the mirror directory
    vintage: str       # what period the file describes, e.g. "2026"
    licence: str


@dataclass(frozen=True)
class Fetched:
    source: SourceFile
    path: Path
    sha256: str
    origin: str        # "mirror" or the URL

    @property
    def location(self) -> str:
        return str(self.path) if self.origin == "mirror" else self.origin


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _looks_like_html(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(512).lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))


FROM_SETTINGS = Path("<OBSERVATORY_MIRROR>")


def fetch(source: SourceFile, *, mirror: Path | None = FROM_SETTINGS, url: str | None = None) -> Fetched:
    """Local path of `source`, from the mirror when one is given, else downloaded.

    By default the mirror is `OBSERVATORY_MIRROR`; `mirror=None` forces the download.
    """
    mirror = mirror_dir() if mirror is FROM_SETTINGS else mirror
    if mirror is not None:
        path = mirror / source.mirror_path
        if not path.is_file():
            raise SourceError(f"{source.name}: {path} is missing from the mirror {mirror}")
        _refuse_html(source, path, str(path))
        return Fetched(source, path, sha256_of(path), "mirror")
    return _download(source, url or source.url)


def _refuse_html(source: SourceFile, path: Path, where: str) -> None:
    if _looks_like_html(path):
        raise SourceError(f"{source.name}: {where} answered with an HTML page, not the data file "
                          f"(an error or a login page?)")


def _download(source: SourceFile, url: str) -> Fetched:
    cache = cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    index_path = cache / "index.json"
    index = json.loads(index_path.read_text()) if index_path.exists() else {}
    with tempfile.NamedTemporaryFile(dir=cache, delete=False) as tmp:
        tmp_path = Path(tmp.name)
        try:
            with urllib.request.urlopen(url, timeout=120) as response:
                if "text/html" in response.headers.get("Content-Type", ""):
                    raise SourceError(f"{source.name}: {url} answered with an HTML page "
                                      f"(HTTP {response.status}), not the data file")
                shutil.copyfileobj(response, tmp)
        except urllib.error.HTTPError as error:
            tmp_path.unlink(missing_ok=True)
            raise SourceError(f"{source.name}: {url} answered HTTP {error.code} {error.reason}") from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            tmp_path.unlink(missing_ok=True)
            if isinstance(error, SourceError):
                raise
            raise SourceError(f"{source.name}: could not download {url}: {error}; set "
                              f"OBSERVATORY_MIRROR to read a local copy instead") from error
    try:
        _refuse_html(source, tmp_path, url)
    except SourceError:
        tmp_path.unlink(missing_ok=True)
        raise
    digest = sha256_of(tmp_path)
    final = cache / digest / Path(source.mirror_path).name
    final.parent.mkdir(exist_ok=True)
    tmp_path.replace(final)
    index[url] = digest
    index_path.write_text(json.dumps(index, indent=1))
    return Fetched(source, final, digest, url)
