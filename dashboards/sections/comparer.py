"""Compare 2 to 6 communes side by side; the selection lives in the link (?codes=59350,59512)."""
import altair as alt
import pandas as pd
import streamlit as st

from dashboards.components.compare import FRENCH_AXIS, OKABE_ITO, bar_chart, pick_commune
from dashboards.data import communes_size_and_density, engine
from dashboards.format import number
from observatory.energy import NO_FAST_CHARGER
from observatory.peers import known_codes, nearest
from observatory.rankings import COMPARED, INDICATORS, indicator_values

MAX_COMMUNES = 6
SHOWN = COMPARED


def selected_codes() -> list[str]:
    raw = st.query_params.get("codes", "")
    with engine().connect() as conn:
        return known_codes(conn, raw.split(","))[:MAX_COMMUNES]


def set_codes(codes: list[str]) -> None:
    """The link is the state: writing it makes the browser's address reopen this comparison."""
    if codes:
        st.query_params["codes"] = ",".join(codes)
    else:
        st.query_params.pop("codes", None)


def add(code: str | None) -> None:
    codes = selected_codes()
    if code and code not in codes and len(codes) < MAX_COMMUNES:
        set_codes([*codes, code])


def remove(code: str) -> None:
    set_codes([c for c in selected_codes() if c != code])


def suggest_peers() -> None:
    codes = selected_codes()
    room = min(3, MAX_COMMUNES - len(codes))
    with engine().connect() as conn:
        similar = nearest(conn, codes[0], k=room + len(codes), communes=communes_size_and_density()).peers
    set_codes([*codes, *[c for c in similar if c not in codes][:room]])


st.title("Comparer des communes")
st.caption("De 2 à 6 communes côte à côte : population, densité, engagements du Pacte pour la Transition "
           "et leur suivi, indicateurs d'énergie. L'adresse de cette page rouvre la même comparaison.")

codes = selected_codes()
picker, actions = st.columns([3, 2])
with picker:
    candidate = pick_commune("compare", "Ajouter une commune (nom ou code postal)")
    st.button("Ajouter à la comparaison", key="compare-add", on_click=add, args=(candidate,),
              disabled=candidate is None or candidate in codes or len(codes) >= MAX_COMMUNES)
with actions:
    st.button("Suggérer des communes semblables", key="compare-suggest", on_click=suggest_peers,
              disabled=not codes or len(codes) >= MAX_COMMUNES,
              help="Ajoute les communes les plus proches de la première par la taille et la densité.")
    if len(codes) >= MAX_COMMUNES:
        st.caption(f"{MAX_COMMUNES} communes au plus.")

if not codes:
    st.info("Choisissez au moins deux communes à comparer.")
    st.stop()

with engine().connect() as conn:
    values = indicator_values(conn, codes, SHOWN)
values["label"] = [f"{n} ({d})" for n, d in zip(values["name"], values["departement_code"])]

chosen = st.columns(len(codes))
for column, row, colour in zip(chosen, values.itertuples(), OKABE_ITO):
    with column:
        st.markdown(f"<span style='color:{colour};font-size:1.4rem'>■</span> **{row.label}**",
                    unsafe_allow_html=True)
        st.page_link("sections/commune.py", query_params={"code": row.insee_code}, label="Fiche commune")
        st.button("Retirer", key=f"compare-remove-{row.insee_code}", on_click=remove, args=(row.insee_code,))
st.caption(f"Lien à partager : `?codes={','.join(codes)}` ajouté à l'adresse de cette page.")

if len(codes) < 2:
    st.info("Ajoutez au moins une autre commune pour comparer.")
    st.stop()


def shown_value(key: str, value, decimals: int) -> str:
    """A commune's value as the table shows it: a distance to nothing says there is nothing."""
    if key == "energy_nearest_fast_charger_km" and pd.isna(value):
        return NO_FAST_CHARGER
    return number(value, decimals)


def side_by_side(keys: list[str]) -> pd.DataFrame:
    rows = []
    for key in keys:
        item = INDICATORS[key]
        rows.append({"Indicateur": f"{item.label} ({item.unit})",
                     **{label: shown_value(key, v, item.decimals)
                        for label, v in zip(values["label"], values[key])}})
    return pd.DataFrame(rows)


territory, pact_tab, energy_tab = st.tabs(["Territoire", "Pacte pour la Transition", "Énergie"])
with territory:
    st.dataframe(side_by_side(["population", "density"]), hide_index=True, width="stretch")
with pact_tab:
    pact_keys = [k for k in SHOWN if k.startswith("pact_")]
    st.dataframe(side_by_side(pact_keys), hide_index=True, width="stretch")
    st.caption("Sommes sur les campagnes signées. « non renseigné » : commune absente des listes du pacte "
               "importées, ou dont la liste ne nomme pas les mesures engagées ou leur suivi (jamais compté "
               "comme zéro).")
    signed = values[values["pact_committed"].notna()]
    if not signed.empty:
        follow_up = signed.assign(others=signed["pact_committed"] - signed["pact_done"] - signed["pact_in_progress"])
        stages = {"pact_done": "réalisées", "pact_in_progress": "en cours", "others": "non commencées ou abandonnées"}
        long = follow_up.melt(id_vars=["label"], value_vars=list(stages), var_name="stage", value_name="mesures")
        long["Suivi"] = long["stage"].map(stages)
        st.altair_chart(alt.Chart(long).mark_bar().encode(
            x=alt.X("mesures:Q", title="Mesures engagées (nombre)", stack=True,
                      axis=alt.Axis(labelExpr=FRENCH_AXIS, tickMinStep=1)),
            y=alt.Y("label:N", title=None, sort=list(values["label"])),
            color=alt.Color("Suivi:N", title="Suivi des mesures",
                            scale=alt.Scale(domain=list(stages.values()), range=["#009E73", "#E69F00", "#999999"])),
            tooltip=[alt.Tooltip("label:N", title="Commune"), "Suivi:N",
                     alt.Tooltip("mesures:Q", title="Mesures")],
        ), width="stretch")
with energy_tab:
    energy_keys = [k for k in SHOWN if k.startswith("energy_")]
    st.dataframe(side_by_side(energy_keys), hide_index=True, width="stretch")
    st.caption("« non renseigné » : indicateur non calculé ou inconnu pour la commune (jamais compté comme "
               "zéro). Distances mesurées dans le territoire de la commune (métropole, Corse, chaque "
               "territoire d'outre-mer).")

st.subheader("Graphique")
key = st.selectbox("Indicateur", options=SHOWN, key="compare-indicator", placeholder="Choisir une option",
                   format_func=lambda k: f"{INDICATORS[k].theme} · {INDICATORS[k].label}")
item = INDICATORS[key]
if values[key].notna().any():
    st.altair_chart(bar_chart(values, key,
                              f"{item.label} ({item.unit})", item.decimals), width="stretch")
else:
    st.info("Aucune des communes choisies n'a de valeur pour cet indicateur.")
