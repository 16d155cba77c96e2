"""The project's own private PostGIS cluster (the embedded default).

`initdb` refuses to run as root, so when the caller is root the cluster belongs to the
`postgres` system user and lives in a directory whose parents that user can traverse.
The server listens on loopback only, on a free port remembered in the data directory.
"""
from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from geodata.settings import PROJECT_DIR

DATABASE = "observatory"
SUPERUSER = "observatory"
PORT_FILE = "observatory-port"


class ClusterError(RuntimeError):
    pass


def _is_root() -> bool:
    return os.geteuid() == 0


def _owner_can_reach(path: Path) -> bool:
    """True when the `postgres` user can traverse every parent of `path`."""
    result = subprocess.run(
        ["runuser", "-u", "postgres", "--", "test", "-x", str(path.parent)],
        capture_output=True,
    )
    return result.returncode == 0


def data_dir() -> Path:
    explicit = os.environ.get("OBSERVATORY_PGDATA", "").strip()
    if explicit:
        return Path(explicit).expanduser().resolve()
    local = PROJECT_DIR / ".pgdata"
    if not _is_root():
        return local
    local.parent.mkdir(parents=True, exist_ok=True)
    if _owner_can_reach(local):
        return local
    # e.g. a clone under /root: the postgres user cannot enter it.
    digest = hashlib.sha1(str(PROJECT_DIR).encode()).hexdigest()[:10]
    return Path("/var/tmp") / f"observatory-pgdata-{digest}"


def bin_dir() -> Path:
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if not candidates:
        found = shutil.which("pg_ctl")
        if found:
            return Path(found).parent
        raise ClusterError(
            "PostgreSQL server binaries not found. On Debian/Ubuntu run "
            "`apt-get install postgresql postgresql-15-postgis-3` (scripts/bootstrap.sh does it); "
            "on other systems install PostgreSQL >= 14 with PostGIS >= 3.3, or set DATABASE_URL."
        )
    return candidates[-1].parent


def _check_postgis(bindir: Path) -> None:
    sharedir = subprocess.run(
        [str(bindir / "pg_config"), "--sharedir"], capture_output=True, text=True
    ).stdout.strip() if (bindir / "pg_config").exists() else ""
    if not sharedir:
        version = bindir.parent.name
        sharedir = f"/usr/share/postgresql/{version}"
    if not Path(sharedir, "extension", "postgis.control").exists():
        raise ClusterError(
            f"PostGIS is not installed for the PostgreSQL in {bindir}. On Debian run "
            f"`apt-get install postgresql-{bindir.parent.name}-postgis-3`."
        )


def _run(args: list[str], *, as_owner: bool, check: bool = True) -> subprocess.CompletedProcess:
    if as_owner and _is_root():
        args = ["runuser", "-u", "postgres", "--", *args]
    result = subprocess.run(args, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise ClusterError(f"{' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@dataclass
class Status:
    data_dir: Path
    initialised: bool
    running: bool
    port: int | None

    def describe(self) -> str:
        if not self.initialised:
            return f"no cluster yet in {self.data_dir} (run `observatory db up`)"
        state = f"running on 127.0.0.1:{self.port}" if self.running else "stopped"
        return f"cluster in {self.data_dir}: {state}"


def status() -> Status:
    pgdata = data_dir()
    initialised = (pgdata / "PG_VERSION").exists()
    running = False
    port = None
    if initialised:
        running = _run([str(bin_dir() / "pg_ctl"), "status", "-D", str(pgdata)],
                       as_owner=True, check=False).returncode == 0
        port_file = pgdata / PORT_FILE
        port = int(port_file.read_text()) if port_file.exists() else None
    return Status(pgdata, initialised, running, port)


def _initdb(pgdata: Path, bindir: Path) -> None:
    pgdata.mkdir(parents=True, exist_ok=True)
    if _is_root():
        postgres = pwd.getpwnam("postgres")
        os.chown(pgdata, postgres.pw_uid, postgres.pw_gid)
    pgdata.chmod(0o700)
    _run([str(bindir / "initdb"), "-D", str(pgdata), "-U", SUPERUSER, "-E", "UTF8",
          "--locale=C", "--auth=trust"], as_owner=True)
    settings = [
        "listen_addresses = '127.0.0.1'",
        f"unix_socket_directories = '{pgdata}'",
        "shared_buffers = 256MB",
        "work_mem = 64MB",
        "maintenance_work_mem = 512MB",
        "max_wal_size = 4GB",
        "synchronous_commit = off",
        # Nothing replicates from or archives this private cluster. With minimal WAL, a load
        # that truncates and refills a table in one transaction writes no WAL for it (the
        # PostgreSQL manual's advice for bulk loads): 1.5 M charging points insert in 1.7 s
        # instead of 2.7 s.
        "wal_level = minimal",
        "max_wal_senders = 0",
    ]
    conf = pgdata / "postgresql.conf"
    _run(["sh", "-c", f"printf '%s\\n' {' '.join(repr(s) for s in settings)} >> {conf}"],
         as_owner=True)


def up() -> str:
    """Initialise (first time) and start the cluster; create the database and PostGIS.

    Returns the database URL. Idempotent.
    """
    bindir = bin_dir()
    _check_postgis(bindir)
    pgdata = data_dir()
    if not (pgdata / "PG_VERSION").exists():
        _initdb(pgdata, bindir)
    current = status()
    if not current.running:
        port = current.port if current.port and _port_is_free(current.port) else _free_port()
        _run([str(bindir / "pg_ctl"), "start", "-w", "-D", str(pgdata),
              "-l", str(pgdata / "server.log"), "-o", f"-p {port}"], as_owner=True)
        _run(["sh", "-c", f"echo {port} > {pgdata / PORT_FILE}"], as_owner=True)
    url = database_url()
    ensure_database(url)
    return url


def down() -> None:
    current = status()
    if current.running:
        _run([str(bin_dir() / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(current.data_dir)],
             as_owner=True)


def database_url(database: str = DATABASE) -> str:
    current = status()
    if not current.running or current.port is None:
        raise ClusterError(f"the private PostGIS is not running: {current.describe()}")
    return f"postgresql://{SUPERUSER}@127.0.0.1:{current.port}/{database}"


def ensure_database(url: str) -> None:
    """Create the database `url` names when missing (through the server's `postgres` database),
    with PostGIS. Idempotent; also serves other databases than the observatory's (benchmarks)."""
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = conninfo_to_dict(url).get("dbname")
    if not name:
        raise ClusterError("the database URL names no database")
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
