"""AppTest of the Données page, the commune page's downloads and the printable sheet page."""
import psycopg
import pytest
from streamlit.testing.v1 import AppTest

from geodata.load import LoadReport, Rejected, record
from tests.dashboards.conftest import open_page


@pytest.fixture
def quarantined(app_env):
    """One committed load with rejects (the pages read through their own connection)."""
    with psycopg.connect(app_env) as conn:
        record(conn, LoadReport(source="irve-statique", target_table="charging_point", rows_read=4,
                                rows_loaded=2, vintage="2025-10-25",
                                rejected=[Rejected("ligne 2", "outside_france", "hors de France"),
                                          Rejected("ligne 3", "missing_coordinates")]))
    yield app_env
    with psycopg.connect(app_env) as conn:
        conn.execute("DELETE FROM core.quarantined_row WHERE source = 'irve-statique'")
        conn.execute("DELETE FROM core.load_run WHERE source = 'irve-statique'")


@pytest.fixture
def without_quarantine(app_env):
    """The session's database without quarantined rows: tests of other sources (heat, energy,
    IRVE...) may have published loads with rejects there before this one. Their rows are set
    aside (committed: the page reads through its own connection) and put back afterwards."""
    with psycopg.connect(app_env) as conn:
        conn.execute("DROP TABLE IF EXISTS public.quarantine_set_aside")
        conn.execute("CREATE TABLE public.quarantine_set_aside AS SELECT * FROM core.quarantined_row")
        conn.execute("DELETE FROM core.quarantined_row")
    yield app_env
    with psycopg.connect(app_env) as conn:
        conn.execute("INSERT INTO core.quarantined_row SELECT * FROM public.quarantine_set_aside")
        conn.execute("DROP TABLE public.quarantine_set_aside")


def labels(at: AppTest, kind: str) -> list[str]:
    return [element.proto.label for element in at.get(kind)]


def test_donnees_lists_sources_runs_and_quarantine(quarantined):
    at = open_page("donnees")
    assert not at.exception
    assert at.title[0].value == "Données"
    catalogue, runs, quarantine = at.dataframe[0].value, at.dataframe[2].value, at.dataframe[3].value
    assert "Code officiel géographique (communes, EPCI, départements, régions)" in list(catalogue["Source"])
    irve_source = catalogue.set_index("Source").loc["Bornes de recharge pour véhicules électriques (IRVE)"]
    assert irve_source["Licence"] == "Licence Ouverte 2.0" and irve_source["Millésime"] == "2025-10-25"
    runs = runs.set_index("Chargement")
    assert runs.loc["cog-commune", "Lignes lues"] == "34\u202f969"
    assert runs.loc["cog-commune", "Comptes"] == "équilibré"
    # Reasons in French on the page (the views keep the codes).
    assert (runs.loc["irve-statique", "Rejets par motif"]
            == "coordonnées manquantes ou illisibles : 1, position hors de France : 1")
    assert runs.loc["irve-statique", "Date"][2] == "/"
    # Tests of other sources may have left their own quarantined rows in the session's database.
    assert quarantine[quarantine["Chargement"] == "irve-statique"].to_dict("records") == [
        {"Chargement": "irve-statique", "Motif": "coordonnées manquantes ou illisibles", "Lignes": 1},
        {"Chargement": "irve-statique", "Motif": "position hors de France", "Lignes": 1}]
    assert "Télécharger les lignes en quarantaine (CSV)" in labels(at, "download_button")
    assert any("journal de Dagster" in c.value for c in at.caption)


def test_donnees_without_quarantine_says_so(without_quarantine):
    at = open_page("donnees")
    assert not at.exception
    assert any("Aucune ligne en quarantaine" in s.value for s in at.success)


def test_commune_page_offers_exports_and_shows_provenance(app_env):
    at = open_page("commune", code="59350")
    assert not at.exception
    buttons = labels(at, "download_button")
    for label in ("Télécharger la fiche (CSV)", "Télécharger le contour (GeoJSON)",
                  "Télécharger les points de recharge (GeoJSON)", "Fiche imprimable (HTML)"):
        assert label in buttons
    provenance = " ".join(c.value for c in at.caption)
    assert "Source : Insee, Code officiel géographique" in provenance and "millésime 2026" in provenance
    assert "Source : IGN, ADMIN EXPRESS COG" in provenance


def test_sheet_page_shows_the_sheet(app_env):
    at = open_page("fiche", code="59350")
    assert not at.exception
    frame = at.get("iframe")[0].proto
    assert "<h1>Lille</h1>" in frame.srcdoc
    assert "Fiche imprimable (HTML)" in labels(at, "download_button")


def test_sheet_page_of_an_unknown_code(app_env):
    at = open_page("fiche", code="99999")
    assert any("Aucune commune actuelle" in e.value for e in at.error)
