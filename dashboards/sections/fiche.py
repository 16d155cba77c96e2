"""The printable commune sheet (?code=INSEE): shown as the browser will print it, with
downloads of the HTML and, when Chromium is installed, of a PDF. Hidden from the navigation:
reached from the commune page."""
from datetime import date
from functools import partial

import streamlit as st
import streamlit.components.v1 as components

from dashboards.components.not_found import commune_not_found
from dashboards.data import engine
from observatory import sheet

code = st.query_params.get("code")
if not code:
    st.title("Fiche imprimable")
    st.info("Ouvrez la fiche imprimable depuis la page d'une commune.")
    st.stop()

with engine().connect() as conn:
    page = sheet.render_sheet(conn, code, generated=date.today())
if page is None:
    st.title("Fiche imprimable")
    commune_not_found(code, "sections/fiche.py", key="sheet-not-found")
    st.stop()

st.title("Fiche imprimable")
st.page_link("sections/commune.py", query_params={"code": code}, label="Retour à la page de la commune")
buttons = st.columns(2)
buttons[0].download_button("Fiche imprimable (HTML)", page.encode("utf-8"), file_name=f"fiche-{code}.html",
                           mime="text/html", key="sheet-html", on_click="ignore", icon=":material/print:")
if sheet.chromium():
    buttons[1].download_button("Fiche imprimable (PDF)", partial(sheet.sheet_pdf, page),
                               file_name=f"fiche-{code}.pdf", mime="application/pdf", key="sheet-pdf",
                               on_click="ignore", icon=":material/picture_as_pdf:")
st.caption("Pour imprimer : téléchargez la fiche HTML, ouvrez-la dans le navigateur puis Ctrl+P (format A4).")
components.html(page, height=1150, scrolling=True)
