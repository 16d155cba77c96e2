"""The Pacte page and the commune panel, with Streamlit's AppTest, on the real database."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import psycopg
import pytest
from streamlit.testing.v1 import AppTest

from geodata.sources.pacte.reader import CATALOGUE_2020, HDF_2020
from observatory import pact
from tests.pacte.conftest import remove_committed_pact

PAGE = Path(__file__).resolve().parents[2] / "dashboards" / "sections" / "pacte.py"


@pytest.fixture(scope="module")
def published_pact(reference_db: str, mirror: Path, monkeypatch_module):
    """The catalogue and the HDF list committed, read by the app through the reader role."""
    with psycopg.connect(reference_db) as conn:
        pact.import_catalogue(conn, mirror / CATALOGUE_2020.mirror_path, "municipales-2020")
        pact.import_list(conn, mirror / HDF_2020.mirror_path, dataset="pacte-hdf-2020",
                         today=date(2026, 11, 23))
        conn.execute("""INSERT INTO core.pact_commitment (signature_id, measure_number)
                        SELECT id, m FROM core.pact_signature, unnest(ARRAY['3', '12', '14']) m
                        WHERE insee_code = '59350'""")
        conn.commit()
    monkeypatch_module.setenv("DATABASE_URL", reference_db)
    yield reference_db
    remove_committed_pact(reference_db)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_pacte_page_shows_totals_map_review_and_mandates(published_pact):
    app = AppTest.from_file(str(PAGE), default_timeout=60).run()
    assert not app.exception, app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Conseil unanime"] == "6" and metrics["Conseil majoritaire"] == "35"
    assert metrics["Conseil minoritaire"] == "27" and metrics["Communes engagées"] == "68"
    # One map, drawn for each layout (wide, then phone: CSS shows one), the phone's framed wider.
    wide, phone = (json.loads(chart.proto.json)["initialViewState"] for chart in app.get("deck_gl_json_chart"))
    assert phone["zoom"] < wide["zoom"] and phone["longitude"] == wide["longitude"]
    mandates = [p.proto.text for p in app.get("progress")]
    assert any("Municipales 2026" in t and "il reste" in t for t in mandates)
    assert any("Municipales 2020" in t and "terminé" in t for t in mandates)
    assert [b.key for b in app.get("download_button")] == ["export-engaged-csv", "export-engaged-geojson",
                                                         "download-review"]
    assert "Mesure 12 : titre non vérifié (rénovation des bâtiments)" in app.selectbox(key="measure").options
    # Filtering by a measure: only Lille committed to measure 12 here.
    app.selectbox(key="measure").set_value("12").run()
    assert {m.label: m.value for m in app.metric}["Communes engagées"] == "1"


def _panel(insee_code: str) -> None:
    from dashboards.components.pact_panel import show_pact_panel
    from geodata import db as database

    show_pact_panel(database.make_reader_engine(), insee_code)


def test_commune_panel_lists_commitments_and_evidence(published_pact):
    app = AppTest.from_function(_panel, args=("59350",), default_timeout=60).run()
    assert not app.exception, app.exception
    text = " ".join(m.value for m in app.markdown)
    assert "Hellemmes" in text and "Lomme" in text and "Unanime" in text
    assert "Mesure 3 (énergie" in text and "Mesure 12 (rénovation" in text
    table = app.dataframe[0].value
    assert "Mesure 12 : titre non vérifié (rénovation des bâtiments)" in table["Mesure"].tolist()
    empty = AppTest.from_function(_panel, args=("01001",), default_timeout=60).run()
    assert "Aucune signature" in empty.info[0].value
