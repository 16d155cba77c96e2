"""French formats for the interface: numbers (`1 234,5`) and legend classes."""
from __future__ import annotations

from observatory.formatting import NARROW_NBSP, number

__all__ = ["NARROW_NBSP", "class_label", "number"]


def class_label(lower: float | None, upper: float | None, decimals: int = 0) -> str:
    """Legend text of a class between two bounds: "moins de 10", "10 à 25", "1 000 et plus"."""
    if lower is None:
        return f"moins de {number(upper, decimals)}"
    if upper is None:
        return f"{number(lower, decimals)} et plus"
    return f"{number(lower, decimals)} à {number(upper, decimals)}"
