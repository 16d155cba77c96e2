"""Énergie: a national map of any energy indicator per commune, and the national heat data.

The map is the home page's choropleth (one image of France, then vector tiles from the tile
server), coloured by the chosen indicator; the values themselves come from the database here,
for the summary, the top ten and the export.
"""
import pandas as pd
import streamlit as st

from dashboards.components.energy_panel import show_potential, warn_heat_layer_unavailable, value_text
from dashboards.components.export import offer_table
from dashboards.components.national_map import show_national_map
from dashboards.data import engine
from dashboards.format import number
from observatory import energy

GROUPS = {"recharge": "Recharge", "chaleur": "Réseaux de chaleur", "potentiel": "Potentiel"}
MAPPED = [key for key, indicator in energy.INDICATORS.items() if indicator.breaks]


@st.cache_data(ttl=600, show_spinner="Chargement des communes…")
def national_frame(key: str) -> pd.DataFrame:
    with engine().connect() as conn:
        frame = pd.DataFrame(energy.national_values(conn, key))
    if not frame.empty:
        frame["text"] = [value_text(key, v) if v is not None else "inconnu" for v in frame["value"]]
    return frame


@st.cache_data(ttl=600, show_spinner=False)
def national_context() -> dict:
    with engine().connect() as conn:
        return {"status": energy.heat_layer_status(conn), "figures": energy.national_figures(conn),
                "labels": energy.ecoreseau_labels(conn)}


st.title("Énergie")
st.caption("Recharge des véhicules électriques et réseaux de chaleur, commune par commune (COG 2026).")

context = national_context()
status = context["status"]
if not status["available"]:
    warn_heat_layer_unavailable(status, "Aucun réseau n'est dessiné, et les indicateurs « réseau de "
                                        "chaleur » des communes sont inconnus, pas nuls. Les labels, "
                                        "potentiels et chiffres nationaux ci-dessous sont, eux, chargés.")

key = st.selectbox("Indicateur", MAPPED, key="energy-indicator",
                   format_func=lambda k: f"{GROUPS[energy.INDICATORS[k].group]} · {energy.INDICATORS[k].label}")
indicator = energy.INDICATORS[key]
frame = national_frame(key)
if frame.empty:
    st.info("Les indicateurs énergie ne sont pas encore calculés : matérialisez l'actif Dagster "
            "`commune_energy`.")
    st.stop()

known = frame["value"].notna()
summary = st.columns(3)
summary[0].metric("Communes avec une valeur", number(int(known.sum())))
summary[1].metric("Médiane des communes", value_text(key, frame.loc[known, "value"].median() if known.any() else None))
summary[2].metric("Maximum", value_text(key, frame.loc[known, "value"].max() if known.any() else None))

show_national_map(energy.MAPS[indicator.map_key], chart_key="energy-national-map")
offer_table(frame.drop(columns=["text"]), f"energie-{key}", key="export-energy", what="la carte",
            lon="longitude", lat="latitude")
st.caption(f"Source : {indicator.source}. Zoomez pour voir les communes une à une, avec leur valeur au "
           "survol. Définitions, unités et millésimes : docs/indicators.md.")

top = frame[known].sort_values("value", ascending=key == "nearest_fast_charger_km").head(10)
st.markdown("**Les 10 communes en tête**")
st.dataframe(pd.DataFrame({"Commune": top["name"], "Département": top["departement_code"],
                           indicator.label: top["text"]}), hide_index=True)

if key in energy.SCORE_COLUMNS or key == "energy_commons_potential":
    st.subheader("Méthode du potentiel de communs énergétiques")
    st.dataframe(pd.DataFrame([{"Composante": energy.INDICATORS[k].label, "Méthode": energy.COMPONENT_METHODS[k]}
                               for k in (*energy.SCORE_COLUMNS, "energy_commons_potential")]), hide_index=True)

st.subheader("Réseaux de chaleur : chiffres nationaux")
figures = context["figures"]
if figures:
    columns = st.columns(4)
    for index, figure in enumerate(f for f in figures if f["key"].startswith("key_figure")):
        columns[index % 4].metric(figure["label"], figure["published_as"])
    st.caption("Source : France Chaleur Urbaine (data-number-rcu.json, stats-bdnb-2022-national.json).")
labels = context["labels"]
if labels:
    st.markdown(f"**Lauréats du label Écoréseau 2025** ({number(len(labels))} réseaux)")
    st.dataframe(pd.DataFrame([{
        "Label": label["label"], "Réseau": label["network_name"], "Identifiant SNCU": label["sncu_id"],
        "Collectivité": label["collectivite"],
        "Commune ou EPCI reconnu": label["commune_name"] or label["epci_name"] or "non reconnu"}
        for label in labels]), hide_index=True, height=300)

with st.expander("Exemple : le potentiel d'une commune, composante par composante"):
    code = st.text_input("Code Insee", value="59350", key="energy-example")
    with engine().connect() as conn:
        row = energy.commune_energy(conn, code.strip())
        rank = energy.departement_ranks(conn, code.strip()).get("energy_commons_potential") if row else None
    if row:
        st.markdown(f"**{row['name']}** ({row['insee_code']})")
        show_potential(row, rank)
    else:
        st.info("Aucune commune actuelle n'a ce code.")
