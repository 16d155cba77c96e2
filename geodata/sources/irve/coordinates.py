"""Positions of points in France: plausibility, the swapped latitude/longitude repair.

Shared by the IRVE reader and by `observatory attribute` (any CSV with coordinates), so that
a committee's own sites are checked exactly like the national charging points.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pyproj import Transformer

from geodata.conventions import STORAGE_SRID

# Bounding boxes (lon_min, lon_max, lat_min, lat_max, WGS84) of France: metropole with
# Corsica, the overseas départements (DROM) and collectivities (COM). Generous by a few
# km so that coastal points are never rejected; the spatial attribution is the fine test.
FRANCE_BOXES: dict[str, tuple[float, float, float, float]] = {
    "metropole": (-5.8, 10.0, 41.0, 51.6),
    "guadeloupe": (-62.0, -60.8, 15.7, 16.7),
    "martinique": (-61.4, -60.7, 14.3, 15.0),
    "guyane": (-54.8, -51.4, 2.0, 6.0),
    "la_reunion": (55.1, 56.0, -21.5, -20.8),
    "mayotte": (44.9, 45.4, -13.1, -12.5),
    "saint_pierre_et_miquelon": (-56.6, -56.0, 46.7, 47.2),
    "saint_martin_saint_barthelemy": (-63.2, -62.7, 17.8, 18.2),
    "wallis_et_futuna": (-178.3, -176.0, -14.5, -13.1),
    "polynesie_francaise": (-155.0, -134.0, -28.0, -7.0),
    "nouvelle_caledonie": (163.0, 169.0, -23.0, -19.0),
}

SWAPPED = "swapped_lat_lon"
_TO_STORAGE = Transformer.from_crs(4326, STORAGE_SRID, always_xy=True)


def in_france(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    inside = np.zeros(len(lon), bool)
    for lon_min, lon_max, lat_min, lat_max in FRANCE_BOXES.values():
        inside |= (lon >= lon_min) & (lon <= lon_max) & (lat >= lat_min) & (lat <= lat_max)
    return inside


@dataclass
class Located:
    """Positions after checks: repaired lon/lat, Lambert-93 x/y, and per-row outcome."""

    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray
    repaired: np.ndarray   # object array: "swapped_lat_lon" or None
    reason: np.ndarray     # object array: quarantine reason or None

    @property
    def ok(self) -> np.ndarray:
        return pd.isna(self.reason)


def locate(lon, lat) -> Located:
    """Check WGS84 positions; swap latitude and longitude when only the swap lies in France.

    Reasons: `missing_coordinates` (either is empty), `zero_coordinates` (0,0, the usual
    placeholder), `outside_france` (neither the position nor its swap lies in France).
    """
    lon = np.asarray(lon, dtype=float).copy()
    lat = np.asarray(lat, dtype=float).copy()
    reason = np.full(len(lon), None, dtype=object)
    repaired = np.full(len(lon), None, dtype=object)
    missing = np.isnan(lon) | np.isnan(lat)
    zero = ~missing & (lon == 0) & (lat == 0)
    as_given = in_france(lon, lat)
    swapped = ~as_given & in_france(lat, lon) & ~missing & ~zero
    lon[swapped], lat[swapped] = lat[swapped], lon[swapped].copy()
    repaired[swapped] = SWAPPED
    reason[~missing & ~zero & ~as_given & ~swapped] = "outside_france"
    reason[zero] = "zero_coordinates"
    reason[missing] = "missing_coordinates"
    x, y = _TO_STORAGE.transform(lon, lat)
    return Located(lon, lat, np.asarray(x), np.asarray(y), repaired, reason)


def parse_geopoint(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The schema's `coordonneesXY` "[lon, lat]" as two float arrays (NaN when unreadable)."""
    parts = (values.astype("string").str.strip().str.strip("[]")
             .str.split(",", n=1, expand=True, regex=False))
    if parts.shape[1] < 2:
        nan = np.full(len(values), np.nan)
        return nan, nan.copy()
    lon = pd.to_numeric(parts[0].str.strip(), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    lat = pd.to_numeric(parts[1].str.strip(), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return lon, lat


def parse_number(values: pd.Series) -> np.ndarray:
    """Numbers as users write them: "48.85", "48,85", " 2.35 " (NaN when unreadable)."""
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float, na_value=np.nan)
    text = values.astype("string").str.strip().str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
