"""Pact lists built by hand the way a clumsy or hostile user would: one kind per test, each
read under a time and memory bound, ending in a quarantined row with its true line or a
French refusal (`PacteFileError`), never a traceback or a silent loss."""
from __future__ import annotations

import zipfile
from datetime import date, datetime

import pytest

from geodata.sources.pacte import reader as pacte
from geodata.sources.pacte import table as pacte_table
from geodata.sources.pacte.reader import PacteFileError, parse_follow_up, parse_signatures, split_measures

from .conftest import bounded

TODAY = date(2026, 12, 1)


def read(path, **kwargs):
    return parse_signatures(path, today=TODAY, campaign="municipales-2026", **kwargs)


def accounted(parsed) -> bool:
    return parsed.rows_read == len(parsed.rows) + len(parsed.rejected)


def reasons(parsed) -> dict[int, str]:
    return {line: rejected.reason for line, rejected in parsed.rejected.items()}


# -- resources -----------------------------------------------------------------------------

def test_xlsx_far_cell_costs_only_the_cells_present(xlsx):
    # The sheet's declared dimension becomes A1:XFD1048576: 17 billion cells if trusted.
    def fill(sheet):
        sheet.append(["commune", "date"])
        sheet.append(["Lille", datetime(2026, 1, 2)])
        sheet["XFD1048576"] = "x"
    with bounded(seconds=2, mib=20):
        parsed = read(xlsx(fill))
    assert [row.published_name for row in parsed.rows] == ["Lille"]
    # The far cell is not lost: its row is set aside with its line and what it holds.
    assert reasons(parsed) == {1048576: pacte.EMPTY_NAME}
    assert parsed.rejected[1048576].payload["_other"] == {"colonne XFD": "x"}
    assert accounted(parsed)


def test_xlsx_far_row_is_read_once(xlsx, monkeypatch):
    opened = []
    real = pacte_table._read_sheet
    monkeypatch.setattr(pacte_table, "_read_sheet", lambda *a: opened.append(1) or real(*a))

    def fill(sheet):
        sheet.append(["commune", "date"])
        sheet["A1048576"] = "Roubaix"
    with bounded(seconds=2, mib=20):
        parsed = read(xlsx(fill))
    assert [(row.row_number, row.published_name) for row in parsed.rows] == [(1048576, "Roubaix")]
    assert opened == [1]


def test_xlsx_merged_range_over_the_whole_sheet_is_clipped(xlsx, tmp_path):
    def fill(sheet):
        sheet.append(["commune", "date", "remarque"])
        sheet.append(["Lille", "2026-01-02"])
        sheet.merge_cells("C1:D2")
    small = xlsx(fill)
    # openpyxl itself would build every cell of a huge merge: widen it in the XML.
    path = tmp_path / "fusion.xlsx"
    with zipfile.ZipFile(small) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b'ref="C1:D2"' in data
                data = data.replace(b'ref="C1:D2"', b'ref="C1:XFD1048576"')
            target.writestr(item, data)
    with bounded(seconds=2, mib=20):
        parsed = read(path)
    assert [row.published_name for row in parsed.rows] == ["Lille"]
    assert parsed.rows[0].raw["comment"] == "remarque"    # spread, within the cells in use only


def test_measure_range_of_a_million_is_one_unreadable_item(text_file):
    with bounded(seconds=1, mib=10):
        parsed = read(text_file("commune;mesures\nLille;1-1000000\nRoubaix;1-40000\n"))
    assert [row.measures for row in parsed.rows] == [(), ()]
    assert [(line, r.reason) for line, r in parsed.items_rejected] == [
        (2, pacte.INVALID_MEASURE), (3, pacte.INVALID_MEASURE)]
    assert "plage « 1-1000000 » de 100 mesures ou plus" in parsed.items_rejected[0][1].detail
    assert split_measures("1-5") == (["1", "2", "3", "4", "5"], [])


def test_file_over_the_size_limit_is_refused(text_file, monkeypatch):
    monkeypatch.setattr(pacte_table, "MAX_FILE_BYTES", 1000)
    with pytest.raises(PacteFileError, match="au-delà de la limite de 0 Mo; découpez la liste"):
        read(text_file("commune\n" + "Lille\n" * 200))


def test_too_many_rows_are_refused_while_reading(text_file, monkeypatch):
    monkeypatch.setattr(pacte_table, "MAX_ROWS", 50)
    with pytest.raises(PacteFileError, match="plus de 50 lignes"):
        read(text_file("commune\n" + "Lille\n" * 51))


def test_row_with_thousands_of_cells_is_refused(text_file):
    with pytest.raises(PacteFileError, match="ligne 2, 1001 cellules remplies"):
        read(text_file("commune\n" + ";".join(["x"] * 1001) + "\n"))


def test_xlsx_bomb_is_refused_before_unzipping(tmp_path, monkeypatch):
    monkeypatch.setattr(pacte_table, "MAX_UNZIPPED_BYTES", 10_000)
    path = tmp_path / "bombe.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "0" * 100_000)
    with pytest.raises(PacteFileError, match="une fois décompressé"):
        read(path)


def test_damaged_xlsx_is_refused(text_file):
    with pytest.raises(PacteFileError, match="classeur XLSX illisible"):
        read(text_file(b"PK\x03\x04 pas vraiment un classeur", name="liste.xlsx"))


# -- silent loss ---------------------------------------------------------------------------

def test_stray_opening_quote_refuses_the_file_with_its_lines(text_file):
    content = 'commune;mesures;date\nLille;"1;2026-01-01\nRoubaix;2;2026-01-02\nSeclin;3;2026-01-03\n'
    with pytest.raises(PacteFileError, match=r"ligne 2, un guillemet \(\"\) ouvre une cellule qui "
                                             r"avale les lignes 2 à 4"):
        read(text_file(content))


def test_stray_quote_closed_later_in_a_cell(text_file):
    content = 'commune;mesures\nLille;"1;3\nRoubaix;"2"x\n'
    with pytest.raises(PacteFileError, match="un guillemet"):
        read(text_file(content))


def test_quoted_comment_over_two_lines_is_one_cell(text_file):
    content = 'commune;commentaire;date\n"Lille";"voté en\nconseil";2026-01-02\nRoubaix;;2026-01-03\n'
    parsed = read(text_file(content))
    assert [(row.row_number, row.published_name) for row in parsed.rows] == [(2, "Lille"), (4, "Roubaix")]


# -- tracebacks instead of messages --------------------------------------------------------

def test_more_fields_than_header_is_quarantined_with_its_line(text_file):
    content = "commune;mesures;date\nLille;1;3;12;2026-01-01\nRoubaix;\"1;3\";2026-01-02\n"
    parsed = read(text_file(content))
    assert reasons(parsed) == {2: pacte_table.EXTRA_FIELDS}
    assert "5 champs pour 3 colonnes" in parsed.rejected[2].detail
    assert "entre guillemets" in parsed.rejected[2].detail
    assert parsed.rows[0].measures == ("1", "3") and accounted(parsed)


def test_cell_over_the_csv_module_limit_is_a_message(text_file):
    with pytest.raises(PacteFileError, match="ligne 2, une cellule de plus de 128 Ko"):
        read(text_file('commune;commentaire\nLille;"' + "x" * 200_000 + '"\n'))


def test_long_cell_is_quarantined(text_file):
    parsed = read(text_file("commune;commentaire\nLille;" + "x" * 20_000 + "\nRoubaix;court\n"))
    assert reasons(parsed) == {2: pacte_table.CELL_TOO_LONG}
    assert len(parsed.rejected[2].payload["comment"]) < 600       # the payload is cut, not the file


def test_header_cell_with_a_line_break(text_file, xlsx):
    parsed = read(text_file('"Nom de la\ncommune";"date de\nsignature"\nLille;2026-01-02\n'))
    # Two line breaks in the header: Lille is on the file's fourth line.
    assert [(row.row_number, row.published_name, row.signed_on) for row in parsed.rows] == [
        (4, "Lille", date(2026, 1, 2))]
    wrapped = read(xlsx(lambda s: (s.append(["Nom de la\ncommune", "Date de\nsignature"]),
                                   s.append(["Lille", datetime(2026, 1, 2)]))))
    assert [row.signed_on for row in wrapped.rows] == [date(2026, 1, 2)]


def test_control_characters_are_removed_and_said(text_file):
    parsed = read(text_file("commune;liste\nLil\x00le;Liste\x07 A\n"))
    assert [(row.published_name, row.list_name) for row in parsed.rows] == [("Lille", "Liste A")]
    assert any("caractères de contrôle" in message for message in parsed.table.messages)


# -- wrong values --------------------------------------------------------------------------

def test_signature_dated_1850_is_set_aside(text_file):
    parsed = read(text_file("commune;date\nLille;1850-03-01\nRoubaix;01/03/2020\n"))
    assert reasons(parsed) == {2: pacte.IMPLAUSIBLE_DATE}
    assert "antérieure au pacte" in parsed.rejected[2].detail


def test_campaign_naming_two_elections_is_not_read_as_the_first(text_file):
    parsed = parse_signatures(text_file("commune;campagne\nLille;2020-2026\nRoubaix;2020\n"), today=TODAY)
    assert reasons(parsed) == {2: pacte.UNKNOWN_CAMPAIGN}
    assert parsed.rows[0].campaign_code == "municipales-2020"


def test_follow_up_status_dated_1900_is_set_aside(text_file):
    parsed = parse_follow_up(text_file("commune;mesure;statut;date du statut\nLille;3;en cours;1900-01-01\n"),
                             today=TODAY, campaign="municipales-2020")
    assert reasons(parsed) == {2: pacte.IMPLAUSIBLE_DATE}


# -- formulas --------------------------------------------------------------------------------

def test_csv_formulas_are_kept_as_text(text_file):
    # As a spreadsheet saves them: quoted, inner quotes doubled.
    parsed = read(text_file('commune;source\n"=HYPERLINK(""http://x"";""y"")";@SUM(A1)\n'
                            "Lille;=cmd|' /C calc'!A0\n"))
    assert [(row.published_name, row.source) for row in parsed.rows] == [
        ('=HYPERLINK("http://x";"y")', "@SUM(A1)"), ("Lille", "=cmd|' /C calc'!A0")]


def test_xlsx_formula_without_saved_value_is_reported(xlsx):
    def fill(sheet):
        sheet.append(["commune", "mesures"])
        sheet.append(["Lille", "=1+2"])
        sheet.append(["Roubaix", "3"])
    parsed = read(xlsx(fill))
    assert reasons(parsed) == {2: pacte_table.FORMULA_WITHOUT_VALUE}
    assert "=1+2" in parsed.rejected[2].detail
    assert any("1 formule(s) sans valeur enregistrée (B2)" in m for m in parsed.table.messages)
    assert [row.published_name for row in parsed.rows] == ["Roubaix"]
