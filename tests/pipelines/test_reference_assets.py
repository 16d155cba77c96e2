"""The Dagster definitions load, and the reference assets materialise on the real database."""
from dagster import AssetKey, materialize

from pipelines.definitions import defs
from pipelines.incremental import FORCE_TAG
from pipelines.reference import assets, checks
from pipelines.resources import PostGIS, Sources


def test_definitions_load_with_a_weekly_schedule():
    repository = defs.get_repository_def()
    keys = {key.to_user_string() for key in repository.asset_graph.get_all_asset_keys()}
    assert {"cog_reference", "commune_contours", "communes"} <= keys
    schedule = defs.get_schedule_def("weekly_refresh")
    assert schedule.cron_schedule == "0 3 * * 1"


def test_reference_assets_materialise_with_metadata_and_passing_checks(reference_db, mirror):
    # Forced: the fixture loaded these very files, which a plain run would leave as they are.
    result = materialize(
        [assets.cog_reference, assets.commune_contours, assets.communes],
        resources={"postgis": PostGIS(database_url=reference_db), "sources": Sources(mirror=str(mirror))},
        tags={FORCE_TAG: "true"},
    )
    assert result.success
    metadata = {
        event.asset_key.to_user_string(): event.materialization.metadata
        for event in result.get_asset_materialization_events()
    }
    assert metadata["cog_reference"]["rows_loaded"].value == 34_969
    assert metadata["commune_contours"]["rows_read"].value == 35_357
    assert len(metadata["commune_contours"]["source_hash"].value) == 64
    assert metadata["communes"]["rows_loaded"].value == 34_868
    assert metadata["communes"]["communes_without_geometry"].value == 101
    assert metadata["communes"]["vintage"].value == "2018"


def test_reference_checks_pass_on_the_loaded_database(reference_db, mirror):
    result = materialize(
        [assets.communes, *_checks()],
        resources={"postgis": PostGIS(database_url=reference_db), "sources": Sources(mirror=str(mirror))},
    )
    evaluations = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert evaluations == {
        "every_commune_has_valid_geometry": True, "geometries_in_lambert93": True,
        "population_matches_cog": True, "no_duplicate_code": True,
        "communes_without_geometry_are_few": True, "areas_are_true": True,
    }
    assert all(e.asset_key == AssetKey("communes") for e in result.get_asset_check_evaluations())


def _checks():
    return [checks.every_commune_has_valid_geometry, checks.geometries_in_lambert93,
            checks.population_matches_cog, checks.no_duplicate_code,
            checks.communes_without_geometry_are_few, checks.areas_are_true]


def test_population_check_fails_when_a_commune_is_missing(reference_db, mirror):
    import psycopg

    with psycopg.connect(reference_db) as conn:
        # The stored columns only: generated ones (name_folded) cannot be inserted.
        columns = [c for c, in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'core' "
            "AND table_name = 'commune' AND is_generated = 'NEVER' ORDER BY ordinal_position")]
        row = conn.execute(f"SELECT {', '.join(columns)} FROM core.commune WHERE insee_code = '59350'").fetchone()
        conn.execute("DELETE FROM core.commune WHERE insee_code = '59350'")
        conn.commit()
        try:
            evaluation = checks.population_matches_cog(postgis=PostGIS(database_url=reference_db),
                                                       sources=Sources(mirror=str(mirror)))
            assert not evaluation.passed
            assert evaluation.metadata["cog_total"].value - evaluation.metadata["published"].value == 238_246
        finally:
            conn.execute(f"INSERT INTO core.commune ({', '.join(columns)}) "
                         f"VALUES ({', '.join(['%s'] * len(row))})", row)
            conn.commit()


def test_area_check_fails_on_an_area_measured_in_lambert93(reference_db):
    import psycopg

    with psycopg.connect(reference_db) as conn:
        true_area = conn.execute("SELECT area_km2 FROM core.commune_boundary WHERE insee_code = '97411'").fetchone()[0]
        # What Saint-Denis (La Réunion) measured before issue 17: 497 km² instead of 141.6.
        conn.execute("UPDATE core.commune_boundary SET area_km2 = ST_Area(geom) / 1e6 WHERE insee_code = '97411'")
        conn.commit()
        try:
            evaluation = checks.areas_are_true(postgis=PostGIS(database_url=reference_db))
        finally:
            conn.execute("UPDATE core.commune_boundary SET area_km2 = %s WHERE insee_code = '97411'", (true_area,))
            conn.commit()
    assert not evaluation.passed
    assert evaluation.metadata["outside_tolerance"].value == 1
    assert evaluation.metadata["largest_error_pct_overseas"].value > 250
    assert evaluation.metadata["largest_error_pct_mainland"].value < 0.01
    assert "| 97411 | Saint-Denis | 49" in evaluation.metadata["outside_tolerance_list"].value
