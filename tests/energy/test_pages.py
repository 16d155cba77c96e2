"""Streamlit AppTest of the Énergie page and of the commune energy panel, on the real database
(state committed by the `app_db` fixture, see conftest.py)."""
from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geodata.sources.heat import load
from observatory import energy
from observatory.energy import refresh_commune_energy

PAGE = Path(__file__).resolve().parents[2] / "dashboards" / "sections" / "energie.py"


def _deck(at: AppTest) -> dict:
    charts = at.get("deck_gl_json_chart")
    assert charts, "no pydeck chart on the page"
    return json.loads(charts[0].proto.json)


def _national_image(at: AppTest) -> str:
    """The image the national map paints first (its layers start with IGN's basemap)."""
    return next(layer["image"] for layer in _deck(at)["layers"] if layer["@@type"] == "BitmapLayer")


def test_energie_page_national_map_without_traces(app_db):
    at = AppTest.from_file(str(PAGE), default_timeout=120).run()
    assert not at.exception
    assert at.title[0].value == "Énergie"
    warning = at.warning[0].value   # the heat layer's, before the map's
    assert "Tracés des réseaux de chaleur indisponibles" in warning and "opendata-fcu.zip" in warning
    # the pipeline's own reason (a server path, in English) is for the Données page's technical
    # section and the logs, not for this page
    assert not any("missing from the mirror" in c.value for c in at.caption)
    assert any("Détails techniques" in c.value and "Données" in c.value for c in at.caption)
    # the national choropleth of the chosen indicator, from the tile server: one image of
    # France, then vector tiles (communes, their borders, their names); never 35,000 polygons
    # inlined in the page
    layers = _deck(at)["layers"]
    assert [layer["@@type"] for layer in layers] == ["_WMSLayer", "BitmapLayer", "MVTLayer", "MVTLayer", "MVTLayer",
                                                     "GeoJsonLayer", "PathLayer", "TextLayer"]
    assert _national_image(at).endswith("/national/energy_charging_points.png")
    assert "/communes/energy_charging_points/{z}/{x}/{y}.pbf" in layers[2]["data"]
    metric = next(m for m in at.metric if m.label == "Communes avec une valeur")
    assert metric.value.replace("\u202f", "").isdigit()
    # FCU's national figures, published as "6529 km" and "62,6%", in the app's French format.
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Longueur cumulée des réseaux de chaleur en France"] == "6\u202f529\u202fkm"
    assert metrics["Taux moyen d'énergies renouvelables et de récupération"] == "62,6\u202f%"
    assert metrics["Bâtiments raccordés"] == "44\u202f945"
    labels = next(df for df in at.dataframe if "Identifiant SNCU" in df.value.columns).value
    assert len(labels) == 137
    assert "légende" not in at.markdown[0].value.lower()
    assert any("Points de recharge (points)" in md.value for md in at.markdown)   # legend with its unit


def test_energie_page_potential_shows_its_components(app_db):
    at = AppTest.from_file(str(PAGE), default_timeout=120).run()
    at.selectbox(key="energy-indicator").select("energy_commons_potential").run()
    assert not at.exception
    assert _national_image(at).endswith("/national/energy_energy_commons_potential.png")
    assert any(h.value == "Méthode du potentiel de communs énergétiques" for h in at.subheader)
    methods = next(df for df in at.dataframe if "Méthode" in df.value.columns and "Composante" in df.value.columns)
    assert len(methods.value) == 5
    # Lille's example: the heat-network component is unknown, so it is left out, not counted as 0
    with psycopg.connect(app_db) as conn:
        used = conn.execute("SELECT components_used FROM core.commune_energy "
                            "WHERE insee_code = '59350'").fetchone()[0]
    assert used < 4
    assert any(f"({used} composantes sur 4" in md.value for md in at.markdown)
    components = next(df for df in at.dataframe if "Score (0-100)" in df.value.columns).value
    heat = components[components["Composante"] == "réseau de chaleur"]["Score (0-100)"]
    assert list(heat) == ["non renseigné"]


@pytest.fixture
def bourg_with_synthetic_heat(app_db, fcu_mirror):
    """SYNTHETIC traces (tests/fixtures/fcu) and three charging points, removed afterwards."""
    with psycopg.connect(app_db) as conn:
        load.load_archive(conn, load.obtain_archive(fcu_mirror))
        conn.execute("""INSERT INTO core.charging_point (station_name, insee_code, power_kw, is_fast_dc,
                                                         commissioned_on, geom)
                        VALUES ('TEST énergie', '01053', 22, false, '2020-01-01', ST_SetSRID(ST_MakePoint(873000, 6569600), 2154)),
                               ('TEST énergie', '01053', 22, false, '2024-01-01', ST_SetSRID(ST_MakePoint(873000, 6569600), 2154)),
                               ('TEST énergie', '01053', 150, true, NULL, ST_SetSRID(ST_MakePoint(873400, 6569900), 2154))""")
        # the file those points would come from: the mirror's extract of 25 October 2025
        load_run_id = conn.execute("""INSERT INTO core.load_run (source, target_table, duration_s, rows_read,
                                          rows_loaded, rows_repaired, rows_duplicate, rows_quarantined,
                                          quarantine_by_reason, vintage)
                                      VALUES ('irve-statique', 'charging_point', 0, 3, 3, 0, 0, 0, '{}', '2025-10-25')
                                      RETURNING id""").fetchone()[0]
        refresh_commune_energy(conn)
    st.cache_data.clear()
    yield
    with psycopg.connect(app_db) as conn:
        conn.execute("DELETE FROM core.load_run WHERE id = %s", (load_run_id,))
        conn.execute("DELETE FROM core.charging_point WHERE station_name = 'TEST énergie'")
        conn.execute("TRUNCATE core.heat_network, core.heat_area")
        load.mark_archive_unavailable(conn, "heat/opendata-fcu.zip is missing from the mirror")
        refresh_commune_energy(conn)
    st.cache_data.clear()


def _panel_script():
    from datetime import date

    from dashboards.components.energy_panel import show_energy_panel
    from dashboards.data import engine
    show_energy_panel(engine(), "01053", today=date(2026, 11, 30))


def test_commune_panel_with_points_and_networks(bourg_with_synthetic_heat):
    at = AppTest.from_function(_panel_script, default_timeout=120).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Points de recharge"] == "3\u202fpoints"
    assert metrics["Puissance de recharge installée"] == "194\u202fkW"
    assert metrics["Réseau de chaleur"] == "oui, 2 réseaux"
    assert metrics["Label Écoréseau 2025"] == "Écoréseau"
    rank_help = next(m for m in at.metric if m.label == "Points de recharge").proto.help
    assert rank_help.startswith("Rang dans le département : 1ʳᵉ sur ")
    ranks = next(c.value for c in at.caption if c.value.startswith("Rang dans le département"))
    assert "points de recharge 1ʳᵉ sur " in ranks
    # 2020, 2024 and one undated point; Bourg-en-Bresse signed no imported pact: split at the
    # start of the mandate running on the IRVE file's date (2020-2026), not on today's (2026-)
    assert any(c.value == ("Points mis en service depuis le 18/05/2020 (début du mandat en cours au 25/10/2025, "
                           "Municipales 2020 ; pas de pacte signé connu) : 1 ; avant : 1 ; sans date de mise en "
                           "service (non comptés) : 1. Fichier IRVE du 25/10/2025.") for c in at.caption), \
        [c.value for c in at.caption]
    deck = _deck(at)
    ids = {layer["id"] for layer in deck["layers"]}
    assert {"heat-networks", "heat-network-points", "charging-points", "energy-contour"} <= ids
    networks = next(df for df in at.dataframe if "Identifiant SNCU" in df.value.columns).value
    assert sorted(networks["Identifiant SNCU"]) == ["0108C", "0199C"]
    # no median of the arrêté's networks beside them: the arrêté is not loaded here
    assert "repère" not in set(networks["Type"])
    assert not at.warning


def test_commune_panel_says_when_heat_layer_is_missing(app_db):
    at = AppTest.from_function(_panel_script, default_timeout=120).run()
    assert not at.exception
    assert "Tracés des réseaux de chaleur indisponibles" in at.warning[0].value
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Réseau de chaleur"] == "inconnu"   # neither the arrêté nor the traces are loaded here
    assert metrics["Longueur dans la commune"] == "inconnue"
    assert metrics["Points de recharge"] == "0\u202fpoints"


def test_energie_page_shows_every_indicator(app_db):
    at = AppTest.from_file(str(PAGE), default_timeout=120).run()
    for key in [key for key, indicator in energy.INDICATORS.items() if indicator.breaks]:
        at.selectbox(key="energy-indicator").set_value(key).run()
        assert not at.exception, key
        assert _national_image(at).endswith(f"/national/energy_{key}.png")
