"""The cluster's Dagster instance (deploy/dagster/dagster.yaml) loads, validates against
Dagster's config schema, and its PostgreSQL storage works on a real server."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import yaml
from dagster import DagsterInstance
from dagster._config import process_config
from dagster._core.instance.config import dagster_instance_config
from dagster._serdes.config_class import class_from_code_pointer

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "dagster"


@pytest.fixture
def dagster_storage(db_url, monkeypatch) -> str:
    """A database of its own for Dagster's tables, and the environment the config reads."""
    parts = urlsplit(db_url)
    name = f"{parts.path.lstrip('/')}_dagster"
    with psycopg.connect(db_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    monkeypatch.setenv("DAGSTER_PG_HOST", parts.hostname)
    monkeypatch.setenv("DAGSTER_PG_USER", parts.username)
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", parts.password or "")
    monkeypatch.setenv("DAGSTER_PG_DB", name)
    monkeypatch.setenv("DAGSTER_K8S_NAMESPACE", "observatory")
    return name


def test_cluster_instance_validates_and_stores_runs_in_postgres(dagster_storage, db_url, monkeypatch):
    config, _ = dagster_instance_config(str(DEPLOY))   # raises on anything the schema refuses
    for part in ("run_launcher", "run_coordinator", "scheduler"):
        pointer = config[part]
        configurable = class_from_code_pointer(pointer["module"], pointer["class"])
        result = process_config(configurable.config_type(), pointer.get("config") or {})
        assert result.success, (part, result.errors)
    assert config["run_launcher"]["class"] == "K8sRunLauncher"

    # The storage the file describes, on a real server: the port is the test cluster's.
    port = urlsplit(db_url).port
    text = (DEPLOY / "dagster.yaml").read_text().replace("port: 5432", f"port: {port}")
    home = DEPLOY.parent.parent / "test-artifacts" / "cluster-dagster-home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(text)
    with DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert instance.get_runs() == []
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
    with psycopg.connect(db_url.rsplit("/", 1)[0] + f"/{dagster_storage}") as conn:
        assert conn.execute("SELECT to_regclass('runs') IS NOT NULL AND to_regclass('event_logs') IS NOT NULL"
                            ).fetchone()[0]


def test_helm_values_use_the_k8s_launcher_and_postgres_with_psycopg2():
    values = yaml.safe_load((DEPLOY / "values.yaml").read_text())
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert values["postgresql"]["postgresqlScheme"] == "postgresql+psycopg2"
    assert values["postgresql"]["enabled"] is False
    deployment, = values["dagster-user-deployments"]["deployments"]
    assert deployment["dagsterApiGrpcArgs"] == ["--module-name", "pipelines.definitions"]
