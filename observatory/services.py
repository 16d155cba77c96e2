"""Start the observatory's processes: pipelines run, tile endpoint, Streamlit app, Dagster UI.

They are started as subprocesses (`observatory` imports neither `pipelines` nor `dashboards`).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from geodata import cluster, db
from geodata.settings import PROJECT_DIR, app_url, dagster_home, oidc_provider

BIN = Path(sys.executable).parent
PROGRESS_EVENTS = ("STEP_START", "STEP_SUCCESS", "STEP_FAILURE", "ASSET_CHECK_EVALUATION",
                   "RUN_SUCCESS", "RUN_FAILURE", "DOWNLOAD", "WARNING")


def dagster_storage_url(database_url: str) -> str:
    """Where Dagster stores runs and events (dagster.yaml reads `DAGSTER_PG_URL`): that variable
    when set, else the database `<observatory database>_dagster` on the observatory's server,
    created when missing. In the psycopg2 scheme dagster-postgres needs."""
    if os.environ.get("DAGSTER_PG_URL"):
        return os.environ["DAGSTER_PG_URL"]
    parts = urlsplit(db.libpq_url(database_url))
    url = parts._replace(path=f"{parts.path}_dagster").geturl()
    try:
        cluster.ensure_database(url)
    except psycopg.Error as error:
        raise RuntimeError(f"Dagster's database {parts.path.lstrip('/')}_dagster could not be created or "
                           f"opened ({' '.join(str(error).split())}); set DAGSTER_PG_URL to a database it may use") from error
    return db.sqlalchemy_url(url, driver="psycopg2")


def dagster_env(database_url: str) -> dict[str, str]:
    home = dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copy(PROJECT_DIR / "dagster.yaml", home / "dagster.yaml")
    # DAGSTER_DISABLE_TELEMETRY: Dagster's webserver and daemon post whatever lies in
    # $DAGSTER_HOME/logs to Dagster's telemetry server, whatever dagster.yaml's `telemetry` says.
    return {**os.environ, "DAGSTER_HOME": str(home), "DATABASE_URL": database_url,
            "DAGSTER_PG_URL": dagster_storage_url(database_url), "DAGSTER_DISABLE_TELEMETRY": "1"}


def service_logs() -> Path:
    """Where `observatory serve` writes its services' output: beside Dagster's instance, but not
    in its `logs/` folder, which Dagster's telemetry uploader moves away and sends out."""
    return dagster_home() / "service-logs"


def dagster_command(database_url: str, arguments: list[str]) -> int:
    """The `dagster` command on the observatory's instance (its DAGSTER_HOME and storage)."""
    return subprocess.run([str(BIN / "dagster"), *arguments], env=dagster_env(database_url),
                          cwd=PROJECT_DIR).returncode


def materialize_all(database_url: str, selection: str = "*", force: bool = False) -> int:
    """Run the selected assets and their checks, printing one line per step; returns the exit code.
    Sources whose files did not change are not reloaded, unless `force`."""
    command = [sys.executable, "-m", "pipelines.run", "--select", selection, *(["--force"] if force else [])]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=dagster_env(database_url), cwd=PROJECT_DIR,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    tail: list[str] = []
    under_failure: list[str] | None = None   # what Dagster prints under a failed step
    for line in process.stdout:
        tail = (tail + [line.rstrip()])[-40:]
        event = next((e for e in PROGRESS_EVENTS if f" - {e} - " in line), None)
        if under_failure is not None:
            if not event:
                under_failure.append(line.strip())
                continue
            print(f"           {failure_reason(under_failure)}", flush=True)
            under_failure = None
        if event:
            message = line.split(f" - {event} - ", 1)[1].strip()
            if event == "WARNING":  # a step's own warning: "<job> - <run id> - <step> - <text>"
                parts = message.split(" - ", 3)
                message = f"warning, {parts[2]}: {parts[3]}" if len(parts) == 4 else f"warning: {message}"
            print(f"  [{time.perf_counter() - started:6.1f} s] {message}", flush=True)
            under_failure = [] if event == "STEP_FAILURE" else None
    if under_failure is not None:
        print(f"           {failure_reason(under_failure)}", flush=True)
    code = process.wait()
    if code:
        print("\n".join(tail), file=sys.stderr)
    return code


def failure_reason(lines: list[str]) -> str:
    """The error among the lines under a failed step: Dagster prints its own wrapper first
    ('Error occurred while executing op "x"::'), then the asset's error."""
    written = [line for line in lines if line]
    causes = [written[i + 1] for i, line in enumerate(written[:-1])
              if line.endswith("::") or "caused by the following exception" in line]
    return causes[0] if causes else (written[0] if written else "(no message)")


@dataclass
class Service:
    name: str
    url: str
    process: subprocess.Popen


def _wait_for(url: str, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except OSError:
            time.sleep(0.5)
    return False


def _port_or_free(host: str, port: int) -> int:
    """`port` when nothing listens there, else a free one (said on the terminal)."""
    with socket.socket() as sock:
        if sock.connect_ex((host, port)) != 0:
            return port
    with socket.socket() as sock:
        sock.bind((host, 0))
        free = sock.getsockname()[1]
    print(f"  port {port} is taken: using {free}", flush=True)
    return free


def write_auth_secrets(path: Path, provider: dict[str, str], base_url: str) -> Path:
    """A Streamlit secrets file whose `[auth]` section configures `provider` (`geodata.settings.
    oidc_provider`) as `st.login`'s default provider, the identity coming back to
    `<base_url>/oauth2callback`; readable by its owner only (it holds the client secret)."""
    section = {"redirect_uri": f"{base_url.rstrip('/')}/oauth2callback", **provider}
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.touch(mode=0o600)
    path.chmod(0o600)
    # TOML basic strings take JSON's escapes.
    path.write_text("[auth]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in section.items()),
                    encoding="utf-8")
    return path


def start_services(database_url: str, *, app_port: int, tiles_port: int, dagster_port: int | None,
                   host: str = "127.0.0.1") -> list[Service]:
    app_port, tiles_port = _port_or_free(host, app_port), _port_or_free(host, tiles_port)
    dagster_port = _port_or_free(host, dagster_port) if dagster_port else None
    env = {**dagster_env(database_url), "OBSERVATORY_TILES_URL": f"http://{host}:{tiles_port}"}
    logs = service_logs()
    logs.mkdir(parents=True, exist_ok=True)

    def spawn(name: str, command: list[str], url: str, health: str) -> Service:
        log = open(logs / f"{name}.log", "w")
        # Own process group (so that stopping reaches dagster's children too), and SIGINT
        # restored: a shell starting us in the background leaves it ignored, and `dagster dev`
        # only stops on SIGINT.
        process = subprocess.Popen(command, env=env, cwd=PROJECT_DIR, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True, preexec_fn=_default_sigint)
        if not _wait_for(health):
            raise RuntimeError(f"{name} did not start: see {logs / (name + '.log')}")
        return Service(name, url, process)

    services = [
        spawn("tiles", [sys.executable, "-m", "dashboards.tile_server", "--host", host,
                        "--port", str(tiles_port), "--database-url", database_url],
              f"http://{host}:{tiles_port}", f"http://{host}:{tiles_port}/health"),
        spawn("observatory", [str(BIN / "streamlit"), "run", str(PROJECT_DIR / "dashboards" / "app.py"),
                              "--server.address", host, "--server.port", str(app_port),
                              "--server.headless", "true", "--browser.gatherUsageStats", "false",
                              *_secrets_option()],
              f"http://{host}:{app_port}", f"http://{host}:{app_port}/_stcore/health"),
    ]
    if dagster_port:
        services.append(spawn("dagster", [str(BIN / "dagster"), "dev", "-m", "pipelines.definitions",
                                          "-h", host, "-p", str(dagster_port)],
                              f"http://{host}:{dagster_port}", f"http://{host}:{dagster_port}/server_info"))
    return services


def _secrets_option() -> list[str]:
    """Streamlit's secrets generated from `OBSERVATORY_OIDC_*` when set (in `.cache/auth/`);
    otherwise none: Streamlit reads `.streamlit/secrets.toml`, whose `[auth]` a deployment may
    also write itself."""
    provider = oidc_provider()
    if provider is None:
        return []
    return ["--secrets.files", str(write_auth_secrets(PROJECT_DIR / ".cache" / "auth" / "secrets.toml",
                                                      provider, app_url()))]


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stop_services(services: list[Service]) -> None:
    # `dagster dev` ignores SIGTERM: SIGINT stops every one of them cleanly.
    for service in services:
        if service.process.poll() is None:
            os.killpg(service.process.pid, signal.SIGINT)
    for service in services:
        try:
            service.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(service.process.pid, signal.SIGKILL)
            service.process.wait()
