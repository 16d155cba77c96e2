"""Pieces shared by the pages: the commune search and picker, and French bar charts."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards.data import engine
from dashboards.format import number
from observatory.communes import search_communes

# Okabe-Ito: distinguishable with the common colour-vision deficiencies; one colour per commune.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")

# Vega formats numbers the English way: thousands with a narrow space, decimal comma.
FRENCH_AXIS = "replace(replace(format(datum.value, ',~f'), regexp(',', 'g'), '\u202f'), '.', ',')"


def commune_label(commune: dict) -> str:
    """How a commune found by the search is offered: "Lille (59) · 238 246 hab.", and the former
    commune or arrondissement the query named: "Lille (59) · 238 246 hab. · inclut Hellemmes-Lille"."""
    label = f"{commune['name']} ({commune['departement_code']}) · {number(commune['population'])} hab."
    return f"{label} · inclut {commune['via']}" if commune.get("via") else label


def commune_search(label: str, *, key: str, placeholder: str) -> list[dict]:
    """A name or postcode field and the communes it finds (`search_communes`); says so when none."""
    query = st.text_input(label, placeholder=placeholder, key=key)
    if not query:
        return []
    with engine().connect() as conn:
        found = search_communes(conn, query)
    if not found:
        st.info("Aucune commune ne correspond à cette recherche.")
    return found


def pick_commune(key: str, label: str) -> str | None:
    """A name or postcode search, then a choice among the communes found; returns its INSEE code."""
    found = commune_search(label, key=f"{key}-search", placeholder="ex. Roubaix, 59100")
    if not found:
        return None
    labels = {c["insee_code"]: commune_label(c) for c in found}
    return st.selectbox("Commune trouvée", options=list(labels), format_func=labels.get, key=f"{key}-choice", placeholder="Choisir une option")


def bar_chart(frame: pd.DataFrame, value: str, title: str, decimals: int) -> alt.Chart:
    """One horizontal bar per row of `frame` (column "label" names the commune), French numbers."""
    shown = frame.assign(shown=[number(v, decimals) for v in frame[value]])
    domain = list(shown["label"])
    return alt.Chart(shown).mark_bar().encode(
        x=alt.X(f"{value}:Q", title=title, axis=alt.Axis(labelExpr=FRENCH_AXIS)),
        y=alt.Y("label:N", title=None, sort=domain),
        color=alt.Color("label:N", legend=None,
                        scale=alt.Scale(domain=domain, range=list(OKABE_ITO[:len(domain)]))),
        tooltip=[alt.Tooltip("label:N", title="Commune"), alt.Tooltip("shown:N", title=title)],
    ).properties(height=40 * len(shown) + 40)
