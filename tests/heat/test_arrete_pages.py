"""The arrêté's networks on the pages (Streamlit AppTest, real database): the Énergie page's
layer, filters, table and unattached networks; the commune page's networks beside the medians."""
from __future__ import annotations

import json

import psycopg
import pytest

from tests.dashboards.conftest import open_page
from tests.heat.test_arrete_pipeline import load_arrete, unload_arrete


@pytest.fixture(scope="module")
def arrete_db(reference_db, mirror):
    _result, runs_before = load_arrete(reference_db, mirror)
    yield reference_db
    unload_arrete(reference_db, runs_before)


@pytest.fixture
def pages(arrete_db, app_env):
    """The pages read the reference database, where the arrêté was loaded (`app_env`)."""
    return arrete_db


def _table(at, column: str):
    return next(df.value for df in at.dataframe if column in df.value.columns)


def test_energie_page_heat_layer_filters_and_table(pages):
    at = open_page("energie")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Réseaux dans l'arrêté"] == "1\u202f086"
    assert metrics["Rattachés à leur commune"] == "1\u202f084"
    assert metrics["Communes desservies"] == "861"
    assert metrics["Non rattachés (jamais devinés)"] == "2"
    deck = next(json.loads(c.proto.json) for c in at.get("deck_gl_json_chart")
                if "heat-networks-arrete" in c.proto.json)
    layer = next(layer for layer in deck["layers"] if layer["id"] == "heat-networks-arrete")
    assert len(layer["data"]) == 1084      # one mark per attached network, at its commune
    lille = next(mark for mark in layer["data"] if mark["sncu_id"] == "5910C")
    assert lille["colour"] == [145, 207, 96] and lille["rate_text"] == "65,8\u202f%"   # 50-75 %
    table = _table(at, "EnR&R (%)")
    assert len(table) == 1086 and table["EnR&R (%)"].dtype.kind == "f"   # numbers: sortable

    at.selectbox(key="heat-departement").select("74").run()
    table = _table(at, "EnR&R (%)")
    assert len(table) > 10 and set(table["Dép."]) == {"74"}
    at.selectbox(key="heat-departement").select("Tous").run()
    at.slider(key="heat-rate").set_value((90, 100)).run()
    at.multiselect(key="heat-kind").set_value(["heat"]).run()
    table = _table(at, "EnR&R (%)")
    assert len(table) > 100 and table["EnR&R (%)"].between(90, 100).all() and set(table["Type"]) == {"chaleur"}
    at.multiselect(key="heat-kind").set_value(["cold"]).run()
    assert len(_table(at, "EnR&R (%)")) == 47

    unattached = _table(at, "Localisation publiée")
    assert list(unattached["Identifiant SNCU"]) == ["3328C", "6930C"]
    assert list(unattached["Motif"]) == ["localité ambiguë", "intercommunalité, pas une commune"]
    assert "Saint-Médard-en-Jalles (33449)" in unattached["Détail"][0]


def test_commune_page_lists_networks_beside_the_medians(pages):
    at = open_page("commune", code="59350")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Réseau de chaleur"] == "oui, 3 réseaux"
    assert metrics["Meilleur taux EnR&R"] == "65,8\u202f%"
    assert metrics["Longueur dans la commune"] == "inconnue"
    networks = _table(at, "Contenu CO2")
    assert list(networks["Identifiant SNCU"][:3]) == ["5910C", "5917C", "5919C"]
    assert networks["Réseau"][3].startswith("Médiane des réseaux de chaleur du département")
    assert networks["Réseau"][4] == "Médiane nationale des réseaux de chaleur (1\u202f039 réseaux)"
    assert any("la longueur dans la commune n'est connue qu'avec les tracés" in c.value for c in at.caption)
    assert any(i.value.startswith("Pacte pour la Transition, mesure 3") for i in at.info)

    at = open_page("commune", code="01001")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Réseau de chaleur"] == "aucun réseau recensé dans l'arrêté DPE 2026"


def test_a_cold_network_is_listed_but_not_counted(pages):
    with psycopg.connect(pages) as conn:
        code = conn.execute("SELECT insee_code FROM core.heat_network_commune WHERE sncu_id = '0608F'").fetchone()[0]
    at = open_page("commune", code=code)
    networks = _table(at, "Contenu CO2")
    kinds = dict(zip(networks["Identifiant SNCU"], networks["Type"]))
    assert kinds["0608F"] == "froid" and kinds["0608C"] == "chaleur"
    assert {m.label: m.value for m in at.metric}["Réseau de chaleur"] == "oui, 1 réseau"
