"""Small IRVE files built from the schema's own valid example, one row per case."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

EXAMPLE = "irve/schema-irve/statique/exemple-valide-statique.csv"
SCHEMA = "irve/schema-irve/statique/schema-statique.json"


@pytest.fixture(scope="session")
def schema_path(mirror: Path) -> Path:
    return mirror / SCHEMA


@pytest.fixture(scope="session")
def example_path(mirror: Path) -> Path:
    return mirror / EXAMPLE


@pytest.fixture(scope="session")
def example_row(example_path: Path) -> dict:
    with example_path.open(encoding="utf-8", newline="") as handle:
        return next(csv.DictReader(handle))


@pytest.fixture
def irve_csv(tmp_path: Path, example_row: dict):
    """`irve_csv(rows, ...)` writes a consolidated-format CSV; each row overrides the example."""
    def write(rows: list[dict], *, name: str = "irve.csv", delimiter: str = ",",
              encoding: str = "utf-8", drop: tuple[str, ...] = ()) -> Path:
        columns = [c for c in example_row if c not in drop]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, delimiter=delimiter, lineterminator="\n",
                                extrasaction="ignore")
        writer.writeheader()
        for overrides in rows:
            writer.writerow({**example_row, **overrides})
        path = tmp_path / name
        path.write_bytes(buffer.getvalue().encode(encoding))
        return path
    return write

