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


def source_base_url() -> str | None:
    """`OBSERVATORY_SOURCE_BASE_URL`: when set, every official URL is requested from this host
    instead, under the same path (a company mirror, a proxy, or the tests' loopback server)."""
    value = os.environ.get("OBSERVATORY_SOURCE_BASE_URL", "").strip().rstrip("/")
    return value or None


def download_timeout() -> float:
    """Seconds a download may wait for the server's next bytes (`OBSERVATORY_DOWNLOAD_TIMEOUT`)."""
    return float(os.environ.get("OBSERVATORY_DOWNLOAD_TIMEOUT", "").strip() or 60)


def download_retries() -> int:
    """Attempts after the first one when a download fails on a server error, a timeout or a
    cut transfer (`OBSERVATORY_DOWNLOAD_RETRIES`), waiting 1, 2, 4... seconds in between."""
    return int(os.environ.get("OBSERVATORY_DOWNLOAD_RETRIES", "").strip() or 3)


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


def oidc_provider() -> dict[str, str] | None:
    """The OpenID Connect provider members of the Espace des collectifs may sign in with
    (Streamlit's `st.login`): `OBSERVATORY_OIDC_METADATA_URL` (the provider's
    `/.well-known/openid-configuration`), `OBSERVATORY_OIDC_CLIENT_ID`, `_CLIENT_SECRET` and
    `_COOKIE_SECRET` (signs Streamlit's identity cookie). None when the metadata URL is unset:
    the default, members sign in with a password."""
    metadata = os.environ.get("OBSERVATORY_OIDC_METADATA_URL", "").strip()
    if not metadata:
        return None
    values = {name: os.environ.get(f"OBSERVATORY_OIDC_{name.upper()}", "").strip()
              for name in ("client_id", "client_secret", "cookie_secret")}
    missing = [f"OBSERVATORY_OIDC_{name.upper()}" for name, value in values.items() if not value]
    if missing:
        raise ValueError(f"OBSERVATORY_OIDC_METADATA_URL is set but not {', '.join(missing)}")
    return {"server_metadata_url": metadata, **values}


def app_url() -> str:
    """Where people open the observatory (`OBSERVATORY_APP_URL`): invitation links point there."""
    return os.environ.get("OBSERVATORY_APP_URL", "").strip() or "http://127.0.0.1:8501"
