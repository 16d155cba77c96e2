"""Home: the national map of communes coloured by an indicator, and the commune search."""
import streamlit as st

from dashboards.components.compare import commune_label, commune_search
from dashboards.data import tiles_available, tiles_url
from dashboards.maps import FRANCE_VIEW, legend_html, national_layers, offline_deck
from observatory.map_indicators import MAP_INDICATORS

st.title("Observatoire de la transition locale")
st.caption("Communes de France (COG 2026) : engagements, énergie et transition, commune par commune.")

search_column, map_column = st.columns([1, 2.4])

with search_column:
    st.subheader("Chercher une commune")
    for commune in commune_search("Nom ou code postal", key="search", placeholder="ex. Lille, 69135, 49270"):
        st.page_link("sections/commune.py", query_params={"code": commune["insee_code"]},
                     label=commune_label(commune))

with map_column:
    labels = {key: indicator.label for key, indicator in MAP_INDICATORS.items() if indicator.selectable}
    key = st.selectbox("Indicateur", options=list(labels), format_func=labels.get, key="indicator")
    indicator = MAP_INDICATORS[key]
    url = tiles_url()
    if not tiles_available(url):
        st.warning(f"La carte nationale est indisponible : le serveur de tuiles ({url}) ne répond pas. "
                   "Lancez-le avec `observatory serve`.")
    st.pydeck_chart(offline_deck(
        layers=national_layers(url, indicator),
        initial_view_state=FRANCE_VIEW,
        tooltip={"html": "<b>{nom}</b> ({code})<br/>{value} " + indicator.unit},
    ), height=620, key="national-map")
    st.markdown(legend_html(indicator), unsafe_allow_html=True)
    st.caption(f"Source : {indicator.source}. Zoomez pour voir les communes une à une, avec leur valeur au "
               "survol. Fond de carte absent : les communes seules dessinent la France.")
