"""Loads are repeatable and atomic: a failed or killed load leaves the published table intact."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import psycopg
import pytest

from geodata.load import LoadError, LoadReport, count_check, publish
from geodata.sources.contours.load import load_contours
from geodata.sources.contours.reader import COMMUNES_2018
from geodata.sources.fetch import fetch

CHECKSUM = "SELECT count(*), md5(string_agg(code || ST_AsEWKB(geom)::text, ',' ORDER BY code)) FROM core.commune_contour"


def test_loading_twice_gives_identical_tables(pg, mirror):
    fetched = fetch(COMMUNES_2018, mirror=mirror)
    first = pg.execute(CHECKSUM).fetchone()
    report = load_contours(pg, fetched)
    assert report.rows_loaded == report.rows_read == 35_357
    assert pg.execute(CHECKSUM).fetchone() == first


def test_a_failing_check_publishes_nothing(pg):
    before = pg.execute("SELECT count(*) FROM core.region").fetchone()[0]
    report = LoadReport(source="test", target_table="region")
    with pytest.raises(LoadError, match="left unchanged"):
        publish(pg, report, staging_columns=[("code", "varchar(3)"), ("name", "text")],
                rows=[("99", "Nowhere")],
                checks=[count_check("SELECT count(*) FROM staging WHERE code = '99'", "{count} bad rows")])
    assert before > 0
    assert pg.execute("SELECT count(*) FROM core.region").fetchone()[0] == before


KILLED_LOAD = textwrap.dedent("""
    import sys, time, psycopg
    from geodata.load import LoadReport, publish
    def rows():
        for i in range(1000):
            yield (f"{i:03d}", "partial")
        print("copying", flush=True)
        time.sleep(120)
    with psycopg.connect(sys.argv[1]) as conn:
        publish(conn, LoadReport(source="killed", target_table="region"),
                staging_columns=[("code", "varchar(3)"), ("name", "text")], rows=rows())
""")


def test_a_killed_load_leaves_the_previous_rows(reference_db):
    with psycopg.connect(reference_db) as conn:
        before = conn.execute("SELECT count(*), md5(string_agg(code || name, ',' ORDER BY code)) "
                              "FROM core.region").fetchone()
    process = subprocess.Popen([sys.executable, "-c", KILLED_LOAD, reference_db], stdout=subprocess.PIPE,
                               text=True, env=os.environ)
    assert process.stdout.readline().strip() == "copying"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    time.sleep(0.5)
    with psycopg.connect(reference_db) as conn:
        after = conn.execute("SELECT count(*), md5(string_agg(code || name, ',' ORDER BY code)) "
                             "FROM core.region").fetchone()
        assert conn.execute("SELECT count(*) FROM core.load_run WHERE source = 'killed'").fetchone()[0] == 0
    assert after == before
