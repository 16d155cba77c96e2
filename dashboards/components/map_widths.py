"""Maps drawn once per layout. deck.gl keeps the view it is given whatever the map's width, so a
view framed for a laptop's map showed a phone only its middle: each map is drawn twice, in
containers of which CSS shows one by the window's width (`dashboards.maps.phone_or_wide_style`);
the hidden one is 0 px wide and draws nothing."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import streamlit as st

from dashboards.maps import PHONE_MAP_WIDTH_PX


@dataclass(frozen=True)
class MapWidth:
    width_px: int     # the map's width in that layout, to frame its view
    key: str          # the chart's widget key
    phone: bool


def map_widths(key: str, wide_width_px: int) -> Iterator[MapWidth]:
    """The wide layout's map, then the phone's, each yielded inside its container."""
    with st.container(key=f"wide-{key}"):
        yield MapWidth(wide_width_px, key, phone=False)
    with st.container(key=f"phone-{key}"):
        yield MapWidth(PHONE_MAP_WIDTH_PX, f"{key}-phone", phone=True)
