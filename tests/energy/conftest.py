"""The committed state the energy pages read: they use their own read-only connection."""
from __future__ import annotations

import os

import psycopg
import pytest
import streamlit as st

from geodata.sources.fetch import fetch
from geodata.sources.heat import load, sources
from observatory.energy import refresh_commune_energy


@pytest.fixture(scope="module")
def app_db(reference_db, mirror):
    """Real labels and potentials, FCU traces unavailable as in the mirror, indicators computed."""
    with psycopg.connect(reference_db) as conn:
        load.load_labels(conn, [fetch(sources.ECORESEAU_2025, mirror=mirror),
                                fetch(sources.ECORESEAU_PLUS_2025, mirror=mirror)])
        load.load_potential(conn, fetch(sources.POTENTIAL, mirror=mirror),
                            fetch(sources.STATS_DEPARTEMENTS, mirror=mirror))
        load.load_national_figures(conn, fetch(sources.KEY_FIGURES, mirror=mirror),
                                   fetch(sources.STATS_NATIONAL, mirror=mirror))
        conn.execute("TRUNCATE core.heat_network, core.heat_area")
        load.mark_archive_unavailable(conn, "heat/opendata-fcu.zip is missing from the mirror")
        refresh_commune_energy(conn)
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = reference_db
    st.cache_data.clear()
    st.cache_resource.clear()
    yield reference_db
    st.cache_data.clear()
    st.cache_resource.clear()
    if previous is None:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = previous
