"""Helpers to describe IRVE rows in tests."""
from __future__ import annotations


def point(n: int, lon: float = 2.3522, lat: float = 48.8566, **fields) -> dict:
    """A charging point of the example with its own id and position (Paris by default)."""
    return {"id_pdc_itinerance": f"FRA68E68021{n:04d}", "coordonneesXY": f"[{lon},{lat}]", **fields}
