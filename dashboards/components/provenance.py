"""Where a figure comes from, in one line under it: source, licence, vintage, last refresh."""
from __future__ import annotations

import streamlit as st

from dashboards.data import engine
from observatory.sources import FIGURES, Provenance, source_freshness


@st.cache_data(ttl=60, show_spinner=False)
def freshness() -> dict[str, Provenance]:
    """The sources' latest loads, read once a minute at most (they change a few times a day)."""
    with engine().connect() as conn:
        return source_freshness(conn)


def provenance_lines(*figures: str) -> list[str]:
    """One `Source : …` line per source the figures are made of, each source once."""
    known = freshness()
    keys = dict.fromkeys(key for figure in figures for key in FIGURES[figure])
    return [known[key].text() for key in keys]


def show_provenance(*figures: str) -> None:
    st.caption("  \n".join(provenance_lines(*figures)))
