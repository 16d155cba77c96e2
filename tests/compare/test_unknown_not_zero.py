"""Unknown is not zero, on the database where every pipeline ran: for Roubaix (59512), whose
pact list names no measure, and Saint-Denis de La Réunion (97411), with no charging point and
no fast charger on its island, every indicator of /classement and /comparer says
"non renseigné" where nobody recorded a value, never ranks it, and never ranks an absent
facility; the Pacte page's CSV and the printable sheet say the same. Former codes lead to the
current commune."""
from __future__ import annotations

import csv
import io
import re

import pandas as pd
import pytest

from geodata import db
from observatory import energy, export_tables, pact, sheet
from observatory.exports import csv_bytes
from observatory.peers import same_departement
from observatory.rankings import COMPARED, INDICATORS, indicator_values
from tests.dashboards.conftest import open_page

NOT_RECORDED = "non renseigné"
ROUBAIX, SAINT_DENIS = "59512", "97411"


@pytest.fixture(scope="module")
def full_engine(observatory_db):
    engine = db.make_engine(observatory_db)
    yield engine
    engine.dispose()


def group_values(engine, code: str, key: str) -> pd.Series:
    with engine.connect() as conn:
        group = same_departement(conn, code)
        return indicator_values(conn, list(group.members), [key]).set_index("insee_code")[key]


@pytest.mark.parametrize("code", [ROUBAIX, SAINT_DENIS])
def test_every_ranking_indicator_says_unknown_and_absent_apart(full_app_env, full_engine, code):
    checked = {"unknown": 0, "absent": 0, "ranked": 0}
    for key, item in INDICATORS.items():
        values = group_values(full_engine, code, key)
        own = values[code]
        at = open_page("classement", code=code, groupe="departement", indicateur=key)
        assert not at.exception, (key, at.exception)
        metrics = {m.label: m.value for m in at.metric}
        counted = next(m.value for m in at.markdown if "ont une valeur renseignée" in m.value)
        valued = int(re.search(r"\*\*([\d\u202f]+) commune", counted).group(1).replace("\u202f", ""))
        assert valued == values.notna().sum(), (key, counted)
        if pd.isna(own):
            checked["unknown"] += 1
            assert metrics[f"Valeur ({item.unit})"] == NOT_RECORDED, key
            assert metrics["Rang"] == "non classée" and metrics["Centile"] == "non classée", key
        elif own == 0 and item.absent_when_zero:
            checked["absent"] += 1
            assert metrics["Rang"] == "non classée", key
            assert any("n'en a aucun" in w.value for w in at.warning), key
        else:
            checked["ranked"] += 1
            assert re.fullmatch(r"[\d\u202f]+ sur [\d\u202f]+", metrics["Rang"]), (key, metrics["Rang"])
        # No commune without a value holds a rank in the table, and no unknown reads as 0.
        table = at.dataframe[0].value
        shown_value = table.columns[5]
        unknown_rows = table[table[shown_value].isna()]
        assert unknown_rows["Rang"].isna().all(), key
    if code == ROUBAIX:   # its list names no measure: every pact measure figure is unknown
        assert checked["unknown"] >= 5 and checked["ranked"] >= 10, checked
    else:                 # no charging point in La Réunion's extract
        assert checked["absent"] >= 3, checked


def test_comparison_says_non_renseigne_for_every_unknown(full_app_env, full_engine):
    codes = [ROUBAIX, "59350", SAINT_DENIS]
    with full_engine.connect() as conn:
        values = indicator_values(conn, codes, COMPARED).set_index("insee_code")
    at = open_page("comparer", codes=",".join(codes))
    assert not at.exception, at.exception
    rows = pd.concat([frame.value for frame in at.dataframe[:3]]).set_index("Indicateur")
    labels = {ROUBAIX: "Roubaix (59)", SAINT_DENIS: "Saint-Denis (974)"}
    unknown = 0
    for key in COMPARED:
        item = INDICATORS[key]
        row = rows.loc[f"{item.label} ({item.unit})"]
        for code, label in labels.items():
            if pd.isna(values.loc[code, key]):
                unknown += 1
                expected = (energy.NO_FAST_CHARGER if key == "energy_nearest_fast_charger_km"
                            else NOT_RECORDED)
                assert row[label] == expected, (key, code, row[label])
            else:
                assert row[label] not in (NOT_RECORDED, "—"), (key, code)
    assert unknown >= 6
    assert rows.loc["Mesures du pacte engagées (mesures)", "Roubaix (59)"] == NOT_RECORDED


def test_pacte_csv_and_sheet_never_write_an_unrecorded_zero(full_app_env, full_engine):
    at = open_page("pacte")
    assert not at.exception, at.exception
    assert at.selectbox(key="measure").disabled   # no list names measures: no "0 communes" filter
    assert "Télécharger les communes (CSV)" in [b.proto.label for b in at.get("download_button")]
    # The file the button builds on click: the page's table through the CSV writer.
    with full_engine.connect() as conn:
        engaged = pact.engaged_communes(conn, "municipales-2020")
    text = csv_bytes(export_tables.pact_communes(engaged)).decode("utf-8-sig")
    rows = {row["Code Insee"]: row for row in csv.DictReader(io.StringIO(text), delimiter=";")}
    roubaix = rows[ROUBAIX]
    assert roubaix["Engagement du conseil"] == "Unanime"
    assert roubaix["Mesures engagées (mesures)"] == NOT_RECORDED
    assert roubaix["Mesures réalisées (mesures)"] == NOT_RECORDED
    assert not any(value in ("unanimous", "majority", "minority") for row in rows.values() for value in row.values())
    assert rows["59350"]["Noms publiés"] == "Hellemmes, Lille, Lomme"   # a list written out, not JSON
    with full_engine.connect() as conn:
        page = sheet.render_sheet(conn, ROUBAIX)
        reunion = sheet.render_sheet(conn, SAINT_DENIS)
    assert f"mesures engagées : {NOT_RECORDED}" in page and "engagées : 0" not in page
    assert energy.NO_FAST_CHARGER in reunion


def test_the_public_view_says_null_where_nothing_was_recorded(full_engine):
    # Analysts read observatory.commune_pact in QGIS or psql: no list names Roubaix's measures.
    with full_engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT council_commitment, measures_committed, measures_done, measures_in_progress, "
            "measures_abandoned, share_done FROM observatory.commune_pact WHERE insee_code = %(code)s",
            {"code": ROUBAIX}).one()
        zeros = conn.exec_driver_sql("SELECT count(*) FROM observatory.commune_pact WHERE measures_committed = 0 "
                                     "OR measures_done = 0 AND measures_committed IS NULL").scalar()
    assert row == ("unanimous", None, None, None, None, None)
    assert zeros == 0


def test_overseas_distances_stay_on_their_island(full_engine):
    with full_engine.connect() as conn:
        far = conn.exec_driver_sql("SELECT max(nearest_fast_charger_km) FROM observatory.commune_energy").scalar()
        reunion = energy.commune_energy(conn, SAINT_DENIS)
        ranks = energy.departement_ranks(conn, SAINT_DENIS)
    assert far < 200, far   # the mainland's farthest commune, not an ocean away
    assert reunion["nearest_fast_charger_km"] is None and reunion["charging_points"] == 0
    assert ranks["charging_points"] is None and ranks["nearest_fast_charger_km"] is None


def test_former_code_leads_to_the_current_commune(full_app_env):
    at = open_page("commune", code="59298")
    assert not at.exception, at.exception
    assert at.title[0].value == "Lille"
    assert any("59298" in i.value and "Lille (59350)" in i.value for i in at.info)
    ranking = open_page("classement", code="59298")
    link = next(p for p in ranking.get("page_link") if p.proto.label == "Ouvrir Lille")
    assert link.proto.query_string == "code=59350"
    unknown = open_page("fiche", code="00000")
    assert any("Aucune commune actuelle n'a le code 00000" in e.value for e in unknown.error)
    unknown.text_input(key="sheet-not-found-search").input("Roubaix").run()
    assert any(p.proto.query_string == "code=59512" for p in unknown.get("page_link"))
