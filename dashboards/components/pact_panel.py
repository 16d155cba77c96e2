"""The pact panel of the commune page: signatures, measures committed with their follow-up,
and, beside measures 3, 12, 14 and 15, what the observatory measures."""
from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from dashboards.components.export import offer_table
from dashboards.format import number
from geodata.sources.pacte.campaigns import CAMPAIGN_BY_CODE
from geodata.sources.pacte.reader import COMMITMENT_LABELS
from observatory import pact
from observatory.councils import mandate_start
from observatory.formatting import NOT_RECORDED, french_date

MISSING_TITLE = "titre non vérifié"
# The timeline's columns a CSV export keeps (`observatory.exports.csv_bytes` neutralises any
# cell a spreadsheet would run as a formula).
TIMELINE_EXPORT = ["campaign_code", "insee_code", "commune_name", "measure_number", "status",
                   "status_date", "evidence_url", "comment", "collectif_name", "origin", "record_id",
                   "retracted", "retracts_record_id", "retraction_reason"]


def measure_label(number_: str, title: object, topic: object = None) -> str:
    """"Mesure 12 : titre non vérifié (rénovation des bâtiments)": never an invented title."""
    prefix = f"Principe {number_}" if str(number_).isalpha() else f"Mesure {number_}"
    if isinstance(title, str) and title:
        return f"{prefix} : {title}"
    return f"{prefix} : {MISSING_TITLE}" + (f" ({topic})" if isinstance(topic, str) and topic else "")


def show_pact_panel(engine: sa.Engine, insee_code: str, today: date | None = None) -> None:
    today = today or date.today()
    with engine.connect() as conn:
        signatures = pact.commune_signatures(conn, insee_code)
        commitments = pact.commune_commitments(conn, insee_code)
        timeline = pact.follow_up_timeline(conn, insee_code=insee_code)
        evidence = {}
        for campaign in commitments["campaign_code"].unique():
            start = mandate_start(conn, insee_code, CAMPAIGN_BY_CODE[campaign]) if campaign in CAMPAIGN_BY_CODE else today
            evidence[campaign] = pact.measured_evidence(conn, insee_code, start)
    st.subheader("Pacte pour la Transition")
    if signatures.empty:
        st.info("Aucune signature du pacte connue pour cette commune dans les listes importées.")
        _follow_up_section(timeline)
        return
    for campaign, rows in signatures.groupby("campaign_code", sort=True):
        label = CAMPAIGN_BY_CODE[campaign].label if campaign in CAMPAIGN_BY_CODE else campaign
        levels = [COMMITMENT_LABELS.get(level, NOT_RECORDED) for level in rows["council_commitment"].dropna()]
        names = sorted({n for names in rows["published_names"] for n in names})
        st.markdown(f"**{label}** · engagement du conseil : {', '.join(sorted(set(levels))) or NOT_RECORDED}"
                    f" · {len(rows)} signature(s) · noms publiés : {', '.join(names)}")
        committed = commitments[commitments["campaign_code"] == campaign]
        if committed.empty:
            st.caption("Mesures engagées non renseignées dans la liste importée.")
            continue
        table = pd.DataFrame({
            "Mesure": [measure_label(n, t, topic) for n, t, topic in
                       zip(committed["measure_number"], committed["title"], committed["topic"])],
            "Statut": [pact.status_label(s) for s in committed["status"]],
            "Date du statut": [d.strftime("%d/%m/%Y") if pd.notna(d) else "—" for d in committed["status_date"]],
        })
        st.dataframe(table, hide_index=True, use_container_width=True)
        done = int((committed["status"] == "done").sum())
        st.caption(f"{number(done)} mesure(s) réalisée(s) sur {number(len(committed))} engagée(s).")
        _evidence(committed, evidence.get(campaign, []))
    _follow_up_section(timeline)


def _follow_up_section(timeline: pd.DataFrame) -> None:
    if not timeline.empty:
        st.markdown("**Suivi dans le temps**")
        show_timeline(timeline, key="commune-timeline")
        offer_table(timeline[TIMELINE_EXPORT], f"suivi-pacte-{timeline['insee_code'].iloc[0]}",
                    key="export-commune-timeline", what="la chronologie")


def show_timeline(timeline: pd.DataFrame, *, key: str, with_commune: bool = False) -> None:
    """Each assessment (`observatory.pact_follow_up_timeline`): date, measure, status, evidence,
    comment and group, never a member's address; a retraction is its own row. Texts typed by
    members are table cells: shown as text, never as Markdown or HTML."""
    if timeline.empty:
        st.caption(f"{pact.PENDING_ASSESSMENT} : aucun constat pour l'instant.")
        return

    def status(row) -> str:
        if pd.notna(row.retracts_record_id):
            return f"Retrait de la saisie n° {int(row.retracts_record_id)} : {row.retraction_reason}"
        return pact.status_label(row.status) + (" (saisie retirée)" if row.retracted else "")

    rows = list(timeline.itertuples())
    table = pd.DataFrame({
        "Date": [french_date(r.status_date if pd.notna(r.status_date) else r.entered_at) for r in rows],
        **({"Commune": [f"{r.commune_name} ({r.insee_code})" for r in rows]} if with_commune else {}),
        "Statut": [status(r) for r in rows],
        "Par": [r.collectif_name if isinstance(r.collectif_name, str) else "liste importée" for r in rows],
        "Preuve": [r.evidence_url if isinstance(r.evidence_url, str) else None for r in rows],
        "Mesure": [measure_label(r.measure_number, r.title, r.topic) for r in rows],
        "Commentaire": [r.comment if isinstance(r.comment, str) else "" for r in rows],
        "Saisie": [f"n° {r.record_id}" if r.origin == "saisie" else "liste" for r in rows],
    })
    st.dataframe(table, hide_index=True, use_container_width=True, key=key, column_config={
        "Preuve": st.column_config.LinkColumn("Preuve", display_text="voir la preuve")})


def _evidence(committed: pd.DataFrame, evidence: list[dict]) -> None:
    tied = [m for m in pact.EVIDENCE_MEASURES if m in set(committed["measure_number"])]
    if not tied:
        return
    st.markdown("**Engagements et mesures observées**")
    for measure in tied:
        found = [e for e in evidence if e["measure"] == measure]
        st.markdown(f"*Mesure {measure} ({pact.EVIDENCE_MEASURES[measure]})*")
        if not found:
            st.caption("L'observatoire n'a pas encore d'indicateur mesuré pour cette mesure.")
        for e in found:
            value = number(e["value"]) if pd.notna(e["value"]) else "—"
            dated = " · ".join(filter(None, [e["date"], f"dernière mise en service {e['latest']:%d/%m/%Y}"
                                             if e.get("latest") is not None and pd.notna(e["latest"]) else None]))
            st.markdown(f"- {e['indicator']} : **{value} {e['unit']}** ({e['detail']}) — "
                        f"{e['source']}{', ' + dated if dated else ''}")
