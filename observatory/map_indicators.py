"""Indicators a national commune map can be coloured by: value SQL, classes, palette, legend.

The value expressions are code, never user input: callers pick an indicator by key.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

# Viridis in 8 steps: perceptually ordered and readable with the common colour-vision deficiencies.
VIRIDIS_8 = [(68, 1, 84), (70, 50, 126), (54, 92, 141), (39, 127, 142),
             (31, 161, 135), (74, 193, 109), (160, 218, 57), (253, 231, 37)]
NO_DATA_RGB = (200, 200, 200)
NO_DATA_LABEL = "non renseigné"


@dataclass(frozen=True)
class MapIndicator:
    key: str
    label: str          # French, for the interface
    unit: str           # French, for legends
    value_sql: str      # expression over the view `observatory.commune` aliased `c`
    breaks: tuple[float, ...]   # upper bounds of the classes but the last
    source: str
    selectable: bool = True     # offered in the home map's indicator list
    decimals: int = 0           # shown in tooltips and legends

    # Cached: colour_of reads it once per commune (35,000 times per national image). A frozen
    # dataclass without slots still has the __dict__ that cached_property writes to.
    @cached_property
    def palette(self) -> list[tuple[int, int, int]]:
        count = len(self.breaks) + 1
        step = (len(VIRIDIS_8) - 1) / max(count - 1, 1)
        return [VIRIDIS_8[round(i * step)] for i in range(count)]

    def class_of(self, value: float | None) -> int | None:
        if value is None:
            return None
        return sum(1 for bound in self.breaks if value >= bound)

    def colour_of(self, value: float | None) -> tuple[int, int, int]:
        index = self.class_of(value)
        return NO_DATA_RGB if index is None else self.palette[index]


MAP_INDICATORS: dict[str, MapIndicator] = {}


def register(indicator: MapIndicator) -> MapIndicator:
    MAP_INDICATORS[indicator.key] = indicator
    return indicator


register(MapIndicator(
    key="density", label="Densité de population", unit="hab./km²",
    value_sql="c.density_per_km2",
    breaks=(10, 25, 50, 100, 250, 500, 1000),
    source="Population : COG 2026 (Insee, via Etalab) ; surface : contours IGN ADMIN EXPRESS",
))
register(MapIndicator(
    key="population", label="Population municipale", unit="habitants",
    value_sql="c.population",
    breaks=(100, 250, 500, 1000, 2000, 5000, 20000),
    source="COG 2026 (Insee, via Etalab decoupage-administratif)",
))

# Every commune in the no-data grey: the outline of France under maps of points.
BACKGROUND = register(MapIndicator(
    key="background", label="Fond communal", unit="", value_sql="NULL::float8", breaks=(),
    source="Contours IGN ADMIN EXPRESS (via Etalab)", selectable=False,
))
