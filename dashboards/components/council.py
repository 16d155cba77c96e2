"""The commune page's council block: the mayor, the council elected in 2026, and how to
contact the town hall."""
from __future__ import annotations

import sqlalchemy as sa
import streamlit as st

from dashboards.format import number
from observatory.councils import COUNCIL_SOURCE, commune_council


def _website(url: str) -> str:
    link = url if url.startswith(("http://", "https://")) else f"https://{url}"
    return f"[{url}]({link})"


def show_council(engine: sa.Engine, insee_code: str) -> None:
    with engine.connect() as conn:
        council = commune_council(conn, insee_code)
    with st.container(border=True, key="council-block"):
        st.subheader("Conseil municipal élu en 2026")
        if council is None:
            st.info("Conseil municipal inconnu : la commune ne figure pas dans le répertoire des élus "
                    "chargé (actif Dagster `commune_councils`).")
            return
        figures = st.columns(4)
        figures[0].metric("Maire", council["mayor_name"] or "non enregistré")
        figures[1].metric("En fonction depuis",
                          f"{council['mayor_since']:%d/%m/%Y}" if council["mayor_since"] else "—")
        figures[2].metric("Conseillers municipaux", number(council["councillors"]))
        figures[3].metric("Part des femmes", number(council["women_share_pct"], 1, "%"))
        if council["mandate_start"]:
            st.caption(f"Mandat 2026 commencé le {council['mandate_start']:%d/%m/%Y} (tour qui a élu la "
                       f"plupart du conseil).")
        st.markdown("**Contacter la mairie**")
        contact = []
        if council["mairie_address"]:
            contact.append("Adresse : " + council["mairie_address"].replace("\n", ", "))
        if council["mairie_phone"]:
            contact.append(f"Téléphone : {council['mairie_phone']}")
        if council["mairie_email"]:
            contact.append(f"Courriel : [{council['mairie_email']}](mailto:{council['mairie_email']})")
        if council["mairie_website"]:
            contact.append(f"Site internet : {_website(council['mairie_website'])}")
        st.markdown("\n".join(f"- {line}" for line in contact) if contact
                    else "Coordonnées de la mairie inconnues.")
        st.caption(f"Source : {COUNCIL_SOURCE}.")
