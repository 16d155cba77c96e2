"""French number formats (`1 234,5`, units after a narrow space), for the app and the sheet."""
from __future__ import annotations

import math

NARROW_NBSP = "\u202f"


def number(value: float | int | None, decimals: int = 0, unit: str = "", missing: str = "—") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    text = f"{value:,.{decimals}f}".replace(",", NARROW_NBSP).replace(".", ",")
    return f"{text}{NARROW_NBSP}{unit}" if unit else text
