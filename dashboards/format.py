"""French formats for the interface: numbers (`1 234,5`) and legend classes."""
from __future__ import annotations

import re

from observatory.formatting import NARROW_NBSP, number

__all__ = ["NARROW_NBSP", "class_label", "number", "published_figure"]


def published_figure(value: float, unit: str | None, published_as: str) -> str:
    """A figure a source published as text ("6529 km", "62,6%", "6,6 millions") in the app's
    format ("6 529 km", "62,6 %", "6,6 millions"), with as many decimals as published."""
    decimals = len(match.group(1)) if (match := re.search(r",(\d+)", published_as)) else 0
    if "million" in published_as:
        return f"{number(value / 1e6, decimals)} millions"
    return number(value, decimals, unit or "")


def class_label(lower: float | None, upper: float | None, decimals: int = 0) -> str:
    """Legend text of a class between two bounds: "moins de 10", "10 à 25", "1 000 et plus";
    "0" for a class that holds only its lower bound as displayed, and "plus de 0 à 0,5" for one
    whose lower bound only separates zero from the rest (0,01 would read 0,0)."""
    if lower is None:
        return f"moins de {number(upper, decimals)}"
    low = number(lower, decimals)
    if lower > 0 and low == number(0, decimals):
        low = "plus de 0"
    if upper is None:
        return f"{low} et plus"
    if low == number(upper, decimals):
        return low
    return f"{low} à {number(upper, decimals)}"
