"""What `observatory pipelines` runs: schedules and the import sensor on by default, and any
asset name accepted by `--select`."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from dagster import AssetKey, DefaultScheduleStatus, DefaultSensorStatus

from observatory.cli import main
from observatory.services import dagster_env, dagster_storage_url, service_logs
from pipelines.definitions import defs
from pipelines.run import UnknownAssets, asset_names, resolve_selection


def test_schedules_and_import_sensor_are_running_by_default():
    repository = defs.get_repository_def()
    schedules = {s.name: s.default_status for s in repository.schedule_defs}
    sensors = {s.name: s.default_status for s in repository.sensor_defs}
    assert schedules == {"weekly_refresh": DefaultScheduleStatus.RUNNING,
                         "irve_daily": DefaultScheduleStatus.RUNNING,
                         "heat_monthly": DefaultScheduleStatus.RUNNING,
                         "freshness_hourly": DefaultScheduleStatus.RUNNING}
    assert sensors == {"pact_import_folder_sensor": DefaultSensorStatus.RUNNING}


def test_the_refresh_hook_runs_on_asset_steps_only():
    """Each hook writes an event to Dagster's log on every step it is attached to, run or
    skipped: one hook, on the asset steps, in every job that refreshes."""
    from dagster._core.definitions.dependency import NodeHandle

    repository = defs.get_repository_def()
    for name in ("refresh_all", "irve_refresh", "heat_refresh", "pact_import"):
        job = defs.resolve_job_def(name)
        hooks = {node.name: {h.name for h in job.get_all_hooks_for_handle(NodeHandle(node.name, None))}
                 for node in job.nodes}
        steps_of_assets = {repository.asset_graph.get(key).assets_def.node_def.name
                           for key in job.asset_layer.selected_asset_keys}
        assert {n for n, h in hooks.items() if h} == steps_of_assets, name
        assert all(h == {"refresh_recorded"} for n, h in hooks.items() if n in steps_of_assets), name


def keys(*names: str) -> set[AssetKey]:
    return {AssetKey(name) for name in names}


def test_an_asset_of_a_multi_asset_brings_its_siblings_and_the_file_it_reads():
    assert resolve_selection("charging_points") == keys("charging_points", "charging_point_quarantine",
                                                        "irve_source")
    assert resolve_selection("charging_point_quarantine") == resolve_selection("charging_points")
    assert resolve_selection("heat_networks") == keys("heat_networks", "fcu_opendata_archive")
    assert resolve_selection("communes") == keys("communes")
    downstream = resolve_selection("irve_source*")
    assert keys("irve_source", "charging_points", "charging_point_quarantine", "commune_energy") <= downstream
    assert not keys("communes", "cog_reference", "heat_networks") & downstream
    assert resolve_selection("*") == {AssetKey(name) for name in asset_names()}


def test_an_unknown_name_lists_the_valid_ones():
    with pytest.raises(UnknownAssets, match="unknown asset charging_point; valid names: "
                                            "charging_point_quarantine, charging_points, cog_reference"):
        resolve_selection("communes,charging_point")


@pytest.fixture
def cli_env(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))


def test_cli_unknown_name_says_one_line_without_traceback(cli_env, capsys):
    assert main(["pipelines", "--select", "charging_point"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("observatory pipelines: unknown asset charging_point; valid names: ")
    assert "\n" not in err and "Traceback" not in err


def test_cli_runs_one_asset_of_a_multi_asset(cli_env, reference_db, db_url, capsys):
    assert main(["pipelines", "--select", "charging_points"]) == 0
    out = capsys.readouterr().out
    for step in ("irve_source", "charging_points"):
        assert f'Finished execution of step "{step}"' in out
    assert "Asset check 'quarantine_is_small' on 'charging_point_quarantine' passed" in out
    assert 'step "commune_energy"' not in out
    # Dagster's runs and events went to PostgreSQL, in the database beside the observatory's.
    with psycopg.connect(f"{db_url}_dagster") as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] >= 1
        assert conn.execute("SELECT count(*) FROM event_logs WHERE dagster_event_type = 'STEP_SUCCESS'"
                            ).fetchone()[0] >= 2


def test_cli_dagster_command_reaches_the_observatory_instance(cli_env, capfd):
    """`observatory dagster ARGS`: Dagster's command with the observatory's DAGSTER_HOME and its
    storage in PostgreSQL (dagster.yaml reads DAGSTER_PG_URL, which the command sets)."""
    assert main(["dagster", "instance", "info"]) == 0
    out = capfd.readouterr().out
    assert "run_storage: PostgresRunStorage" in out
    assert "event_log_storage: PostgresEventLogStorage" in out


@pytest.fixture
def role_without_createdb(db_url):
    """A login role that may not create databases, as on many managed servers, and the URL of
    a database of that name (whose `_dagster` database does not exist)."""
    role = f"{urlsplit(db_url).path.lstrip('/')}_no_createdb"
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{role}_dagster"')
        conn.execute(f'DROP ROLE IF EXISTS "{role}"')
        conn.execute(f'CREATE ROLE "{role}" LOGIN NOCREATEDB')
    host = urlsplit(db_url).netloc.rsplit("@", 1)[-1]
    yield urlsplit(db_url)._replace(netloc=f"{role}@{host}", path=f"/{role}").geturl()
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(f'DROP ROLE "{role}"')


def test_dagster_database_that_cannot_be_created_says_what_to_set(role_without_createdb, monkeypatch):
    monkeypatch.delenv("DAGSTER_PG_URL", raising=False)
    with pytest.raises(RuntimeError, match=r"^Dagster's database \S+_dagster could not be created or opened "
                                           r"\(.*permission denied.*\); set DAGSTER_PG_URL to a database"):
        dagster_storage_url(role_without_createdb)
    monkeypatch.setenv("DAGSTER_PG_URL", "postgresql+psycopg2://elsewhere/dagster")
    assert dagster_storage_url(role_without_createdb) == "postgresql+psycopg2://elsewhere/dagster"


def test_service_logs_stay_out_of_dagsters_telemetry_upload(db_url, tmp_path, monkeypatch):
    """Dagster's webserver and daemon send the files of $DAGSTER_HOME/logs to its telemetry
    server (dagster._core.telemetry_upload) unless DAGSTER_DISABLE_TELEMETRY is set."""
    from dagster._core.telemetry_upload import is_running_in_test
    from dagster_shared.telemetry import get_or_create_dir_from_dagster_home

    for variable in ("DAGSTER_DISABLE_TELEMETRY", "BUILDKITE", "TF_BUILD"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    assert service_logs().resolve() != Path(get_or_create_dir_from_dagster_home("logs")).resolve()
    assert not is_running_in_test()   # Dagster's name for "do not upload"
    monkeypatch.setenv("DAGSTER_DISABLE_TELEMETRY", dagster_env(db_url)["DAGSTER_DISABLE_TELEMETRY"])
    assert is_running_in_test()
