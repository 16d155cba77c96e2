"""Imports on the real PostGIS with the COG 2026 reference: the real HDF list end to end,
a list in the template's form with misspellings, bad input, follow-up and figures."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import psycopg
import pytest

from geodata.sources.pacte import reader as pacte_reader
from geodata.sources.pacte.template import write_template
from observatory import pact

from datetime import date

TODAY = date(2026, 11, 23)  # "today" of the project's brief: the 2026-2032 mandate is running

# The published names that are not the COG spelling, and how they must end.
HDF_RESOLUTIONS = {
    "Hellemmes": ("59350", "short_form"),          # associated commune Hellemmes-Lille -> Lille
    "Lomme": ("59350", "former_commune"),          # associated commune -> Lille
    "Aulnoye": ("59033", "short_form"),            # Aulnoye-Aymeries
    "Fines-lez-Raches": ("59239", "fuzzy"),        # Flines-lez-Raches
    "Fauquembergue": ("62325", "fuzzy"),           # Fauquembergues
    "Leffrincoucke": ("59340", "fuzzy"),           # Leffrinckoucke
}


def _review(pg: psycopg.Connection, run_id: int) -> dict[str, tuple]:
    return {name: (status, code, method) for name, status, code, method in pg.execute(
        """SELECT published_name, status, insee_code, method FROM observatory.pact_review_row
           WHERE import_run_id = %s""", (run_id,)).fetchall()}


def _last_run(pg: psycopg.Connection) -> int:
    return pg.execute("SELECT max(id) FROM core.pact_import_run").fetchone()[0]


def test_hdf_list_every_row_reconciled(hdf, catalogue):
    assert (hdf.rows_read, hdf.count("matched"), hdf.count("ambiguous"), hdf.count("unmatched"),
            hdf.count("quarantined")) == (70, 70, 0, 0, 0)
    review = _review(catalogue, _last_run(catalogue))
    for name, (code, method) in HDF_RESOLUTIONS.items():
        assert review[name] == ("matched", code, method), name
    methods = {method for _, _, method in review.values()}
    assert methods == {"exact", "short_form", "former_commune", "fuzzy"}
    # Every matched name is in the Nord or the Pas-de-Calais, as the list's areas say.
    departements = {row[0] for row in catalogue.execute(
        "SELECT DISTINCT departement_code FROM observatory.pact_signature").fetchall()}
    assert departements == {"59", "62"}


def test_hdf_reproduces_the_published_totals(hdf, catalogue):
    totals = pact.engagement_totals(catalogue, "municipales-2020").set_index("council_commitment")
    # Published: 6 unanimous (Lille with Hellemmes and Lomme once), 35 majority; 37 minority
    # published, of which the source page lists 27 (truncated).
    assert totals["communes"].to_dict() == {"unanimous": 6, "majority": 35, "minority": 27}
    lille = catalogue.execute(
        """SELECT council_commitment, published_names, signature_count, lon, lat
           FROM observatory.commune_pact WHERE insee_code = '59350'""").fetchone()
    assert lille[0] == "unanimous" and sorted(lille[1]) == ["Hellemmes", "Lille", "Lomme"]
    assert lille[2] == 1 and 2.9 < lille[3] < 3.2 and 50.5 < lille[4] < 50.7
    assert totals.loc["unanimous", "population"] == catalogue.execute(
        """SELECT sum(population) FROM core.commune
           WHERE insee_code IN ('59350','59512','59009','59295','59329','59392')""").fetchone()[0]


def test_accounting_and_reimport_replaces(hdf, catalogue, mirror, reconciliation_reference):
    run = catalogue.execute(
        """SELECT rows_read, rows_matched + rows_ambiguous + rows_unmatched + rows_quarantined,
                  rows_loaded FROM observatory.pact_import_run WHERE import_run_id = %s""",
        (_last_run(catalogue),)).fetchone()
    assert run == (70, 70, 68)
    load = catalogue.execute("""SELECT rows_read, rows_loaded, rows_quarantined, rows_duplicate FROM core.load_run
                                WHERE source = 'pacte:pacte-hdf-2020' ORDER BY id DESC LIMIT 1""").fetchone()
    assert load == (70, 68, 0, 2)  # Hellemmes and Lomme merged into Lille's signature
    pact.import_list(catalogue, mirror / "pacte/hdf-2020-after-second-round.csv",
                     dataset="pacte-hdf-2020", today=TODAY, reference=reconciliation_reference)
    assert catalogue.execute("SELECT count(*) FROM core.pact_signature").fetchone()[0] == 68
    assert catalogue.execute("SELECT count(*) FROM core.pact_import_run").fetchone()[0] == 2


def test_catalogue_has_32_measures_and_unverified_titles_stay_empty(catalogue, tmp_path):
    adoption = pact.measure_adoption(catalogue, "municipales-2020")
    measures = adoption[adoption["kind"] == "measure"]
    assert len(measures) == 32 and len(adoption) == 35
    assert measures["title"].notna().sum() == 15
    assert pd.isna(adoption.set_index("measure_number").loc["12", "title"])
    # A fuller catalogue later fills the missing titles in and keeps the others.
    fuller = tmp_path / "catalogue-complet.csv"
    fuller.write_text("numero;titre;theme;verified_title\n12;Rénover les bâtiments;rénovation;yes\n",
                      encoding="utf-8")
    pact.import_catalogue(catalogue, fuller, "municipales-2020")
    titles = dict(catalogue.execute("""SELECT number, title FROM core.pact_measure
                                       WHERE campaign_code = 'municipales-2020'
                                         AND number IN ('3', '12')""").fetchall())
    assert titles["12"] == "Rénover les bâtiments" and titles["3"].startswith("Mener une politique")


MISSPELLED = [
    # (commune as written, departement, zone, expected INSEE code or None if it must not match)
    ("Villeneuve d Asq", "59", "", "59009"),
    ("Armentiere", "59", "", "59017"),
    ("St-Omer", "", "Pas-de-Calais", "62765"),
    ("Ste-Catherine", "62", "", "62744"),
    ("Mons en Baroeul", "", "MEL", "59410"),
    ("Fache Thumesnil", "59", "", "59220"),
    ("Tourcoin", "", "", "59599"),
    ("Marly", "", "", None),            # Nord and Moselle: must stay ambiguous
    ("Roubais", "59", "", None),        # too close to call on 7 letters: ambiguous, not wrong
    ("Saint-Martin", "", "", None),     # dozens of homonyms
    ("Trifouillis-les-Oies", "59", "", None),
]


def test_template_list_with_misspellings_has_no_wrong_match(catalogue, tmp_path, reconciliation_reference):
    rows = [[name, "", dep, zone, "municipales-2026", f"Liste {i}", "", "oui", "majoritaire",
             "1;3;12", "2026-02-01", ""] for i, (name, dep, zone, _) in enumerate(MISSPELLED)]
    path = write_template(tmp_path / "liste-2026.xlsx", "signatures", rows)
    plan = pact.import_list(catalogue, path, dataset="essai", today=TODAY,
                            reference=reconciliation_reference)
    review = {r.published_name: r for r in plan.review}
    for name, _, _, expected in MISSPELLED:
        row = review[name]
        if expected is None:
            assert row.status in ("ambiguous", "unmatched"), (name, row)
        else:
            assert (row.status, row.insee_code) == ("matched", expected), (name, row)
    assert review["Marly"].status == "ambiguous"
    assert {c["insee_code"] for c in review["Marly"].candidates} == {"59383", "57447"}
    assert review["Trifouillis-les-Oies"].status == "unmatched"
    # The 2026 catalogue is not imported: the measures are set aside, each with its reason.
    reasons = {r.reason for r in plan.items_rejected}
    assert reasons == {pacte_reader.MEASURE_NOT_IN_CATALOGUE}
    assert len(plan.items_rejected) == 3 * 7
    quarantined = catalogue.execute("""SELECT reason, count(*) FROM core.quarantined_row
                                       WHERE source = 'pacte:essai' GROUP BY 1""").fetchall()
    assert dict(quarantined) == {"ambiguous_commune": 3, "unmatched_commune": 1,
                                 "measure_not_in_catalogue": 21}


def _import_csv(pg, tmp_path: Path, reference, text: str, dataset: str = "essai"):
    path = tmp_path / f"{dataset}.csv"
    path.write_text(text, encoding="utf-8")
    return pact.import_list(pg, path, dataset=dataset, today=TODAY, reference=reference,
                            campaign="municipales-2020")


def test_duplicate_signature_is_quarantined_once(catalogue, tmp_path, reconciliation_reference):
    plan = _import_csv(catalogue, tmp_path, reconciliation_reference,
                       "commune;departement;engagement\nRoubaix;59;majoritaire\nROUBAIX;59;majoritaire\n")
    assert [(r.row_number, r.status, r.reason) for r in plan.review] == [
        (2, "matched", None), (3, "quarantined", "duplicate_signature")]
    assert "ligne 2" in plan.review[1].detail and len(plan.signatures) == 1
    # quarantined with its reason, so not counted again as a merged duplicate
    assert plan.rows_duplicate == 0
    accounted = catalogue.execute("SELECT rows_read, rows_loaded, rows_quarantined, rows_duplicate "
                                  "FROM core.load_run WHERE source = 'pacte:essai' ORDER BY id DESC").fetchone()
    assert accounted == (2, 1, 1, 0)


def test_conflicting_levels_load_neither(catalogue, tmp_path, reconciliation_reference):
    plan = _import_csv(catalogue, tmp_path, reconciliation_reference,
                       "commune;departement;engagement\nDouai;59;unanime\nDouai;59;minoritaire\n"
                       "Calais;62;majoritaire\n")
    assert [(r.status, r.reason) for r in plan.review] == [
        ("quarantined", "conflicting_commitment")] * 2 + [("matched", None)]
    assert "ligne 2: unanimous, ligne 3: minority" in plan.review[0].detail
    assert [s.insee_code for s in plan.signatures] == ["62193"]


def test_conflict_with_another_groups_list(hdf, catalogue, tmp_path, reconciliation_reference):
    plan = _import_csv(catalogue, tmp_path, reconciliation_reference,
                       "commune;departement;engagement\nRoubaix;59;minoritaire\n", dataset="autre")
    assert plan.review[0].reason == "conflicting_commitment"
    assert "pacte-hdf-2020" in plan.review[0].detail


def test_measure_outside_catalogue_is_set_aside_not_the_signature(catalogue, tmp_path,
                                                                    reconciliation_reference):
    plan = _import_csv(catalogue, tmp_path, reconciliation_reference,
                       "commune;departement;mesures\nSeclin;59;3;33;A\n".replace("3;33;A", '"3, 33, A"'))
    assert [s.measures for s in plan.signatures] == [["A", "3"]]
    assert [(r.reason, r.row_ref) for r in plan.items_rejected] == [
        ("measure_not_in_catalogue", "ligne 2: Seclin, mesure 33")]
    assert "1 à 32" in plan.items_rejected[0].detail
    assert plan.review[0].status == "matched" and plan.review[0].reason == "measure_not_in_catalogue"
    commitments = catalogue.execute("""SELECT measure_number FROM observatory.pact_commitment
                                       WHERE insee_code = '59560' ORDER BY 1""").fetchall()
    assert commitments == [("3",), ("A",)]


def test_future_date_and_empty_name_are_in_the_review_report(catalogue, tmp_path, reconciliation_reference):
    plan = _import_csv(catalogue, tmp_path, reconciliation_reference,
                       "commune;departement;date\nLens;62;2030-01-01\n;59;2020-07-01\nArras;62;2020-07-01\n")
    assert [(r.row_number, r.status, r.reason) for r in plan.review] == [
        (2, "quarantined", "future_date"), (3, "quarantined", "empty_name"), (4, "matched", None)]
    stored = catalogue.execute("""SELECT status, reason FROM observatory.pact_review_row
                                  WHERE import_run_id = %s ORDER BY row_number""",
                               (_last_run(catalogue),)).fetchall()
    assert stored == [("quarantined", "future_date"), ("quarantined", "empty_name"), ("matched", None)]


def test_follow_up_and_progress(hdf, catalogue, tmp_path, reconciliation_reference):
    signatures = tmp_path / "mesures.csv"
    signatures.write_text("commune;zone;engagement;mesures\nLille;MEL;unanime;3;12;14;15\n"
                          .replace("3;12;14;15", '"3;12;14;15"'), encoding="utf-8")
    pact.import_list(catalogue, signatures, dataset="pacte-hdf-2020", today=TODAY,
                     reference=reconciliation_reference, campaign="municipales-2020")
    follow_up = write_template(tmp_path / "suivi.csv", "follow_up", [
        ["Lille", "", "59", "municipales-2020", "3", "en cours", "2022-01-10", "", "", ""],
        ["Lille", "", "59", "municipales-2020", "3", "réalisée", "2024-06-01", "https://x.org", "", ""],
        ["Lomme", "", "59", "municipales-2020", "14", "réalisée", "2025-03-01", "", "", ""],
        ["Lille", "", "59", "municipales-2020", "40", "réalisée", "2025-03-01", "", "", ""],
        ["Lille", "", "59", "municipales-2020", "15", "commencée un peu", "2025-03-01", "", "", ""],
    ])
    plan = pact.import_list(catalogue, follow_up, dataset="suivi-lille", today=TODAY,
                            reference=reconciliation_reference)
    assert plan.kind == "follow_up"
    assert [(r.status, r.reason) for r in plan.review] == [
        ("matched", None), ("matched", None), ("matched", None),
        ("quarantined", "measure_not_in_catalogue"), ("quarantined", "invalid_status")]
    progress = pact.follow_up_progress(catalogue, "municipales-2020").set_index("insee_code")
    assert progress.loc["59350", ["measures_committed", "measures_done"]].tolist() == [4, 2]
    assert float(progress.loc["59350", "share_done"]) == 0.5
    timeline = pact.commune_follow_up(catalogue, "59350")
    assert timeline[timeline["measure_number"] == "3"]["status"].tolist() == ["in_progress", "done"]


def test_engagement_by_territory(hdf, catalogue):
    by_departement = pact.engagement_by_territory(catalogue, "municipales-2020", "departement")
    assert by_departement.set_index("territory_code")["communes"].to_dict() == {"59": 56, "62": 12}
    by_epci = pact.engagement_by_territory(catalogue, "municipales-2020", "epci").set_index("territory_code")
    assert by_epci.loc["200093201", "territory_name"] == "Métropole Européenne de Lille"
    assert by_epci.loc["200093201", "unanimous"] == 3
    by_region = pact.engagement_by_territory(catalogue, "municipales-2020", "region")
    assert by_region["territory_code"].tolist() == ["32"]


def test_public_views_are_commented_and_readable_by_the_reader_role(hdf, catalogue):
    comments = dict(catalogue.execute(
        """SELECT c.relname, obj_description(c.oid) FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'observatory' AND c.relname IN ('pact_signature', 'pact_commitment',
                 'commune_pact')""").fetchall())
    assert set(comments) == {"pact_signature", "pact_commitment", "commune_pact"}
    assert all(comments.values())
    catalogue.execute("SET LOCAL ROLE observatory_reader")
    assert catalogue.execute("SELECT count(*) FROM observatory.commune_pact").fetchone()[0] == 68
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        catalogue.execute("SELECT count(*) FROM core.pact_signature")
