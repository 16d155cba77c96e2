"""Unchanged sources are not reloaded; what is computed from them only when an input changed;
the force tag reloads everything."""
from __future__ import annotations

import psycopg
from dagster import materialize

from geodata.sources.cog import reader as cog
from geodata.sources.fetch import fetch
from pipelines.incremental import FORCE_TAG, same_files
from pipelines.reference import assets
from pipelines.resources import PostGIS, Sources

REFERENCE = [assets.cog_reference, assets.commune_contours, assets.communes]


def run(url, mirror, selection=None, force=False):
    result = materialize(REFERENCE, selection=selection, tags={FORCE_TAG: "true"} if force else None,
                         resources={"postgis": PostGIS(database_url=url), "sources": Sources(mirror=str(mirror))})
    assert result.success
    return {e.asset_key.to_user_string(): {k: v.value for k, v in e.materialization.metadata.items()}
            for e in result.get_asset_materialization_events()}


def load_runs(url) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM core.load_run").fetchone()[0]


def test_loads_record_one_or_several_files():
    assert same_files("ab12", ["ab12"]) and same_files("ab cd", ["ab99", "cd00"])
    assert not same_files("ab12", ["ab13"]) and not same_files("ab", ["ab", "cd"]) and not same_files(None, ["ab"])


def test_unchanged_sources_load_nothing_and_force_reloads(reference_db, mirror):
    # The fixture loaded the reference from these very files: nothing to do.
    before = load_runs(reference_db)
    metadata = run(reference_db, mirror)
    assert load_runs(reference_db) == before
    assert all(m["unchanged"] is True for m in metadata.values())
    assert metadata["cog_reference"]["vintage"] == "2026"
    assert fetch(cog.COMMUNES, mirror=mirror).sha256 in metadata["cog_reference"]["source_hash"].split()
    assert metadata["commune_contours"]["vintage"] == "2018"
    assert len(metadata["commune_contours"]["source_hash"]) == 64
    assert "rows_loaded" not in metadata["communes"]

    forced = run(reference_db, mirror, force=True)
    assert "unchanged" not in forced["cog_reference"] and forced["cog_reference"]["rows_loaded"] == 34_969
    assert forced["communes"]["rows_loaded"] == 34_868
    assert load_runs(reference_db) == before + 7   # five COG tables, the contours, the communes

    again = run(reference_db, mirror)
    assert all(m["unchanged"] is True for m in again.values())
    assert load_runs(reference_db) == before + 7


def test_derived_asset_recomputed_when_an_input_was_published(reference_db, mirror):
    run(reference_db, mirror, selection=[assets.commune_contours.key], force=True)
    metadata = run(reference_db, mirror, selection=[assets.communes.key])
    assert "unchanged" not in metadata["communes"] and metadata["communes"]["rows_loaded"] == 34_868
    assert run(reference_db, mirror, selection=[assets.communes.key])["communes"]["unchanged"] is True


def test_checks_of_an_unchanged_asset_keep_their_latest_evaluation(reference_db, mirror):
    from dagster import DagsterInstance

    from pipelines.reference import checks

    resources = {"postgis": PostGIS(database_url=reference_db), "sources": Sources(mirror=str(mirror))}
    with DagsterInstance.ephemeral() as instance:
        first = materialize([*REFERENCE, checks.no_duplicate_code, checks.population_matches_cog],
                            resources=resources, instance=instance, tags={FORCE_TAG: "true"})
        second = materialize([*REFERENCE, checks.no_duplicate_code, checks.population_matches_cog],
                             resources=resources, instance=instance)
    evaluated = {e.check_name: e for e in first.get_asset_check_evaluations()}
    reused = {e.check_name: e for e in second.get_asset_check_evaluations()}
    assert set(reused) == set(evaluated) == {"no_duplicate_code", "population_matches_cog"}
    for name, evaluation in reused.items():
        assert evaluation.passed and evaluation.metadata["reused_from_run"].value == first.run_id
        assert "reused_from_run" not in evaluated[name].metadata
