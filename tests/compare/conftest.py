"""The pages read through their own read-only engine: point it at the test reference."""
import pytest
import streamlit as st


@pytest.fixture
def app_env(reference_db, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", reference_db)
    monkeypatch.setenv("OBSERVATORY_TILES_URL", "http://127.0.0.1:9")
    st.cache_resource.clear()
    st.cache_data.clear()
    yield reference_db
    st.cache_resource.clear()
