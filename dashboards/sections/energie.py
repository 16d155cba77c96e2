"""Énergie: a national map of any energy indicator per commune, and the national heat data.

The map is the home page's choropleth (one image of France, then vector tiles from the tile
server), coloured by the chosen indicator; the values themselves come from the database here,
for the summary, the top ten and the export.
"""
import pandas as pd
import pydeck as pdk
import streamlit as st

from dashboards.components.energy_panel import show_potential, warn_heat_layer_unavailable, value_text
from dashboards.components.export import offer_contours, offer_table
from dashboards.components.map_widths import map_widths
from dashboards.components.national_map import show_national_map
from dashboards.data import engine, tiles_url
from dashboards.format import number, published_figure
from dashboards.maps import background_layer, france_view, offline_deck, swatches_html, view_around
from observatory import energy
from observatory.labels import reason_label

GROUPS = {"recharge": "Recharge", "chaleur": "Réseaux de chaleur", "potentiel": "Potentiel"}
MAPPED = [key for key, indicator in energy.INDICATORS.items() if indicator.breaks]


@st.cache_data(ttl=600, show_spinner="Chargement des communes…")
def national_frame(key: str) -> pd.DataFrame:
    with engine().connect() as conn:
        frame = pd.DataFrame(energy.national_values(conn, key))
    if not frame.empty:
        frame["text"] = [value_text(key, v) for v in frame["value"]]
    return frame


@st.cache_data(ttl=600, show_spinner=False)
def national_context() -> dict:
    with engine().connect() as conn:
        return {"status": energy.heat_layer_status(conn), "figures": energy.national_figures(conn),
                "labels": energy.ecoreseau_labels(conn), "unattached": energy.arrete_unattached(conn)}


@st.cache_data(ttl=600, show_spinner=False)
def arrete_frame() -> pd.DataFrame:
    with engine().connect() as conn:
        return pd.DataFrame(energy.arrete_networks(conn))


# EnR&R classes of the heat-network layer (%), and the colour of cold networks.
RATE_CLASSES = [(0, 25, "moins de 25 %", (215, 48, 39)), (25, 50, "25 à 50 %", (252, 141, 89)),
                (50, 75, "50 à 75 %", (145, 207, 96)), (75, 100.01, "75 % et plus", (26, 152, 80))]
COLD_RGB = (69, 117, 180)
KIND_LABELS = {"heat": "chaleur", "cold": "froid"}
def rate_colour(kind: str, rate: float | None) -> list[int]:
    if kind == "cold" or rate is None:
        return list(COLD_RGB)
    return list(next(colour for low, high, _, colour in RATE_CLASSES if low <= rate < high))


def show_arrete_networks(frame: pd.DataFrame, unattached: list[dict]) -> None:
    """The national layer (one mark per network at its commune, coloured by EnR&R rate), the
    filters, the sortable table and the networks no commune could be given to."""
    attached = frame["insee_codes"].map(len) > 0
    served = len({code for codes in frame["insee_codes"] for code in codes})
    figures = st.columns(4)
    figures[0].metric("Réseaux dans l'arrêté", number(len(frame)),
                      help=f"{number(int((frame['kind'] == 'heat').sum()))} de chaleur, "
                           f"{number(int((frame['kind'] == 'cold').sum()))} de froid")
    figures[1].metric("Rattachés à leur commune", number(int(attached.sum())))
    figures[2].metric("Communes desservies", number(served))
    figures[3].metric("Non rattachés (jamais devinés)", number(len(unattached)))

    filters = st.columns([2, 2, 2])
    departements = sorted(frame["commune_departement_code"].dropna().unique())
    departement = filters[0].selectbox("Département", ["Tous", *departements], key="heat-departement", placeholder="Choisir une option")
    kinds = filters[1].multiselect("Type", ["heat", "cold"], default=["heat", "cold"], key="heat-kind", placeholder="Choisir un ou plusieurs types",
                                   format_func=KIND_LABELS.get)
    low, high = filters[2].slider("Taux EnR&R (%) des réseaux de chaleur", 0, 100, (0, 100), key="heat-rate")
    shown = frame[frame["kind"].isin(kinds)]
    if departement != "Tous":
        shown = shown[shown["commune_departement_code"] == departement]
    rate = shown["renewable_share_pct"]
    shown = shown[(shown["kind"] == "cold") | rate.between(low, high)]

    placed = shown[shown["longitude"].notna()].assign(
        colour=lambda f: [rate_colour(k, r) for k, r in zip(f["kind"], f["renewable_share_pct"])],
        rate_text=lambda f: [number(r, 1, "%") if k == "heat" else "réseau de froid"
                             for k, r in zip(f["kind"], f["renewable_share_pct"])],
        co2_text=lambda f: [number(v, 3, "kg CO2/kWh") for v in f["co2_kg_per_kwh"]],
        communes_text=lambda f: [", ".join(c) for c in f["communes"]])
    layers = [background_layer(tiles_url()),
              pdk.Layer("ScatterplotLayer", data=placed[["sncu_id", "name", "longitude", "latitude", "colour",
                                                         "rate_text", "co2_text", "communes_text"]],
                        id="heat-networks-arrete", get_position="[longitude, latitude]", get_fill_color="colour",
                        radius_min_pixels=5, radius_max_pixels=12, get_radius=2500, pickable=True,
                        stroked=True, get_line_color=[40, 40, 40], line_width_min_pixels=1)]
    for width in map_widths("heat-arrete-map", 900):
        if departement != "Tous" and not placed.empty:
            view = view_around(placed["longitude"].min(), placed["latitude"].min(), placed["longitude"].max(),
                               placed["latitude"].max(), width_px=width.width_px, height_px=480)
        else:
            view = france_view(width.width_px, 480)
        st.pydeck_chart(offline_deck(layers=layers, initial_view_state=view, tooltip={
            "html": "<b>{name}</b> ({sncu_id})<br/>{communes_text}<br/>EnR&R : {rate_text}<br/>{co2_text}"}),
            height=480, key=width.key)
    st.markdown(swatches_html([(colour, label) for _, _, label, colour in RATE_CLASSES]
                              + [(COLD_RGB, "réseau de froid")], "Taux EnR&R du réseau"), unsafe_allow_html=True)
    st.caption("Un point par réseau, au centre de sa commune (au milieu de ses communes quand il en dessert "
               "plusieurs) : l'arrêté ne donne pas de tracé.")

    table = pd.DataFrame({
        "Réseau": shown["name"], "SNCU": shown["sncu_id"], "Type": shown["kind"].map(KIND_LABELS),
        "Communes": [", ".join(c) or "non rattaché" for c in shown["communes"]],
        "Dép.": shown["commune_departement_code"], "EnR&R (%)": shown["renewable_share_pct"],
        "CO2 (kg/kWh)": shown["co2_kg_per_kwh"], "CO2 ACV (kg/kWh)": shown["co2_lca_kg_per_kwh"],
        "Année": [str(int(y)) if pd.notna(y) else "moyenne" for y in shown["reference_year"]],
        "Label": shown["ecoreseau_label"].fillna("")})
    st.markdown(f"**{number(len(table))} réseaux** (cliquez sur un en-tête pour trier)")
    # Numbers stay numbers, so that the columns sort; "localized" writes them the visitor's way
    # (a decimal comma in a French browser).
    st.dataframe(table, hide_index=True, height=360, column_config={
        "Réseau": st.column_config.TextColumn(width="medium"),
        "Communes": st.column_config.TextColumn(width="medium"),
        "EnR&R (%)": st.column_config.NumberColumn(format="localized", help="Taux d'énergies renouvelables "
                                                   "et de récupération ; vide pour un réseau de froid"),
        "CO2 (kg/kWh)": st.column_config.NumberColumn(format="localized", help="Contenu CO2 de l'énergie livrée"),
        "CO2 ACV (kg/kWh)": st.column_config.NumberColumn(format="localized",
                                                          help="Contenu CO2 en analyse du cycle de vie"),
        "Année": st.column_config.TextColumn(help="Année de référence des valeurs, ou moyenne pluriannuelle"),
        "Label": st.column_config.TextColumn(help="Label Écoréseau 2025")})
    offer_table(shown.drop(columns=["insee_codes"]).assign(communes=[", ".join(c) for c in shown["communes"]]),
                "reseaux-arrete-dpe-2026", key="export-heat-arrete", what="les réseaux", lon="longitude",
                lat="latitude")
    st.caption(f"Source : {energy.FCU_ARRETE}.")
    if unattached:
        with st.expander(f"Réseaux non rattachés à une commune ({number(len(unattached))}) : localité "
                         "ambiguë ou qui n'est pas une commune, jamais devinée"):
            st.dataframe(pd.DataFrame([{
                "Identifiant SNCU": u["sncu_id"], "Réseau": u["name"], "Localisation publiée": u["locality"],
                "Motif": reason_label(u["reason"]), "Détail": u["detail"]} for u in unattached]),
                hide_index=True)


st.title("Énergie")
st.caption("Recharge des véhicules électriques et réseaux de chaleur, commune par commune (COG 2026).")

context = national_context()
status = context["status"]
if not status["available"]:
    warn_heat_layer_unavailable(status, "Les réseaux de l'arrêté DPE 2026 sont montrés au centre de leur "
                                        "commune, sans tracé ; la longueur des réseaux dans chaque commune "
                                        "et les périmètres de développement prioritaire restent inconnus.")

key = st.selectbox("Indicateur", MAPPED, key="energy-indicator", placeholder="Choisir une option",
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
# What the map shows: each commune with the indicator named with its unit, rounded as displayed;
# the GeoJSON holds the communes' contours, the CSV their centres.
named = f"{indicator.label} ({indicator.unit})"
with st.container(horizontal=True):
    offer_table(pd.DataFrame({"Code Insee": frame["insee_code"], "Commune": frame["name"],
                              "Département": frame["departement_code"],
                              named: pd.to_numeric(frame["value"]).round(indicator.decimals),
                              "Longitude du centre": frame["longitude"].round(6),
                              "Latitude du centre": frame["latitude"].round(6)}),
                f"energie-{key}", key="export-energy", what="la carte")
    offer_contours(indicator, f"energie-{key}-contours")
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

st.subheader("Réseaux de chaleur et de froid de l'arrêté DPE 2026")
networks = arrete_frame()
if networks.empty:
    st.info("L'arrêté DPE 2026 n'est pas encore chargé : matérialisez l'actif Dagster `heat_networks_arrete`.")
else:
    show_arrete_networks(networks, context["unattached"])

st.subheader("Réseaux de chaleur : chiffres nationaux")
figures = context["figures"]
if figures:
    columns = st.columns(4)
    for index, figure in enumerate(f for f in figures if f["key"].startswith("key_figure")):
        columns[index % 4].metric(figure["label"], published_figure(figure["value"], figure["unit"],
                                                                    figure["published_as"]))
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
