"""Tolerant reading of citizen lists, and row-level bad input (pure, no database)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from geodata.sources.pacte import reader as pacte
from geodata.sources.pacte.table import PacteFileError, read_table
from geodata.sources.pacte.template import write_template

TODAY = date(2026, 11, 23)


def test_latin1_semicolon_file_with_french_headers(tmp_path: Path):
    path = tmp_path / "liste.csv"
    path.write_bytes("Nom de la commune;Département;Engagement du conseil;Mesures;Date de signature\n"
                     "Fâches-Thumesnil;59;Majoritaire;1, 3 et 12;01/07/2020\n"
                     "Boëschèpe;59;unanimité;A-C;\n".encode("latin-1"))
    parsed = pacte.parse_signatures(path, today=TODAY, campaign="municipales-2020")
    assert parsed.table.encoding in ("cp1252", "latin-1") and parsed.table.delimiter == ";"
    assert any("pas en UTF-8" in m for m in parsed.table.messages)
    first, second = parsed.rows
    assert (first.published_name, first.area_hint, first.council_commitment) == ("Fâches-Thumesnil", "59", "majority")
    assert first.measures == ("1", "3", "12") and first.signed_on == date(2020, 7, 1)
    assert second.published_name == "Boëschèpe" and second.council_commitment == "unanimous"
    # "A-C" is not a numeric range: it is set aside as an item, the signature stands.
    assert [r.reason for _, r in parsed.items_rejected] == [pacte.INVALID_MEASURE]


def test_tab_delimited_utf8_bom(tmp_path: Path):
    path = tmp_path / "liste.tsv"
    path.write_text("\ufeffVille\tCP\tCampagne\nLille\t59000\t2026\n", encoding="utf-8")
    parsed = pacte.parse_signatures(path, today=TODAY)
    assert parsed.table.delimiter == "\t"
    assert parsed.rows[0].area_hint == "59000" and parsed.rows[0].campaign_code == "municipales-2026"


def test_mirror_transcription_reads_with_english_headers(mirror: Path):
    parsed = pacte.parse_signatures(mirror / "pacte/hdf-2020-after-second-round.csv", today=TODAY)
    assert parsed.rows_read == 70 and not parsed.rejected
    levels = [r.council_commitment for r in parsed.rows]
    assert (levels.count("unanimous"), levels.count("majority"), levels.count("minority")) == (8, 35, 27)


def _merged_header_workbook(path: Path) -> Path:
    """A title row merged across the sheet, then a two-level header: "Commune" merged over two
    rows, "Engagement" merged over two columns with "Niveau" and "Date" under it."""
    book = Workbook()
    sheet = book.active
    sheet["A1"] = "Signataires du Pacte pour la Transition - Nord"
    sheet.merge_cells("A1:E1")
    sheet["A2"], sheet["B2"], sheet["C2"], sheet["E2"] = "Commune", "Dépt", "Engagement", "Mesures"
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("B2:B3")
    sheet.merge_cells("C2:D2")
    sheet.merge_cells("E2:E3")
    sheet["C3"], sheet["D3"] = "Niveau", "Date"
    sheet.append(["Lille", 59, "unanime", date(2020, 7, 1), "1;3;12"])
    sheet.append([None, None, None, None, None])
    sheet.append(["Roubaix", 59, "majoritaire", "02/07/2020", 14])
    book.save(path)
    return path


def test_xlsx_with_merged_header_cells(tmp_path: Path):
    parsed = pacte.parse_signatures(_merged_header_workbook(tmp_path / "liste.xlsx"), today=TODAY,
                                    campaign="municipales-2020")
    assert set(parsed.table.columns) == {"commune", "departement", "council_commitment",
                                         "signed_on", "measures"}
    assert any("fusionnée" in m for m in parsed.table.messages)
    assert [(r.row_number, r.published_name, r.area_hint, r.council_commitment, r.signed_on, r.measures)
            for r in parsed.rows] == [
        (4, "Lille", "59", "unanimous", date(2020, 7, 1), ("1", "3", "12")),
        (6, "Roubaix", "59", "majority", date(2020, 7, 2), ("14",)),
    ]
    assert any("vide" in m for m in parsed.table.messages)


@pytest.mark.parametrize("line, reason, words", [
    (";59;majoritaire;2020-07-01", pacte.EMPTY_NAME, "vide"),
    ("Lille;59;majoritaire;2027-01-01", pacte.FUTURE_DATE, "postérieure"),
    ("Lille;59;majoritaire;31/02/2020", pacte.INVALID_DATE, "date"),
    ("Lille;59;enthousiaste;2020-07-01", pacte.INVALID_COMMITMENT, "enthousiaste"),
])
def test_bad_rows_are_quarantined_with_their_reason(tmp_path: Path, line, reason, words):
    path = tmp_path / "liste.csv"
    path.write_text("commune;departement;engagement;date\nRoubaix;59;unanime;2020-07-01\n" + line + "\n",
                    encoding="utf-8")
    parsed = pacte.parse_signatures(path, today=TODAY, campaign="municipales-2020")
    assert parsed.rows_read == 2 and len(parsed.rows) == 1
    assert list(parsed.rejected) == [3]
    assert parsed.rejected[3].reason == reason and words in parsed.rejected[3].detail


def test_unknown_campaign_is_quarantined(tmp_path: Path):
    path = tmp_path / "liste.csv"
    path.write_text("commune,campagne\nLille,européennes 2024\nRoubaix,\n", encoding="utf-8")
    parsed = pacte.parse_signatures(path, today=TODAY)
    assert {n: r.reason for n, r in parsed.rejected.items()} == {2: pacte.UNKNOWN_CAMPAIGN,
                                                                  3: pacte.UNKNOWN_CAMPAIGN}
    assert "européennes 2024" in parsed.rejected[2].detail


def test_file_without_commune_column_is_refused_clearly(tmp_path: Path):
    path = tmp_path / "liste.csv"
    path.write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(PacteFileError, match="commune"):
        read_table(path)
    with pytest.raises(PacteFileError, match="format non pris en charge"):
        read_table(path.rename(tmp_path / "liste.ods"))


@pytest.mark.parametrize("text, numbers, bad", [
    ("1; 3, 7 et 12", ["1", "3", "7", "12"], []),
    ("1-4", ["1", "2", "3", "4"], []),
    ("A,B,C,32", ["A", "B", "C", "32"], []),
    ("n°5, mesure 8", ["5", "8"], []),
    ("3, 3bis", ["3"], ["3bis"]),
])
def test_split_measures(text, numbers, bad):
    assert pacte.split_measures(text) == (numbers, bad)


def test_catalogue_keeps_unverified_titles_empty(mirror: Path):
    entries, rejected = pacte.read_catalogue(mirror / "pacte/measures-2020.csv", measure_count=32)
    # The mirror's catalogue: 3 principles, 15 verified titles, 4 measures known by their topic only.
    assert not rejected and len(entries) == 22
    by_number = {e.number: e for e in entries}
    assert by_number["12"].title is None and not by_number["12"].title_verified
    assert by_number["12"].topic == "rénovation des bâtiments"
    assert by_number["3"].title.startswith("Mener une politique de sobriété") and by_number["3"].title_verified
    assert by_number["A"].kind == "principle"


def test_catalogue_rejects_numbers_outside_the_pact(tmp_path: Path):
    path = tmp_path / "catalogue.csv"
    path.write_text("N°;Titre;Thème\n31;Une mesure;x\n33;Inventée;y\n", encoding="utf-8")
    entries, rejected = pacte.read_catalogue(path, measure_count=32)
    assert [e.number for e in entries] == ["31"]
    assert [(r.reason, r.row_ref) for r in rejected] == [(pacte.MEASURE_NOT_IN_CATALOGUE, "ligne 3: mesure 33")]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_templates_read_back(tmp_path: Path, suffix):
    path = write_template(tmp_path / f"modele{suffix}", "signatures")
    parsed = pacte.parse_signatures(path, today=TODAY)
    row = parsed.rows[0]
    assert not parsed.table.unknown_columns and not parsed.rejected
    assert (row.published_name, row.area_hint, row.campaign_code, row.elected, row.council_commitment) == (
        "Villeneuve-d'Ascq", "59", "municipales-2026", True, "majority")
    follow_up = pacte.parse_follow_up(write_template(tmp_path / f"suivi{suffix}", "follow_up"), today=TODAY)
    assert [(r.measure_number, r.status) for r in follow_up.rows] == [("14", "in_progress")]
