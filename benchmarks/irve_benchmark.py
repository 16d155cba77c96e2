"""The IRVE path (read, validate, attribute, write) against a naive geopandas path.

Both run in the same process on the same data: the mirror's extract (149,112 points), then
the same points repeated N times (about 1.5 M for N = 10), and a table shows the times and
how they grow. The two paths take turns, so that neither is always the one that runs with
cold caches; on the extract each runs `--runs` times and the table shows the median run
(by total time), on the larger data once each. The naive path is what one would write first: `read_parquet`, points,
`to_crs`, the communes read from PostGIS, `sjoin`, `to_postgis`. It does not validate, so
it does strictly less work than the IRVE path.

Both run in the benchmark database (`benchmarks/_db.py`; the commune reference is loaded
there first when missing, untimed). The IRVE path runs inside a transaction that is rolled
back, and the naive path writes to a scratch table that is dropped.

    .venv/bin/python benchmarks/irve_benchmark.py [--repeat 10] [--database-url URL]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import geopandas as gpd  # noqa: E402
import pandas as pd  # noqa: E402
import psycopg  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from benchmarks._db import bench_database  # noqa: E402
from geodata import db  # noqa: E402
from geodata.models.base import STORAGE_SRID  # noqa: E402
from geodata.settings import mirror_dir  # noqa: E402
from geodata.sources.cog import reader as cog  # noqa: E402
from geodata.sources.cog.load import load_reference  # noqa: E402
from geodata.sources.contours.harmonise import harmonise  # noqa: E402
from geodata.sources.contours.load import load_contours  # noqa: E402
from geodata.sources.contours.reader import COMMUNES_2018  # noqa: E402
from geodata.sources.fetch import Fetched, fetch  # noqa: E402
from geodata.sources.irve.reader import DERIVED_EXTRACT, SCHEMA  # noqa: E402
from pipelines.irve.load import load_charging_points  # noqa: E402

NAIVE_TABLE = "bench_naive_charging_point"


def irve_path(url: str, data: Fetched, schema: Fetched) -> dict:
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        loaded = load_charging_points(conn, data, schema)
        conn.rollback()
    return {**loaded.timings, "total": time.perf_counter() - started,
            "loaded": loaded.report.rows_loaded,
            "attributed": loaded.attribution.contained + loaded.attribution.nearest}


def naive_path(url: str, path: Path) -> dict:
    # geopandas' to_postgis copies through psycopg2.
    engine = sa.create_engine(db.sqlalchemy_url(url, driver="psycopg2"))
    timings = {}
    started = time.perf_counter()
    frame = pd.read_parquet(path)
    points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]),
                              crs=4326).to_crs(STORAGE_SRID)
    timings["read"] = time.perf_counter() - started
    step = time.perf_counter()
    communes = gpd.read_postgis("SELECT insee_code, geom FROM core.commune_boundary", engine, geom_col="geom")
    joined = gpd.sjoin(points, communes, how="left", predicate="within")
    timings["sjoin"] = time.perf_counter() - step
    step = time.perf_counter()
    joined.drop(columns=["index_right"]).to_postgis(NAIVE_TABLE, engine, if_exists="replace", index=False)
    timings["to_postgis"] = time.perf_counter() - step
    timings["total"] = time.perf_counter() - started
    timings["loaded"] = len(joined)
    timings["attributed"] = int(joined["insee_code"].notna().sum())
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE {NAIVE_TABLE}"))
    engine.dispose()
    return timings


def load_commune_reference(conn: psycopg.Connection, mirror: Path) -> None:
    load_reference(conn, *(fetch(s, mirror=mirror) for s in (cog.COMMUNES, cog.EPCI, cog.DEPARTEMENTS, cog.REGIONS)))
    contours = fetch(COMMUNES_2018, mirror=mirror)
    load_contours(conn, contours)
    harmonise(conn, contours.source.vintage)


def repeated(path: Path, times: int, directory: Path) -> Path:
    table = pq.read_table(path)
    out = directory / f"irve-x{times}.parquet"
    pq.write_table(pa.concat_tables([table] * times), out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=10, help="the larger run repeats the points N times")
    parser.add_argument("--database-url", default=None, help="default: the benchmark database")
    parser.add_argument("--mirror", type=Path, default=None, help="default: OBSERVATORY_MIRROR")
    parser.add_argument("--runs", type=int, default=3, help="runs of each path on the extract (median shown)")
    args = parser.parse_args(argv)
    mirror = args.mirror or mirror_dir()
    if mirror is None:
        print("irve_benchmark: set OBSERVATORY_MIRROR (or --mirror) to the data mirror", file=sys.stderr)
        return 1
    url = bench_database(args.database_url or None)
    with psycopg.connect(url) as conn:
        if not conn.execute("SELECT count(*) FROM core.commune_boundary").fetchone()[0]:
            print("loading the commune reference (not timed)", file=sys.stderr)
            load_commune_reference(conn, mirror)
    data, schema = fetch(DERIVED_EXTRACT, mirror=mirror), fetch(SCHEMA, mirror=mirror)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for times in (1, args.repeat):
            path = data.path if times == 1 else repeated(data.path, times, Path(scratch))
            source = Fetched(data.source, path, data.sha256, "mirror")
            runs = args.runs if times == 1 else 1
            ours, naive = [], []
            for _ in range(runs):
                ours.append(irve_path(url, source, schema))
                naive.append(naive_path(url, path))
            rows.append((times, pq.ParquetFile(path).metadata.num_rows, median_run(ours), median_run(naive), runs))
            print(f"x{times}: done", file=sys.stderr)
    print_table(rows)
    return 0


def median_run(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda run: run["total"])[len(runs) // 2]


def print_table(rows) -> None:
    header = ("data", "rows", "runs", "IRVE read+validate", "attribute", "write", "IRVE total",
              "naive read", "sjoin", "to_postgis", "naive total", "speed-up")
    lines = [header]
    for times, n, ours, naive, runs in rows:
        lines.append((f"x{times}", f"{n:,}", str(runs), *(f"{ours[k]:.2f} s" for k in ("read_validate", "attribute", "write", "total")),
                      *(f"{naive[k]:.2f} s" for k in ("read", "sjoin", "to_postgis", "total")),
                      f"{naive['total'] / ours['total']:.1f}x"))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    for i, line in enumerate(lines):
        print("| " + " | ".join(str(v).rjust(w) for v, w in zip(line, widths)) + " |")
        if i == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    (t1, n1, o1, v1, _), (tn, nn, on, vn, _) = rows[0], rows[-1]
    print(f"\nGrowth from x{t1} to x{tn} ({nn / n1:.0f} times the rows): IRVE path x{on['total'] / o1['total']:.1f}, "
          f"naive path x{vn['total'] / v1['total']:.1f}.")
    print(f"Points loaded / attributed: IRVE {o1['loaded']:,} / {o1['attributed']:,} (x{t1}), "
          f"{on['loaded']:,} / {on['attributed']:,} (x{tn}); naive {v1['loaded']:,} / {v1['attributed']:,} "
          f"(x{t1}) - the naive path keeps the 94 bad positions and validates nothing.")


if __name__ == "__main__":
    sys.exit(main())
