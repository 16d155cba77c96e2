"""The sources catalogue, against the pipeline's own records in a real database."""
import pandas as pd
import pytest

from geodata.load import LoadReport, Rejected, record
from geodata.sources.cog import reader as cog
from observatory import energy, sources


def test_catalogue_derives_licence_url_and_vintage_from_the_declared_files():
    irve = sources.CATALOGUE["irve"]
    assert irve.licence == "Licence Ouverte 2.0"
    assert irve.urls == ["https://www.data.gouv.fr/fr/datasets/r/eb76d20a-8501-400e-b336-d85724de5435"]
    assert irve.declared_vintage == "quotidien"
    assert sources.CATALOGUE["cog"].urls == [f.url for f in (cog.COMMUNES, cog.EPCI, cog.DEPARTEMENTS, cog.REGIONS)]
    assert sources.CATALOGUE["cog"].declared_vintage == cog.VINTAGE


@pytest.mark.parametrize("load_source, key", [
    ("cog-commune", "cog"), ("commune-boundaries", "contours"), ("irve-statique", "irve"),
    ("fcu-heat-network", "fcu-reseaux"), ("fcu-potential", "fcu-potentiel"), ("pacte:hdf-2020", "pacte"),
    ("pacte-catalogue:municipales-2020", "pacte"), ("energy-commune-indicators", "indicateurs-energie")])
def test_every_load_source_of_the_pipelines_belongs_to_one_catalogue_entry(load_source, key):
    assert sources.source_of_load(load_source).key == key
    assert sum(s.feeds_load(load_source) for s in sources.CATALOGUE.values()) == 1


def test_every_energy_indicator_has_a_source():
    assert set(energy.INDICATORS) <= set(sources.FIGURES)
    assert sources.FIGURES["charging_points"] == ("irve",)
    assert sources.FIGURES["energy_commons_potential"] == ("indicateurs-energie",)


def test_last_runs_of_the_reference_balance(reference_db, conn):
    runs = sources.last_runs(conn).set_index("source")
    assert {"cog-commune", "cog-region", "contours", "commune-boundaries"} <= set(runs.index)
    communes = runs.loc["cog-commune"]
    assert (communes["source_key"], communes["rows_read"], communes["vintage"]) == ("cog", 34969, "2026")
    boundaries = runs.loc["commune-boundaries"]
    assert boundaries["rows_read"] == boundaries["rows_loaded"] + boundaries["rows_duplicate"] > 0
    assert (runs["unaccounted"] == 0).all()
    assert sources.accounting_label(0) == "équilibré"


def test_provenance_of_population_says_source_licence_vintage_and_date(reference_db, conn):
    (population,) = sources.provenance(conn, "population")
    assert population.source.key == "cog" and population.vintage == "2026"
    assert population.refreshed_at is not None
    text = population.text()
    assert text.startswith("Source : Insee, Code officiel géographique")
    assert "Licence Ouverte 2.0" in text and "millésime 2026" in text and "mis à jour le " in text
    assert [p.source.key for p in sources.provenance(conn, "density_per_km2")] == ["cog", "contours"]
    never = sources.provenance(conn, "charging_points")[0]
    assert never.refreshed_at is None and never.text().endswith("jamais chargée dans cette base")
    with pytest.raises(KeyError):
        sources.provenance(conn, "not_a_figure")


def test_quarantine_counts_and_unbalanced_load(reference_db, conn):
    report = LoadReport(source="irve-statique", target_table="charging_point", rows_read=6, rows_loaded=2,
                        rows_duplicate=1, vintage="2025-10-25",
                        rejected=[Rejected("ligne 3", "outside_france", "hors de France", {"x": 1}),
                                  Rejected("ligne 4", "outside_france"), Rejected("ligne 5", "missing_coordinates")])
    record(conn.connection.driver_connection, report)
    counts = sources.quarantine_counts(conn)
    # Other tests of the session may have published quarantined rows of other sources.
    counts = counts[counts["source"] == "irve-statique"]
    assert counts.to_dict("records") == [
        {"source": "irve-statique", "reason": "outside_france", "rows": 2},
        {"source": "irve-statique", "reason": "missing_coordinates", "rows": 1}]
    rows = sources.quarantined_rows(conn, "irve-statique")
    assert list(rows["row_ref"]) == ["ligne 5", "ligne 3", "ligne 4"]
    assert rows.loc[rows["row_ref"] == "ligne 3", "payload"].item() == '{"x": 1}'
    # read 6 = loaded 2 + quarantined 3 + duplicate 1: balanced; then one row unaccounted
    assert sources.last_runs(conn).set_index("source").loc["irve-statique", "unaccounted"] == 0
    report.rows_read = 7
    record(conn.connection.driver_connection, report)
    run = sources.last_runs(conn).set_index("source").loc["irve-statique"]
    assert sources.accounting_label(run["unaccounted"]) == "écart de 1 ligne(s)"
    freshness = sources.source_freshness(conn)
    assert freshness["irve"].vintage == "2025-10-25" and freshness["irve"].refreshed_at is not None
    assert pd.notna(run["started_at"])
