"""Pacte pour la Transition: engagement map, totals, measure explorer, import review,
and where the mandates stand."""
from datetime import date

import pandas as pd
import pydeck as pdk
import streamlit as st

from dashboards.components.export import offer_table
from dashboards.components.map_click import commune_map
from dashboards.components.map_widths import map_widths
from dashboards.components.pact_panel import TIMELINE_EXPORT, measure_label, show_timeline
from dashboards.data import engine, tiles_url
from dashboards.format import number
from dashboards.maps import background_layer, france_view, offline_deck, view_around
from geodata.sources.pacte.reader import COMMITMENT_LABELS, REASON_LABELS
from geodata.sources.pacte.store import REFUSED
from observatory import export_tables, pact
from observatory.formatting import NOT_RECORDED
from observatory.reconciliation import METHOD_LABELS, STATUS_LABELS
from observatory.exports import csv_bytes
from observatory.sources import french_datetime

LEVEL_COLOURS = {"unanimous": [26, 152, 80], "majority": [145, 207, 96], "minority": [254, 224, 139],
                 "none": [200, 200, 200], None: [150, 150, 150]}
TERRITORY_LABELS = {"departement": "Département", "region": "Région", "epci": "Intercommunalité (EPCI)"}
TODAY = date.today()

st.title("Pacte pour la Transition")
st.caption("Les engagements des communes, rapprochés des codes Insee à partir des listes des collectifs.")

# -- mandate timeline -----------------------------------------------------------------
st.subheader("Mandats municipaux")
for progress in pact.mandate_progress(TODAY):
    c = progress.campaign
    years, months = divmod(round(progress.days_left / 30.44), 12)
    left = f"il reste {number(progress.days_left)} jours ({years} an(s) {months} mois)"
    text = {"en cours": f"en cours — {left}", "terminé": "terminé", "à venir": "à venir"}[progress.status]
    st.progress(progress.share_elapsed,
                text=f"{c.label} · mandat {c.mandate_start:%m/%Y} – {c.mandate_end:%m/%Y} : {text}")

# -- filters ----------------------------------------------------------------------------
reader = engine()
with reader.connect() as conn:
    campaigns = pact.campaigns(conn)
if campaigns.empty:
    st.warning("Aucune campagne chargée : lancez `observatory pipelines` pour importer le pacte.")
    st.stop()
labels = dict(zip(campaigns["campaign_code"], campaigns["label"]))
filters = st.columns(4)
campaign = filters[0].selectbox("Campagne", list(labels), format_func=labels.get, key="campaign", placeholder="Choisir une option")
with reader.connect() as conn:
    catalogue = pact.measure_adoption(conn, campaign)
    recorded = pact.recorded(conn, campaign)
measure_options = [None, *catalogue["measure_number"]]
measure_titles = {n: measure_label(n, t, topic) for n, t, topic in
                  zip(catalogue["measure_number"], catalogue["title"], catalogue["topic"])}
# A list that names no measure says nothing of them: filtering on one would count 0 communes.
measure = filters[1].selectbox("Mesure", measure_options, key="measure", placeholder="Choisir une option", disabled=not recorded.measures,
                               format_func=lambda n: "Toutes les mesures" if n is None else measure_titles[n],
                               help=None if recorded.measures else "Aucune liste importée pour cette campagne "
                                                                   "ne nomme les mesures engagées.")
measure = measure if recorded.measures else None
territory = filters[2].selectbox("Territoire", list(TERRITORY_LABELS), format_func=TERRITORY_LABELS.get,
                                 key="territory", placeholder="Choisir une option")
with reader.connect() as conn:
    by_territory = pact.engagement_by_territory(conn, campaign, territory)
territory_names = dict(zip(by_territory["territory_code"], by_territory["territory_name"]))
territory_code = filters[3].selectbox(TERRITORY_LABELS[territory], [None, *territory_names], key="territory_code", placeholder="Choisir une option",
                                      format_func=lambda c: "Tous" if c is None else f"{territory_names[c]} ({c})")
with reader.connect() as conn:
    engaged = pact.engaged_communes(conn, campaign, measure=measure, territory=territory,
                                    territory_code=territory_code)

if not recorded.signatures:
    st.info(f"Aucune liste de signataires n'est encore chargée pour la campagne « {labels[campaign]} » : "
            "rien n'y est compté, ni zéro ni autre chiffre. Pour en ajouter une, un collectif remplit le "
            "modèle de liste (commune, engagement du conseil, mesures signées, date, source) et la remet "
            "à l'équipe de l'observatoire, qui la dépose dans le dossier d'import : elle est lue dans la "
            "minute, et chaque ligne rapprochée, ambiguë ou écartée apparaît dans le rapport de revue. "
            "Mode d'emploi : guide « Importer une liste du Pacte pour la Transition » de la documentation.")
    st.stop()

# -- totals -----------------------------------------------------------------------------
st.subheader("Communes engagées")
if measure is not None:
    st.caption(f"Communes engagées sur cette mesure, parmi les {number(recorded.measures)} dont la liste "
               f"nomme les mesures (sur {number(recorded.signatures)} signataires).")
elif not recorded.measures:
    st.caption("Les listes importées pour cette campagne ne nomment pas les mesures engagées : mesures et "
               "suivi sont non renseignés (jamais comptés comme zéro).")
metrics = st.columns(5)
for column, level in zip(metrics, ("unanimous", "majority", "minority")):
    rows = engaged[engaged["council_commitment"] == level]
    column.metric(f"Conseil {COMMITMENT_LABELS[level].lower()}", number(len(rows)),
                  help=f"{number(rows['population'].sum())} habitants")
metrics[3].metric("Communes engagées", number(len(engaged)))
metrics[4].metric("Population couverte", number(engaged["population"].sum()))
offer_table(export_tables.pact_communes(engaged), f"pacte-communes-engagees-{campaign}", key="export-engaged",
            what="les communes", lon="Longitude", lat="Latitude")

# -- map: one point per commune (centroid), not the contours ---------------------------
points = engaged.dropna(subset=["lon", "lat"]).copy()
points["colour"] = [LEVEL_COLOURS.get(level, LEVEL_COLOURS[None]) for level in points["council_commitment"]]
points["level_label"] = [COMMITMENT_LABELS.get(level, NOT_RECORDED) for level in points["council_commitment"]]
points["population_label"] = [number(p) for p in points["population"]]
points["radius"] = points["population"].fillna(0).clip(lower=500) ** 0.5 * 12
# Framed on the communes of metropolitan France when there are some (the overseas ones stay
# listed in the table and the exports), else on those shown.
framed = points[points["lat"] > 40] if (points["lat"] > 40).any() else points
layers = [background_layer(tiles_url()),
          pdk.Layer("ScatterplotLayer", data=points[["insee_code", "commune_name", "lon", "lat", "colour", "radius",
                                                     "level_label", "population_label"]],
                    id="pact-communes", get_position="[lon, lat]", get_fill_color="colour",
                    get_radius="radius", radius_min_pixels=3, pickable=True, stroked=True,
                    get_line_color=[60, 60, 60], line_width_min_pixels=1)]
for width in map_widths("pact-map", 1100):
    view = france_view(width.width_px, 520) if framed.empty else view_around(
        framed["lon"].min(), framed["lat"].min(), framed["lon"].max(), framed["lat"].max(),
        width_px=width.width_px, height_px=520)
    commune_map(offline_deck(layers=layers, initial_view_state=view, tooltip={
        "html": "<b>{commune_name}</b> ({insee_code})<br/>Conseil : {level_label}<br/>{population_label} hab."}),
        height=520, key=width.key)
st.markdown(" · ".join(
    f"<span style='color:rgb({','.join(map(str, LEVEL_COLOURS[level]))})'>●</span> {COMMITMENT_LABELS[level]}"
    for level in ("unanimous", "majority", "minority")), unsafe_allow_html=True)

with st.expander(f"Par {TERRITORY_LABELS[territory].lower()}"):
    st.dataframe(by_territory.rename(columns={
        "territory_code": "Code", "territory_name": "Nom", "communes": "Communes", "unanimous": "Unanimes",
        "majority": "Majoritaires", "minority": "Minoritaires", "population": "Population couverte",
        "population_council": "Population (conseil engagé)", "territory_population": "Population du territoire"}),
        hide_index=True, use_container_width=True)

# -- measure explorer ------------------------------------------------------------------
st.subheader("Explorateur des mesures")
explorer = pd.DataFrame({
    "Mesure": [measure_titles[n] for n in catalogue["measure_number"]],
    "Thème": catalogue["topic"].fillna(NOT_RECORDED),
    "Communes engagées": export_tables.figure_column(catalogue["communes"]),
    "Réalisée": export_tables.figure_column(catalogue["communes_done"]),
    "En cours": export_tables.figure_column(catalogue["communes_in_progress"]),
})
st.dataframe(explorer, hide_index=True, use_container_width=True)
missing = int((~catalogue["title_verified"].astype(bool)).sum())
if missing:
    st.caption(f"{missing} intitulé(s) non vérifié(s) sur une source publique : laissés vides, jamais inventés.")

# -- follow-up timeline ----------------------------------------------------------------
st.subheader("Suivi des mesures dans le temps")
with reader.connect() as conn:
    timeline = pact.follow_up_timeline(conn, campaign=campaign)
if timeline.empty:
    st.info(f"{pact.PENDING_ASSESSMENT} : aucun constat de suivi pour cette campagne (listes de suivi "
            "importées, ou saisies des collectifs dans l'Espace des collectifs).")
else:
    followed = sorted(set(timeline["measure_number"]), key=pact.measure_order)
    followed_measure = st.selectbox("Mesure suivie", followed, key="timeline-measure",
                                    format_func=lambda n: measure_titles.get(n, n))
    measure_timeline = timeline[timeline["measure_number"] == followed_measure]
    show_timeline(measure_timeline, key="pacte-timeline", with_commune=True)
    offer_table(measure_timeline[TIMELINE_EXPORT], f"pacte-suivi-{campaign}-mesure-{followed_measure}",
                key="export-timeline", what="la chronologie")

# -- review report ---------------------------------------------------------------------
st.subheader("Rapport de revue des derniers imports")
with reader.connect() as conn:
    imports = pact.last_imports(conn)
if imports.empty:
    st.info("Aucun import pour l'instant.")
else:
    summary = {row.import_run_id: f"{row.dataset} ({row.file_name}, {french_datetime(row.started_at)}) : "
                                  f"{row.rows_matched} rapprochées, {row.rows_ambiguous} ambiguës, "
                                  f"{row.rows_unmatched} non trouvées, {row.rows_quarantined} en quarantaine"
               for row in imports.itertuples()}
    run = st.selectbox("Import", list(summary), format_func=summary.get, key="import-run", placeholder="Choisir une option")
    # How the file was read, and for a refused file why nothing was loaded.
    for message in imports.set_index("import_run_id").at[run, "messages"] or []:
        (st.error if message.startswith(REFUSED) else st.caption)(message)
    with reader.connect() as conn:
        review = pact.review_rows(conn, run)
    review["status"] = review["status"].map(STATUS_LABELS)
    review["method"] = review["method"].map(lambda m: METHOD_LABELS.get(m, m) if isinstance(m, str) else "")
    review["reason"] = review["reason"].map(lambda r: REASON_LABELS.get(r, r) if isinstance(r, str) else "")
    review["candidates"] = review["candidates"].map(
        lambda cs: ", ".join(f"{c['name']} ({c['insee_code']})" for c in cs) if isinstance(cs, list) else "")
    shown = review.rename(columns={
        "row_number": "Ligne", "published_name": "Nom publié", "area_hint": "Zone", "status": "Résultat",
        "insee_code": "Code Insee", "commune_name": "Commune", "method": "Méthode", "score": "Score",
        "candidates": "Candidats", "reason": "Motif", "detail": "Détail"})
    st.dataframe(shown, hide_index=True, use_container_width=True)
    st.download_button("Télécharger le rapport (CSV)", csv_bytes(shown),
                       file_name=f"rapport-import-{run}.csv", mime="text/csv", key="download-review")
