"""What the pages say of a code that names no current commune: the current commune a former
code leads to (with a link), and the commune search, so that no page is a dead end."""
from __future__ import annotations

import streamlit as st

from dashboards.components.compare import commune_label, commune_search
from dashboards.data import engine
from observatory.communes import successor

FORMER_KINDS = {"deleguee": "commune déléguée", "associee": "commune associée",
                "ancienne": "ancienne commune fusionnée", "arrondissement": "arrondissement municipal"}


def former_label(code: str, name: str | None, kind: str) -> str:
    """"Hellemmes-Lille (59298), commune associée"; the references loaded (COG 2026, and the
    2024 one for the names) name none of the communes merged before 2018: the code stands alone
    then."""
    what = FORMER_KINDS.get(kind, "ancienne commune")
    if name:
        return f"{name} ({code}), {what}"
    return f"{what[0].upper()}{what[1:]} de code {code} (nom absent des codes officiels géographiques 2024 et 2026)"


def successor_of(code: str) -> dict | None:
    with engine().connect() as conn:
        return successor(conn, code)


def former_notice(found: dict) -> None:
    st.info(f"Le code {found['code']} n'est plus celui d'une commune actuelle : "
            f"{former_label(found['code'], found['former_name'], found['kind'])}, aujourd'hui dans "
            f"{found['name']} ({found['insee_code']}).")


def commune_not_found(code: str, page: str, key: str) -> None:
    """For `?code=` naming no current commune: where a former code leads (a link to `page` for
    its current commune), else that no commune has it; then a search that opens `page`."""
    found = successor_of(code)
    if found:
        former_notice(found)
        st.page_link(page, query_params={"code": found["insee_code"]}, label=f"Ouvrir {found['name']}",
                     icon=":material/arrow_forward:")
    else:
        st.error(f"Aucune commune actuelle n'a le code {code}, ni aucune ancienne commune.")
    for commune in commune_search("Chercher une commune (nom ou code postal)", key=f"{key}-search",
                                  placeholder="ex. Lille, 59100"):
        st.page_link(page, query_params={"code": commune["insee_code"]}, label=commune_label(commune))
