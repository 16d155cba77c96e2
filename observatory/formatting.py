"""French number and date formats (`1 234,5`, units after a narrow space; `15/03/2026`), for the
app, the sheet and the exports."""
from __future__ import annotations

NARROW_NBSP = "\u202f"
# What every page, sheet and export says of a value nobody recorded: never 0, never a dash.
NOT_RECORDED = "non renseigné"


def is_missing(value) -> bool:
    """None, NaN (float or numpy), pandas' NA and NaT."""
    if value is None:
        return True
    try:
        return bool(value != value)   # NaN and NaT are not equal to themselves
    except TypeError:                 # pandas' NA refuses to be a boolean
        return True


def number(value: float | int | None, decimals: int = 0, unit: str = "", missing: str = NOT_RECORDED) -> str:
    if is_missing(value):
        return missing
    text = f"{value:,.{decimals}f}".replace(",", NARROW_NBSP).replace(".", ",")
    return f"{text}{NARROW_NBSP}{unit}" if unit else text


def french_date(value) -> str:
    return value.strftime("%d/%m/%Y") if not is_missing(value) else NOT_RECORDED
