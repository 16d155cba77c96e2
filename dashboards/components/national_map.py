"""The national commune choropleth, as the home and Énergie pages show it: one image of France
first, vector tiles with tooltips once zoomed in, the overseas communes in insets, and the
legend under the map; a click on a commune opens its page."""
from __future__ import annotations

import streamlit as st

from dashboards.components.map_click import commune_map
from dashboards.data import indicator_minimum, overseas_insets, tiles_available, tiles_url
from dashboards.components.map_widths import map_widths
from dashboards.maps import (NATIONAL_TOOLTIP, NATIONAL_VIEW_WIDTH_PX, inset_layers, legend_html, national_layers,
                             national_view, offline_deck)
from observatory.map_indicators import MapIndicator
from observatory.overseas_insets import inset_frames


def show_national_map(indicator: MapIndicator, chart_key: str) -> None:
    url = tiles_url()
    if not tiles_available(url):
        st.warning(f"La carte nationale est indisponible : le serveur de tuiles ({url}) ne répond pas. "
                   "Lancez-le avec `observatory serve`.")
    layers = [*national_layers(url, indicator), *inset_layers(overseas_insets(indicator), inset_frames())]
    for width in map_widths(chart_key, NATIONAL_VIEW_WIDTH_PX):
        commune_map(offline_deck(layers=layers, initial_view_state=national_view(width.width_px),
                                 tooltip=NATIONAL_TOOLTIP), height=340 if width.phone else 620, key=width.key)
    st.markdown(legend_html(indicator, indicator_minimum(indicator.key, indicator.value_sql)), unsafe_allow_html=True)
