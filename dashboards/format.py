"""French number formats for the interface: `1 234,5`, units after a narrow space."""
from __future__ import annotations

NARROW_NBSP = "\u202f"


def number(value: float | int | None, decimals: int = 0, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}".replace(",", NARROW_NBSP).replace(".", ",")
    return f"{text}{NARROW_NBSP}{unit}" if unit else text


def class_label(lower: float | None, upper: float | None, unit: str) -> str:
    """Legend text of a class between two bounds: "moins de 10", "10 à 25", "1 000 et plus"."""
    if lower is None:
        return f"moins de {number(upper)} {unit}".strip()
    if upper is None:
        return f"{number(lower)} et plus {unit}".strip()
    return f"{number(lower)} à {number(upper)} {unit}".strip()
