"""Formulas never travel: stored as the text they are, neutralised in every CSV or XLSX the
observatory writes (one function, `geodata.sources.text.neutralise_formula`)."""
from __future__ import annotations

from datetime import date

import pandas as pd
from openpyxl import load_workbook

from geodata.sources.pacte.template import write_template
from geodata.sources.text import neutralise_formula
from observatory import pact
from observatory.exports import csv_bytes
from tests.pacte.conftest import catalogue, reconciliation_reference  # noqa: F401 (fixtures)

FORMULAS = ['=HYPERLINK("http://x";"y")', "=cmd|' /C calc'!A0", "@SUM(A1:A3)", "+1+1", "-2+3"]


def test_neutralise_formula():
    assert [neutralise_formula(f) for f in FORMULAS] == ["'" + f for f in FORMULAS]
    assert [neutralise_formula(v) for v in ("Lille", "", None, -3, 2.5, "1-5")] == ["Lille", "", None, -3, 2.5, "1-5"]


def test_csv_export_neutralises_text_cells_only():
    frame = pd.DataFrame({"nom": FORMULAS, "valeur": [-1.5, 2.0, 3.0, -4.0, 5.0]})
    lines = csv_bytes(frame).decode("utf-8-sig").splitlines()
    assert lines[1] == '"\'=HYPERLINK(""http://x"";""y"")";-1,5'
    assert [line.lstrip('"')[0] for line in lines[1:]] == ["'"] * 5
    assert lines[4] == "'+1+1;-4,0"                                   # numbers stay numbers


def test_pact_review_report_neutralises_what_the_list_held(catalogue, tmp_path, reconciliation_reference):  # noqa: F811
    path = tmp_path / "liste.csv"
    path.write_text('commune;source\n"=HYPERLINK(""http://x"";""y"")";@SUM(A1)\nLille;ok\n', encoding="utf-8")
    plan = pact.import_list(catalogue, path, dataset="formules", today=date(2026, 11, 23),
                            campaign="municipales-2020", reference=reconciliation_reference)
    run = catalogue.execute("SELECT max(id) FROM core.pact_import_run").fetchone()[0]
    review = pact.review_rows(catalogue, run)
    # Stored as the text it is...
    assert review["published_name"].tolist()[0] == '=HYPERLINK("http://x";"y")' and plan.rows_read == 2
    # ...and never a live formula in the report the review page downloads.
    lines = csv_bytes(review).decode("utf-8-sig").splitlines()
    assert lines[1].startswith('2;"\'=HYPERLINK(""http://x""')


def test_xlsx_template_writes_formulas_as_text(tmp_path):
    path = write_template(tmp_path / "modele.xlsx", "signatures", [["=1+2", "", "", "", "", "@SUM(A1)"]])
    sheet = load_workbook(path).active
    assert (sheet["A2"].value, sheet["A2"].data_type) == ("'=1+2", "s")
    assert sheet["F2"].value == "'@SUM(A1)"
    csv_path = write_template(tmp_path / "modele.csv", "signatures", [["=1+2"]])
    assert csv_path.read_text(encoding="utf-8").splitlines()[1] == "'=1+2"
