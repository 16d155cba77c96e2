"""Settings read from the environment, in one place.

Other packages receive values from here (or from Dagster resources); `observatory`
functions never read the environment themselves.
"""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def mirror_dir() -> Path | None:
    """The local mirror of the official sources, when `OBSERVATORY_MIRROR` is set."""
    value = os.environ.get("OBSERVATORY_MIRROR", "").strip()
    return Path(value).expanduser().resolve() if value else None


def cache_dir() -> Path:
    """Where downloads are kept, by content hash."""
    value = os.environ.get("OBSERVATORY_CACHE", "").strip()
    return Path(value).expanduser() if value else PROJECT_DIR / ".cache" / "downloads"


def database_url_override() -> str | None:
    """`DATABASE_URL` points the project at an existing PostGIS instead of its own cluster."""
    value = os.environ.get("DATABASE_URL", "").strip()
    return value or None


def dagster_home() -> Path:
    """Dagster's instance directory (`DAGSTER_HOME`), by default `.dagster/` in the project."""
    value = os.environ.get("DAGSTER_HOME", "").strip()
    return Path(value).expanduser() if value else PROJECT_DIR / ".dagster"


def tile_archive_dir() -> Path:
    """Where the pipeline writes the static national tiles and the tile service reads them
    (`OBSERVATORY_TILE_ARCHIVES`, by default `.cache/tiles/` in the project)."""
    value = os.environ.get("OBSERVATORY_TILE_ARCHIVES", "").strip()
    return Path(value).expanduser() if value else PROJECT_DIR / ".cache" / "tiles"


def app_url() -> str:
    """Where people open the observatory (`OBSERVATORY_APP_URL`): invitation links point there."""
    return os.environ.get("OBSERVATORY_APP_URL", "").strip() or "http://127.0.0.1:8501"
