"""Reader of commune contours published as GeoJSON (gzipped or not) with `code` and `nom`.

Pure: a file in, rows out, reprojected to Lambert-93 and made valid (repairs flagged), and
the features set aside with their reason. Two layouts: france-geojson's (the mirror's 2018
file: `code`, `nom`) and Etalab's contours administratifs (the official URL's: also
`departement`, `region`, `epci`, `plm`, and `commune` on the municipal arrondissements of
Paris, Lyon and Marseille, which the file holds beside their commune: counted as duplicates
of their commune's contour, not published).
"""
from __future__ import annotations

import gzip
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
import pyogrio.raw
import shapely
from pyproj import CRS, Transformer

from geodata.load import Rejected
from geodata.conventions import STORAGE_SRID
from geodata.sources.cog.reader import INSEE_CODE_PATTERN
from geodata.sources.fetch import SourceError, SourceFile

COMMUNES_2018 = SourceFile(
    name="contours-communes",
    # The current official vintage for real users; the mirror holds the 2018 vintage.
    url="https://etalab-datasets.geo.data.gouv.fr/contours-administratifs/2025/geojson/communes-50m.geojson.gz",
    mirror_path="boundaries/communes-2018.geojson.gz",
    vintage="2025",
    mirror_vintage="2018",
    licence="Licence Ouverte 2.0 (Etalab), from IGN ADMIN EXPRESS COG",
)


BATCH_SIZE = 4000


@dataclass
class Contours:
    srid: int  # of the source file; rows are already reprojected to Lambert-93
    rows: list[tuple[str, str | None, bool, bytes]] = field(default_factory=list)  # code, name, repaired, WKB
    rejected: list[Rejected] = field(default_factory=list)
    rows_read: int = 0
    rows_duplicate: int = 0  # municipal arrondissements, inside their commune's contour


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


def _sample_bounds(wkbs: np.ndarray, sample: int = 500) -> tuple[float, ...]:
    """Bounds of a spread sample of geometries: enough to tell degrees from metres."""
    step = max(1, len(wkbs) // sample)
    picked = [w for w in wkbs[::step] if w is not None]
    return tuple(shapely.total_bounds(shapely.from_wkb(picked))) if picked else (0.0, 0.0, 0.0, 0.0)


def _next_batch(reader: pa.RecordBatchReader) -> pa.RecordBatch | None:
    try:
        return reader.read_next_batch()
    except StopIteration:
        return None


def _polygonal(geometry: shapely.Geometry) -> shapely.Geometry:
    """The areal part of a repaired geometry (MakeValid may add stray lines or points)."""
    if isinstance(geometry, (shapely.Polygon, shapely.MultiPolygon)):
        return geometry
    parts = [p for p in shapely.get_parts(geometry) if isinstance(p, (shapely.Polygon, shapely.MultiPolygon))]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def read_contours(path: Path) -> Contours:
    """Contours as (code, name, repaired, WKB in Lambert-93) rows, with the rows set aside.

    GDAL parses the next batch of features in a thread while this one reprojects and
    repairs the current batch (GEOS and PROJ release the GIL): on two cores the national
    file loads about as fast as ogr2ogr does.
    """
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        raise SourceError(f"{path.name}: the file is empty")
    contours: Contours | None = None
    with ThreadPoolExecutor(max_workers=2) as pool:
        # GDAL may read a truncated stream up to where it breaks: verify the whole gzip beside it.
        gzip_checked = pool.submit(_check_gzip, path) if path.suffix == ".gz" else None
        try:
            with pyogrio.raw.open_arrow(_gdal_path(path), batch_size=BATCH_SIZE, use_pyarrow=True) as (meta, reader):
                geometry_column = meta.get("geometry_name") or "wkb_geometry"
                seen: set[str] = set()
                pending = pool.submit(_next_batch, reader)
                while (batch := pending.result()) is not None:
                    pending = pool.submit(_next_batch, reader)
                    wkbs = batch.column(geometry_column).to_numpy(zero_copy_only=False)
                    if contours is None:
                        missing = {"code", "nom"} - set(meta["fields"])
                        if missing:
                            raise SourceError(f"{path.name}: missing propert{'ies' if len(missing) > 1 else 'y'} "
                                              f"{', '.join(sorted(missing))}")
                        srid = _declared_srid(meta.get("crs"), _sample_bounds(wkbs), path.name)
                        contours = Contours(srid=srid)
                        to_storage = Transformer.from_crs(srid, STORAGE_SRID, always_xy=True)
                    _add_batch(contours, batch, wkbs, to_storage, seen)
        except SourceError:
            raise
        except Exception as error:  # pyogrio raises DataSourceError and friends, all worth one message
            if gzip_checked:
                gzip_checked.result()
            raise SourceError(f"{path.name}: GDAL could not read it as GeoJSON: {error}") from error
        if gzip_checked:
            gzip_checked.result()
    if contours is None or contours.rows_read == 0:
        raise SourceError(f"{path.name}: the file holds no feature")
    return contours


def _add_batch(contours: Contours, batch: pa.RecordBatch, wkbs: np.ndarray, to_storage: Transformer,
               seen: set[str]) -> None:
    codes = pc.utf8_trim_whitespace(batch.column("code").cast(pa.string())).to_pylist()
    names = batch.column("nom").to_pylist()
    parents = (batch.column("commune").to_pylist() if "commune" in batch.schema.names
               else [None] * len(codes))
    kept: list[int] = []
    for index, (code, name, wkb, parent) in enumerate(zip(codes, names, wkbs, parents)):
        contours.rows_read += 1
        payload = {"code": code, "nom": name}
        if parent:
            contours.rows_duplicate += 1
        elif wkb is None:
            contours.rejected.append(Rejected(str(code), "missing_geometry", "feature without geometry", payload))
        elif code is None or not INSEE_CODE_PATTERN.match(code):
            contours.rejected.append(Rejected(str(code), "malformed_insee_code",
                                              f"code {code!r} is not an INSEE code", payload))
        elif code in seen:
            contours.rejected.append(Rejected(code, "duplicate_code", "a second contour with this code", payload))
        else:
            seen.add(code)
            kept.append(index)
    if not kept:
        return
    geometries = shapely.transform(shapely.from_wkb(wkbs[kept]),
                                   lambda xy: np.column_stack(to_storage.transform(xy[:, 0], xy[:, 1])))
    valid = shapely.is_valid(geometries)
    for position in np.flatnonzero(~valid):
        geometries[position] = _polygonal(shapely.make_valid(geometries[position]))
    empty = shapely.is_empty(geometries)
    for position in np.flatnonzero(empty):
        index = kept[position]
        contours.rejected.append(Rejected(codes[index], "empty_geometry",
                                          "no area left once the geometry is repaired",
                                          {"code": codes[index], "nom": names[index]}))
    published = np.flatnonzero(~empty)
    contours.rows.extend(zip((codes[kept[p]] for p in published), (names[kept[p]] for p in published),
                             (~valid[published]).tolist(), shapely.to_wkb(geometries[published]).tolist()))
