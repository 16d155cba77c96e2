"""The national zooms of every served map as static files, and the data version of the tiles.

After each refresh the pipeline builds, for every served indicator, its vector tiles from
zoom 0 to `ARCHIVE_MAX_ZOOM` into a PMTiles archive (`<key>.pmtiles`, tiles gzipped) and its
national image (`<key>.png`), into a new build folder; `current.json` is then replaced in one
step to name it, so a reader sees a whole build or the previous one, never half of each. The
tile service reads them without the database, and any CDN can serve them.

Every tile and image carries a version: the last load of the data they read
(`observatory.load_run`) and a hash of the code that draws them (`CODE_VERSION`). It makes the
ETag and Last-Modified of the tile service, so that browsers and caches revalidate after a
refresh (or a change of drawing code), and not before.
"""
from __future__ import annotations

import gzip
import hashlib
import inspect
import json
import os
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from functools import cached_property
from pathlib import Path

from pmtiles.reader import MmapSource
from pmtiles.tile import Compression, TileType, deserialize_directory, deserialize_header, zxy_to_tileid
from pmtiles.writer import Writer

from observatory import energy, national_image, tiles
from observatory.map_indicators import MAP_INDICATORS, MapIndicator

# The home map's indicators and the Énergie page's, each under its own key.
SERVED: dict[str, MapIndicator] = {**MAP_INDICATORS, **energy.MAPS}
ARCHIVE_MAX_ZOOM = 8
MANIFEST = "current.json"
# The loads whose tables the tiles and images read: the communes (names, contours,
# population) and the energy indicators.
TILE_LOADS = ("cog-commune", "commune-boundaries", "energy-commune-indicators")
CODE_VERSION = hashlib.sha256("\n".join(
    [inspect.getsource(tiles), inspect.getsource(national_image)]
    + [repr(SERVED[key]) for key in sorted(SERVED)]).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class DataVersion:
    load_id: int                # 0 when none of TILE_LOADS was ever recorded
    loaded_at: datetime         # when that load finished
    code: str = CODE_VERSION

    # Cached: every answer of the tile service carries them.
    @cached_property
    def etag(self) -> str:
        return f'"{self.load_id}-{self.code}"'

    @cached_property
    def last_modified(self) -> str:
        return format_datetime(self.loaded_at.astimezone(timezone.utc), usegmt=True)

    def as_json(self) -> dict:
        return {"load_id": self.load_id, "loaded_at": self.loaded_at.isoformat(), "code": self.code}

    @classmethod
    def from_json(cls, value: dict) -> DataVersion:
        return cls(int(value["load_id"]), datetime.fromisoformat(value["loaded_at"]), str(value["code"]))


# The query of the data version and its parameters (`version_of` reads its row).
LAST_LOAD_QUERY = ("""SELECT id, started_at + make_interval(secs => duration_s) FROM observatory.load_run
                      WHERE source = ANY(%s) ORDER BY id DESC LIMIT 1""", (list(TILE_LOADS),))


def version_of(row: tuple | None) -> DataVersion:
    return DataVersion(row[0], row[1]) if row else DataVersion(0, datetime(2000, 1, 1, tzinfo=timezone.utc))


def data_version(conn) -> DataVersion:
    return version_of(conn.execute(*LAST_LOAD_QUERY).fetchone())


@dataclass
class BuildReport:
    version: DataVersion
    folder: Path
    tiles_per_indicator: int
    tiles_by_zoom: dict[int, int]
    archive_bytes: int
    image_bytes: int
    duration_s: float


def build(conn, directory: Path, *, max_zoom: int = ARCHIVE_MAX_ZOOM,
          indicators: dict[str, MapIndicator] = SERVED, keep_builds: int = 2) -> BuildReport:
    """Write a new build of the archives and images into `directory` and point `current.json`
    at it; builds beyond the `keep_builds` latest are removed (a reader that still has an old
    archive open keeps reading it: an unlinked file stays readable while open)."""
    started = time.perf_counter()
    version = data_version(conn)
    directory.mkdir(parents=True, exist_ok=True)
    folder = directory / f"build-{version.load_id}-{version.code}-{time.time_ns()}"
    folder.mkdir()
    found: dict[str, dict[int, bytes]] = {key: {} for key in indicators}
    by_zoom: dict[int, int] = {}
    # Depth first from the world tile, into the tiles that some commune reaches; empty tiles
    # are left out of the archives (the tile service answers them empty).
    pending = [(0, 0, 0)]
    while pending:
        z, x, y = pending.pop()
        if not tiles.has_communes(conn, z, x, y):
            continue
        made = tiles.commune_tiles(conn, list(indicators.values()), z, x, y)
        if any(made.values()):
            by_zoom[z] = by_zoom.get(z, 0) + 1
        for key, tile in made.items():
            if tile:
                found[key][zxy_to_tileid(z, x, y)] = gzip.compress(tile, 6, mtime=0)
        if z < max_zoom:
            pending += [(z + 1, 2 * x + dx, 2 * y + dy) for dx in (0, 1) for dy in (0, 1)]
    archive_bytes = image_bytes = 0
    for key, indicator in indicators.items():
        archive_bytes += _write_archive(folder / f"{key}.pmtiles", found[key], key, version, max_zoom)
        image = national_image.render_national_png(conn, indicator)
        (folder / f"{key}.png").write_bytes(image)
        image_bytes += len(image)
    manifest = {"version": version.as_json(), "folder": folder.name, "max_zoom": max_zoom,
                "indicators": sorted(indicators)}
    temporary = directory / f".{MANIFEST}.{os.getpid()}"
    temporary.write_text(json.dumps(manifest, indent=1))
    os.replace(temporary, directory / MANIFEST)
    builds = sorted((p for p in directory.glob("build-*") if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in builds[:-keep_builds]:
        if old != folder:
            shutil.rmtree(old, ignore_errors=True)
    return BuildReport(version, folder, sum(by_zoom.values()), dict(sorted(by_zoom.items())), archive_bytes,
                       image_bytes, time.perf_counter() - started)


def _write_archive(path: Path, found: dict[int, bytes], key: str, version: DataVersion, max_zoom: int) -> int:
    with open(path, "wb") as file:
        writer = Writer(file)
        for tile_id in sorted(found):
            writer.write_tile(tile_id, found[tile_id])
        writer.finalize({
            "tile_type": TileType.MVT, "tile_compression": Compression.GZIP,
            "min_zoom": 0, "max_zoom": max_zoom,
            # France with its overseas territories, then its centre at the national view.
            "min_lon_e7": -630_000_000, "min_lat_e7": -220_000_000,
            "max_lon_e7": 560_000_000, "max_lat_e7": 520_000_000,
            "center_zoom": 5, "center_lon_e7": 24_000_000, "center_lat_e7": 465_000_000,
        }, {"name": key, "vector_layers": [{"id": tiles.LAYER, "fields": {
            "code": "String", "nom": "String", "valeur": "String", "r": "Number", "g": "Number", "b": "Number"}},
            {"id": tiles.LABEL_LAYER, "fields": {"code": "String", "nom": "String"}}],
            "observatory": version.as_json()})
    return path.stat().st_size


class NationalBuild:
    """One build read back: tiles by z/x/y (gzipped, as stored) and national images."""

    def __init__(self, directory: Path):
        manifest = json.loads((directory / MANIFEST).read_text())
        self.version = DataVersion.from_json(manifest["version"])
        self.max_zoom = int(manifest["max_zoom"])
        self.indicators = list(manifest["indicators"])
        folder = directory / manifest["folder"]
        self._files, self._places, self.images = [], {}, {}
        for key in manifest["indicators"]:
            file = open(folder / f"{key}.pmtiles", "rb")
            self._files.append(file)
            self._places[key] = _tile_places(MmapSource(file))
            self.images[key] = (folder / f"{key}.png").read_bytes()

    def covers(self, key: str, z: int) -> bool:
        return key in self._places and z <= self.max_zoom

    def tile(self, key: str, z: int, x: int, y: int) -> bytes:
        """The gzipped tile; a tile absent from the archive has no commune: empty."""
        place = self._places[key].get(zxy_to_tileid(z, x, y))
        return place[0](place[1], place[2]) if place else EMPTY_TILE

    def close(self) -> None:
        for file in self._files:
            file.close()


def _tile_places(get_bytes) -> dict[int, tuple]:
    """Where each tile of an archive lies, by tile id: its directories read once (pmtiles'
    Reader.get decodes the root directory on every call, about 1 ms each)."""
    header = deserialize_header(get_bytes(0, 127))
    places, pending = {}, [(header["root_offset"], header["root_length"])]
    while pending:
        offset, length = pending.pop()
        for entry in deserialize_directory(get_bytes(offset, length)):
            if entry.run_length == 0:   # a leaf directory
                pending.append((header["leaf_directory_offset"] + entry.offset, entry.length))
            for tile_id in range(entry.tile_id, entry.tile_id + entry.run_length):
                places[tile_id] = (get_bytes, header["tile_data_offset"] + entry.offset, entry.length)
    return places


EMPTY_TILE = gzip.compress(b"", mtime=0)


def read_build(directory: Path) -> NationalBuild | None:
    """The build `current.json` names, or None when there is none yet."""
    return NationalBuild(directory) if (directory / MANIFEST).is_file() else None
