"""The app's access to the database: one read-only engine per process, and settings."""
from __future__ import annotations

import os
import urllib.request

import sqlalchemy as sa
import streamlit as st

from geodata import db
from observatory.map_indicators import MapIndicator
from observatory.overseas_insets import inset_features
from observatory.peers import SizeAndDensity, size_and_density


@st.cache_resource
def engine() -> sa.Engine:
    """Reads go through the role that can only SELECT the `observatory` views."""
    return db.make_reader_engine()


def tiles_url() -> str:
    return os.environ.get("OBSERVATORY_TILES_URL", "http://127.0.0.1:8765").rstrip("/")


def basemap_name() -> str:
    """The basemap under the maps (`OBSERVATORY_BASEMAP`, see `dashboards.maps.BASEMAPS`):
    `plan-ign` by default, which the visitor's browser fetches from IGN; `off` for none."""
    return os.environ.get("OBSERVATORY_BASEMAP", "").strip() or "plan-ign"


@st.cache_data(ttl=30, show_spinner=False)
def tiles_available(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@st.cache_data(ttl=600, show_spinner=False)
def communes_size_and_density() -> list[SizeAndDensity]:
    """Population and density of every commune, for "communes like mine" on each commune page."""
    with engine().connect() as conn:
        return size_and_density(conn)


@st.cache_data(ttl=600, show_spinner=False)
def indicator_minimum(key: str, value_sql: str) -> float | None:
    """The lowest value of a national map's indicator over the communes (where its legend
    starts); `value_sql` is the indicator's own expression, written in code, never input."""
    with engine().connect() as conn:
        value = conn.execute(sa.text(f"SELECT min(v) FROM (SELECT {value_sql} AS v FROM observatory.commune c) s")).scalar()
    return None if value is None else float(value)


@st.cache_data(ttl=600, show_spinner=False, hash_funcs={MapIndicator: lambda indicator: indicator.key})
def overseas_insets(indicator: MapIndicator) -> list[dict]:
    """The overseas communes of a national map, moved into its insets (`inset_features`)."""
    with engine().connect() as conn:
        return inset_features(conn.connection.driver_connection, indicator)
