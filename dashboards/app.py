"""Observatoire de la transition locale: the Streamlit entry point (`streamlit run dashboards/app.py`)."""
from pathlib import Path

import streamlit as st

PAGES = Path(__file__).resolve().parent / "pages"

st.set_page_config(page_title="Observatoire de la transition locale", page_icon="🌱", layout="wide")

navigation = st.navigation([
    st.Page(PAGES / "accueil.py", title="Carte de France", icon="🗺️", url_path="accueil", default=True),
    st.Page(PAGES / "commune.py", title="Fiche commune", icon="🏘️", url_path="commune"),
    st.Page(PAGES / "pacte.py", title="Pacte pour la Transition", icon="🤝", url_path="pacte"),
    st.Page(PAGES / "energie.py", title="Énergie", icon="⚡", url_path="energie"),
    st.Page(PAGES / "comparer.py", title="Comparer", icon="⚖️", url_path="comparer"),
    st.Page(PAGES / "classement.py", title="Classement", icon="🏅", url_path="classement"),
    st.Page(PAGES / "donnees.py", title="Données", icon="🗂️", url_path="donnees"),
    st.Page(PAGES / "fiche.py", title="Fiche imprimable", icon="🖨️", url_path="fiche", visibility="hidden"),
])
navigation.run()
