"""The online path: the official hosts imitated by one loopback server, `OBSERVATORY_MIRROR` unset.

`official_site` builds the files once per session from the mirror; `official_host` serves them;
`online_refresh` runs `observatory pipelines` as a user would, in a database of its own.
"""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from dagster import load_assets_from_modules

from pipelines.definitions import ASSET_MODULES

from tests.conftest import TEST_DB, _fresh_database
from tests.online.official_files import Resource, build_official_site
from tests.online.server import OfficialHost

OBSERVATORY = Path(sys.executable).parent / "observatory"
# Every asset the user's refresh runs but the national map tiles: they read the database only
# (no source), take minutes, and tests/maps builds them.
REFRESHED = ",".join(sorted(key.to_user_string() for a in load_assets_from_modules(ASSET_MODULES) for key in a.keys))


@pytest.fixture(scope="session")
def official_site(mirror, tmp_path_factory) -> dict[str, Resource]:
    return build_official_site(mirror, tmp_path_factory.mktemp("official-site"))


@pytest.fixture(scope="session")
def official_host(official_site):
    host = OfficialHost(dict(official_site)).start()
    yield host
    host.stop()


def online_env(host: OfficialHost, folder: Path, database_url: str | None = None) -> dict[str, str]:
    """The environment of a user without mirror whose official hosts are the loopback server."""
    env = {key: value for key, value in os.environ.items() if key != "OBSERVATORY_MIRROR"}
    env.update({
        "OBSERVATORY_SOURCE_BASE_URL": host.base_url,
        "OBSERVATORY_CACHE": str(folder / "cache"),
        "DAGSTER_HOME": str(folder / "dagster"),
        "OBSERVATORY_TILE_ARCHIVES": str(folder / "tiles"),
        "PACTE_IMPORT_DIR": str(folder / "imports"),
    })
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


@dataclass
class Refresh:
    code: int
    output: str


def run_pipelines(env: dict[str, str], *args: str) -> Refresh:
    done = subprocess.run([str(OBSERVATORY), "pipelines", *args], env=env, capture_output=True, text=True,
                          timeout=900)
    return Refresh(done.returncode, done.stdout + done.stderr)


@pytest.fixture(scope="session")
def online_folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("online-user")


@pytest.fixture(scope="session")
def online_db() -> str:
    return _fresh_database(f"{TEST_DB}_online")


@pytest.fixture(scope="session")
def online_refresh(official_host, online_folder, online_db) -> Refresh:
    """The main job's refresh, every source from its (imitated) official host."""
    return run_pipelines(online_env(official_host, online_folder, online_db), "--select", REFRESHED)
