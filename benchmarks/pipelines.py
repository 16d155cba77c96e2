"""A full refresh, then a rerun with nothing changed, in one process; print a table.

Both run every asset the tests load (pipelines.definitions.ASSET_MODULES: reference, IRVE,
heat, energy, pact, councils; the national map tiles too with `--with-maps`, built into a
temporary directory) with their checks, as
`observatory pipelines` does (in-process executor, the project's Dagster instance with its
storage in PostgreSQL), against a database of its own (`observatory_pipelines_bench`) and the
mirror (OBSERVATORY_MIRROR).
The full refresh is forced (every source reloaded). Goals (issue 14): the full refresh takes
<= 1.5 x the sum of its steps' own compute times; the no-change rerun <= 10 % of the full one.
Python's and Dagster's imports (a few seconds, once per process) are outside both figures.
Usage: OBSERVATORY_MIRROR=/path/to/mirror python benchmarks/pipelines.py [--slowest 10]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._db import bench_database  # noqa: E402
from geodata import cluster, db  # noqa: E402
from geodata.settings import PROJECT_DIR  # noqa: E402
from observatory import services  # noqa: E402

DATABASE = "observatory_pipelines_bench"


def step_times(instance, run_id: str) -> dict[str, float]:
    """Each step's own compute time (start to success or failure), from the run's event log."""
    from dagster import DagsterEventType

    started, times = {}, {}
    kinds = {DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE}
    for entry in instance.all_logs(run_id, of_type=kinds):
        event = entry.dagster_event
        if event.event_type == DagsterEventType.STEP_START:
            started[event.step_key] = entry.timestamp
        else:
            times[event.step_key] = entry.timestamp - started[event.step_key]
    return times


def dagster_instance(home: str, storage: str, url: str):
    """The project's instance (its dagster.yaml, storage in `<database>_dagster` beside the
    benchmark's database, as `observatory pipelines` sets it), or Dagster's SQLite default."""
    from dagster import DagsterInstance

    if storage == "sqlite":
        return DagsterInstance.local_temp(home)
    os.environ["DAGSTER_PG_URL"] = services.dagster_storage_url(url)
    shutil.copy(PROJECT_DIR / "dagster.yaml", Path(home, "dagster.yaml"))
    return DagsterInstance.from_config(home)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--slowest", type=int, default=0, help="also list each run's N slowest steps")
    parser.add_argument("--dagster-storage", choices=["postgres", "sqlite"], default="postgres",
                        help="Dagster's run and event storage: PostgreSQL (the project's dagster.yaml, a "
                             "database of its own beside the benchmark's) or Dagster's default SQLite files")
    parser.add_argument("--with-maps", action="store_true",
                        help="also the national map tiles (national_map_tiles: minutes of PostGIS work), "
                             "written to a temporary directory")
    args = parser.parse_args()
    if not os.environ.get("OBSERVATORY_MIRROR"):
        sys.exit("set OBSERVATORY_MIRROR to the data mirror")
    server = db.libpq_url(os.environ["DATABASE_URL"]) if os.environ.get("DATABASE_URL") else cluster.up()
    url = bench_database(urlsplit(server)._replace(path=f"/{DATABASE}").geturl())
    os.environ["DATABASE_URL"] = url   # read by the Definitions' resources at import

    from dagster import load_assets_from_modules

    from pipelines.definitions import ASSET_MODULES
    from pipelines.maps import assets as map_assets
    from pipelines.run import run

    modules = [*ASSET_MODULES, *([map_assets] if args.with_maps else [])]
    names = sorted({key.to_user_string() for a in load_assets_from_modules(modules) for key in a.keys})
    rows, slowest = [], []
    with tempfile.TemporaryDirectory() as home, dagster_instance(home, args.dagster_storage, url) as instance:
        os.environ["OBSERVATORY_TILE_ARCHIVES"] = str(Path(home, "tiles"))   # read when the asset runs
        for label, force in (("full refresh (forced)", True), ("rerun, nothing changed", False)):
            started = time.perf_counter()
            result = run(",".join(names), force=force, instance=instance)
            wall = time.perf_counter() - started
            if not result.success:
                sys.exit(f"{label}: the run failed")
            steps = step_times(instance, result.run_id)
            assets = {k: v for k, v in steps.items() if k in names}
            rows.append((label, wall, len(steps), sum(assets.values()), sum(steps.values())))
            slowest.append((label, sorted(steps.items(), key=lambda item: -item[1])[:args.slowest]))
    full = rows[0][1]
    print(f"{len(names)} assets, database {DATABASE}, Dagster storage in {args.dagster_storage}\n")
    print(f"| {'run':<24} | {'wall s':>7} | {'steps':>5} | {'assets compute s':>16} | {'all steps compute s':>19} "
          f"| {'wall / steps compute':>20} | {'wall / full':>11} |")
    print(f"|{'-' * 26}|{'-' * 9}|{'-' * 7}|{'-' * 18}|{'-' * 21}|{'-' * 22}|{'-' * 13}|")
    for label, wall, count, assets, every in rows:
        print(f"| {label:<24} | {wall:7.1f} | {count:5d} | {assets:16.1f} | {every:19.1f} "
              f"| {wall / every:20.2f} | {wall / full:10.1%} |")
    print("\nGoals: full refresh wall <= 1.5 x its steps' compute; no-change rerun <= 10 % of the full refresh.")
    for label, steps in slowest if args.slowest else ():
        print(f"\n{label}, slowest steps: " + ", ".join(f"{key} {seconds:.2f} s" for key, seconds in steps))


if __name__ == "__main__":
    main()
