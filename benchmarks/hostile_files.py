"""Time and peak memory of the readers on the worst files of issue 15, each in a fresh
process (its peak resident memory is its own).

    .venv/bin/python benchmarks/hostile_files.py            # every case
    .venv/bin/python benchmarks/hostile_files.py xfd        # the cases whose name has 'xfd'

Prints: case, outcome (rows read/loaded/set aside, or the refusal), seconds, peak Python
allocations (tracemalloc) and the process's peak resident memory.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MIRROR = Path(os.environ.get("OBSERVATORY_MIRROR", "/work/shared/data"))


def _xlsx(path: Path, cells: dict[str, object], merge: str | None = None) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["commune", "date"])
    sheet.append(["Lille", "2026-01-02"])
    for ref, value in cells.items():
        sheet[ref] = value
    if merge:
        sheet.merge_cells("C1:D2")
    workbook.save(path)
    if merge:   # openpyxl would build every cell of a huge merge: widen it in the XML
        data = {i.filename: (i, zipfile.ZipFile(path).read(i.filename)) for i in zipfile.ZipFile(path).infolist()}
        with zipfile.ZipFile(path, "w") as target:
            for name, (item, content) in data.items():
                target.writestr(item, content.replace(b'ref="C1:D2"', f'ref="{merge}"'.encode())
                                if name == "xl/worksheets/sheet1.xml" else content)
    return path


def build(folder: Path) -> dict[str, tuple[str, Path]]:
    """case -> (reader, file)."""
    big_list = "commune;mesures;date\n" + "".join(f"Commune {n};1,3;2026-01-02\n" for n in range(90_000))
    cases = {
        "pact xlsx, one cell at XFD1048576": ("pact", _xlsx(folder / "xfd.xlsx", {"XFD1048576": "x"})),
        "pact xlsx, one cell at A1048576": ("pact", _xlsx(folder / "a.xlsx", {"A1048576": "Roubaix"})),
        "pact xlsx, merge C1:XFD1048576": ("pact", _xlsx(folder / "merge.xlsx", {}, merge="C1:XFD1048576")),
        "pact csv, measures 1-40000": ("pact", "commune;mesures\nLille;1-40000\n"),
        "pact csv, measures 1-1000000": ("pact", "commune;mesures\nLille;1-1000000\n"),
        "pact csv, stray quote then 100,000 rows": ("pact", 'commune;mesures\nLille;"1\n' + "Roubaix;2\n" * 100_000),
        "pact csv, 200 KB cell": ("pact", 'commune;commentaire\nLille;"' + "x" * 200_000 + '"\n'),
        "pact csv, 90,000 rows (a large real list)": ("pact", big_list),
        "irve csv, 1 MB header": ("irve", ",".join(f"c{i}" for i in range(150_000)) + "\n1\n"),
        "attribute csv, 1 MB header": ("attribute", ",".join(f"c{i}" for i in range(150_000)) + "\n1\n"),
    }
    files = {}
    for name, (reader, content) in cases.items():
        if isinstance(content, Path):
            files[name] = (reader, content)
            continue
        path = folder / f"{len(files)}.csv"
        path.write_text(content, encoding="utf-8")
        files[name] = (reader, path)
    return files


def read_once(reader: str, path: Path) -> str:
    from geodata.sources.irve.reader import read_irve
    from geodata.sources.pacte.reader import parse_signatures
    from observatory.attribute_cli import read_points_file

    try:
        if reader == "pact":
            parsed = parse_signatures(path, today=date(2026, 12, 1), campaign="municipales-2026")
            outcome = (f"read {parsed.rows_read}, kept {len(parsed.rows)}, set aside {len(parsed.rejected)} "
                       f"rows + {len(parsed.items_rejected)} items")
        elif reader == "irve":
            read = read_irve(path, MIRROR / "irve/schema-irve/statique/schema-statique.json")
            outcome = f"read {read.rows_read}"
        else:
            outcome = f"header of {len(read_points_file(path).header)} columns"
    except Exception as error:  # noqa: BLE001 - the refusal is the outcome being measured
        outcome = f"{type(error).__name__}: {str(error)[:110]}"
    return outcome


def measure(reader: str, path: Path) -> dict:
    """Run in the child process, modules already imported: the read timed alone, then again
    under tracemalloc for its peak allocations (tracemalloc slows Python down)."""
    import resource

    import openpyxl  # noqa: F401  (imported on first XLSX: not the file's cost)

    read_once("pact", Path("/nonexistent.csv"))       # imports
    started = time.perf_counter()
    outcome = read_once(reader, path)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    read_once(reader, path)
    peak = tracemalloc.get_traced_memory()[1]
    return {"outcome": outcome, "seconds": seconds, "python_peak_mib": peak / 2**20,
            "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(measure(sys.argv[2], Path(sys.argv[3]))))
        return
    wanted = sys.argv[1].lower() if len(sys.argv) > 1 else ""
    with tempfile.TemporaryDirectory() as folder:
        rows = []
        for name, (reader, path) in build(Path(folder)).items():
            if wanted not in name.lower():
                continue
            out = subprocess.run([sys.executable, __file__, "--child", reader, str(path)], cwd=ROOT,
                                 capture_output=True, text=True, timeout=600)
            result = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append((name, path.stat().st_size, result))
    print(f"| case | file | seconds | Python peak MiB | process max RSS MiB | outcome |")
    print("|---|---:|---:|---:|---:|---|")
    for name, size, r in rows:
        print(f"| {name} | {size / 1024:,.0f} KB | {r['seconds']:.3f} | {r['python_peak_mib']:.1f} | "
              f"{r['max_rss_mib']:.0f} | {r['outcome']} |")


if __name__ == "__main__":
    main()
