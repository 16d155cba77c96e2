"""The national commune choropleth, as the home and Énergie pages show it: one image of France
first, vector tiles with tooltips once zoomed in, and the legend under the map."""
from __future__ import annotations

import streamlit as st

from dashboards.data import indicator_minimum, tiles_available, tiles_url
from dashboards.maps import FRANCE_VIEW, NATIONAL_TOOLTIP, legend_html, national_layers, offline_deck
from observatory.map_indicators import MapIndicator


def show_national_map(indicator: MapIndicator, chart_key: str) -> None:
    url = tiles_url()
    if not tiles_available(url):
        st.warning(f"La carte nationale est indisponible : le serveur de tuiles ({url}) ne répond pas. "
                   "Lancez-le avec `observatory serve`.")
    st.pydeck_chart(offline_deck(layers=national_layers(url, indicator), initial_view_state=FRANCE_VIEW,
                                 tooltip=NATIONAL_TOOLTIP), height=620, key=chart_key)
    st.markdown(legend_html(indicator, indicator_minimum(indicator.key, indicator.value_sql)), unsafe_allow_html=True)
