"""Maps whose communes open their page when clicked: Streamlit's pydeck selection reruns the
page with the clicked object, and the commune page opens with its code."""
from __future__ import annotations

import pydeck as pdk
import streamlit as st

COMMUNE_PAGE = "sections/commune.py"


def clicked_commune(selection: dict) -> str | None:
    """The Insee code of the object a click selected: a vector-tile feature carries it in its
    properties (`code`), a row of a points layer as a column (`insee_code`)."""
    for objects in (selection or {}).get("objects", {}).values():
        for picked in objects or []:
            fields = picked.get("properties") or picked
            code = fields.get("code") or fields.get("insee_code")
            if code:
                return str(code)
    return None


def commune_map(deck: pdk.Deck, *, height: int, key: str) -> None:
    """`st.pydeck_chart` where a click on a commune opens its page."""
    event = st.pydeck_chart(deck, height=height, key=key, on_select="rerun", selection_mode="single-object")
    code = clicked_commune(event.selection)
    if code:
        st.switch_page(COMMUNE_PAGE, query_params={"code": code})
