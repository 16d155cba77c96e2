"""Tolerant reading of the tables citizen groups keep: CSV in any usual encoding and
delimiter, or XLSX with title rows and merged header cells.

The result is a list of rows keyed by *canonical* column names (see `COLUMN_VARIANTS`),
with the original line number of each row, and messages that say how the file was read.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from geodata.sources.text import detect_encoding


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
    text = unicodedata.normalize("NFKD", str(label or ""))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


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


def read_table(path: Path, *, required: tuple[str, ...] = ("commune",)) -> Table:
    """Read a CSV or XLSX list; raise `PacteFileError` with a French message if impossible."""
    path = Path(path)
    if not path.is_file():
        raise PacteFileError(f"Fichier introuvable: {path}")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        grid, notes = _xlsx_grid(path)
        encoding = delimiter = None
    elif path.suffix.lower() in (".csv", ".txt", ".tsv"):
        grid, encoding, delimiter, notes = _csv_grid(path.read_bytes())
    else:
        raise PacteFileError(f"{path.name}: format non pris en charge ({path.suffix or 'sans extension'}); "
                             f"déposez un fichier .csv ou .xlsx")
    table = _table_from_grid(grid, required, path.name)
    table.encoding, table.delimiter = encoding, delimiter
    table.messages = notes + table.messages
    return table


# -- CSV ----------------------------------------------------------------------------------

def _decode(data: bytes) -> tuple[str, str, list[str]]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig", []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16", []
    encoding = detect_encoding(data)
    notes = [] if encoding == "utf-8" else [f"Fichier lu en {encoding} (pas en UTF-8): vérifiez "
                                            f"les accents dans le rapport."]
    return data.decode(encoding), encoding, notes


def _csv_grid(data: bytes) -> tuple[list[list[object]], str, str, list[str]]:
    if not data.strip():
        raise PacteFileError("Le fichier est vide")
    text, encoding, notes = _decode(data)
    sample = "\n".join(text.splitlines()[:20])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=";,\t|").delimiter
    except csv.Error:
        first = text.splitlines()[0]
        delimiter = max(";,\t|", key=first.count)
    grid = [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    return grid, encoding, delimiter, notes


# -- XLSX ---------------------------------------------------------------------------------

def _xlsx_grid(path: Path) -> tuple[list[list[object]], list[str]]:
    from openpyxl import load_workbook  # only XLSX imports need it

    try:
        workbook = load_workbook(path, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise PacteFileError(f"{path.name}: classeur XLSX illisible ({error})") from error
    sheet = workbook.worksheets[0]
    notes = []
    if len(workbook.worksheets) > 1:
        notes.append(f"Seule la première feuille « {sheet.title} » est lue "
                     f"({len(workbook.worksheets)} feuilles).")
    grid = [list(row) for row in sheet.iter_rows(values_only=True)]
    # A merged cell keeps its value in its top-left cell only: spread it over the range,
    # so that a header merged over two rows or two columns labels each of them.
    merged = list(sheet.merged_cells.ranges)
    for cell_range in merged:
        value = grid[cell_range.min_row - 1][cell_range.min_col - 1]
        for r in range(cell_range.min_row, cell_range.max_row + 1):
            for c in range(cell_range.min_col, cell_range.max_col + 1):
                grid[r - 1][c - 1] = value
    if merged:
        notes.append(f"{len(merged)} cellule(s) fusionnée(s) dépliée(s) pour lire l'en-tête.")
    return grid, notes


# -- header and rows ----------------------------------------------------------------------

def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _labels(grid: list[list[object]], r: int) -> list[str | None]:
    """Canonical columns of row r; a label that means nothing alone is tried with the label
    above it (a group header merged over several columns: "Engagement" / "Date")."""
    labels = []
    for c, value in enumerate(grid[r]):
        canonical = canonical_column(value)
        if canonical is None and r > 0 and c < len(grid[r - 1]) and not _is_blank(grid[r - 1][c]):
            canonical = canonical_column(f"{grid[r - 1][c]} {value or ''}")
        labels.append(canonical)
    return labels


def _table_from_grid(grid: list[list[object]], required: tuple[str, ...], name: str) -> Table:
    candidates = []
    for r in range(min(len(grid), 15)):
        labels = _labels(grid, r)
        found = {label for label in labels if label}
        candidates.append((len(found & set(required)), len(found), -r, r, labels))
    if not candidates or max(candidates)[0] < len(required):
        wanted = ", ".join(f"« {COLUMN_VARIANTS[c][0]} »" for c in required)
        raise PacteFileError(f"{name}: aucune ligne d'en-tête avec la colonne {wanted} dans les 15 "
                             f"premières lignes; utilisez le modèle (docs/pacte-import.md)")
    *_, header_row, labels = max(candidates)
    columns: dict[str, str] = {}
    positions: dict[str, int] = {}
    unknown, messages = [], []
    for c, label in enumerate(labels):
        written = str(grid[header_row][c] or "").strip()
        if label is None:
            if written:
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
    rows, blank = [], 0
    for r in range(header_row + 1, len(grid)):
        cells = grid[r]
        if all(_is_blank(v) for v in cells):
            blank += 1
            continue
        row = {label: _clean(cells[c]) if c < len(cells) else None for label, c in positions.items()}
        extra = {str(grid[header_row][c] or f"colonne {c + 1}"): _clean(v)
                 for c, v in enumerate(cells) if c not in positions.values() and not _is_blank(v)}
        if extra:
            row["_other"] = extra
        rows.append((r + 1, row))
    if blank:
        messages.append(f"{blank} ligne(s) entièrement vide(s) ignorée(s).")
    if header_row:
        messages.append(f"En-tête trouvé ligne {header_row + 1}.")
    return Table(columns, rows, unknown, messages=messages)


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
