"""Former communes named from INSEE's communes since 1943 (`v_commune_depuis_1943.csv`), which
names the codes merged before 2018. The mirror has no copy of that file: these tests write a few
rows in its layout."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from geodata.sources.cog import reader as cog

HEADER = ["COM", "TNCC", "NCC", "NCCENR", "LIBELLE", "DATE_DEBUT", "DATE_FIN"]


def write_history(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, quoting=csv.QUOTE_ALL)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def test_a_code_takes_the_name_of_its_latest_period(tmp_path):
    history = write_history(tmp_path / "history.csv", [
        ["01001", "5", "ABERGEMENT CLEMENCIAT", "Abergement-Clémenciat", "L'Abergement-Clémenciat", "", ""],
        # Renamed twice: the latest period's name wins, whatever the order of the rows.
        ["99901", "0", "NOUVEAU NOM", "Nouveau Nom", "Nouveau Nom", "1990-03-01", "2016-01-01"],
        ["99901", "0", "ANCIEN NOM", "Ancien Nom", "Ancien Nom", "", "1972-01-01"],
        ["99901", "0", "NOM MOYEN", "Nom Moyen", "Nom Moyen", "1972-01-01", "1990-03-01"],
        ["X1", "0", "", "", "Pas un code", "", ""],
    ])
    assert cog.read_last_names(history) == {"01001": "L'Abergement-Clémenciat", "99901": "Nouveau Nom"}


def test_a_file_without_its_columns_is_refused(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text('"COM","LIBELLE"\n"01001","L\'Abergement-Clémenciat"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="lacks the columns COM, DATE_DEBUT, DATE_FIN, LIBELLE"):
        cog.read_last_names(path)


def test_the_codes_the_cog_files_leave_unnamed_take_their_last_name(mirror, tmp_path):
    ref = cog.read_reference(*(mirror / source.mirror_path for source in
                               (cog.COMMUNES, cog.EPCI, cog.DEPARTEMENTS, cog.REGIONS)))
    cog.name_former_communes(ref, cog.read_names_2024(mirror / cog.COMMUNES_2024.mirror_path))
    unnamed_before = ref.former_unnamed
    first_unnamed = next(code for code, _, name, _ in ref.former_communes if name is None)
    named_in_2024 = next(code for code, _, name, _ in ref.former_communes if name is not None)
    history = write_history(tmp_path / "history.csv", [
        [first_unnamed, "0", "COMMUNE FUSIONNEE", "Commune fusionnée", "Commune fusionnée", "", "2016-01-01"],
        [named_in_2024, "0", "AUTRE NOM", "Autre nom", "Autre nom", "", ""],
    ])
    assert cog.name_former_communes(ref, cog.read_last_names(history)) == 1
    assert ref.former_unnamed == unnamed_before - 1
    names = {code: name for code, _, name, _ in ref.former_communes}
    assert names[first_unnamed] == "Commune fusionnée"
    assert names[named_in_2024] != "Autre nom"   # the COG 2024 name stays first
