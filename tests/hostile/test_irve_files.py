"""IRVE files as ~1,500 producers write them, at their worst: one kind per test. Each ends in
a quarantined row (reason, line) or an `IrveFormatError` with a clear message."""
from __future__ import annotations

import zipfile
from datetime import date

import pytest

from geodata.sources.fetch import Fetched
from geodata.sources.irve import reader as irve_reader
from geodata.sources.irve.reader import DERIVED_EXTRACT, SCHEMA, IrveFormatError, read_irve
from pipelines.irve.load import load_charging_points
from tests.irve.files import point

from .conftest import bounded

TODAY = date(2026, 12, 1)


def reasons(read) -> dict[str, str]:
    return {r.row_ref: r.reason for r in read.rejected}


def accounted(read) -> bool:
    return read.rows_read == len(read.points) + len(read.rejected) + read.rows_duplicate


def test_nul_character_quarantines_its_row_and_the_load_goes_on(pg, irve_csv, schema_path):
    path = irve_csv([point(1, nom_station="Gare\x00 Nord", adresse_station="1 rue\x01 X"), point(2)])
    read = read_irve(path, schema_path, today=TODAY)
    assert reasons(read) == {"row 1": "control_characters"}
    assert read.rejected[0].payload["nom_station"] == "Gare\\x00 Nord"      # visible, storable
    # The database copy (and the quarantine's JSON) take the file: one point loaded.
    loaded = load_charging_points(pg, Fetched(DERIVED_EXTRACT, path, "0" * 64, "mirror"),
                                  Fetched(SCHEMA, schema_path, "0" * 64, "mirror"))
    assert (loaded.report.rows_loaded, loaded.report.rows_quarantined) == (1, 1)
    stored = pg.execute("SELECT payload->>'nom_station' FROM core.quarantined_row "
                        "WHERE source = 'irve-statique'").fetchone()[0]
    assert stored == "Gare\\x00 Nord"


def test_impossible_calendar_date_is_malformed(irve_csv, schema_path):
    read = read_irve(irve_csv([point(1, date_mise_en_service="2021-02-30"),
                               point(2, date_maj="2023-13-01"), point(3)]), schema_path, today=TODAY)
    assert reasons(read) == {"row 1": "malformed_date_mise_en_service", "row 2": "malformed_date_maj"}
    assert read.points["commissioned_on"].dt.strftime("%Y-%m-%d").tolist() == ["2020-01-14"]


def test_power_out_of_range_is_implausible(irve_csv, schema_path):
    read = read_irve(irve_csv([point(1, puissance_nominale="1e400"), point(2, puissance_nominale="150000"),
                               point(3, puissance_nominale="400")]), schema_path, today=TODAY)
    assert reasons(read) == {"row 1": "implausible_puissance_nominale",
                             "row 2": "implausible_puissance_nominale"}
    assert "puissance_nominale=150000.0, expected <= 1000 kW" in read.rejected[1].detail
    assert read.points["power_kw"].tolist() == [400] and accounted(read)


def test_dates_in_the_future_or_before_charging_points_existed(irve_csv, schema_path):
    read = read_irve(irve_csv([point(1, date_mise_en_service="2099-01-01"),
                               point(2, date_mise_en_service="0001-01-01"),
                               point(3, date_maj="1947-05-01"), point(4)]), schema_path, today=TODAY)
    assert reasons(read) == {"row 1": "implausible_date_mise_en_service",
                             "row 2": "implausible_date_mise_en_service", "row 3": "implausible_date_maj"}
    assert "date_mise_en_service=2099-01-01, expected between 1990-01-01" in read.rejected[0].detail


def test_update_date_in_the_future_does_not_win_deduplication(irve_csv, schema_path):
    read = read_irve(irve_csv([point(1, date_maj="2025-06-01", puissance_nominale="22"),
                               point(1, date_maj="2099-01-01", puissance_nominale="3")]),
                     schema_path, today=TODAY)
    assert read.points["power_kw"].tolist() == [22]
    assert reasons(read) == {"row 2": "implausible_date_maj"} and accounted(read)


def test_repeated_column_names(irve_csv, schema_path, tmp_path):
    path = irve_csv([point(1)])
    lines = path.read_text(encoding="utf-8").splitlines()
    # A column outside the schema, twice: both kept, the second under its rank.
    extra = tmp_path / "extra.csv"
    extra.write_text(f"{lines[0]},note,note\n{lines[1]},a,b\n", encoding="utf-8")
    read = read_irve(extra, schema_path, today=TODAY)
    assert len(read.points) == 1 and any("repeated column 'note'" in n for n in read.notes)
    # A schema column twice: which one to read is not guessed.
    twice = tmp_path / "twice.csv"
    twice.write_text(f"{lines[0]},puissance_nominale\n{lines[1]},150\n", encoding="utf-8")
    with pytest.raises(IrveFormatError, match="colonne\\(s\\) du schéma répétée\\(s\\).*puissance_nominale"):
        read_irve(twice, schema_path, today=TODAY)


def test_header_cell_with_a_line_break(irve_csv, schema_path, tmp_path):
    lines = irve_csv([point(1), point(2)]).read_text(encoding="utf-8").split("\n", 1)
    wrapped = tmp_path / "wrapped.csv"
    wrapped.write_text(lines[0].replace("nom_station", '"nom_station\n"') + ',"mes\nnotes"\n'
                       + lines[1].replace("\n", ",x\n"), encoding="utf-8")
    read = read_irve(wrapped, schema_path, today=TODAY)
    assert len(read.points) == 2 and read.rejected == []
    assert read.points["station_name"].tolist() == ["Picpus", "Picpus"]
    assert "mes notes" in read.notes[-1]           # listed among the columns outside the schema


def test_unclosed_quote_is_a_row_with_its_lines(irve_csv, schema_path, tmp_path):
    lines = irve_csv([point(1), point(2), point(3)]).read_text(encoding="utf-8").splitlines()
    broken = tmp_path / "broken.csv"
    # A stray quote before the last value swallows the next line (up to that line's first
    # quote): one row set aside, its lines said; the row after is read.
    broken.write_text("\n".join([lines[0], lines[1].removesuffix("true") + '"true', lines[2], lines[3]])
                      + "\n", encoding="utf-8")
    read = read_irve(broken, schema_path, today=TODAY)
    (rejected,) = read.rejected
    assert (rejected.row_ref, rejected.reason) == ("line 2", "unclosed_quote")
    assert "lines 2 to 3 were read as one row" in rejected.detail and accounted(read)
    assert len(read.points) == 1
    # One that closes on its own line only breaks that row.
    broken.write_text("\n".join([lines[0], lines[1], lines[2].replace("Picpus", 'Pic"pus,x"'), lines[3]])
                      + "\n", encoding="utf-8")
    read = read_irve(broken, schema_path, today=TODAY)
    assert reasons(read) == {"line 3": "malformed_row"} and len(read.points) == 2


def test_megabyte_header_is_refused(tmp_path, schema_path):
    path = tmp_path / "irve.csv"
    path.write_text(",".join(f"colonne_{i}" for i in range(100_000)) + "\n1\n", encoding="utf-8")
    with bounded(seconds=2, mib=50), pytest.raises(IrveFormatError, match="en-tête illisible: plus de 64 Kio"):
        read_irve(path, schema_path, today=TODAY)


def test_header_quote_never_closed_is_refused(tmp_path, schema_path):
    path = tmp_path / "irve.csv"
    path.write_text('nom_station,"adresse\n' + "x,y\n" * 30_000, encoding="utf-8")
    with pytest.raises(IrveFormatError, match="guillemet ouvert jamais fermé"):
        read_irve(path, schema_path, today=TODAY)


def test_archive_member_too_large_is_refused_before_reading(irve_csv, schema_path, tmp_path, monkeypatch):
    monkeypatch.setattr(irve_reader, "MAX_CSV_BYTES", 100)
    archive = tmp_path / "irve.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(irve_csv([point(1)]), "consolidation-etalab-schema-irve-statique-v-2.3.1-20251025.csv")
    with pytest.raises(IrveFormatError, match="une fois décompressé"):
        read_irve(archive, schema_path, today=TODAY)


def test_header_without_rows_is_refused(irve_csv, schema_path, tmp_path):
    header = irve_csv([point(1)]).read_text(encoding="utf-8").split("\n", 1)[0]
    path = tmp_path / "irve.csv"
    path.write_text(header + "\n\n", encoding="utf-8")
    with pytest.raises(IrveFormatError, match="l'en-tête n'est suivi d'aucune ligne de données"):
        read_irve(path, schema_path, today=TODAY)


def test_blank_first_line_is_refused(irve_csv, schema_path, tmp_path):
    # Found by test_properties: Arrow took the header for the first row and typed its columns null.
    path = tmp_path / "irve.csv"
    path.write_bytes(b"\n" + irve_csv([]).read_bytes())
    with pytest.raises(IrveFormatError, match="la première ligne, l'en-tête, est vide"):
        read_irve(path, schema_path, today=TODAY)


def test_stray_quote_spreading_the_header_over_a_line_break_is_refused(irve_csv, schema_path, tmp_path):
    # Found by test_properties: the quote closes inside a station name holding a line break.
    data = irve_csv([point(1, nom_station="\n")]).read_bytes()
    path = tmp_path / "irve.csv"
    path.write_bytes(data[:1] + b'"' + data[1:])
    with pytest.raises(IrveFormatError, match="en-tête illisible"):
        read_irve(path, schema_path, today=TODAY)
