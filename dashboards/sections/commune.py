"""Commune profile: identity and territory, then the pact and energy panels."""
import streamlit as st

from dashboards.components.compare import commune_label, commune_search
from dashboards.components.council import show_council
from dashboards.components.energy_panel import show_energy_panel
from dashboards.components.export import offer_commune_downloads
from dashboards.components.map_widths import map_widths
from dashboards.components.not_found import commune_not_found, former_label, former_notice, successor_of
from dashboards.components.pact_panel import show_pact_panel
from dashboards.components.provenance import show_provenance
from dashboards.data import communes_size_and_density, engine
from dashboards.format import number
from dashboards.maps import contour_layer, offline_deck, view_around
from observatory.communes import commune_profile
from observatory.peers import nearest

CONTOUR_MAP_HEIGHT = 380

code = st.query_params.get("code")
if not code:
    st.title("Fiche commune")
    for found in commune_search("Nom ou code postal de la commune", key="commune-search",
                                placeholder="ex. Lille, 69135, 49270"):
        st.page_link("sections/commune.py", query_params={"code": found["insee_code"]},
                     label=commune_label(found))
    st.stop()

with engine().connect() as conn:
    profile = commune_profile(conn, code)
former = None if profile else successor_of(code)
if former:   # a former code: its current commune's page, said so at the top
    with engine().connect() as conn:
        profile = commune_profile(conn, former["insee_code"])
if profile is None:
    st.title("Fiche commune")
    commune_not_found(code, "sections/commune.py", key="commune-not-found")
    st.stop()

st.title(profile["name"])
if former:
    former_notice(former)
st.caption(f"Code Insee {profile['insee_code']} · {profile['departement']} ({profile['departement_code']})"
           f" · {profile['region'] or 'hors région'}")
with engine().connect() as conn:
    similar = nearest(conn, profile["insee_code"], k=3, communes=communes_size_and_density()).peers
compare_link, ranking_link = st.columns(2)
compare_link.page_link("sections/comparer.py", label="Comparer avec des communes semblables", icon=":material/compare_arrows:",
                       query_params={"codes": ",".join((profile["insee_code"], *similar))})
ranking_link.page_link("sections/classement.py", label="Classement", icon=":material/leaderboard:",
                       query_params={"code": profile["insee_code"]})

figures = st.columns(3)
figures[0].metric("Population", number(profile["population"]))
figures[1].metric("Surface", number(profile["area_km2"], 1, "km²"))
figures[2].metric("Densité", number(profile["density_per_km2"], 0, "hab./km²"))
show_provenance("population", "area_km2", "density_per_km2")

details, drawing = st.columns([1, 1.6])
with details:
    st.markdown(f"**Intercommunalité (EPCI)** : {profile['epci'] or 'aucune'}"
                + (f" (Siren {profile['epci_siren']})" if profile["epci_siren"] else ""))
    st.markdown(f"**Département** : {profile['departement']} · **Région** : {profile['region'] or '—'}")
    st.markdown(f"**Codes postaux** : {profile['postcodes'] or '—'}")
    if profile["former_communes"]:
        st.markdown("**Communes rattachées**")
        for attached in profile["former_communes"]:
            st.markdown(f"- {former_label(attached['code'], attached['name'], attached['kind'])}")
with drawing:
    if profile["contour"]:
        for width in map_widths("commune-contour", 500):
            st.pydeck_chart(offline_deck(layers=[contour_layer(profile["contour"])],
                                         initial_view_state=view_around(profile["xmin"], profile["ymin"],
                                                                        profile["xmax"], profile["ymax"],
                                                                        width_px=width.width_px,
                                                                        height_px=CONTOUR_MAP_HEIGHT)),
                            height=CONTOUR_MAP_HEIGHT, key=width.key)
    else:
        st.warning(f"Pas de contour pour cette commune : {profile['missing_geometry_reason']}")

show_council(engine(), profile["insee_code"])

offer_commune_downloads(engine(), profile)

pact_tab, energy_tab = st.tabs(["Pacte pour la Transition", "Énergie"])
with pact_tab:
    show_pact_panel(engine(), profile["insee_code"])
with energy_tab:
    show_energy_panel(engine(), profile["insee_code"], profile)
