"""Maps drawn once per layout. deck.gl keeps the view it is given whatever the map's width, so a
view framed for a laptop's map showed a phone only its middle: each map is drawn twice, in
containers of which CSS shows one by the window's width (`phone_or_wide_style`); the hidden one
is 0 px wide and draws nothing."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import streamlit as st

# A phone's maps are framed for the map of a 360 px window (328 px), in the layout Streamlit
# gives windows up to 640 px wide (columns stacked).
PHONE_MAP_WIDTH_PX = 328
PHONE_WIDTH_CSS = "640px"
WIDE, PHONE = "wide", "phone"   # the containers' key prefixes


@dataclass(frozen=True)
class MapWidth:
    width_px: int     # the map's width in that layout, to frame its view
    key: str          # the chart's widget key
    phone: bool


def map_widths(key: str, wide_width_px: int) -> Iterator[MapWidth]:
    """The wide layout's map, then the phone's, each yielded inside its container."""
    with st.container(key=f"{WIDE}-{key}"):
        yield MapWidth(wide_width_px, key, phone=False)
    with st.container(key=f"{PHONE}-{key}"):
        yield MapWidth(PHONE_MAP_WIDTH_PX, f"{key}-{PHONE}", phone=True)


def phone_or_wide_style() -> str:
    """CSS that shows the phone layout's maps on phones only, and the wide layout's elsewhere."""
    return (f"@media (max-width: {PHONE_WIDTH_CSS}) {{ [class*='st-key-{WIDE}-'] {{ display: none; }} }}"
            f"@media not (max-width: {PHONE_WIDTH_CSS}) {{ [class*='st-key-{PHONE}-'] {{ display: none; }} }}")
