"""`observatory attribute`: add the commune (INSEE code and name) to any CSV of points.

The positions go through the same checks as the charging points (missing, zero, outside
France, swapped latitude/longitude repaired) and the same spatial query
(`observatory.attribution.attribute_points`). Every input row is written out; the rows
that got no commune are listed on stderr with the reason.
"""
from __future__ import annotations

import argparse
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg

from geodata import db
from geodata.sources.fetch import SourceError
from geodata.sources.irve import coordinates
from geodata.sources.irve.reader import read_csv_text
from geodata.sources.irve.schema import SchemaError
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


class ColumnError(ValueError):
    pass


def _plain(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return text.strip().lower().replace(" ", "_").replace("-", "_")


def find_columns(columns: list[str], lon: str | None, lat: str | None,
                 xy: str | None) -> tuple[str | None, str | None, str | None]:
    """(lon, lat, xy) column names: the ones given, else detected by name."""
    for given in (lon, lat, xy):
        if given is not None and given not in columns:
            raise ColumnError(f"colonne « {given} » absente du fichier (colonnes : {', '.join(columns)})")
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


def attribute_csv(conn: psycopg.Connection, input_path: Path, *, lon: str | None = None,
                  lat: str | None = None, xy: str | None = None) -> tuple[pd.DataFrame, str, list[str]]:
    """The input rows with `insee_code` and `commune_name`, its delimiter, and a report."""
    csv = read_csv_text(input_path)
    frame = csv.table.to_pandas()
    lon_col, lat_col, xy_col = find_columns(list(frame.columns), lon, lat, xy)
    if xy_col:
        lons, lats = coordinates.parse_geopoint(frame[xy_col])
    else:
        lons, lats = coordinates.parse_number(frame[lon_col]), coordinates.parse_number(frame[lat_col])
    located = coordinates.locate(lons, lats)
    ok = located.ok
    found = attribute_points(conn, located.x[ok], located.y[ok])
    insee = np.full(len(frame), None, dtype=object)
    names = np.full(len(frame), None, dtype=object)
    insee[ok] = found["insee_code"].to_numpy()
    names[ok] = found["commune_name"].to_numpy()
    nearest = Attribution.of(found["attribution"]).nearest
    frame["insee_code"], frame["commune_name"] = insee, names
    reason = located.reason.copy()
    reason[ok & pd.isna(insee)] = "no_commune"
    used = f"« {xy_col} »" if xy_col else f"« {lon_col} » et « {lat_col} »"
    # "label : count" throughout: no French agreement to get wrong for 0 or 1.
    report = [f"points lus (coordonnées : {used}) : {len(frame)} ; rattachés à une commune : "
              f"{int(pd.notna(insee).sum())}, dont à la commune la plus proche (moins de "
              f"{SLIVER_TOLERANCE_M:.0f} m d'un contour simplifié) : {nearest}"]
    swapped = int(pd.notna(located.repaired).sum())
    if swapped:
        report.append(f"points aux latitude et longitude inversées, corrigés : {swapped}")
    without = np.flatnonzero(pd.notna(reason))
    if len(without):
        report.append(f"points sans commune (gardés dans le fichier, colonnes vides) : {len(without)}")
        report += [f"  ligne {row + 2} : {REASONS_FR[reason[row]]}" for row in without[:MAX_LISTED]]
        if len(without) > MAX_LISTED:
            report.append(f"  ... et {len(without) - MAX_LISTED} autres")
    # `insee_code` itself is the column this command has just written
    declared_col = next((c for c in frame.columns if _plain(c) in DECLARED_NAMES and c != "insee_code"), None)
    if declared_col:
        report += declared_code_report(conn, frame, declared_col)
    for rejected in csv.rejected:
        report.append(f"{rejected.row_ref} illisible, absente de la sortie : {rejected.detail}")
    return frame, csv.delimiter, report


def declared_code_report(conn: psycopg.Connection, frame: pd.DataFrame, column: str) -> list[str]:
    """The file's own commune codes against the communes found, by the pipeline's rule."""
    declared = [code.strip() or None for code in frame[column].fillna("")]
    agreement, differing = compare_declared_codes(conn, frame["insee_code"].tolist(), declared)
    if not agreement["declared"]:
        return []
    lines = [f"codes déclarés (colonne « {column} ») comparés à la commune trouvée : {agreement['declared']} ; "
             f"concordants : {agreement['agree']} (anciennes communes ramenées à leur commune actuelle), "
             f"autre commune : {agreement['disagree']}, code d'aucune commune (souvent un code postal) : "
             f"{agreement['declared_code_unknown']}"]
    for index, code, verdict in differing[:MAX_LISTED]:
        found = f"{frame['commune_name'].iat[index]} ({frame['insee_code'].iat[index]})"
        what = "autre commune" if verdict == "disagree" else "code d'aucune commune"
        lines.append(f"  ligne {index + 2} : déclaré {code} ({what}), point situé à {found}")
    if len(differing) > MAX_LISTED:
        lines.append(f"  ... et {len(differing) - MAX_LISTED} autres")
    return lines


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
    try:
        with psycopg.connect(db.resolve_url()) as conn:
            frame, delimiter, report = attribute_csv(conn, args.input, lon=args.lon, lat=args.lat, xy=args.xy)
            conn.rollback()  # nothing to keep: the points only passed through a temporary table
    except (ColumnError, SchemaError, SourceError, OSError) as error:
        print(f"observatory attribute : {error}", file=sys.stderr)
        return 1
    frame.to_csv(args.output if args.output else sys.stdout, sep=delimiter, index=False)
    print("\n".join(report), file=sys.stderr)
    return 0
