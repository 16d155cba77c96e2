"""Observatoire de la transition locale: the Streamlit entry point (`streamlit run dashboards/app.py`).

The pages live in `sections/`, not `pages/`: Streamlit would list a `pages/` folder beside the
entry point in its sidebar by file name, over the navigation declared here.
"""
from pathlib import Path

import streamlit as st

from dashboards.components.map_widths import phone_or_wide_style
from dashboards.maps import attribution_style

SECTIONS = Path(__file__).resolve().parent / "sections"

st.set_page_config(page_title="Observatoire de la transition locale", page_icon="🌱", layout="wide")
# Streamlit writes "Press Enter to apply" under text inputs, in English only: hidden. Metrics
# cut their label and value with "…" when a column is narrow ("0,9 points / 1 000 …"): they
# wrap instead, at every width. Maps over a basemap write its attribution in their corner. Each
# map comes in a phone and a wide version, one shown by the window's width.
st.html("<style>[data-testid='InputInstructions'] { display: none; }"
        "[data-testid='stMetric'] .stMarkdownEllipsis, [data-testid='stMetric'] .stMarkdownEllipsis * "
        "{ white-space: normal; overflow: visible; text-overflow: clip; overflow-wrap: break-word; }"
        f"{attribution_style()}{phone_or_wide_style()}</style>")

collectifs = st.Page(SECTIONS / "collectifs.py", title="Espace des collectifs", icon=":material/groups:",
                     url_path="collectifs")
navigation = st.navigation([
    st.Page(SECTIONS / "accueil.py", title="Carte de France", icon=":material/map:", url_path="accueil", default=True),
    st.Page(SECTIONS / "commune.py", title="Fiche commune", icon=":material/location_city:", url_path="commune"),
    st.Page(SECTIONS / "pacte.py", title="Pacte pour la Transition", icon=":material/handshake:", url_path="pacte"),
    collectifs,
    st.Page(SECTIONS / "energie.py", title="Énergie", icon=":material/bolt:", url_path="energie"),
    st.Page(SECTIONS / "comparer.py", title="Comparer", icon=":material/compare_arrows:", url_path="comparer"),
    st.Page(SECTIONS / "classement.py", title="Classement", icon=":material/leaderboard:", url_path="classement"),
    st.Page(SECTIONS / "donnees.py", title="Données", icon=":material/database:", url_path="donnees"),
    st.Page(SECTIONS / "fiche.py", title="Fiche imprimable", icon=":material/print:", url_path="fiche", visibility="hidden"),
])
# A member back from the OpenID Connect provider lands on the home page (Streamlit's callback
# goes to the app's root): once per browser session, on to the Espace des collectifs.
if st.user.get("is_logged_in") and navigation.url_path == "" and not st.session_state.get("provider_routed"):
    st.session_state["provider_routed"] = True
    st.switch_page(collectifs)
navigation.run()
