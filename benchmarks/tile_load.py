"""The tile service under load: many concurrent clients on loopback, old and new server in one run.

Usage (needs `wrk`: `apt-get install wrk`):
    .venv/bin/python benchmarks/tile_load.py --database-url postgresql://.../observatory
    .venv/bin/python benchmarks/tile_load.py --seconds 10 --clients 50     # a short try

Each server is started here on a free loopback port (nothing else is contacted) and measured
in turn, on the same database; the first one listed is the baseline of the ratios:
- `old`: the http.server endpoint of commit 19d6498 (`git show` into a temporary file; it
  imports today's `observatory` package, so its tile SQL is today's);
- `before`: the Starlette/uvicorn service of commit fafb982, tile queries on its serving loop
  (one process; also from `git show`);
- `new`: `dashboards.tile_server`, with the static national build of `--archives` when one is
  there (see `observatory.national_tiles`) and an empty disk cache of its own; `new-2`: the
  same with 2 worker processes (`--workers 2`, one per core).

Before the timed run each server is asked once, 8 at a time, for the "hot" tiles: zooms 7-10
over metropolitan France and its largest cities, for two indicators (density and charging
points). Then wrk holds `--clients` connections (2 threads), each asking for tiles back to back
for `--seconds`: a share `--cold-share` of requests is a tile no one asked before (zooms 10-13
anywhere in metropolitan France, for an indicator not warmed: the database makes it), the rest
a random hot tile. The cold tiles of the servers are disjoint slices of one shuffled list,
so none finds another's in PostgreSQL's cache; the `cold` column counts those wrk sent (when a
slice runs out, wrk asks hot tiles only, and the script says so: zooms 10-11 alone ran out
after about 30 s, zooms 10-12 after about 40 s at 10,000 requests/s). Meanwhile
a probe asks a cold tile of its own every `--probe-interval` seconds, one at a time, and times
each (`probe` columns: what a visitor panning to a new place waits while the others load the
server). Every request has `--timeout` seconds; wrk stops by itself after `--seconds` (and is
killed if it did not, a little later).

wrk rather than a Python client: httpx's AsyncClient, tried first, topped out near 100
requests/s with 200 connections on this machine, and measured itself more than the servers.

Errors are refused or broken connections, timeouts and statuses >= 400. Goal (issue 12): 200
clients for 60 s, 0 errors, p99 <= 1 s. The machine's load average (1 min) when each run
starts is printed beside its figures: wrk, the server and PostgreSQL share the cores with
whatever else runs, and the figures move with it.
"""
from __future__ import annotations

import argparse
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from geodata import db  # noqa: E402
from geodata.settings import tile_archive_dir  # noqa: E402

# The servers that are not today's, from git: the http.server endpoint, and the Starlette one
# before its tile queries left the serving loop.
COMMITS = {"old": "19d6498", "before": "fafb982"}
HOST = "127.0.0.1"   # loopback only
FRANCE_BBOX = (-5.2, 41.3, 9.6, 51.2)
CITIES = {"Paris": (2.35, 48.86), "Marseille": (5.37, 43.30), "Lyon": (4.84, 45.76), "Toulouse": (1.44, 43.60),
          "Nice": (7.26, 43.70), "Nantes": (-1.55, 47.22), "Strasbourg": (7.75, 48.58), "Lille": (3.06, 50.63)}
HOT_INDICATORS = ("density", "energy_charging_points")
COLD_INDICATOR = "energy_points_per_1000_inhabitants"


def tile_of(z: int, lon: float, lat: float) -> tuple[int, int]:
    n = 2 ** z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def tiles_in(z: int, west: float, south: float, east: float, north: float) -> list[tuple[int, int, int]]:
    (x0, y0), (x1, y1) = tile_of(z, west, north), tile_of(z, east, south)
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def hot_paths() -> list[str]:
    places = tiles_in(7, *FRANCE_BBOX) + tiles_in(8, *FRANCE_BBOX)
    for lon, lat in CITIES.values():
        places += tiles_in(9, lon - 0.4, lat - 0.3, lon + 0.4, lat + 0.3)
        places += tiles_in(10, lon - 0.2, lat - 0.15, lon + 0.2, lat + 0.15)
    return [f"/communes/{key}/{z}/{x}/{y}.pbf" for key in HOT_INDICATORS for z, x, y in sorted(set(places))]


def cold_paths(seed: int) -> list[str]:
    places = [place for z in (10, 11, 12, 13) for place in tiles_in(z, *FRANCE_BBOX)]
    random.Random(seed).shuffle(places)
    return [f"/communes/{COLD_INDICATOR}/{z}/{x}/{y}.pbf" for z, x, y in places]


# wrk's Lua side: each thread takes its own slice of the cold tiles (never asked twice), and
# done() prints one line the script parses.
WRK_SCRIPT = r"""
local threads, counter = {}, 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
local function lines(path)
  local found = {}
  for line in io.lines(path) do found[#found + 1] = line end
  return found
end
function init(args)
  hot, cold, share, step = lines(args[1]), lines(args[2]), tonumber(args[3]), tonumber(args[4])
  next_cold = id + 1
  math.randomseed(1000 + id)
end
function request()
  local path
  if math.random() < share and next_cold <= #cold then
    path = cold[next_cold]
    next_cold = next_cold + step
  else
    path = hot[math.random(#hot)]
  end
  return wrk.format("GET", path, {["Accept-Encoding"] = "gzip"})
end
function done(summary, latency, requests)
  local e, sent = summary.errors, 0
  for _, thread in ipairs(threads) do
    sent = sent + (thread:get("next_cold") - thread:get("id") - 1) / thread:get("step")
  end
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d %d %d %d %d %d\n", summary.duration, summary.requests,
    summary.bytes, e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), latency.max, sent))
end
"""


@dataclass
class Outcome:
    seconds: float
    requests: int
    bytes: int
    errors: dict[str, int]
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    cold_sent: int


def ask(url: str, timeout: float) -> bool:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return response.status == 200
    except OSError:
        return False


def warm(base: str, paths: list[str], timeout: float) -> int:
    """Ask every path once, 8 at a time; the number of failures."""
    with ThreadPoolExecutor(8) as pool:
        return sum(not ok for ok in pool.map(lambda path: ask(base + path, timeout), paths))


class ColdProbe:
    """While wrk runs, a never-asked tile every `interval` seconds, one at a time, each timed
    on its own (wrk's percentiles mix the cold tiles with the warm ones). Its tiles are not
    wrk's."""

    def __init__(self, base: str, paths: list[str], interval: float, timeout: float):
        self.base, self.paths, self.interval, self.timeout = base, paths, interval, timeout
        self.latencies_ms: list[float] = []
        self.errors = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ColdProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        for path in self.paths:
            if self._stop.wait(self.interval):
                return
            started = time.perf_counter()
            self.errors += not ask(self.base + path, self.timeout)
            self.latencies_ms.append((time.perf_counter() - started) * 1000)

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else float("nan")


def load(base: str, hot: list[str], cold: list[str], *, clients: int, seconds: float, cold_share: float,
         timeout: float, scratch: Path) -> Outcome:
    threads = 2
    script, hot_file, cold_file = scratch / "mix.lua", scratch / "hot.txt", scratch / "cold.txt"
    script.write_text(WRK_SCRIPT)
    hot_file.write_text("\n".join(hot) + "\n")
    cold_file.write_text("\n".join(cold) + "\n")
    command = ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{seconds:.0f}s", "--timeout", f"{timeout:.0f}s",
               "-s", str(script), base + hot[0], "--", str(hot_file), str(cold_file), str(cold_share), str(threads)]
    # Bounded: wrk stops after `seconds`; this kills it if it did not.
    finished = subprocess.run(command, capture_output=True, text=True, timeout=seconds + timeout + 30, check=True)
    line = next(line for line in finished.stdout.splitlines() if line.startswith("RESULT "))
    duration, requests, size, connect, read, write, status, timeouts, p50, p95, p99, top, cold_sent = (
        map(int, line.split()[1:]))
    errors = {"connect": connect, "read": read, "write": write, "HTTP >= 400": status, "timeout": timeouts}
    return Outcome(duration / 1e6, requests, size, {k: v for k, v in errors.items() if v},
                   p50 / 1000, p95 / 1000, p99 / 1000, top / 1000, cold_sent)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start(command: list[str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(command, cwd=PROJECT_DIR, env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/health", timeout=2):
                return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.3)
    stop(process)
    raise RuntimeError(f"{' '.join(command[:3])} did not start")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def table_row(name: str, load: float, outcome: Outcome, probe: ColdProbe, baseline: Outcome) -> tuple:
    rate, base_rate = outcome.requests / outcome.seconds, baseline.requests / baseline.seconds
    return (name, f"{load:.1f}", f"{outcome.requests:,}", f"{outcome.cold_sent:,}",
            sum(outcome.errors.values()) + probe.errors,
            *(f"{value:,.0f}" for value in (outcome.p50_ms, outcome.p95_ms, outcome.p99_ms, outcome.max_ms)),
            f"{rate:,.0f}", f"{outcome.bytes / outcome.seconds / 1e6:,.1f}",
            *(f"{probe.percentile(share):,.0f}" for share in (0.5, 0.95, 1)),
            f"{outcome.p99_ms / baseline.p99_ms:.2f}", f"{rate / base_rate:.2f}")


def server_command(name: str, port: int, url: str, archives: Path, scratch: Path) -> list[str]:
    """How to start the server `name` (see the module docstring) on `port`."""
    kind, _, workers = name.partition("-")
    common = ["--host", HOST, "--port", str(port), "--database-url", url, "--no-warm"]
    if kind in COMMITS:
        script = scratch / f"tile_server_{COMMITS[kind]}.py"
        if not script.exists():
            script.write_bytes(subprocess.run(["git", "show", f"{COMMITS[kind]}:dashboards/tile_server.py"],
                                              cwd=PROJECT_DIR, check=True, capture_output=True).stdout)
        return [sys.executable, str(script), *common] + (["--archives", str(archives)] if kind == "before" else [])
    if kind != "new":
        raise ValueError(f"unknown server {name!r}")
    return [sys.executable, "-m", "dashboards.tile_server", *common, "--archives", str(archives),
            "--cache-dir", str(scratch / f"cache-{name}")] + (["--workers", workers] if workers else [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None, help="a database where the pipelines ran "
                                                             "(default: the project's)")
    parser.add_argument("--archives", type=Path, default=None, help="the new server's static build folder")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--cold-share", type=float, default=0.02)
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--servers", default="old,before,new,new-2",
                        help="old, before, new, new-N (new with N processes); the first is the baseline")
    parser.add_argument("--seed", type=int, default=12, help="shuffles the cold tiles")
    parser.add_argument("--probe-interval", type=float, default=0.2,
                        help="seconds between the cold probe's requests (see ColdProbe)")
    args = parser.parse_args()
    url = db.libpq_url(args.database_url) if args.database_url else db.resolve_url()
    archives = args.archives or tile_archive_dir()
    hot, cold = hot_paths(), cold_paths(args.seed)
    cold, probed = cold[:len(cold) * 9 // 10], cold[len(cold) * 9 // 10:]
    servers = [name.strip() for name in args.servers.split(",") if name.strip()]
    print(f"{args.clients} clients, {args.seconds:.0f} s each, {args.cold_share:.0%} cold requests; "
          f"{len(hot)} hot tiles, {len(cold)} cold ones; build: "
          f"{archives if (archives / 'current.json').is_file() else 'none'}", flush=True)
    runs = []
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / "vendor").symlink_to(PROJECT_DIR / "dashboards" / "vendor")   # their MVT worker
        for index, name in enumerate(servers):
            port = free_port()
            process = start(server_command(name, port, url, archives, Path(scratch)), port)
            base = f"http://{HOST}:{port}"
            try:
                failed = warm(base, hot, args.timeout)
                load_average = os.getloadavg()[0]
                with ColdProbe(base, probed[index::len(servers)], args.probe_interval, args.timeout) as probe:
                    outcome = load(base, hot, cold[index::len(servers)], clients=args.clients,
                                   seconds=args.seconds, cold_share=args.cold_share, timeout=args.timeout,
                                   scratch=Path(scratch))
            finally:
                stop(process)
            runs.append((name, load_average, outcome, probe))
            print(f"{name} (load average {load_average:.1f}): {failed} of {len(hot)} hot tiles failed while "
                  f"warming; errors: {outcome.errors or 0}, probe: {probe.errors}", flush=True)
            if outcome.cold_sent >= len(cold[index::len(servers)]) - 2:
                print(f"{name}: its cold tiles ran out before the end; the rest of its requests were warm",
                      flush=True)
    table = [table_row(name, load_average, outcome, probe, runs[0][2]) for name, load_average, outcome, probe in runs]
    header = ("server", "load", "requests", "cold", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms", "req/s",
              "MB/s", "probe p50", "probe p95", "probe max", f"p99 / {runs[0][0]}", f"req/s / {runs[0][0]}")
    widths = [max(len(str(row[i])) for row in [header, *table]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *table]:
        print(" | ".join(str(value).rjust(width) for value, width in zip(row, widths)))


if __name__ == "__main__":
    main()
