"""Ranking: a commune's rank and percentile for an indicator within a peer group, and the group.

The link carries the whole choice: ?code=59350&groupe=epci&indicateur=density.
"""
import pandas as pd
import streamlit as st

from dashboards.components.compare import pick_commune
from dashboards.components.not_found import commune_not_found
from dashboards.data import communes_size_and_density, engine
from dashboards.format import number
from observatory.peers import NEAREST_DEFAULT, PEER_KINDS, known_codes, peer_group
from observatory.rankings import DIRECTION_LABELS, INDICATORS, SOURCE_LABELS, rank_in_group

st.title("Classement")
st.caption("Le rang d'une commune pour un indicateur, parmi des communes comparables. "
           "La règle du groupe est écrite sous le classement.")


def choose(code: str | None) -> None:
    if code:
        st.query_params["code"] = code


def remember(param: str, widget: str) -> None:
    st.query_params[param] = str(st.session_state[widget])


code = st.query_params.get("code")
if code:
    with engine().connect() as conn:
        code = next(iter(known_codes(conn, [code])), None)
with st.expander("Choisir une autre commune" if code else "Choisir une commune", expanded=not code):
    candidate = pick_commune("ranking", "Nom ou code postal de la commune")
    st.button("Classer cette commune", key="ranking-pick", on_click=choose, args=(candidate,),
              disabled=candidate is None)
if not code:
    if st.query_params.get("code"):
        commune_not_found(st.query_params["code"], "sections/classement.py", key="ranking-not-found")
    st.stop()

kinds = list(PEER_KINDS)
keys = list(INDICATORS)
asked_kind, asked_key = st.query_params.get("groupe"), st.query_params.get("indicateur")
group_column, indicator_column = st.columns(2)
kind = group_column.selectbox("Groupe de comparaison", options=kinds, format_func=PEER_KINDS.get,
                              index=kinds.index(asked_kind) if asked_kind in kinds else 1, key="ranking-kind", placeholder="Choisir une option",
                              on_change=remember, args=("groupe", "ranking-kind"))
key = indicator_column.selectbox("Indicateur", options=keys,
                                 format_func=lambda k: f"{INDICATORS[k].theme} · {INDICATORS[k].label}",
                                 index=keys.index(asked_key) if asked_key in keys else 1, key="ranking-indicator", placeholder="Choisir une option",
                                 on_change=remember, args=("indicateur", "ranking-indicator"))
k = NEAREST_DEFAULT
if kind == "nearest":
    k = group_column.number_input("Nombre de communes semblables", min_value=3, max_value=50,
                                  value=NEAREST_DEFAULT, step=1, key="ranking-k")

with engine().connect() as conn:
    # Only the "nearest" group needs every commune's size and density: other groups don't load them.
    group = peer_group(conn, code, kind, k=int(k),
                       communes=communes_size_and_density() if kind == "nearest" else None)
    ranking = rank_in_group(conn, group, key)
item = ranking.indicator
name = ranking.table.loc[ranking.table["insee_code"] == code, "name"].item()

st.subheader(f"{name} · {item.label}")
UNRANKED = "non classée"
figures = st.columns(3)
figures[0].metric(f"Valeur ({item.unit})", number(ranking.value, item.decimals))
figures[1].metric("Rang", f"{ranking.rank} sur {number(ranking.ranked)}" if ranking.rank else UNRANKED)
figures[2].metric("Centile", number(ranking.percentile, 1, "%", missing=UNRANKED))
if ranking.value is None:
    st.warning(f"« {item.label} » : valeur non renseignée pour {name} dans les données chargées. Elle n'est "
               "pas classée (une valeur inconnue n'est jamais comptée comme zéro).")
elif ranking.rank is None:
    st.warning(f"« {item.label} » : 0 pour {name}, qui n'en a aucun. Elle n'est pas classée (n'en avoir "
               "aucun n'est pas un rang).")
members = len(group.members)
st.markdown(f"**{number(ranking.valued)} commune(s) sur {number(members)}** du groupe ont une valeur "
            f"renseignée ; {number(ranking.ranked)} sont classées.")
st.info(f"**Règle du groupe « {group.label} »** : {group.rule}")
st.markdown(f"**Sens du classement** : {DIRECTION_LABELS[item.direction]}. Les communes à égalité partagent "
            "le meilleur rang. Le centile est la part des communes classées du groupe que la commune égale "
            f"ou dépasse. Communes non classées : {number(members - ranking.ranked)} (valeur non renseignée"
            + (", ou aucun équipement" if item.absent_when_zero else "")
            + f"), listées en fin de tableau sans rang. Source : {SOURCE_LABELS[item.view]}.")
leaders = [c for c in ranking.table["insee_code"] if c != code][:3]
st.page_link("sections/comparer.py", label="Comparer avec les trois premières communes du classement",
             query_params={"codes": ",".join([code, *leaders])})

table = ranking.table
value_column = f"{item.label} ({item.unit})"
shown = pd.DataFrame({"Rang": table["rank"], "Commune": table["name"], "Code Insee": table["insee_code"],
                      "Département": table["departement_code"], "Population": table["population"],
                      value_column: table["value"], "Centile (%)": table["percentile"]})


def highlight(row: pd.Series) -> list[str]:
    return ["font-weight: bold; background-color: #cfe8f7" if row["Code Insee"] == code else ""] * len(row)


# The Styler shows French numbers while the grid keeps sorting on the numbers themselves.
st.dataframe(shown.style.apply(highlight, axis=1).format({
    "Rang": lambda v: number(v, missing=UNRANKED),
    "Population": number,
    value_column: lambda v: number(v, item.decimals),
    "Centile (%)": lambda v: number(v, 1, missing=UNRANKED),
}), hide_index=True, width="stretch", key="ranking-table")
