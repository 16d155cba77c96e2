"""Home: the national map of communes coloured by an indicator, and the commune search."""
import streamlit as st

from dashboards.components.compare import commune_label, commune_search
from dashboards.components.national_map import show_national_map
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
    key = st.selectbox("Indicateur", options=list(labels), format_func=labels.get, key="indicator", placeholder="Choisir une option")
    indicator = MAP_INDICATORS[key]
    show_national_map(indicator, chart_key="national-map")
    st.caption(f"Source : {indicator.source}. Zoomez pour voir les communes une à une, leur nom et leur "
               "valeur au survol ; cliquez sur une commune pour ouvrir sa fiche.")
