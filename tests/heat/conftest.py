"""Builds FCU-shaped archives from the SYNTHETIC fixture in tests/fixtures/fcu (see its README)."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

FIXTURE_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "fcu"


def build_archive(target: Path, members: list[str] | None = None) -> Path:
    """A zip laid out like FCU's (`zip -j`: flat member names)."""
    names = members if members is not None else sorted(p.name for p in FIXTURE_DIR.glob("*.geojson"))
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.write(FIXTURE_DIR / name, arcname=name)
    return target


@pytest.fixture
def fcu_archive(tmp_path) -> Path:
    return build_archive(tmp_path / "231126-opendata-fcu.zip")


@pytest.fixture
def fcu_mirror(tmp_path) -> Path:
    """A mirror directory holding the synthetic archive where the real one would be."""
    (tmp_path / "heat").mkdir()
    build_archive(tmp_path / "heat" / "opendata-fcu.zip")
    return tmp_path
