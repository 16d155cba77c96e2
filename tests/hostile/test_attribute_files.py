"""`observatory attribute` on analysts' files at their clumsiest: the input is never
destroyed, no partial output, the file's own columns kept, every row kept with its line."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from observatory import attribute_cli
from observatory.cli import main


@pytest.fixture
def database(reference_db: str, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", reference_db)


def attribute(tmp_path: Path, content: str, *options: str) -> tuple[int, Path]:
    """Write `content` as sites.csv, run the command to out.csv; (exit code, out.csv)."""
    source, out = tmp_path / "sites.csv", tmp_path / "out.csv"
    source.write_text(content, encoding="utf-8")
    return main(["attribute", str(source), "-o", str(out), *options]), out


def rows_of(path: Path, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline=""), delimiter=delimiter))


def test_output_equal_to_input_is_refused(database, tmp_path: Path, capsys):
    source = tmp_path / "sites.csv"
    content = "site,lon,lat\n" + "Capitole,1.4433,43.6045\n" * 20_000
    source.write_text(content, encoding="utf-8")
    assert main(["attribute", str(source), "-o", str(tmp_path / "." / "sites.csv")]) == 2
    assert "est le fichier d'entrée" in capsys.readouterr().err
    assert source.read_text(encoding="utf-8") == content


def test_failed_write_leaves_no_partial_output(database, tmp_path: Path, monkeypatch, capsys):
    source = tmp_path / "sites.csv"
    source.write_text("site,lon,lat\nCapitole,1.4433,43.6045\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    out.write_text("previous result\n", encoding="utf-8")

    def half_then_full_disk(self, handle):
        handle.write("site,lon,lat,insee_code\nCapi")
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(attribute_cli.Attributed, "write", half_then_full_disk)
    assert main(["attribute", str(source), "-o", str(out)]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "previous result\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "sites.csv"]   # no temporary left


def test_own_columns_of_the_file_are_kept(database, tmp_path: Path, capsys):
    code, out = attribute(tmp_path, "site,lon,lat,insee_code,commune_name\nCapitole,1.4433,43.6045,31555,ma note\n")
    assert code == 0
    assert rows_of(out) == [
        ["site", "lon", "lat", "insee_code", "commune_name", "insee_code_observatory",
         "commune_name_observatory"],
        ["Capitole", "1.4433", "43.6045", "31555", "ma note", "31555", "Toulouse"]]
    report = capsys.readouterr().err
    assert "colonnes ajoutées : insee_code_observatory, commune_name_observatory" in report
    # The file's insee_code is a declared code, compared with the commune found.
    assert "codes déclarés (colonne « insee_code ») comparés à la commune trouvée : 1 ; concordants : 1" in report


def test_every_row_kept_with_its_true_line(database, tmp_path: Path, capsys):
    code, out = attribute(tmp_path, 'site,lon,lat\n"Mairie\nannexe",1.4433,43.6045\n'   # lines 2-3
                                    "trop,de,champs,ici\n"                              # line 4: 4 fields
                                    "court\n"                                            # line 5: 1 field
                                    "\n"
                                    "Capitole,1.4433,43.6045\n")                         # line 7
    assert code == 0
    assert rows_of(out) == [
        ["site", "lon", "lat", "insee_code", "commune_name"],
        ["Mairie\nannexe", "1.4433", "43.6045", "31555", "Toulouse"],
        ["trop", "de", "champs", "", "", "ici"],
        ["court", "", "", "", ""],
        ["Capitole", "1.4433", "43.6045", "31555", "Toulouse"]]
    report = capsys.readouterr().err
    assert "ligne 4 : 4 champs pour 3 colonnes : ligne gardée telle quelle, sans commune" in report
    assert "ligne 5 : 1 champs pour 3 colonnes" in report
    assert "lignes vides ignorées : 1" in report


def test_header_with_line_break_and_repeated_names(database, tmp_path: Path, capsys):
    code, out = attribute(tmp_path, '"nom du\nsite";"longitude\n";latitude;note;note\nCapitole;1,4433;43,6045;a;b\n')
    assert code == 0
    assert rows_of(out, ";") == [["nom du\nsite", "longitude\n", "latitude", "note", "note", "insee_code",
                                  "commune_name"],
                                 ["Capitole", "1,4433", "43,6045", "a", "b", "31555", "Toulouse"]]
    assert "colonnes en double (la première est lue) : note" in capsys.readouterr().err


def test_repeated_coordinate_column_named_by_the_user_is_an_error(database, tmp_path: Path, capsys):
    source = tmp_path / "sites.csv"
    source.write_text("x,x,y\n1.44,2,43.60\n", encoding="utf-8")
    assert main(["attribute", str(source), "--lon", "x", "--lat", "y"]) == 1
    assert "colonne « x » en double dans l'en-tête" in capsys.readouterr().err


def test_unclosed_quote_is_a_message(database, tmp_path: Path, capsys):
    code, out = attribute(tmp_path, 'site,lon,lat\n"Capitole,1.4433,43.6045\nMairie,1.44,43.60\n')
    assert code == 1
    assert ("sites.csv : ligne 2, CSV illisible (un guillemet ouvre une cellule jamais fermée)"
            in capsys.readouterr().err)
    assert not out.exists()


def test_cell_over_128_kb_is_a_message(database, tmp_path: Path, capsys):
    source = tmp_path / "sites.csv"
    source.write_text('site,lon,lat\n"' + "x" * 200_000 + '",1.44,43.60\n', encoding="utf-8")
    assert main(["attribute", str(source)]) == 1
    assert "cellule de plus de 128 Ko" in capsys.readouterr().err


def test_megabyte_header_is_a_message(database, tmp_path: Path, capsys):
    source = tmp_path / "sites.csv"
    source.write_text(",".join(f"c{i}" for i in range(200_000)) + "\n", encoding="utf-8")
    assert main(["attribute", str(source)]) == 1
    assert "en-tête de plus de 64 Ko" in capsys.readouterr().err
