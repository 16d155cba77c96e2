"""Streamlit AppTest runs the pages in this process, against the test database."""
import pytest
import streamlit as st

from pathlib import Path

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")


@pytest.fixture
def app_env(reference_db, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", reference_db)
    # A port where nothing listens: pages must say the tile endpoint is unavailable.
    monkeypatch.setenv("OBSERVATORY_TILES_URL", "http://127.0.0.1:9")
    st.cache_resource.clear()
    st.cache_data.clear()
    yield reference_db
    st.cache_resource.clear()
