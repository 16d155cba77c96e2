"""Hostile and clumsy files (issue 15): each reader bounded in time and memory, no traceback,
every row accounted for. Files are built by hand in each test, as a user would."""
from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.irve.conftest import example_path, example_row, irve_csv, schema_path  # noqa: F401 (fixtures)


@dataclass
class Cost:
    seconds: float = 0.0
    peak_mib: float = 0.0


@pytest.fixture(scope="package", autouse=True)
def _tracing_allocations():
    """Trace allocations once for the whole package rather than once per `bounded` block.
    Python 3.11's tracemalloc.stop() races with numpy's PyTraceMalloc_Track calls made without
    the GIL by threads other tests leave running (CPython gh-128679, fixed in 3.12.9): hundreds
    of start/stop cycles segfaulted CI once inside test_irve_reader_holds."""
    tracemalloc.start()
    yield
    tracemalloc.stop()


@contextmanager
def bounded(seconds: float, mib: float):
    """Fail if the block takes longer than `seconds` or allocates more than `mib` at its peak
    (Python objects and numpy arrays, through tracemalloc; the files here are small enough
    that Arrow's own buffers do not matter)."""
    cost = Cost()
    baseline = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    started = time.perf_counter()
    try:
        yield cost
    finally:
        cost.seconds = time.perf_counter() - started
        cost.peak_mib = (tracemalloc.get_traced_memory()[1] - baseline) / 2**20
    assert cost.seconds < seconds, f"took {cost.seconds:.2f} s (bound {seconds} s)"
    assert cost.peak_mib < mib, f"peak {cost.peak_mib:.1f} MiB (bound {mib} MiB)"


@pytest.fixture
def xlsx(tmp_path: Path) -> Callable[..., Path]:
    """`xlsx(fill, name=...)`: a workbook whose first sheet `fill(sheet)` writes."""
    def make(fill: Callable, name: str = "liste.xlsx") -> Path:
        workbook = Workbook()
        fill(workbook.active)
        path = tmp_path / name
        workbook.save(path)
        return path
    return make


@pytest.fixture
def text_file(tmp_path: Path) -> Callable[..., Path]:
    """`text_file(content, name=...)`: a file with `content` (str as UTF-8, or bytes)."""
    def make(content: str | bytes, name: str = "liste.csv") -> Path:
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path
    return make
