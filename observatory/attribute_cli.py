"""`observatory attribute`: add the commune (INSEE code and name) to any CSV of points.

The positions go through the same checks as the charging points (missing, zero, outside
France, swapped latitude/longitude repaired) and the same spatial query
(`observatory.attribution.attribute_points`). Every input row is written out, in its order,
with the file's own columns untouched (the command's two columns get other names when the file
already has an `insee_code` or `commune_name`); the rows that got no commune are listed on
stderr with the line they start on in the file and the reason. The output goes to a temporary
file renamed at the end, never over the input.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import re
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg

from geodata import db
from geodata.sources.fetch import SourceError
from geodata.sources.irve import coordinates
from geodata.sources.irve.schema import SchemaError
from geodata.sources.text import CONTROL_CHARACTERS, detect_encoding
from observatory.attribution import SLIVER_TOLERANCE_M, Attribution, attribute_points, compare_declared_codes

# Column names recognised without options (compared without case or accents).
LON_NAMES = ("longitude", "lon", "lng", "long", "consolidated_longitude", "x_wgs84", "x")
LAT_NAMES = ("latitude", "lat", "consolidated_latitude", "y_wgs84", "y")
# A single "[longitude, latitude]" column, as in the IRVE schema (coordonneesXY).
XY_NAMES = ("coordonneesxy", "coordonnees_xy", "coordinates", "xy")
# A commune code the file already declares (the IRVE schema's name first): compared, not trusted.
DECLARED_NAMES = ("code_insee_commune", "code_insee", "insee_code", "insee", "code_commune")
REASONS_FR = {
    "missing_coordinates": "coordonnées manquantes ou illisibles",
    "zero_coordinates": "coordonnées 0,0",
    "outside_france": "hors de France",
    "no_commune": f"dans aucune commune (à plus de {SLIVER_TOLERANCE_M:.0f} m de tout contour)",
}
MAX_LISTED = 50
# An analyst's file, decoded in memory once (two passes: the positions, then the output).
MAX_INPUT_BYTES = 512 * 2**20
MAX_HEADER_CHARS = 64 * 2**10
_CONTROL = re.compile(CONTROL_CHARACTERS)


class ColumnError(ValueError):
    pass


class InputError(ValueError):
    """The file cannot be read as a CSV of points; the message says why, in French."""


def _plain(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return text.strip().lower().replace(" ", "_").replace("-", "_")


def find_columns(columns: list[str], lon: str | None, lat: str | None,
                 xy: str | None) -> tuple[str | None, str | None, str | None]:
    """(lon, lat, xy) column names: the ones given, else detected by name."""
    for given in (lon, lat, xy):
        if given is not None and given not in columns:
            raise ColumnError(f"colonne « {given} » absente du fichier (colonnes : {', '.join(columns)})")
        if given is not None and columns.count(given) > 1:
            raise ColumnError(f"colonne « {given} » en double dans l'en-tête : renommez l'une des deux")
    if xy or (lon and lat):
        return lon, lat, xy
    by_plain = {_plain(c): c for c in reversed(columns)}
    lon = lon or next((by_plain[n] for n in LON_NAMES if n in by_plain), None)
    lat = lat or next((by_plain[n] for n in LAT_NAMES if n in by_plain), None)
    if lon and lat:
        return lon, lat, None
    xy = next((by_plain[n] for n in XY_NAMES if n in by_plain), None)
    if xy:
        return None, None, xy
    raise ColumnError("colonnes de longitude et de latitude introuvables (colonnes : "
                      f"{', '.join(columns)}) ; précisez-les avec --lon et --lat, ou --xy")


@dataclass
class PointsFile:
    """A user's CSV as text, read record by record (never as a table: every row is kept,
    whatever its number of fields, with the line it starts on)."""

    name: str
    text: str
    delimiter: str
    header: list[str]            # names with spaces and line breaks folded (for finding columns)
    written_header: list[str]    # as written, for the output
    lines: list[int]             # line where each data record starts
    fields: list[list[str]]      # (only the columns the command reads) per record
    widths: list[int]            # number of fields of each record
    notes: list[str] = field(default_factory=list)


def _records(text: str, delimiter: str, name: str):
    """(line where the record starts, fields) for every record; a quote that opens a cell and
    never closes is an error (strict), not the rest of the file read as one cell."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    line = 1
    try:
        for record in reader:
            yield line, record
            line = reader.line_num + 1
    except csv.Error as error:
        raise InputError(f"{name} : ligne {line}, CSV illisible ({_csv_problem(str(error))}) ; "
                         f"corrigez le fichier") from error


def _csv_problem(error: str) -> str:
    if "field larger than field limit" in error:
        return "cellule de plus de 128 Ko, guillemet non fermé ?"
    if "unexpected end of data" in error:
        return "un guillemet ouvre une cellule jamais fermée"
    if "expected after" in error:
        return "un guillemet au milieu d'une cellule"
    return error


def read_points_file(path: Path) -> PointsFile:
    """Decode the file (UTF-8, else Windows-1252/Latin-1), find its delimiter and header."""
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_INPUT_BYTES:
        raise InputError(f"{path.name} : fichier de {size / 2**20:.0f} Mo, au-delà de la limite de "
                         f"{MAX_INPUT_BYTES // 2**20} Mo ; découpez-le")
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError(f"{path.name} : le fichier est vide")
    encoding = detect_encoding(raw)
    text = raw.decode(encoding).removeprefix("\ufeff")
    del raw
    first = _first_record(text)
    if first is None:
        raise InputError(f"{path.name} : en-tête de plus de {MAX_HEADER_CHARS // 1024} Ko, ou guillemet "
                         f"jamais fermé ; la première ligne doit nommer les colonnes")
    delimiter = max((",", ";", "\t", "|"), key=first.count)
    _, header = next(_records(text, delimiter, path.name))
    written, header = header, [" ".join(name.split()) for name in header]    # wrapped header cells
    notes = [] if encoding == "utf-8" else [f"fichier lu en {encoding} (pas en UTF-8)"]
    repeated = sorted({n for n in header if header.count(n) > 1})
    if repeated:
        notes.append(f"colonnes en double (la première est lue) : {', '.join(repeated)}")
    return PointsFile(path.name, text, delimiter, header, written, [], [], [], notes)


def _first_record(text: str) -> str | None:
    """The header record's text (quoted line breaks included), or None if it does not end
    within `MAX_HEADER_CHARS`."""
    quoted = False
    for position, char in enumerate(text[:MAX_HEADER_CHARS]):
        if char == '"':
            quoted = not quoted
        elif char == "\n" and not quoted:
            return text[:position]
    return text if len(text) <= MAX_HEADER_CHARS and not quoted else None


def _own_column(header: list[str], name: str) -> str:
    """The command's column name, or a variant that no column of the file already uses."""
    candidates = [name, f"{name}_observatory", *(f"{name}_observatory_{n}" for n in range(2, 100))]
    return next(c for c in candidates if c not in header)


@dataclass
class Attributed:
    """The commune of every record of a points file, and the report."""

    points: PointsFile
    insee_code: np.ndarray
    commune_name: np.ndarray
    columns: tuple[str, str]
    report: list[str]

    def write(self, handle) -> int:
        """The input, record by record in its order, with the two columns after the header's
        own (fields beyond the header, in a malformed record, come after them); returns the
        number of records written."""
        # CRLF as RFC 4180 has it: a cell holding a lone carriage return is then quoted.
        writer = csv.writer(handle, delimiter=self.points.delimiter, lineterminator="\r\n")
        width = len(self.points.header)
        writer.writerow([*self.points.written_header, *self.columns])
        records = _records(self.points.text, self.points.delimiter, self.points.name)
        next(records)
        written = 0
        for _, record in records:
            if not record:
                continue
            cells = record[:width] + [""] * (width - len(record))
            writer.writerow([*cells, self.insee_code[written] or "", self.commune_name[written] or "",
                             *record[width:]])
            written += 1
        return written


def attribute_csv(conn: psycopg.Connection, input_path: Path, *, lon: str | None = None,
                  lat: str | None = None, xy: str | None = None) -> Attributed:
    """Every record of the file with the INSEE code and name of its commune, and a report
    whose line numbers are the file's."""
    points = read_points_file(input_path)
    header = points.header
    lon_col, lat_col, xy_col = find_columns(header, lon, lat, xy)
    own = (_own_column(header, "insee_code"), _own_column(header, "commune_name"))
    declared_col = next((c for c in header if _plain(c) in DECLARED_NAMES), None)
    wanted = [header.index(c) for c in (xy_col,) if c] or [header.index(lon_col), header.index(lat_col)]
    if declared_col:
        wanted.append(header.index(declared_col))
    width, blank, merged = len(header), 0, []
    records = _records(points.text, points.delimiter, points.name)
    next(records)
    for line, record in records:
        if not record:
            blank += 1
            continue
        points.lines.append(line)
        points.widths.append(len(record))
        points.fields.append([record[i] if i < len(record) else "" for i in wanted])
        if any("\n" in v and any(p.count(points.delimiter) >= 2 for p in v.splitlines()[1:]) for v in record):
            merged.append(line)
    columns = list(zip(*points.fields)) if points.fields else [()] * len(wanted)
    if xy_col:
        lons, lats = coordinates.parse_geopoint(pd.Series(columns[0], dtype=object))
    else:
        lons = coordinates.parse_number(pd.Series(columns[0], dtype=object))
        lats = coordinates.parse_number(pd.Series(columns[1], dtype=object))
    located = coordinates.locate(lons, lats)
    reason = located.reason.copy()
    well_formed = np.array(points.widths, dtype=int) == width
    # A record with a wrong number of fields is kept as is but not placed: its values may
    # sit under the wrong column.
    reason[~well_formed] = "field_count"
    ok = located.ok & well_formed
    found = attribute_points(conn, located.x[ok], located.y[ok])
    count = len(points.lines)
    insee = np.full(count, None, dtype=object)
    names = np.full(count, None, dtype=object)
    insee[ok] = found["insee_code"].to_numpy()
    names[ok] = found["commune_name"].to_numpy()
    nearest = Attribution.of(found["attribution"]).nearest
    reason[ok & pd.isna(insee)] = "no_commune"
    used = f"« {xy_col} »" if xy_col else f"« {lon_col} » et « {lat_col} »"
    # "label : count" throughout: no French agreement to get wrong for 0 or 1.
    report = [f"points lus (coordonnées : {used}) : {count} ; rattachés à une commune : "
              f"{int(pd.notna(insee).sum())}, dont à la commune la plus proche (moins de "
              f"{SLIVER_TOLERANCE_M:.0f} m d'un contour simplifié) : {nearest}"]
    report += points.notes
    if own != ("insee_code", "commune_name"):
        report.append(f"colonnes ajoutées : {own[0]}, {own[1]} (le fichier a déjà les siennes, gardées)")
    if blank:
        report.append(f"lignes vides ignorées : {blank}")
    for line in merged[:MAX_LISTED]:
        report.append(f"  ligne {line} : une cellule sur plusieurs lignes contient des séparateurs "
                      f"(guillemet ouvert par erreur ?) : vérifiez les lignes suivantes")
    swapped = int(pd.notna(located.repaired[ok]).sum())
    if swapped:
        report.append(f"points aux latitude et longitude inversées, corrigés : {swapped}")
    without = np.flatnonzero(pd.notna(reason))
    if len(without):
        report.append(f"points sans commune (gardés dans le fichier, colonnes vides) : {len(without)}")
        report += [f"  ligne {points.lines[row]} : {_reason_fr(reason[row], points.widths[row], width)}"
                   for row in without[:MAX_LISTED]]
        if len(without) > MAX_LISTED:
            report.append(f"  ... et {len(without) - MAX_LISTED} autres")
    if declared_col:
        # Control characters (NUL...) cannot go to PostgreSQL: a code holding one is no code.
        declared = [None if _CONTROL.search(fields[-1]) else fields[-1].strip() or None
                    for fields in points.fields]
        report += declared_code_report(conn, declared_col, declared, insee, names, points.lines)
    return Attributed(points, insee, names, own, report)


def _reason_fr(reason: str, fields: int, width: int) -> str:
    if reason == "field_count":
        return (f"{fields} champs pour {width} colonnes : ligne gardée telle quelle, sans commune "
                f"(ses valeurs peuvent être décalées)")
    return REASONS_FR[reason]


def declared_code_report(conn: psycopg.Connection, column: str, declared: list[str | None],
                         insee: np.ndarray, names: np.ndarray, lines: list[int]) -> list[str]:
    """The file's own commune codes against the communes found, by the pipeline's rule."""
    agreement, differing = compare_declared_codes(conn, insee.tolist(), declared)
    if not agreement["declared"]:
        return []
    report = [f"codes déclarés (colonne « {column} ») comparés à la commune trouvée : {agreement['declared']} ; "
              f"concordants : {agreement['agree']} (anciennes communes ramenées à leur commune actuelle), "
              f"autre commune : {agreement['disagree']}, code d'aucune commune (souvent un code postal) : "
              f"{agreement['declared_code_unknown']}"]
    for index, code, verdict in differing[:MAX_LISTED]:
        found = f"{names[index]} ({insee[index]})"
        what = "autre commune" if verdict == "disagree" else "code d'aucune commune"
        report.append(f"  ligne {lines[index]} : déclaré {code} ({what}), point situé à {found}")
    if len(differing) > MAX_LISTED:
        report.append(f"  ... et {len(differing) - MAX_LISTED} autres")
    return report


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "attribute", help="ajoute à un CSV de points le code INSEE et le nom de leur commune",
        description="Ajoute à chaque ligne d'un CSV le code INSEE et le nom de la commune où se trouve "
                    "le point (COG 2026, contours harmonisés). Les lignes sans commune sont gardées, "
                    "avec des colonnes vides, et signalées.")
    parser.add_argument("input", type=Path, help="CSV avec une longitude et une latitude (WGS84)")
    parser.add_argument("-o", "--output", type=Path, help="CSV de sortie (par défaut : la sortie standard)")
    parser.add_argument("--lon", help="nom de la colonne de longitude (détectée sinon)")
    parser.add_argument("--lat", help="nom de la colonne de latitude (détectée sinon)")
    parser.add_argument("--xy", help="nom d'une colonne « [longitude, latitude] » (ex. coordonneesXY)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if (args.lon is None) != (args.lat is None):
        print("observatory attribute : donnez --lon et --lat ensemble", file=sys.stderr)
        return 2
    if args.output is not None and _same_file(args.input, args.output):
        print(f"observatory attribute : la sortie {args.output} est le fichier d'entrée ; "
              f"choisissez un autre nom (l'entrée n'est jamais écrasée)", file=sys.stderr)
        return 2
    try:
        with psycopg.connect(db.resolve_url()) as conn:
            attributed = attribute_csv(conn, args.input, lon=args.lon, lat=args.lat, xy=args.xy)
            conn.rollback()  # nothing to keep: the points only passed through a temporary table
        if args.output is None:
            attributed.write(sys.stdout)
        else:
            write_atomically(args.output, attributed.write)
    except (ColumnError, InputError, SchemaError, SourceError, OSError) as error:
        print(f"observatory attribute : {error}", file=sys.stderr)
        return 1
    print("\n".join(attributed.report), file=sys.stderr)
    return 0


def _same_file(input_path: Path, output: Path) -> bool:
    try:
        return output.exists() and os.path.samefile(input_path, output)
    except OSError:
        return Path(input_path).resolve() == Path(output).resolve()


def write_atomically(target: Path, write) -> None:
    """`write(handle)` into a temporary file beside `target`, renamed over it only once
    complete: a failure leaves `target` as it was and no partial file."""
    target = Path(target)
    handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", dir=target.parent or ".",
                                         prefix=f".{target.name}.", suffix=".tmp", delete=False)
    try:
        with handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
