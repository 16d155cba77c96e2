"""IRVE charging points: the national consolidated file, or the mirror's derived extract.

Both go through one path: open the file (zip, encoding, delimiter, HTML refused), validate
the schema fields it carries against the official schema, check and repair positions
(`coordinates.locate`), deduplicate, and hand back clean points plus quarantined rows.
Everything is vectorised on Arrow/pandas columns: no Python loop over the rows, except over
the (few) rows that are rejected, to describe them.
"""
from __future__ import annotations

import fnmatch
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from geodata.load import Rejected
from geodata.sources.fetch import SourceFile
from geodata.sources.irve import coordinates
from geodata.sources.irve.schema import (
    SchemaError,
    TableSchema,
    load_schema,
    missing_required_columns,
    parse_boolean,
    validate,
)
from geodata.sources.text import detect_encoding

# The dataset's stable resource link: it always serves the latest daily consolidation.
CONSOLIDATED_URL = "https://www.data.gouv.fr/fr/datasets/r/eb76d20a-8501-400e-b336-d85724de5435"
CONSOLIDATED = SourceFile(name="irve-statique", url=CONSOLIDATED_URL,
                          mirror_path="irve/consolidation-etalab-schema-irve-statique-v-2.3.1.csv",
                          vintage="daily", licence="Licence Ouverte 2.0")
# The mirror's extract of that file (no point id, no INSEE code): same producer, same URL.
DERIVED_EXTRACT = SourceFile(name="irve-statique", url=CONSOLIDATED_URL,
                             mirror_path="irve/irve-statique-2025-10-25-derived.parquet",
                             vintage="2025-10-25", licence="Licence Ouverte 2.0")
SCHEMA = SourceFile(
    name="irve-schema-statique",
    url="https://raw.githubusercontent.com/etalab/schema-irve/v2.3.0/statique/schema-statique.json",
    mirror_path="irve/schema-irve/statique/schema-statique.json",
    vintage="2.3.0",
    licence="Licence Ouverte 2.0",
)
# The consolidated CSV inside an archive, when a mirror or a user hands a zip.
CSV_MEMBER_PATTERN = "*irve*statique*.csv"
# The extract's columns and the schema fields they carry (same values, other names).
DERIVED_COLUMNS = {
    "nom_station": "nom_station", "adresse_station": "adresse_station",
    "puissance_nominale": "puissance_nominale", "nom_operateur": "nom_operateur",
    "date_maj": "date_maj", "date_mise_en_service": "date_mise_en_service",
    "horaires": "horaires", "reservation": "reservation",
}
DERIVED_REQUIRED = ["nom_station", "latitude", "longitude", "puissance_nominale", "is_dc"]
NOT_CONCERNED = "Non concerné"
FAST_DC_KW = 50.0


class IrveFormatError(SchemaError):
    """The file as a whole cannot be read as IRVE data; nothing was loaded."""


@dataclass
class IrveRead:
    """Clean points (one row per charging point) and what was set aside."""

    points: pd.DataFrame
    rejected: list[Rejected]
    rows_read: int
    rows_duplicate: int
    notes: list[str] = field(default_factory=list)

    @property
    def rows_repaired(self) -> int:
        return int(self.points["repaired"].notna().sum())


# -- opening the file ------------------------------------------------------------------

def _raw_bytes(path: Path, member_pattern: str) -> tuple[bytes, list[str]]:
    notes = []
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            members = [n for n in names if fnmatch.fnmatch(Path(n).name.lower(), member_pattern)]
            if not members:
                raise IrveFormatError(
                    f"{path.name}: the archive holds no member matching '{member_pattern}' "
                    f"(members: {', '.join(names) or 'none'})")
            notes.append(f"read {members[0]} from the archive {path.name}")
            raw = archive.read(members[0])
    else:
        raw = path.read_bytes()
    head = raw[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml")):
        raise IrveFormatError(f"{path.name}: this is an HTML page (an error or login page "
                              f"served instead of the CSV?), not IRVE data")
    if not raw or raw.isspace():
        raise IrveFormatError(f"{path.name}: the file is empty")
    return raw, notes


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    return max(counts, key=counts.get)


@dataclass
class CsvText:
    """A CSV file as a table of strings, how it was written, and the rows it could not split."""

    table: pa.Table
    rejected: list[Rejected]
    notes: list[str]
    encoding: str
    delimiter: str


def read_csv_text(path: Path, *, member_pattern: str = "*.csv") -> CsvText:
    """Any CSV as a table of strings: encoding and delimiter detected, zip and HTML handled.

    Rows with a wrong number of fields are set aside (`malformed_row`; `truncated_row`
    for a last row cut short, the mark of an interrupted download) instead of failing the
    whole file.
    """
    raw, notes = _raw_bytes(Path(path), member_pattern)
    encoding = detect_encoding(raw)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    end_of_line = raw.find(b"\n")
    first_line = (raw if end_of_line < 0 else raw[:end_of_line]).decode(encoding).rstrip("\r")
    delimiter = _delimiter(first_line)
    if encoding != "utf-8":
        notes.append(f"encoding {encoding} (the schema asks for UTF-8)")
    if delimiter != ",":
        notes.append(f"delimiter {delimiter!r} (the schema asks for ',')")
    header = next(iter(pacsv.read_csv(io.BytesIO(first_line.encode() + b"\n"),
                                      parse_options=pacsv.ParseOptions(delimiter=delimiter),
                                      read_options=pacsv.ReadOptions(autogenerate_column_names=True))
                       .to_pylist()), {})
    names = [str(v).strip() for v in header.values()]
    ends_cleanly = raw.rstrip(b" ").endswith((b"\n", b"\r"))
    bad_rows: list[pacsv.InvalidRow] = []

    def keep_aside(row: pacsv.InvalidRow) -> str:
        bad_rows.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(raw),
            read_options=pacsv.ReadOptions(encoding=encoding, skip_rows=1, column_names=names,
                                           block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                             invalid_row_handler=keep_aside),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                 strings_can_be_null=False),
        )
    except pa.ArrowInvalid as error:
        raise IrveFormatError(f"{Path(path).name}: not a readable CSV ({error})") from error
    rejected = []
    # Stripping copies the whole file: once, and only when some row needs it.
    body = raw.rstrip(b"\r\n") if bad_rows else raw
    for row in bad_rows:
        last = row.text is not None and body.endswith(row.text.encode(encoding)[-64:])
        reason = "truncated_row" if last and not ends_cleanly and row.actual_columns < row.expected_columns \
            else "malformed_row"
        rejected.append(Rejected(
            row_ref=f"line {row.number}" if row.number is not None else "line ?",
            reason=reason,
            detail=f"{row.actual_columns} fields where the header has {row.expected_columns}",
            payload={"text": (row.text or "")[:2000]}))
    if any(r.reason == "truncated_row" for r in rejected):
        notes.append("the file ends in the middle of a row: truncated download?")
    return CsvText(table, rejected, notes, encoding, delimiter)


# -- the two layouts -------------------------------------------------------------------

def read_consolidated(path: Path, schema: TableSchema) -> IrveRead:
    """The national consolidated CSV (schema 2.3.x, 40 columns, plus consolidation extras)."""
    csv = read_csv_text(path, member_pattern=CSV_MEMBER_PATTERN)
    table, rejected, notes = csv.table, csv.rejected, csv.notes
    missing = missing_required_columns(table.column_names, schema)
    if missing:
        raise IrveFormatError(f"{Path(path).name}: missing required column(s) of the IRVE "
                              f"schema: {', '.join(missing)}")
    extra = [c for c in table.column_names if c not in schema.names]
    if extra:
        notes.append(f"columns outside the schema, ignored: {', '.join(extra)}")
    lon, lat = coordinates.parse_geopoint(_series(table, "coordonneesXY"))
    is_dc = (_bool(table, "prise_type_combo_ccs") | _bool(table, "prise_type_chademo"))
    horaires = _series(table, "horaires").str.strip()
    station_name = _text(table, "nom_station")
    frame = pd.DataFrame({
        "id_pdc_itinerance": _text(table, "id_pdc_itinerance"),
        "id_pdc_local": _text(table, "id_pdc_local"),
        "station_key": _text(table, "id_station_itinerance").fillna(station_name),
        "station_name": station_name,
        "operator": _text(table, "nom_operateur"),
        "address": _text(table, "adresse_station"),
        "declared_insee_code": _text(table, "code_insee_commune"),
        "lon": lon, "lat": lat,
        "power_kw": pd.to_numeric(_series(table, "puissance_nominale"), errors="coerce"),
        "is_dc": is_dc,
        "commissioned_on": _date(table, "date_mise_en_service"),
        "access_24_7": (horaires == "24/7").where(horaires.notna() & (horaires != ""), None),
        "date_maj": _date(table, "date_maj"),
    })
    result = _clean(frame, table, schema, has_point_ids=True)
    result.rejected[:0] = rejected
    result.rows_read += len(rejected)
    result.notes[:0] = notes
    return result


def read_derived(path: Path, schema: TableSchema) -> IrveRead:
    """The mirror's extract: 17 typed columns, no INSEE code, no point identifier."""
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise IrveFormatError(f"{Path(path).name}: not a readable parquet file ({error})") from error
    missing = [c for c in DERIVED_REQUIRED if c not in table.column_names]
    if missing:
        raise IrveFormatError(f"{Path(path).name}: missing required column(s) of the IRVE "
                              f"extract: {', '.join(missing)}")
    as_schema = pa.table({field_name: table.column(column)
                          for column, field_name in DERIVED_COLUMNS.items() if column in table.column_names})
    station_name = _text(table, "nom_station")
    frame = pd.DataFrame({
        "id_pdc_itinerance": None, "id_pdc_local": None,
        "station_key": station_name,
        "station_name": station_name,
        "operator": _text(table, "nom_operateur"),
        "address": _text(table, "adresse_station"),
        "declared_insee_code": None,
        "lon": table.column("longitude").to_numpy(), "lat": table.column("latitude").to_numpy(),
        "power_kw": table.column("puissance_nominale").to_numpy(),
        "is_dc": table.column("is_dc").to_numpy(zero_copy_only=False),
        "commissioned_on": _date(table, "date_mise_en_service"),
        "access_24_7": (table.column("access_24_7").to_pandas()
                        if "access_24_7" in table.column_names else None),
        "date_maj": _date(table, "date_maj"),
    })
    return _clean(frame, as_schema, schema, has_point_ids=False)


def read_irve(path: Path, schema_path: Path) -> IrveRead:
    """Either layout, told apart by the file itself."""
    path = Path(path)
    schema = load_schema(schema_path)
    with path.open("rb") as handle:
        magic = handle.read(4)
    return read_derived(path, schema) if magic == b"PAR1" else read_consolidated(path, schema)


# -- the shared path -------------------------------------------------------------------

def _clean(frame: pd.DataFrame, table: pa.Table, schema: TableSchema, *, has_point_ids: bool) -> IrveRead:
    """Schema violations, positions, duplicates: the same for every layout."""
    rows_read = len(frame)
    violations = validate(table, schema)
    reason = np.full(rows_read, None, dtype=object)
    detail = np.full(rows_read, "", dtype=object)
    for row in np.flatnonzero(violations.any):
        reasons = violations.reasons_of(row)
        reason[row], detail[row] = reasons[0], ", ".join(reasons)
    located = coordinates.locate(frame["lon"].to_numpy(float), frame["lat"].to_numpy(float))
    # A malformed or missing coordonneesXY is already named by the schema check.
    position_problem = pd.isna(reason) & ~located.ok
    reason[position_problem] = located.reason[position_problem]
    detail[position_problem] = [f"lon={lo}, lat={la}" for lo, la in
                                zip(frame["lon"].to_numpy()[position_problem],
                                    frame["lat"].to_numpy()[position_problem])]
    frame = frame.assign(lon=located.lon, lat=located.lat, x=located.x, y=located.y,
                         repaired=located.repaired)
    keep = np.asarray(pd.isna(reason), dtype=bool).copy()
    rejected_rows = np.flatnonzero(~keep)
    payloads = table.take(pa.array(rejected_rows, pa.int64())).to_pylist() if len(rejected_rows) else []
    # Data rows counted from 1 (the header is not a row).
    rejected = [Rejected(f"row {i + 1}", reason[i], detail[i], payload)
                for i, payload in zip(rejected_rows, payloads)]
    if has_point_ids:
        # Duplicates are looked for among valid rows only; one filter for both.
        keep[np.flatnonzero(keep)[_duplicates(frame[keep])]] = False
    rows_duplicate = rows_read - len(rejected) - int(keep.sum())
    points = frame[keep] if not keep.all() else frame
    points = points.assign(
        is_fast_dc=points["is_dc"].astype(bool) & (points["power_kw"] >= FAST_DC_KW),
        id_pdc_itinerance=points["id_pdc_itinerance"].where(
            points["id_pdc_itinerance"] != NOT_CONCERNED, None),
    ).drop(columns=["is_dc", "station_key", "id_pdc_local", "date_maj"]).reset_index(drop=True)
    return IrveRead(points, rejected, rows_read, rows_duplicate)


def _duplicates(valid: pd.DataFrame) -> np.ndarray:
    """Rows that repeat a point already kept: same `id_pdc_itinerance` when there is one,
    else same station, position (to the micro-degree), power and local id. The most
    recently updated copy (`date_maj`) is the one kept."""
    ids = valid["id_pdc_itinerance"]
    has_id = ids.notna() & (ids != NOT_CONCERNED)
    key = pd.Series(ids.where(has_id), index=valid.index, dtype="object")
    no_id = ~has_id
    key[no_id] = (valid.loc[no_id, "station_key"].astype(str) + "|"
                  + valid.loc[no_id, "lon"].round(6).astype(str) + "|"
                  + valid.loc[no_id, "lat"].round(6).astype(str) + "|"
                  + valid.loc[no_id, "power_kw"].astype(str) + "|"
                  + valid.loc[no_id, "id_pdc_local"].fillna("").astype(str))
    order = valid["date_maj"].rank(method="first", ascending=False, na_option="bottom")
    ranked = pd.DataFrame({"key": key, "order": order}).sort_values("order", kind="stable")
    dup_sorted = ranked.duplicated("key", keep="first")
    return dup_sorted.reindex(valid.index).to_numpy()


def _series(table: pa.Table, name: str) -> pd.Series:
    return table.column(name).to_pandas() if name in table.column_names else pd.Series([None] * table.num_rows)


def _text(table: pa.Table, name: str) -> pd.Series:
    """A text column with empty strings as missing, surrounding spaces removed."""
    if name not in table.column_names:
        return pd.Series([None] * table.num_rows, dtype="str")
    values = pc.utf8_trim_whitespace(table.column(name))
    return pc.if_else(pc.equal(values, ""), None, values).to_pandas()


def _bool(table: pa.Table, name: str) -> np.ndarray:
    return np.asarray(pc.fill_null(parse_boolean(table.column(name)), False).to_numpy(zero_copy_only=False),
                      dtype=bool)


def _date(table: pa.Table, name: str) -> pd.Series:
    if name not in table.column_names:
        return pd.Series([pd.NaT] * table.num_rows, dtype="datetime64[s]")
    values = table.column(name)
    if pa.types.is_string(values.type):
        values = pc.strptime(pc.utf8_trim_whitespace(values), format="%Y-%m-%d", unit="s",
                             error_is_null=True)
    return values.to_pandas().astype("datetime64[s]")
