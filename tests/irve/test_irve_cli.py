"""`observatory attribute` on files we did not write, and on a committee's own list."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from observatory.cli import main


@pytest.fixture
def database(reference_db: str, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", reference_db)


def read_rows(path: Path, delimiter: str = ",", encoding: str = "utf-8") -> list[dict]:
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def test_schema_example_file(database, example_path: Path, tmp_path: Path, capsys):
    out = tmp_path / "out.csv"
    assert main(["attribute", str(example_path), "-o", str(out)]) == 0
    rows = read_rows(out)
    assert len(rows) == 2 and list(rows[0])[:40] == list(read_rows(example_path)[0])
    # The example declares 75001 but its coordinates [7.487105, 48.345345] are in Alsace.
    assert [(r["insee_code"], r["commune_name"]) for r in rows] == [("67125", "Epfig")] * 2
    report = capsys.readouterr().err
    assert "points lus (coordonnées : « coordonneesXY ») : 2 ; rattachés à une commune : 2" in report
    assert "ligne 2 : déclaré 75001 (autre commune), point situé à Epfig (67125)" in report


def test_declared_codes_are_compared_by_the_pipeline_rule(database, tmp_path: Path, capsys):
    source = tmp_path / "sites.csv"
    source.write_text("site,lon,lat,code_insee\n"
                      "Mairie de Lille,3.0633,50.6372,59350\n"
                      "Mairie de Lomme,2.9869,50.6436,59355\n"    # Lomme, now part of Lille
                      "Bureau de poste,3.0633,50.6372,59000\n"    # Lille's postcode
                      "Beffroi d'Arras,2.7775,50.2910,59350\n"    # declared Lille, lies in Arras
                      "Sans code,2.7775,50.2910,\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["attribute", str(source), "-o", str(out)]) == 0
    assert [r["insee_code"] for r in read_rows(out)] == ["59350", "59350", "59350", "62041", "62041"]
    report = capsys.readouterr().err
    assert ("codes déclarés (colonne « code_insee ») comparés à la commune trouvée : 4 ; concordants : 2 "
            "(anciennes communes ramenées à leur commune actuelle), autre commune : 1, "
            "code d'aucune commune (souvent un code postal) : 1") in report
    assert "ligne 4 : déclaré 59000 (code d'aucune commune), point situé à Lille (59350)" in report
    assert "ligne 5 : déclaré 59350 (autre commune), point situé à Arras (62041)" in report
    assert "ligne 3 :" not in report


def test_committee_list_semicolon_latin1_with_problems(database, tmp_path: Path, capsys):
    source = tmp_path / "sites.csv"
    source.write_bytes((
        "Nom du site;Latitude;Longitude\n"
        "Mairie de Lille;50,6366;3,0635\n"
        "Gymnase (inversé);5,4485;43,5263\n"       # Aix-en-Provence, latitude and longitude swapped
        "Bouée;47,0;-3,2\n"                      # at sea
        "Sans position;;\n"
        "Null Island;0;0\n").encode("cp1252"))
    out = tmp_path / "out.csv"
    assert main(["attribute", str(source), "-o", str(out)]) == 0
    rows = read_rows(out, delimiter=";")
    assert [r["insee_code"] for r in rows] == ["59350", "13001", "", "", ""]
    assert [r["Nom du site"] for r in rows][1] == "Gymnase (inversé)"
    report = capsys.readouterr().err
    assert "points aux latitude et longitude inversées, corrigés : 1" in report
    assert "points sans commune (gardés dans le fichier, colonnes vides) : 3" in report
    assert "ligne 4 : dans aucune commune" in report
    assert "ligne 5 : coordonnées manquantes" in report and "ligne 6 : coordonnées 0,0" in report


def test_named_columns_and_stdout(database, tmp_path: Path, capsys):
    source = tmp_path / "sites.csv"
    source.write_text("site,gps_x,gps_y\nCapitole,1.4433,43.6045\n", encoding="utf-8")
    assert main(["attribute", str(source), "--lon", "gps_x", "--lat", "gps_y"]) == 0
    output = capsys.readouterr().out
    assert output.splitlines() == ["site,gps_x,gps_y,insee_code,commune_name",
                                   "Capitole,1.4433,43.6045,31555,Toulouse"]


def test_no_coordinate_columns_is_a_clear_error(database, tmp_path: Path, capsys):
    source = tmp_path / "sites.csv"
    source.write_text("site,adresse\nCapitole,Place du Capitole\n", encoding="utf-8")
    assert main(["attribute", str(source)]) == 1
    assert "colonnes de longitude et de latitude introuvables (colonnes : site, adresse)" in capsys.readouterr().err
