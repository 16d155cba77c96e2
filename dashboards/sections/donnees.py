"""Données: the sources, their licences and required attribution, the last loads and their
accounting, and the rows set aside in quarantine (downloadable)."""
import pandas as pd
import streamlit as st

from dashboards.components.export import offer_table
from dashboards.data import engine
from dashboards.format import number
from observatory import energy, sources
from observatory.labels import reason_label
from observatory.rankings import SOURCE_LABELS



def _by_count(by_reason: dict | None) -> list[tuple[str, int]]:
    """Reasons, most frequent first (jsonb keeps its keys in its own order)."""
    return sorted((by_reason or {}).items(), key=lambda item: (-item[1], item[0]))


st.title("Données")
st.caption("D'où viennent les chiffres de l'observatoire, sous quelle licence, de quand, "
           "et ce que les chargements ont écarté.")

with engine().connect() as conn:
    runs = sources.last_runs(conn)
    freshness = sources.source_freshness(conn, runs)
    fresh = sources.freshness_status(conn, runs)
    quarantine = sources.quarantine_counts(conn)

# -- sources ---------------------------------------------------------------------------------
st.subheader("Sources")
st.dataframe(pd.DataFrame([{
    "Source": s.name,
    "Producteur": s.producer,
    "Licence": s.licence,
    "Mention obligatoire": s.attribution,
    "Millésime": freshness[s.key].vintage,
    "Mise à jour": s.cadence,
    "Dernier chargement": sources.french_datetime(freshness[s.key].refreshed_at),
    "Adresse officielle": "\n".join(s.urls) or "—",
} for s in sources.CATALOGUE.values()]), hide_index=True, width="stretch", key="sources-table",
    column_config={"Adresse officielle": st.column_config.TextColumn(width="large")})
st.caption("Toute réutilisation des données doit citer la mention obligatoire de chaque source "
           "(Licence Ouverte 2.0 : « source et date de dernière mise à jour »).")

# -- freshness ---------------------------------------------------------------------------------
st.subheader("Fraîcheur des sources")
now = pd.Timestamp.now(tz=sources.PARIS).to_pydatetime()
st.dataframe(pd.DataFrame([{
    "Source": f.source.name,
    "Dernier chargement réussi": sources.french_datetime(f.loaded_at),
    "Millésime": f.vintage,
    "Âge": sources.french_age(f.age(now)),
    "État": f.status,
    "Dernier échec": f.failure_summary or "—",
} for f in fresh]), hide_index=True, width="stretch", key="freshness-table",
    column_config={"Dernier échec": st.column_config.TextColumn(width="large")})
for f in fresh:
    if f.status == sources.FAILED:
        st.warning(f"{f.source.name} : le rafraîchissement du {sources.french_datetime(f.failed_at)} a échoué "
                   f"({f.failure_summary}). Les données publiées restent celles du dernier chargement réussi "
                   f"({sources.french_datetime(f.loaded_at)}).")
        if f.failure_detail:
            with st.expander(f"Détail technique de l'échec : {f.source.name}"):
                st.text(f.failure_detail)
st.caption("« À jour » : la source a été rafraîchie (chargée, ou vérifiée inchangée) depuis moins de deux fois "
           "sa cadence ; « en retard » au-delà ; « en échec » : son dernier rafraîchissement a échoué, et les "
           "données publiées restent celles du dernier chargement réussi. L'âge compte depuis le dernier "
           "rafraîchissement réussi.")

# -- last loads --------------------------------------------------------------------------------
st.subheader("Derniers chargements")
if runs.empty:
    st.info("Aucun chargement enregistré dans cette base : lancez les pipelines (`observatory pipelines`).")
else:
    names = {key: s.name for key, s in sources.CATALOGUE.items()}
    loads = pd.DataFrame({
        "Source": [names.get(k, "hors catalogue") for k in runs["source_key"]],
        "Chargement": runs["source"],
        "Table": runs["target_table"],
        "Date": [sources.french_datetime(t) for t in runs["started_at"]],
        "Millésime": runs["vintage"].fillna("—"),
        "Lignes lues": [number(v) for v in runs["rows_read"]],
        "Chargées": [number(v) for v in runs["rows_loaded"]],
        "Réparées": [number(v) for v in runs["rows_repaired"]],
        "Doublons": [number(v) for v in runs["rows_duplicate"]],
        "En quarantaine": [number(v) for v in runs["rows_quarantined"]],
        "Rejets par motif": [", ".join(f"{reason_label(reason)} : {number(n)}" for reason, n in _by_count(by))
                             or "aucun"
                             for by in runs["quarantine_by_reason"]],
        "Comptes": [sources.accounting_label(v) for v in runs["unaccounted"]],
    })
    st.dataframe(loads, hide_index=True, width="stretch", key="runs-table")
    unbalanced = int((runs["unaccounted"].fillna(0) != 0).sum())
    st.caption("Les résultats des contrôles Dagster restent dans le journal de Dagster, pas dans la base : "
               "cette page vérifie à la place les comptes de chaque chargement, lignes lues = chargées "
               "+ en quarantaine + doublons (les lignes réparées sont comptées parmi les chargées). "
               + ("Tous les chargements sont équilibrés." if unbalanced == 0
                  else f"{unbalanced} chargement(s) présentent un écart."))
    offer_table(runs.drop(columns=["source_key"]), "derniers-chargements", key="export-runs",
                what="les derniers chargements")

# -- quarantine --------------------------------------------------------------------------------
st.subheader("Lignes en quarantaine")
if quarantine.empty:
    st.success("Aucune ligne en quarantaine : les derniers chargements n'ont rien écarté.")
else:
    st.metric("Lignes en quarantaine", number(int(quarantine["rows"].sum())))
    st.dataframe(quarantine.assign(reason=quarantine["reason"].map(reason_label)).rename(
                     columns={"source": "Chargement", "reason": "Motif", "rows": "Lignes"}),
                 hide_index=True, width="stretch", key="quarantine-table")
    choices = [None, *dict.fromkeys(quarantine["source"])]
    chosen = st.selectbox("Lignes à télécharger", choices, key="quarantine-source", placeholder="Choisir une option",
                          format_func=lambda s: "Tous les chargements" if s is None else s)
    with engine().connect() as conn:
        rows = sources.quarantined_rows(conn, chosen)
    rows.insert(rows.columns.get_loc("reason"), "reason_label", rows["reason"].map(reason_label))
    offer_table(rows.rename(columns={"source": "chargement", "row_ref": "ligne", "reason_label": "motif",
                                     "reason": "code du motif",
                                     "detail": "detail", "payload": "contenu"}),
                f"quarantaine-{chosen or 'toutes-sources'}", key="export-quarantine",
                what="les lignes en quarantaine")

# -- technical details -------------------------------------------------------------------------
# What the other pages leave out: the pipelines' own messages and where each figure is read.
st.subheader("Détails techniques")
with st.expander("Messages des pipelines et vues interrogées"):
    with engine().connect() as conn:
        heat = energy.heat_layer_status(conn)
    st.markdown("**Tracés des réseaux de chaleur (France Chaleur Urbaine)** : "
                + ("disponibles." if heat["available"] else "indisponibles."))
    if heat["reason"]:
        st.code(heat["reason"], language=None, wrap_lines=True)
    st.markdown("**Vues publiques interrogées par les pages** (schéma `observatory`, voir la documentation "
                "de l'interface SQL) :")
    st.markdown("\n".join(f"- `{view}` : {label}" for view, label in SOURCE_LABELS.items()))
