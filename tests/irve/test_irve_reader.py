"""The reader on tiny explicit files: schema rules, positions, duplicates, bad input."""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from geodata.sources.irve import coordinates
from geodata.sources.irve.reader import IrveFormatError, read_irve
from geodata.sources.irve.schema import load_schema
from .files import point


def reasons(read) -> dict[str, int]:
    out: dict[str, int] = {}
    for rejected in read.rejected:
        out[rejected.reason] = out.get(rejected.reason, 0) + 1
    return out


def test_schema_is_read_from_the_official_file(schema_path):
    schema = load_schema(schema_path)
    assert len(schema.fields) == 40
    assert schema.field("implantation_station").enum[0] == "Voirie"
    assert schema.field("coordonneesXY").type == "geopoint"
    assert schema.field("puissance_nominale").minimum == 0


def test_schema_example_is_read_as_is(example_path, schema_path):
    read = read_irve(example_path, schema_path)
    assert read.rows_read == 2 and read.rejected == [] and read.rows_duplicate == 0
    first = read.points.iloc[0]
    assert first["id_pdc_itinerance"] == "FRA68E680210015"
    assert (first["lon"], first["lat"]) == (7.487105, 48.345345)
    assert first["declared_insee_code"] == "75001" and first["power_kw"] == 22
    assert not first["is_fast_dc"] and str(first["commissioned_on"].date()) == "2020-01-14"


def test_malformed_values_are_quarantined_by_field(irve_csv, schema_path):
    path = irve_csv([
        point(1),
        point(2, implantation_station="Trottoir"),            # not in the enumeration
        point(3, puissance_nominale="vingt-deux"),            # not a number
        point(4, puissance_nominale="-3"),                    # below the minimum
        point(5, date_maj="05/04/2021"),                      # not %Y-%m-%d
        point(6, prise_type_2="oui"),                         # not a schema boolean
        point(7, contact_operateur=""),                       # required, empty
        point(8, siren_amenageur="12345"),                    # pattern ^\d{9}$
        point(9, coordonneesXY="48.8,2.3"),                   # not a "[lon,lat]" array
    ])
    read = read_irve(path, schema_path)
    assert len(read.points) == 1
    assert reasons(read) == {
        "malformed_implantation_station": 1, "malformed_puissance_nominale": 2,
        "malformed_date_maj": 1, "malformed_prise_type_2": 1, "missing_contact_operateur": 1,
        "malformed_siren_amenageur": 1, "malformed_coordinates": 1}


def test_fast_dc_needs_a_dc_connector_and_50_kw(irve_csv, schema_path):
    read = read_irve(irve_csv([
        point(1, prise_type_combo_ccs="true", puissance_nominale="150"),
        point(2, prise_type_combo_ccs="true", puissance_nominale="49.9"),
        point(3, prise_type_chademo="1", puissance_nominale="50"),
        point(4, puissance_nominale="300"),  # AC only (type 2, E/F)
    ]), schema_path)
    assert read.points["is_fast_dc"].tolist() == [True, False, True, False]


def test_swapped_coordinates_are_repaired(irve_csv, schema_path):
    read = read_irve(irve_csv([point(1, lon=48.8566, lat=2.3522),        # Paris, swapped
                               point(2, lon=-21.1151, lat=55.5364),      # Saint-Denis (La Réunion), swapped
                               point(3, lon=-61.0588, lat=14.6161)]),    # Fort-de-France, as is
                     schema_path)
    assert read.rows_repaired == 2 and read.rejected == []
    assert read.points["repaired"].fillna("-").tolist() == ["swapped_lat_lon", "swapped_lat_lon", "-"]
    assert read.points[["lon", "lat"]].to_numpy().tolist() == [
        [2.3522, 48.8566], [55.5364, -21.1151], [-61.0588, 14.6161]]


def test_zero_and_outside_coordinates_are_quarantined(irve_csv, schema_path):
    read = read_irve(irve_csv([point(1), point(2, lon=0, lat=0), point(3, coordonneesXY="[0,0]"),
                               point(4, lon=13.4, lat=52.5),             # Berlin, either way round
                               point(5, lon=50.49, lat=50.49)]),         # latitude copied into longitude
                     schema_path)
    assert len(read.points) == 1
    assert reasons(read) == {"zero_coordinates": 2, "outside_france": 2}
    assert [r.row_ref for r in read.rejected] == ["row 2", "row 3", "row 4", "row 5"]


def test_overseas_points_are_in_france():
    lon = np.array([55.45, 45.17, -52.33, -56.17, -149.57, 166.45, -176.2, -62.85])
    lat = np.array([-20.88, -12.78, 4.93, 46.78, -17.53, -22.27, -13.28, 17.9])
    located = coordinates.locate(lon, lat)
    assert located.ok.all() and not np.any(located.repaired)


def test_duplicates_keep_the_latest_update(irve_csv, schema_path):
    read = read_irve(irve_csv([
        point(1, date_maj="2024-01-01", puissance_nominale="11"),
        point(1, date_maj="2025-06-01", puissance_nominale="22"),   # same id, newer
        point(2),
        # no roaming id: same station, position and power -> one point
        point(3, id_pdc_itinerance="Non concerné", id_station_itinerance="Non concerné"),
        point(3, id_pdc_itinerance="Non concerné", id_station_itinerance="Non concerné"),
        # no roaming id, other power: another point
        point(3, id_pdc_itinerance="Non concerné", id_station_itinerance="Non concerné",
              puissance_nominale="7"),
    ]), schema_path)
    assert read.rows_read == 6 and read.rows_duplicate == 2 and len(read.points) == 4
    assert read.points.loc[read.points["id_pdc_itinerance"] == "FRA68E680210001", "power_kw"].tolist() == [22]
    assert read.points["id_pdc_itinerance"].isna().sum() == 2   # "Non concerné" is not an id


# -- bad input, one kind per test --------------------------------------------------------

def test_latin1_csv(irve_csv, schema_path):
    path = irve_csv([point(1, nom_station="Gare de Sète", adresse_station="Quai d'Alger, Sète",
                          tarification="0,40 EUR / kWh")],
                    encoding="latin-1")
    read = read_irve(path, schema_path)
    assert read.points["station_name"].tolist() == ["Gare de Sète"]
    assert any("cp1252" in note or "latin-1" in note for note in read.notes)


def test_semicolon_delimiter(irve_csv, schema_path):
    read = read_irve(irve_csv([point(1), point(2)], delimiter=";"), schema_path)
    assert len(read.points) == 2 and read.rejected == []
    assert read.points["lon"].tolist() == [2.3522, 2.3522]
    assert any("';'" in note for note in read.notes)


def test_missing_required_column_is_named(irve_csv, schema_path):
    path = irve_csv([point(1)], drop=("puissance_nominale", "nom_station"))
    with pytest.raises(IrveFormatError, match="missing required column.*nom_station, puissance_nominale"):
        read_irve(path, schema_path)


def test_html_error_page(tmp_path, schema_path):
    page = tmp_path / "irve.csv"
    page.write_text("<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>")
    with pytest.raises(IrveFormatError, match="HTML page"):
        read_irve(page, schema_path)


def test_truncated_file(irve_csv, schema_path):
    path = irve_csv([point(1), point(2), point(3)])
    raw = path.read_bytes()
    path.write_bytes(raw[:raw.rfind(b'"[2.3522') + 5])    # cut inside the last row
    read = read_irve(path, schema_path)
    assert read.rows_read == 3 and len(read.points) == 2
    assert reasons(read) == {"truncated_row": 1}
    assert any("truncated" in note for note in read.notes)


def test_zip_with_the_csv(irve_csv, schema_path, tmp_path):
    archive = tmp_path / "irve.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(irve_csv([point(1)]), "consolidation-etalab-schema-irve-statique-v-2.3.1-20251025.csv")
    assert len(read_irve(archive, schema_path).points) == 1


def test_zip_without_the_expected_member(tmp_path, schema_path):
    archive = tmp_path / "irve.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("LISEZMOI.txt", "rien")
        z.writestr("bornes.xlsx", b"PK")
    with pytest.raises(IrveFormatError, match=r"no member matching .*irve.*statique.*LISEZMOI.txt, bornes.xlsx"):
        read_irve(archive, schema_path)


def test_empty_file(tmp_path: Path, schema_path):
    empty = tmp_path / "irve.csv"
    empty.write_bytes(b"")
    with pytest.raises(IrveFormatError, match="empty"):
        read_irve(empty, schema_path)
