"""The arrêté DPE 2026 through its Dagster asset, on the real database and mirror: tables, public
views, quarantine, Écoréseau joins and the commune indicators it makes known."""
from __future__ import annotations

import psycopg
import pytest
from dagster import materialize

from geodata.sources.heat import load
from observatory.energy import refresh_commune_energy
from pipelines.energy import assets as energy_assets
from pipelines.energy import checks as energy_checks
from pipelines.heat import assets as heat_assets
from pipelines.heat import checks as heat_checks
from pipelines.incremental import FORCE_TAG
from pipelines.resources import PostGIS, Sources


@pytest.fixture(scope="module")
def arrete_run(reference_db, mirror):
    result, runs_before = load_arrete(reference_db, mirror, checks=[
        heat_checks.arrete_networks_attached, heat_checks.laureates_in_arrete, energy_checks.one_row_per_commune])
    yield result
    unload_arrete(reference_db, runs_before)


def load_arrete(url: str, mirror, checks=()):
    """The arrêté and what it feeds, materialised with `checks`; forced, so that it is a load of its
    own even when another module of the session loaded the same files before. Returns the result
    and the last load run before it (for `unload_arrete`)."""
    runs_before = last_load_run(url)
    result = materialize(
        [heat_assets.fcu_opendata_archive, heat_assets.heat_networks, heat_assets.ecoreseau_labels,
         heat_assets.heat_potential, heat_assets.heat_networks_arrete, energy_assets.commune_energy, *checks],
        resources={"postgis": PostGIS(database_url=url), "sources": Sources(mirror=str(mirror))},
        tags={FORCE_TAG: "true"}, raise_on_error=True)
    assert result.success
    return result, runs_before


def last_load_run(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT coalesce(max(id), 0) FROM core.load_run").fetchone()[0]


def unload_arrete(url: str, runs_before: int) -> None:
    """Leave the shared reference database as the other modules expect it: no arrêté, and no
    record of the loads made here (a later module loads its sources again, as it expects)."""
    with psycopg.connect(url) as conn:
        conn.execute("TRUNCATE core.heat_network_arrete, core.heat_network_commune")
        conn.execute("DELETE FROM core.quarantined_row WHERE source LIKE 'fcu-arrete-%'")
        refresh_commune_energy(conn)
        conn.execute("DELETE FROM core.load_run WHERE id > %s", (runs_before,))


def test_asset_metadata_and_checks(arrete_run):
    metadata = {e.asset_key.to_user_string(): e.step_materialization_data.materialization.metadata
                for e in arrete_run.get_asset_materialization_events()}
    arrete = {key: value.value for key, value in metadata["heat_networks_arrete"].items()}
    assert (arrete["rows_read"], arrete["rows_loaded"], arrete["rows_quarantined"]) == (1086, 1086, 0)
    assert (arrete["heat_networks"], arrete["cold_networks"]) == (1039, 47)
    assert arrete["networks_attached"] == 1084 and arrete["attached_share_pct"] == 99.82
    assert arrete["communes_with_a_network"] == 861 and arrete["attachments"] == 1087
    assert arrete["localities_quarantined_by_reason"] == {"ambiguous_locality": 1, "intercommunality": 1}
    assert "SAINT MEDARD" in arrete["localities_quarantined"] and "METROPOLE DE LYON" in arrete["localities_quarantined"]
    energy = {key: value.value for key, value in metadata["commune_energy"].items()}
    assert energy["heat_layer_available"] is False and energy["heat_arrete_loaded"] is True
    assert energy["communes_with_heat_network"] > 800
    checks = {c.check_name: c for c in arrete_run.get_asset_check_evaluations()}
    assert all(check.passed for check in checks.values()), {n: c.metadata for n, c in checks.items()}
    assert checks["laureates_in_arrete"].metadata["in_arrete"].value == 137
    assert checks["laureates_in_arrete"].metadata["with_communes"].value == 136


def test_public_views(arrete_run, reference_db):
    with psycopg.connect(reference_db) as conn:
        networks, in_arrete, with_trace = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE in_arrete), count(*) FILTER (WHERE has_trace) "
            "FROM observatory.heat_network").fetchone()
        assert (networks, in_arrete, with_trace) == (1086, 1086, 0)   # no traces in the mirror
        belley = conn.execute(
            """SELECT name, kind, locality, insee_codes, co2_kg_per_kwh, co2_lca_kg_per_kwh, renewable_share_pct,
                      reference_year, values_source, trace_id FROM observatory.heat_network WHERE sncu_id = '0106C'"""
        ).fetchone()
        assert belley == ("BELENA", "heat", "BELLEY", ["01034"], 0.016, 0.041, 94.0, None, "arrêté DPE 2026", None)
        tours = conn.execute("""SELECT insee_code, commune_name, match_method, matched_name, from_list
                                FROM observatory.heat_network_commune WHERE sncu_id = '3712C' ORDER BY 1""").fetchall()
        assert tours == [("37195", "La Riche", "exact", "LA RICHE", True), ("37261", "Tours", "exact", "TOURS", True)]
        quarantined = conn.execute("SELECT row_ref, reason FROM observatory.quarantined_row WHERE source = %s "
                                   "ORDER BY 1", (f"{load.ARRETE_SOURCE}-communes",)).fetchall()
        assert quarantined == [("3328C", "ambiguous_locality"), ("6930C", "intercommunality")]
        # Écoréseau laureates reach their network's communes by the SNCU id.
        bourg = conn.execute("""SELECT arrete_network_name, served_insee_codes FROM observatory.ecoreseau_label
                                WHERE sncu_id = '0108C'""").fetchone()
        assert bourg[1] == ["01053"] and bourg[0]
        granted = conn.execute("SELECT count(*) FROM information_schema.role_table_grants WHERE grantee = "
                               "'observatory_reader' AND table_schema = 'observatory' AND table_name IN "
                               "('heat_network', 'heat_network_commune', 'ecoreseau_label')").fetchone()[0]
        assert granted == 3


def test_commune_indicators_known_from_the_arrete(arrete_run, reference_db):
    with psycopg.connect(reference_db) as conn:
        lille = conn.execute(
            """SELECT heat_network_present, heat_network_count, best_renewable_share_pct, lowest_co2_kg_per_kwh,
                      heat_network_length_km, heat_arrete_loaded, heat_layer_available, score_heat_network,
                      ecoreseau_label_basis, jsonb_array_length(heat_networks)
               FROM observatory.commune_energy WHERE insee_code = '59350'""").fetchone()
        assert lille[:6] == (True, 3, 65.8, 0.086, None, True)   # length unknown without traces
        assert lille[6] is False and lille[7] == 100 and lille[9] == 3
        assert "network_serving" in lille[8]
        # A commune the arrêté lists no network for: known "no", not unknown.
        none = conn.execute("""SELECT heat_network_present, heat_network_count, heat_networks, score_heat_network
                               FROM observatory.commune_energy WHERE insee_code = '01001'""").fetchone()
        assert none == (False, 0, [], 0)
        # A cold network is listed, but counts and rates are of heat networks.
        cold = conn.execute("""SELECT e.heat_networks FROM observatory.commune_energy e
                               JOIN observatory.heat_network_commune hc USING (insee_code)
                               WHERE hc.sncu_id = '0608F'""").fetchone()[0]
        assert {n["sncu_id"]: n["kind"] for n in cold} == {"0608C": "heat", "0608F": "cold"}


def test_traces_and_arrete_join_on_the_sncu_id(arrete_run, pg, fcu_mirror):
    """With traces (the SYNTHETIC fixture: 0108C in Bourg-en-Bresse), one network is one row of
    observatory.heat_network and is counted once in its commune, with the arrêté's values and
    the traces' length."""
    load.load_archive(pg, load.obtain_archive(fcu_mirror))
    refresh_commune_energy(pg)
    row = pg.execute("""SELECT in_arrete, trace_id IS NOT NULL, has_trace, values_source, insee_codes
                        FROM observatory.heat_network WHERE sncu_id = '0108C'""").fetchall()
    assert row == [(True, True, True, "arrêté DPE 2026", ["01053"])]
    traces_only = pg.execute("SELECT count(*) FROM observatory.heat_network WHERE NOT in_arrete").fetchone()[0]
    assert traces_only == 2     # 0198C and 0199C: synthetic ids absent from the arrêté
    networks, length, count, available = pg.execute(
        """SELECT heat_networks, heat_network_length_km, heat_network_count, heat_layer_available
           FROM observatory.commune_energy WHERE insee_code = '01053'""").fetchone()
    bourg = [n for n in networks if n["sncu_id"] == "0108C"]
    assert len(bourg) == 1 and bourg[0]["in_arrete"] and bourg[0]["has_trace"]
    assert bourg[0]["length_in_commune_km"] > 0 and length > 0 and available
    assert count == len({n["sncu_id"] for n in networks if n["kind"] == "heat"})
