"""Tolerant reading of the tables citizen groups keep: CSV in any usual encoding and
delimiter, or XLSX with title rows and merged header cells.

The result is a list of rows keyed by *canonical* column names (see `COLUMN_VARIANTS`),
with the original line number of each row, and messages that say how the file was read.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from geodata.names import fold_text
from geodata.sources.tabular import CELL_TOO_LONG, EXTRA_FIELDS, UnsavedFormula, csv_rows, open_workbook
from geodata.sources.tabular import read_sheet as _read_sheet
from geodata.sources.text import CONTROL_CHARACTERS, detect_encoding


class PacteFileError(ValueError):
    """The file cannot be read as a list; the message says why, in French, for the user."""


# Canonical column -> the headers users write, normalised (no accents, lower case, words
# separated by one space). The English names are those of the mirror's transcriptions.
COLUMN_VARIANTS: dict[str, tuple[str, ...]] = {
    "commune": ("commune", "communes", "nom de la commune", "nom commune", "nom de commune",
                "ville", "collectivite", "libelle commune", "nom", "commune name",
                "commune name as published", "municipalite"),
    "insee_code": ("code insee", "insee", "code commune", "code officiel geographique", "cog",
                   "code insee commune", "insee code"),
    "area": ("area", "zone", "territoire", "secteur", "intercommunalite", "epci",
             "agglomeration", "metropole"),
    "departement": ("departement", "dept", "dpt", "dep", "code departement", "n departement",
                    "num departement"),
    "postcode": ("code postal", "cp", "postcode"),
    "campaign": ("campagne", "campaign", "election", "elections", "scrutin"),
    "council_commitment": ("engagement du conseil", "engagement", "niveau d engagement",
                           "niveau", "engagement conseil", "conseil municipal", "council commitment",
                           "niveau du conseil", "engagement du conseil municipal"),
    "list_name": ("liste", "nom de la liste", "list", "list name", "liste candidate"),
    "candidate_name": ("candidat", "candidate", "candidat e", "tete de liste", "candidat candidate",
                       "candidate name"),
    "elected": ("elu", "elue", "elu e", "liste elue", "elected", "elu ou non"),
    "measures": ("mesures", "mesures signees", "mesures engagees", "mesures choisies",
                 "engagements", "measures", "numeros des mesures", "mesures retenues"),
    "signed_on": ("date", "date de signature", "signe le", "date signature", "as of", "signed on",
                  "date de l engagement"),
    "source": ("source", "lien", "url", "lien source", "reference"),
    # Follow-up lists.
    "measure": ("mesure", "n mesure", "numero de mesure", "numero mesure", "no mesure", "measure",
                "num mesure"),
    "status": ("statut", "etat", "avancement", "status", "etat d avancement"),
    "status_date": ("date du statut", "date de suivi", "date du constat", "status date",
                    "date de mise a jour"),
    "evidence_url": ("preuve", "lien preuve", "justificatif", "lien justificatif", "evidence",
                     "evidence url", "lien vers la preuve"),
    "comment": ("commentaire", "commentaires", "remarque", "remarques", "observations", "comment",
                "note"),
    # Catalogue files.
    "number": ("numero", "n", "no", "number", "num"),
    "kind": ("type", "kind", "nature"),
    "title": ("titre", "intitule", "title", "libelle", "mesure intitule"),
    "topic": ("theme", "thematique", "topic", "sujet"),
    "verified_title": ("verified title", "titre verifie", "verifie"),
}
_HEADER_INDEX = {variant: canonical for canonical, variants in COLUMN_VARIANTS.items()
                 for variant in variants}


def header_key(label: object) -> str:
    # "N°" needs no case of its own: the degree sign, like any non-alphanumeric, becomes a space.
    return fold_text(str(label or ""))


def canonical_column(label: object) -> str | None:
    return _HEADER_INDEX.get(header_key(label))


@dataclass
class Table:
    """Rows keyed by canonical column, each with its line number in the file."""

    columns: dict[str, str]              # canonical -> header as written
    rows: list[tuple[int, dict[str, object]]]
    unknown_columns: list[str] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    messages: list[str] = field(default_factory=list)
    # Rows that could not be read as rows (more fields than the header, a cell too long,
    # a formula without saved value): (line number, reason, detail in French, cells as read).
    invalid: list[tuple[int, str, str, dict]] = field(default_factory=list)


# Limits: a citizen group's list is a few thousand rows (France has ~35,000 communes); the
# limits are far above any real list and far below what would strain the server. Each is
# checked while reading, so a hostile file stops early.
MAX_FILE_BYTES = 20 * 2**20          # the file as uploaded
MAX_UNZIPPED_BYTES = 200 * 2**20     # an XLSX is a zip: its members once decompressed
MAX_ROWS = 100_000                   # non-empty rows
MAX_CELLS = 1_000_000                # non-empty cells, merged ranges spread included
MAX_ROW_CELLS = 500                  # non-empty cells in one row
MAX_CELL_CHARS = 10_000              # one cell (a long comment is a few hundred)
HEADER_SEARCH_ROWS = 15

# Reasons of the rows set aside by the table reader (EXTRA_FIELDS and CELL_TOO_LONG are
# geodata.sources.tabular's).
FORMULA_WITHOUT_VALUE = "formula_without_value"
_CONTROL = re.compile(CONTROL_CHARACTERS)


def read_table(path: Path, *, required: tuple[str, ...] = ("commune",)) -> Table:
    """Read a CSV or XLSX list; raise `PacteFileError` with a French message if impossible."""
    path = Path(path)
    if not path.is_file():
        raise PacteFileError(f"Fichier introuvable: {path}")
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt", ".tsv"):
        raise PacteFileError(f"{path.name}: format non pris en charge ({path.suffix or 'sans extension'}); "
                             f"déposez un fichier .csv ou .xlsx")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise PacteFileError(f"{path.name}: fichier de {size / 2**20:.1f} Mo, au-delà de la limite de "
                             f"{MAX_FILE_BYTES // 2**20} Mo; découpez la liste en plusieurs fichiers")
    grid = _Grid(path.name)
    if suffix in (".xlsx", ".xlsm"):
        _xlsx_grid(path, grid)
        encoding = delimiter = None
    else:
        encoding, delimiter = _csv_grid(path.read_bytes(), grid)
    table = _table_from_grid(grid, required, path.name, delimiter=delimiter)
    table.encoding, table.delimiter = encoding, delimiter
    table.messages = grid.notes + table.messages
    return table


class _Grid:
    """The non-empty cells of a file, row by row ({line number: {column index: value}}),
    built under the limits: what is not in the file costs nothing."""

    def __init__(self, name: str):
        self.name = name
        self.rows: dict[int, dict[int, object]] = {}
        self.widths: dict[int, int] = {}     # CSV: fields in the row, empty ones included
        self.cells = 0
        self.notes: list[str] = []
        self.control_characters = 0
        self.blank_lines: set[int] = set()

    def add(self, line: int, values, *, columns=None) -> None:
        """One row: `values` in column order, or with `columns` their (0-based) positions."""
        cells = {}
        for c, value in zip(columns if columns is not None else range(len(values)), values):
            if isinstance(value, str):
                if _CONTROL.search(value):
                    value = _CONTROL.sub("", value)
                    self.control_characters += 1
                if not value.strip():
                    continue
            elif value is None:
                continue
            cells[c] = value
        if not cells:
            self.blank_lines.add(line)
            return
        if len(cells) > MAX_ROW_CELLS:
            raise PacteFileError(f"{self.name}: ligne {line}, {len(cells)} cellules remplies (au plus "
                                 f"{MAX_ROW_CELLS}); ce fichier n'est pas une liste")
        self.cells += len(cells)
        if (line not in self.rows and len(self.rows) >= MAX_ROWS) or self.cells > MAX_CELLS:
            raise PacteFileError(f"{self.name}: plus de {MAX_ROWS:,} lignes ou de {MAX_CELLS:,} cellules "
                                 f"remplies; découpez la liste en plusieurs fichiers".replace(",", "\u202f"))
        self.rows.setdefault(line, {}).update(cells)

    def finish(self) -> None:
        if self.control_characters:
            self.notes.append(f"{self.control_characters} cellule(s) contenaient des caractères de "
                              f"contrôle (invisibles), retirés.")


# -- CSV ----------------------------------------------------------------------------------

def _decode(data: bytes) -> tuple[str, str, list[str]]:
    if data.startswith(b"\xef\xbb\xbf") and detect_encoding(data[3:]) == "utf-8":
        return data[3:].decode("utf-8"), "utf-8-sig", []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16", []
        except UnicodeDecodeError as error:
            raise PacteFileError(f"fichier UTF-16 illisible ({error.reason})") from error
    encoding = detect_encoding(data)
    notes = [] if encoding == "utf-8" else [f"Fichier lu en {encoding} (pas en UTF-8): vérifiez "
                                            f"les accents dans le rapport."]
    return data.decode(encoding), encoding, notes


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text[:16384].splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t|").delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        return max(";,\t|", key=first.count)


def _csv_grid(data: bytes, grid: _Grid) -> tuple[str, str]:
    if not data.strip():
        raise PacteFileError(f"{grid.name}: le fichier est vide")
    try:
        text, encoding, notes = _decode(data)
    except PacteFileError as error:
        raise PacteFileError(f"{grid.name}: {error}") from error
    grid.notes += notes
    delimiter = _sniff_delimiter(text)
    for line, record in csv_rows(io.StringIO(text, newline=""), delimiter, grid.name, PacteFileError):
        grid.widths[line] = len(record)
        grid.add(line, record)
    grid.finish()
    return encoding, delimiter


# -- XLSX ---------------------------------------------------------------------------------

def _xlsx_grid(path: Path, grid: _Grid) -> None:
    """The first sheet's cells as saved, read once and as a stream: the sheet's declared
    dimension (`A1:XFD1048576`) is never trusted, only the cells actually present count."""
    workbook = open_workbook(path, MAX_UNZIPPED_BYTES, PacteFileError, "une liste")
    try:
        if not workbook.worksheets:
            raise PacteFileError(f"{path.name}: le classeur n'a aucune feuille de calcul")
        sheet = workbook.worksheets[0]
        if len(workbook.worksheets) > 1:
            grid.notes.append(f"Seule la première feuille « {sheet.title} » est lue "
                              f"({len(workbook.worksheets)} feuilles).")
        merged = _read_sheet(workbook, sheet, grid.add)
    except PacteFileError:
        raise
    except Exception as error:
        raise PacteFileError(f"{path.name}: feuille illisible ({type(error).__name__}: {error})") from error
    finally:
        workbook.close()
    _spread_merged(merged, grid)
    grid.finish()


def _spread_merged(refs: list[str], grid: _Grid) -> None:
    """A merged cell keeps its value in its top-left cell only: spread it over the range,
    so that a header merged over two rows or two columns labels each of them. Ranges are
    clipped to the cells the sheet really uses."""
    from openpyxl.utils.cell import range_boundaries

    if not refs or not grid.rows:
        return
    last_line = max(grid.rows)
    last_column = max(max(cells) for cells in grid.rows.values())
    spread = 0
    for ref in refs:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(str(ref))
        except (TypeError, ValueError):
            continue
        value = grid.rows.get(min_row, {}).get(min_col - 1)
        if value is None:
            continue
        for r in range(min_row, min(max_row, last_line) + 1):
            columns = range(min_col - 1, min(max_col - 1, last_column) + 1)
            grid.add(r, [value] * len(columns), columns=columns)
        spread += 1
    if spread:
        grid.notes.append(f"{spread} cellule(s) fusionnée(s) dépliée(s) pour lire l'en-tête.")


# -- header and rows ----------------------------------------------------------------------

def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _labels(header: dict[int, object], above: dict[int, object] | None) -> dict[int, str | None]:
    """Canonical columns of a row; a label that means nothing alone is tried with the label
    above it (a group header merged over several columns: "Engagement" / "Date")."""
    labels = {}
    for c, value in header.items():
        canonical = canonical_column(value) if not isinstance(value, UnsavedFormula) else None
        if canonical is None and above and not _is_blank(above.get(c)):
            canonical = canonical_column(f"{above[c]} {value or ''}")
        labels[c] = canonical
    return labels


def _column_name(c: int) -> str:
    from openpyxl.utils.cell import get_column_letter

    return f"colonne {get_column_letter(c + 1)}"


def _table_from_grid(grid: _Grid, required: tuple[str, ...], name: str, *,
                     delimiter: str | None) -> Table:
    """The header (the row, among the first ones, that names the most required and known
    columns) and the rows under it; `delimiter` for a CSV, whose rows cannot be wider than
    its header."""
    lines = sorted(grid.rows)
    candidates = []
    for i, line in enumerate(lines[:HEADER_SEARCH_ROWS]):
        above = grid.rows[lines[i - 1]] if i and lines[i - 1] == line - 1 else None
        labels = _labels(grid.rows[line], above)
        found = {label for label in labels.values() if label}
        candidates.append((len(found & set(required)), len(found), -i, i, labels))
    if not candidates or max(candidates)[0] < len(required):
        wanted = ", ".join(f"« {COLUMN_VARIANTS[c][0]} »" for c in required)
        raise PacteFileError(f"{name}: aucune ligne d'en-tête avec la colonne {wanted} dans les "
                             f"{HEADER_SEARCH_ROWS} premières lignes remplies; utilisez le modèle "
                             f"(docs/pacte-import.md)")
    *_, header_index, labels = max(candidates)
    header_line = lines[header_index]
    header = grid.rows[header_line]
    columns: dict[str, str] = {}
    positions: dict[str, int] = {}
    unknown, messages = [], []
    for c in sorted(labels):
        label, written = labels[c], " ".join(str(header[c]).split())
        if label is None:
            unknown.append(written)
            continue
        if label in positions:
            messages.append(f"Colonne « {written} » ignorée: la colonne « {columns[label]} » "
                            f"donne déjà cette information.")
            unknown.append(written)
            continue
        positions[label], columns[label] = c, written
    if unknown:
        messages.append("Colonnes non reconnues, conservées dans le rapport: " + ", ".join(unknown))
    width = max(header) + 1
    mapped = set(positions.values())
    rows, invalid, formulas = [], [], []
    for line in lines[header_index + 1:]:
        cells = grid.rows[line]
        row = {label: _clean(cells.get(c)) for label, c in positions.items()}
        extra = {" ".join(str(header[c]).split()) if c in header else _column_name(c): _clean(v)
                 for c, v in sorted(cells.items()) if c not in mapped}
        if extra:
            row["_other"] = extra
        problem = _row_problem(cells, width, grid.widths.get(line), delimiter)
        unsaved = [(c, v) for c, v in sorted(cells.items()) if isinstance(v, UnsavedFormula)]
        if unsaved:
            formulas += [f"{_column_name(c).split()[1]}{line}" for c, _ in unsaved]
            problem = problem or (FORMULA_WITHOUT_VALUE, "formule sans valeur enregistrée ("
                                  + ", ".join(f"{_column_name(c)}: {v[:60]}" for c, v in unsaved)
                                  + "); ouvrez le fichier dans un tableur et enregistrez-le, ou "
                                    "remplacez la formule par sa valeur")
        if problem:
            invalid.append((line, *problem, _payload(row)))
        else:
            rows.append((line, row))
    blank = sum(1 for line in grid.blank_lines if line > header_line and line not in grid.rows)
    if blank:
        messages.append(f"{blank} ligne(s) entièrement vide(s) ignorée(s).")
    if formulas:
        messages.append(f"{len(formulas)} formule(s) sans valeur enregistrée ("
                        f"{', '.join(formulas[:10])}{'…' if len(formulas) > 10 else ''}): lignes mises "
                        f"en quarantaine, le tableur n'a pas enregistré leur résultat.")
    if header_index:
        messages.append(f"En-tête trouvé ligne {header_line}.")
    return Table(columns, rows, unknown, messages=messages, invalid=invalid)


def _row_problem(cells: dict[int, object], width: int, fields: int | None,
                 delimiter: str | None) -> tuple[str, str] | None:
    long = next((c for c, v in cells.items() if isinstance(v, str) and len(v) > MAX_CELL_CHARS), None)
    if long is not None:
        return CELL_TOO_LONG, (f"{_column_name(long)}: cellule de {len(cells[long]):,} caractères "
                               f"(au plus {MAX_CELL_CHARS:,})").replace(",", "\u202f")
    beyond = [c for c in cells if c >= width]
    if delimiter is not None and beyond:
        return EXTRA_FIELDS, (f"{fields} champs pour {width} colonnes d'en-tête: une valeur qui "
                              f"contient « {delimiter} » (ex. mesures 1{delimiter}3{delimiter}12) doit "
                              f"être entre guillemets, ou séparée par des virgules")
    return None


def _payload(row: dict) -> dict:
    """The row as read, each cell cut to a readable length (a set-aside row is shown, not loaded)."""
    def cut(value):
        if isinstance(value, dict):
            return {k: cut(v) for k, v in value.items()}
        return value[:500] + "…" if isinstance(value, str) and len(value) > 500 else value
    return {k: cut(v) for k, v in row.items()}


def _clean(value: object) -> object:
    if isinstance(value, str):
        value = " ".join(value.split())
        return value or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# -- values -------------------------------------------------------------------------------

def parse_date(value: object) -> date | None:
    """A date as spreadsheets and people write it; None if empty; ValueError if unreadable."""
    if _is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for pattern, order in ((r"(\d{4})-(\d{1,2})-(\d{1,2})", "ymd"), (r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", "dmy")):
        found = re.fullmatch(pattern + r"(?:[ T].*)?", text)
        if found:
            parts = dict(zip(order, map(int, found.groups())))
            return date(parts["y"], parts["m"], parts["d"])  # ValueError on 31/02
    raise ValueError(f"date illisible « {text} » (attendu AAAA-MM-JJ ou JJ/MM/AAAA)")


def parse_bool(value: object) -> bool | None:
    if _is_blank(value):
        return None
    key = header_key(value)
    if key in ("oui", "o", "yes", "y", "true", "vrai", "1", "x", "elu", "elue"):
        return True
    if key in ("non", "n", "no", "false", "faux", "0", "non elu", "non elue"):
        return False
    raise ValueError(f"valeur oui/non illisible « {value} »")
