"""Reader of commune contours published as GeoJSON (gzipped or not) with `code` and `nom`.

Pure: a file in, WKB rows with their declared CRS out. Validity repairs and the
reprojection to Lambert-93 happen in PostGIS during the load.
"""
from __future__ import annotations

import gzip
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
import shapely
from pyproj import CRS

from geodata.load import Rejected
from geodata.sources.cog.reader import INSEE_CODE_PATTERN
from geodata.sources.fetch import SourceError, SourceFile

COMMUNES_2018 = SourceFile(
    name="contours-communes",
    # The current official vintage for real users; the mirror holds the 2018 vintage.
    url="https://etalab-datasets.geo.data.gouv.fr/contours-administratifs/2025/geojson/communes-50m.geojson.gz",
    mirror_path="boundaries/communes-2018.geojson.gz",
    vintage="2018",
    licence="Licence Ouverte 2.0 (Etalab), from IGN ADMIN EXPRESS COG",
)


@dataclass
class Contours:
    srid: int
    rows: list[tuple[str, str | None, bytes]] = field(default_factory=list)  # code, name, WKB
    rejected: list[Rejected] = field(default_factory=list)
    rows_read: int = 0


def _gdal_path(path: Path) -> str:
    return f"/vsigzip/{path}" if path.suffix == ".gz" else str(path)


def _check_gzip(path: Path) -> None:
    """GDAL reports a truncated gzip as a vague parse error: check the stream first."""
    try:
        with gzip.open(path, "rb") as stream:
            while stream.read(1 << 20):
                pass
    except (EOFError, OSError, zlib.error) as error:
        raise SourceError(f"{path.name}: the gzip stream is truncated or corrupt ({error})") from error


def _declared_srid(crs_text: str | None, bounds: tuple[float, ...], name: str) -> int:
    """The EPSG code of the file, refusing coordinates that contradict lon/lat."""
    looks_geographic = all(abs(v) <= 180 for v in bounds[::2]) and all(abs(v) <= 90 for v in bounds[1::2])
    crs = CRS.from_user_input(crs_text) if crs_text else None
    epsg = crs.to_epsg() if crs else None
    if epsg is None:
        raise SourceError(f"{name}: its coordinate reference system cannot be identified ({crs_text!r})")
    if epsg == 4326 and not looks_geographic:
        # GeoJSON without a `crs` member is read as WGS84 by definition; metres mean the
        # producer used another CRS without saying which: guessing would misplace everything.
        raise SourceError(
            f"{name}: coordinates {tuple(round(v) for v in bounds)} are not longitudes/latitudes "
            f"and the file declares no CRS; add a `crs` member or reproject it to EPSG:4326")
    return epsg


def _sample_bounds(geometry: pa.ChunkedArray, sample: int = 500) -> tuple[float, ...]:
    """Bounds of a spread sample of geometries: enough to tell degrees from metres."""
    step = max(1, len(geometry) // sample)
    wkbs = [w for w in geometry[::step].to_pylist() if w is not None]
    return tuple(shapely.total_bounds(shapely.from_wkb(wkbs))) if wkbs else (0.0, 0.0, 0.0, 0.0)


def read_contours(path: Path) -> Contours:
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        raise SourceError(f"{path.name}: the file is empty")
    with ThreadPoolExecutor(max_workers=1) as pool:
        # GDAL may read a truncated stream up to where it breaks: verify the whole gzip beside it.
        gzip_checked = pool.submit(_check_gzip, path) if path.suffix == ".gz" else None
        try:
            meta, table = pyogrio.read_arrow(_gdal_path(path))
        except Exception as error:  # pyogrio raises DataSourceError and friends, all worth one message
            if gzip_checked:
                gzip_checked.result()
            raise SourceError(f"{path.name}: GDAL could not read it as GeoJSON: {error}") from error
        if gzip_checked:
            gzip_checked.result()
    if table.num_rows == 0:
        raise SourceError(f"{path.name}: the file holds no feature")
    missing = {"code", "nom"} - set(table.column_names)
    if missing:
        raise SourceError(f"{path.name}: missing propert{'ies' if len(missing) > 1 else 'y'} "
                          f"{', '.join(sorted(missing))}")
    geometry = table.column(meta.get("geometry_name") or "wkb_geometry")
    contours = Contours(srid=_declared_srid(meta.get("crs"), _sample_bounds(geometry), path.name))
    codes = pc.utf8_trim_whitespace(table.column("code").cast(pa.string()))
    seen: set[str] = set()
    for code, name, wkb in zip(codes.to_pylist(), table.column("nom").to_pylist(),
                               geometry.to_pylist()):
        contours.rows_read += 1
        if wkb is None:
            contours.rejected.append(Rejected(str(code), "missing_geometry", "feature without geometry",
                                              {"code": code, "nom": name}))
        elif code is None or not INSEE_CODE_PATTERN.match(code):
            contours.rejected.append(Rejected(str(code), "malformed_insee_code",
                                              f"code {code!r} is not an INSEE code",
                                              {"code": code, "nom": name}))
        elif code in seen:
            contours.rejected.append(Rejected(code, "duplicate_code", "a second contour with this code",
                                              {"code": code, "nom": name}))
        else:
            seen.add(code)
            contours.rows.append((code, name, wkb))
    return contours
