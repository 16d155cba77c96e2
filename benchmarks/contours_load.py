"""Load the national commune contours our way and with ogr2ogr, in the same run; print a table.

Our path: pyogrio (Arrow, WKB) -> COPY into staging -> ST_Transform + ST_MakeValid -> publish in
one transaction. ogr2ogr: the PostgreSQL driver (COPY), -t_srs EPSG:2154 -makevalid, same file.
Each run is a fresh process, so peak memory (max RSS) is its own.
Usage: python benchmarks/contours_load.py [--runs 3]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict, make_conninfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._db import bench_database  # noqa: E402
from geodata.sources.contours.reader import COMMUNES_2018  # noqa: E402
from geodata.sources.fetch import fetch  # noqa: E402

OURS = """
import sys, psycopg
from geodata.sources.contours.load import load_contours
from geodata.sources.contours.reader import COMMUNES_2018
from geodata.sources.fetch import fetch
with psycopg.connect(sys.argv[1]) as conn:
    report = load_contours(conn, fetch(COMMUNES_2018))
print(report.rows_loaded)
"""


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process (its own rusage, via wait4)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if status:
        sys.exit(f"{command[0]} failed: {process.stderr.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not shutil.which("ogr2ogr"):
        sys.exit("ogr2ogr is missing: apt-get install gdal-bin")
    url = bench_database()
    path = fetch(COMMUNES_2018).path
    # GDAL's PG: driver takes libpq's keyword form, with every part of the URL (password, port...).
    ogr = ["ogr2ogr", "-f", "PostgreSQL", f"PG:{make_conninfo(**conninfo_to_dict(url))}",
           f"/vsigzip/{path}", "-nln", "public.ogr_commune_contour", "-overwrite", "-t_srs", "EPSG:2154",
           "-nlt", "PROMOTE_TO_MULTI", "-makevalid", "-lco", "GEOMETRY_NAME=geom", "-lco", "SPATIAL_INDEX=GIST",
           "--config", "PG_USE_COPY", "YES"]
    ours = [sys.executable, "-c", OURS, url]
    results: dict[str, list[tuple[float, float]]] = {"observatory (pyogrio + COPY + publish)": [], "ogr2ogr": []}
    for _ in range(args.runs):
        results["ogr2ogr"].append(timed(ogr))
        results["observatory (pyogrio + COPY + publish)"].append(timed(ours))
    print(f"\nNational commune contours: {path.name}, {path.stat().st_size / 2**20:.1f} MiB, "
          f"{args.runs} runs each (median)\n")
    print(f"| {'path':<40} | {'time (s)':>9} | {'peak RSS (MiB)':>15} |")
    print(f"|{'-' * 42}|{'-' * 11}|{'-' * 17}|")
    medians = {}
    for name, runs in results.items():
        medians[name] = statistics.median(t for t, _ in runs)
        print(f"| {name:<40} | {medians[name]:>9.2f} | {max(m for _, m in runs):>15.0f} |")
    ours_time, ogr_time = medians["observatory (pyogrio + COPY + publish)"], medians["ogr2ogr"]
    print(f"\nratio observatory / ogr2ogr: {ours_time / ogr_time:.2f} "
          f"({'goal met: no slower' if ours_time <= ogr_time else 'slower than ogr2ogr'})")


if __name__ == "__main__":
    main()
