"""The pact panel of the commune page: signatures, measures committed with their follow-up,
and, beside measures 3, 12, 14 and 15, what the observatory measures."""
from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from dashboards.format import number
from geodata.sources.pacte.campaigns import CAMPAIGN_BY_CODE
from geodata.sources.pacte.reader import COMMITMENT_LABELS, FOLLOW_UP_LABELS
from observatory import pact

MISSING_TITLE = "titre non vérifié"


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
        follow_up = pact.commune_follow_up(conn, insee_code)
        evidence = {}
        for campaign in commitments["campaign_code"].unique():
            start = CAMPAIGN_BY_CODE[campaign].mandate_start if campaign in CAMPAIGN_BY_CODE else today
            evidence[campaign] = pact.measured_evidence(conn, insee_code, start)
    st.subheader("Pacte pour la Transition")
    if signatures.empty:
        st.info("Aucune signature du pacte connue pour cette commune dans les listes importées.")
        return
    for campaign, rows in signatures.groupby("campaign_code", sort=True):
        label = CAMPAIGN_BY_CODE[campaign].label if campaign in CAMPAIGN_BY_CODE else campaign
        levels = [COMMITMENT_LABELS.get(level, "inconnu") for level in rows["council_commitment"].dropna()]
        names = sorted({n for names in rows["published_names"] for n in names})
        st.markdown(f"**{label}** · engagement du conseil : {', '.join(sorted(set(levels))) or 'inconnu'}"
                    f" · {len(rows)} signature(s) · noms publiés : {', '.join(names)}")
        committed = commitments[commitments["campaign_code"] == campaign]
        if committed.empty:
            st.caption("Mesures engagées non renseignées dans la liste importée.")
            continue
        table = pd.DataFrame({
            "Mesure": [measure_label(n, t, topic) for n, t, topic in
                       zip(committed["measure_number"], committed["title"], committed["topic"])],
            "Statut": [FOLLOW_UP_LABELS.get(s, s) for s in committed["status"]],
            "Date du statut": [d.strftime("%d/%m/%Y") if pd.notna(d) else "—" for d in committed["status_date"]],
        })
        st.dataframe(table, hide_index=True, use_container_width=True)
        done = int((committed["status"] == "done").sum())
        st.caption(f"{number(done)} mesure(s) réalisée(s) sur {number(len(committed))} engagée(s).")
        _evidence(committed, evidence.get(campaign, []))
    if not follow_up.empty:
        st.markdown("**Suivi dans le temps**")
        timeline = follow_up.sort_values(["status_date", "measure_number"], na_position="first")
        for row in timeline.itertuples():
            when = row.status_date.strftime("%d/%m/%Y") if pd.notna(row.status_date) else "date inconnue"
            proof = f" · [preuve]({row.evidence_url})" if isinstance(row.evidence_url, str) else ""
            st.markdown(f"- {when} · {measure_label(row.measure_number, row.title)} → "
                        f"**{FOLLOW_UP_LABELS.get(row.status, row.status)}**{proof}")


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
