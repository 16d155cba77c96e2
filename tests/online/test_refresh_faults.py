"""Download faults, one test each, on the database the online refresh filled: each ends in a clear
message (or a success after retrying or following), and the published data stay as they were.

The refresh of the Écoréseau labels (two small CSVs from FCU's repository) stands for every
download: all go through geodata.sources.fetch. Each test starts from an empty download cache, so
that its request is not answered 304 from the refresh's cache.
"""
from __future__ import annotations

import json

import psycopg
import pytest
from dagster import DagsterEventType, DagsterInstance

from geodata.sources.fetch import DownloadError, fetch
from geodata.sources.heat import sources as fcu
from observatory.sources import TECHNICAL
from pipelines.run import run
from tests.conftest import build_fcu_archive
from tests.online.conftest import online_env, run_pipelines
from tests.online.official_files import FCU_ARCHIVE_PATH, Resource, fcu_dataset_answer, url_path
from tests.online.server import BUSY, BUSY_RETRY_AFTER_S, CUT, HTML_ERROR_PAGE, MOVED, NOT_FOUND, SERVER_ERROR, SLOW

LABELS = url_path(fcu.ECORESEAU_2025.url)


@pytest.fixture
def online(online_refresh, official_host, online_db, tmp_path, monkeypatch):
    """This process as a user without mirror: sources from the loopback host, a fresh cache, one
    retry, a short timeout (the host answers in milliseconds)."""
    assert online_refresh.code == 0
    monkeypatch.setenv("OBSERVATORY_MIRROR", "")
    monkeypatch.setenv("DATABASE_URL", online_db)
    monkeypatch.setenv("OBSERVATORY_SOURCE_BASE_URL", official_host.base_url)
    monkeypatch.setenv("OBSERVATORY_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("OBSERVATORY_DOWNLOAD_RETRIES", "1")
    monkeypatch.setenv("OBSERVATORY_DOWNLOAD_TIMEOUT", "1")
    yield official_host
    official_host.faults.clear()


def published(db: str) -> tuple:
    """The labels as published, and their latest load."""
    with psycopg.connect(db) as conn:
        return conn.execute(
            """SELECT (SELECT md5(string_agg(l::text, ',' ORDER BY l::text)) FROM core.ecoreseau_label l),
                      (SELECT max(id) FROM core.load_run WHERE source = 'fcu-ecoreseau')""").fetchone()


def refresh(asset: str):
    result = run(asset, instance=DagsterInstance.ephemeral())
    failures = [e.step_failure_data.error for e in result.all_events
                if e.event_type == DagsterEventType.STEP_FAILURE]
    if not failures:
        return result, None
    error = failures[0]
    while error.cause:   # under Dagster's own wrapper
        error = error.cause
    return result, error.message.strip()


def refresh_failure(db: str, asset: str) -> str:
    with psycopg.connect(db) as conn:
        return conn.execute("SELECT failure FROM core.source_refresh WHERE asset = %s AND NOT succeeded",
                            (asset,)).fetchone()[0]


def statuses(host, path: str) -> list[int]:
    return [seen.status for seen in host.seen(path)]


def fails_cleanly(host, db, fault_statuses: list[int], *faults: str) -> tuple[str, str]:
    """Refresh the labels with `faults` on their file: the step fails, nothing is published or
    cached; returns the error and the French line the Données page shows."""
    before, served = published(db), len(host.seen(LABELS))
    host.fail(LABELS, *faults)
    result, error = refresh("ecoreseau_labels")
    assert not result.success and error
    assert statuses(host, LABELS)[served:] == fault_statuses
    assert published(db) == before
    return error, refresh_failure(db, "ecoreseau_labels")


def no_partial_file(tmp_path) -> bool:
    return not [p for p in (tmp_path / "cache").rglob("*") if p.is_file() and p.name != "index.json"
                and "Laureats_Label_Ecoreseau_2025" in p.name]


def test_not_found(online, online_db, tmp_path):
    error, shown = fails_cleanly(online, online_db, [404], NOT_FOUND)
    assert error.startswith("geodata.sources.fetch.DownloadError: fcu-ecoreseau-2025: ")
    assert "answered HTTP 404 Not Found; the data already published are unchanged" in error
    assert shown.startswith("fichier introuvable à son adresse officielle (HTTP 404)" + TECHNICAL)
    assert no_partial_file(tmp_path)


def test_server_error_then_success(online, online_db, caplog):
    before = published(online_db)
    online.fail(LABELS, SERVER_ERROR)
    with caplog.at_level("INFO", logger="geodata.download"):
        result, error = refresh("ecoreseau_labels")
    assert result.success and error is None
    assert statuses(online, LABELS)[-2:] == [500, 200]
    assert "fcu-ecoreseau-2025: HTTP 500 Internal Server Error; new attempt in 1 s (1/1)" in caplog.text
    # Same file as the one published: recorded unchanged, nothing reloaded.
    assert result.asset_materializations_for_node("ecoreseau_labels")[0].metadata["unchanged"].value
    assert published(online_db) == before


def test_timeout(online, online_db, tmp_path):
    error, shown = fails_cleanly(online, online_db, [200, 200], SLOW, SLOW)
    assert "could not download" in error and "no answer within 1 s (ReadTimeout) (2 attempts)" in error
    assert shown.startswith("téléchargement impossible : le serveur n'a pas répondu à temps (2 essais)")
    assert no_partial_file(tmp_path)


def test_transfer_cut_midway(online, online_db, tmp_path):
    error, shown = fails_cleanly(online, online_db, [200, 200], CUT, CUT)
    assert "the connection failed or was cut (RemoteProtocolError" in error and "(2 attempts)" in error
    assert shown.startswith("téléchargement impossible : la connexion a échoué ou le transfert a été "
                            "interrompu (2 essais)")
    assert no_partial_file(tmp_path)


def test_html_error_page_with_status_200(online, online_db, tmp_path):
    error, shown = fails_cleanly(online, online_db, [200], HTML_ERROR_PAGE)
    assert "answered with an HTML page (HTTP 200), not the data file" in error
    assert shown.startswith("le serveur a répondu par une page web au lieu du fichier")
    assert no_partial_file(tmp_path)


def test_redirect_is_followed(online, online_db):
    before = published(online_db)
    online.fail(LABELS, MOVED)
    result, error = refresh("ecoreseau_labels")
    assert result.success and error is None
    assert statuses(online, LABELS)[-2:] == [301, 200]
    assert published(online_db) == before


def test_changed_file_is_reloaded(online, online_db, tmp_path):
    """Next month's archive (another dated resource in the dataset's answer) is loaded; the
    networks it no longer has are gone."""
    site = online.site
    api = url_path(fcu.FCU_DATASET_API)
    original = dict(site)
    with psycopg.connect(online_db) as conn:
        before = conn.execute("SELECT count(*), (SELECT max(id) FROM core.load_run "
                              "WHERE source = 'fcu-heat-network') FROM core.heat_network").fetchone()
    next_month = FCU_ARCHIVE_PATH.replace("20251101", "20251201")
    answer = tmp_path / "dataset.json"
    answer.write_text(json.dumps(fcu_dataset_answer(next_month, modified="2025-12-01T00:00:00")))
    try:
        site[next_month] = Resource(build_fcu_archive(tmp_path / "opendata-fcu.zip", ["reseaux_de_chaleur.geojson"]),
                                    "application/zip")
        site[api] = Resource(answer, "application/json")
        result, error = refresh("heat_networks")
    finally:
        site.clear()
        site.update(original)
    assert result.success and error is None
    assert statuses(online, next_month) == [200]
    with psycopg.connect(online_db) as conn:
        count, load = conn.execute("SELECT count(*), (SELECT max(id) FROM core.load_run "
                                   "WHERE source = 'fcu-heat-network') FROM core.heat_network").fetchone()
        location = conn.execute("SELECT source_url FROM core.load_run WHERE id = %s", (load,)).fetchone()[0]
    assert load > before[1] and location.endswith(next_month)
    assert 0 < count < before[0]   # the networks without trace were in the other file


def test_what_the_user_sees_on_a_404(online_refresh, official_host, online_folder, online_db):
    """`observatory pipelines`: the failed step, and under it why, in one line."""
    arrete = url_path(fcu.ARRETE_DPE_2026.url)
    official_host.fail(arrete, NOT_FOUND)
    try:
        env = online_env(official_host, online_folder, online_db)
        shown = run_pipelines({**env, "OBSERVATORY_CACHE": str(online_folder / "fresh-cache")},
                              "--select", "heat_networks_arrete")
    finally:
        official_host.faults.clear()
    assert shown.code == 1
    lines = shown.output.splitlines()
    failed = next(i for i, line in enumerate(lines) if 'Execution of step "heat_networks_arrete" failed' in line)
    assert lines[failed + 1].strip().startswith(
        "geodata.sources.fetch.DownloadError: fcu-arrete-dpe-2026: http://127.0.0.1:")
    assert "answered HTTP 404 Not Found; the data already published are unchanged" in lines[failed + 1]


def test_a_pinned_file_with_another_content_is_refused(official_host, tmp_path, monkeypatch):
    """The arrêté is pinned to a commit and its hash: other bytes under its URL are refused."""
    monkeypatch.setenv("OBSERVATORY_SOURCE_BASE_URL", official_host.base_url)
    monkeypatch.setenv("OBSERVATORY_CACHE", str(tmp_path / "cache"))
    path = url_path(fcu.ARRETE_DPE_2026.url)
    original = official_host.site[path]
    altered = tmp_path / "2026.csv"
    altered.write_bytes(original.path.read_bytes().replace(b"0,", b"1,", 1))
    official_host.serve(path, altered)
    try:
        with pytest.raises(DownloadError, match=r"is not the pinned file \(sha256 [0-9a-f]{12}\.\.\., expected "
                                                r"25987c09cf5c\.\.\.\); the data already published are unchanged"):
            fetch(fcu.ARRETE_DPE_2026, mirror=None)
    finally:
        official_host.site[path] = original
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file() and p.name != "index.json"]


def test_a_busy_server_is_asked_again_when_it_says(official_host, tmp_path, monkeypatch, caplog):
    """503 with Retry-After: the next attempt waits what the server asked, not the default 1 s."""
    monkeypatch.setenv("OBSERVATORY_SOURCE_BASE_URL", official_host.base_url)
    monkeypatch.setenv("OBSERVATORY_CACHE", str(tmp_path / "cache"))
    official_host.fail(LABELS, BUSY)
    with caplog.at_level("INFO", logger="geodata.download"):
        fetched = fetch(fcu.ECORESEAU_2025, mirror=None)
    assert statuses(official_host, LABELS)[-2:] == [503, 200]
    assert f"HTTP 503 Service Unavailable; new attempt in {BUSY_RETRY_AFTER_S} s (1/3)" in caplog.text
    assert fetched.path.read_bytes() == official_host.site[LABELS].path.read_bytes()
