"""IRVE charging points: the national consolidated file, or the mirror's derived extract.

Both go through one path: open the file (zip, encoding, delimiter, HTML refused), validate
the schema fields it carries against the official schema, check and repair positions
(`coordinates.locate`), deduplicate, and hand back clean points plus quarantined rows.
Everything is vectorised on Arrow/pandas columns: no Python loop over the rows, except over
the (few) rows that are rejected, to describe them.
"""
from __future__ import annotations

import csv
import fnmatch
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date
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
    Violations,
    calendar_dates,
    load_schema,
    missing_required_columns,
    parse_boolean,
    validate,
)
from geodata.sources.text import CONTROL_CHARACTERS, detect_encoding

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
# Plausible values (documented in the data card). The most powerful points in France deliver
# 400 kW (2025); 1,000 kW leaves room for truck chargers while catching powers given in W
# (3,700, 22,000, 150,000). Public charging points appeared in France in the 1990s; no
# commissioning or update can be older, nor later than the day the file is read.
MAX_POWER_KW = 1000.0
FIRST_PLAUSIBLE_DATE = date(1990, 1, 1)
# Whole-file limits: the national consolidation is about 100 MB; a header is a few hundred bytes.
MAX_CSV_BYTES = 2 * 2**30
MAX_HEADER_BYTES = 64 * 2**10


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
            size = archive.getinfo(members[0]).file_size
            if size > MAX_CSV_BYTES:
                raise IrveFormatError(f"{path.name}: {members[0]} fait {size / 2**30:.1f} Gio une fois "
                                      f"décompressé (au plus {MAX_CSV_BYTES // 2**30} Gio)")
            raw = archive.read(members[0])
    else:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise IrveFormatError(f"{path.name}: fichier de {path.stat().st_size / 2**30:.1f} Gio "
                                  f"(au plus {MAX_CSV_BYTES // 2**30} Gio)")
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


def _header_end(raw: bytes, name: str) -> int:
    """Where the header record ends (its line feed), quotes respected: Excel writes wrapped
    header cells as quoted values over several lines."""
    quoted = False
    for position, byte in enumerate(raw[:MAX_HEADER_BYTES]):
        if byte == 0x22:
            quoted = not quoted
        elif byte == 0x0A and not quoted:
            return position
    if len(raw) <= MAX_HEADER_BYTES and not quoted:
        return len(raw)
    raise IrveFormatError(f"{name}: en-tête illisible: plus de {MAX_HEADER_BYTES // 1024} Kio avant la "
                          f"première fin de ligne" + (", ou un guillemet ouvert jamais fermé" if quoted else ""))


def _column_names(header: str, delimiter: str, file_name: str) -> tuple[list[str], list[str]]:
    """The header's names, spaces and line breaks folded; a repeated name gets its rank
    ("puissance_nominale (2)") so that every column stays, and is noted."""
    names, notes, seen = [], [], {}
    try:
        values = next(csv.reader([header], delimiter=delimiter), [])
    except csv.Error as error:   # a stray quote makes the "header" run over several lines
        raise IrveFormatError(f"{file_name}: en-tête illisible ({error})") from error
    for value in values:
        name = " ".join(value.split())
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            notes.append(f"repeated column '{name}': occurrence {seen[name]} renamed '{name} ({seen[name]})'")
            name = f"{name} ({seen[name]})"
        names.append(name)
    return names, notes


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
    name = Path(path).name
    encoding = detect_encoding(raw)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    end = _header_end(raw, name)
    header = raw[:end].decode(encoding).rstrip("\r")
    if not header.strip():
        # Arrow would then take the first data row as the header and guess its columns' types.
        raise IrveFormatError(f"{name}: la première ligne, l'en-tête, est vide")
    delimiter = _delimiter(header.split("\n", 1)[0])
    if encoding != "utf-8":
        notes.append(f"encoding {encoding} (the schema asks for UTF-8)")
    if delimiter != ",":
        notes.append(f"delimiter {delimiter!r} (the schema asks for ',')")
    names, renamed = _column_names(header, delimiter, name)
    notes += renamed
    ends_cleanly = raw.rstrip(b" ").endswith((b"\n", b"\r"))
    bad_rows: list[pacsv.InvalidRow] = []

    def keep_aside(row: pacsv.InvalidRow) -> str:
        bad_rows.append(row)
        return "skip"

    body = pa.py_buffer(raw).slice(min(end + 1, len(raw)))  # no copy
    # A header alone would publish nothing over everything (the tail copied only if its start is blank).
    if not raw[end + 1:end + 4096].strip() and not raw[end + 1:].strip():
        raise IrveFormatError(f"{name}: l'en-tête n'est suivi d'aucune ligne de données")
    try:
        table = pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(encoding=encoding, column_names=names, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                             invalid_row_handler=keep_aside),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                 strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as error:
        raise IrveFormatError(f"{name}: CSV illisible ({str(error).splitlines()[0][:200]})") from error
    rejected = []
    # Stripping copies the whole file: once, and only when some row needs it.
    stripped = raw.rstrip(b"\r\n") if bad_rows else raw
    lines = _line_numbers(raw, [row.text or "" for row in bad_rows], encoding)
    for row, line in zip(bad_rows, lines):
        last = row.text is not None and stripped.endswith(row.text.encode(encoding)[-64:])
        text = row.text or ""
        if last and not ends_cleanly and row.actual_columns < row.expected_columns:
            reason = "truncated_row"
        elif "\n" in text and text.count('"') % 2:
            reason = "unclosed_quote"
        else:
            reason = "malformed_row"
        detail = f"{row.actual_columns} fields where the header has {row.expected_columns}"
        if reason == "unclosed_quote" and line is not None:
            detail += (f"; a quote opened on line {line} is never closed: lines {line} to "
                       f"{line + text.count(chr(10))} were read as one row")
        rejected.append(Rejected(
            row_ref=f"line {line}" if line is not None else "line ?",
            reason=reason, detail=detail, payload={"text": printable(text[:2000])}))
    if any(r.reason == "truncated_row" for r in rejected):
        notes.append("the file ends in the middle of a row: truncated download?")
    return CsvText(table, rejected, notes, encoding, delimiter)


def _line_numbers(raw: bytes, texts: list[str], encoding: str) -> list[int | None]:
    """The line of the file where each set-aside row starts (rows in file order): one
    forward pass over the file, however many rows."""
    numbers, position, line = [], 0, 1
    for text in texts:
        found = raw.find(text.encode(encoding), position) if text else -1
        if found < 0:
            numbers.append(None)
            continue
        line += raw.count(b"\n", position, found)
        numbers.append(line)
        position = found
    return numbers


def printable(value: object) -> object:
    """Control characters (NUL...) as visible escapes: PostgreSQL refuses NUL in text and JSON."""
    if isinstance(value, str) and _CONTROL.search(value):
        return _CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", value)
    return value


_CONTROL = re.compile(CONTROL_CHARACTERS)


# -- the two layouts -------------------------------------------------------------------

def read_consolidated(path: Path, schema: TableSchema, *, today: date | None = None) -> IrveRead:
    """The national consolidated CSV (schema 2.3.x, 40 columns, plus consolidation extras)."""
    csv = read_csv_text(path, member_pattern=CSV_MEMBER_PATTERN)
    table, rejected, notes = csv.table, csv.rejected, csv.notes
    repeated = [n for n in schema.names if f"{n} (2)" in table.column_names]
    if repeated:
        raise IrveFormatError(f"{Path(path).name}: colonne(s) du schéma répétée(s) dans l'en-tête, "
                              f"laquelle lire ? {', '.join(repeated)}")
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
    result = _clean(frame, table, schema, has_point_ids=True, today=today)
    result.rejected[:0] = rejected
    result.rows_read += len(rejected)
    result.notes[:0] = notes
    return result


def read_derived(path: Path, schema: TableSchema, *, today: date | None = None) -> IrveRead:
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
    return _clean(frame, as_schema, schema, has_point_ids=False, today=today)


def reading_day(vintage: str) -> date:
    """The day a file's values are judged against: its vintage when it is a date (a dated
    extract cannot know later commissionings), else today (the daily consolidation)."""
    try:
        return date.fromisoformat(vintage)
    except ValueError:
        return date.today()


def read_irve(path: Path, schema_path: Path, *, today: date | None = None) -> IrveRead:
    """Either layout, told apart by the file itself; `today` (the reading day by default)
    bounds the plausible dates."""
    path = Path(path)
    schema = load_schema(schema_path)
    with path.open("rb") as handle:
        magic = handle.read(4)
    read = read_derived if magic == b"PAR1" else read_consolidated
    return read(path, schema, today=today)


# -- the shared path -------------------------------------------------------------------

def _clean(frame: pd.DataFrame, table: pa.Table, schema: TableSchema, *, has_point_ids: bool,
           today: date | None = None) -> IrveRead:
    """Schema violations, implausible values, positions, duplicates: the same for every layout."""
    rows_read = len(frame)
    violations = validate(table, schema)
    implausible(violations, frame, table, schema, today or date.today())
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
    payloads = ([{k: printable(v) for k, v in row.items()}
                 for row in table.take(pa.array(rejected_rows, pa.int64())).to_pylist()]
                if len(rejected_rows) else [])
    # Data rows counted from 1 (the header is not a row).
    rejected = [Rejected(f"row {i + 1}", reason[i], _with_values(detail[i], frame, i), payload)
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


def implausible(violations: Violations, frame: pd.DataFrame, table: pa.Table, schema: TableSchema,
                today: date) -> None:
    """Values the schema lets through but that cannot be true (data card, "Value checks"):
    control characters in a text field (`control_characters`), a power above
    `MAX_POWER_KW` or not finite (`implausible_puissance_nominale`), a commissioning or
    update date before `FIRST_PLAUSIBLE_DATE` or after `today` (`implausible_<field>`)."""
    control = np.zeros(len(frame), bool)
    for name in schema.names:
        if name in table.column_names and pa.types.is_string(table.column(name).type):
            control |= np.asarray(pc.fill_null(pc.match_substring_regex(
                table.column(name), CONTROL_CHARACTERS), False).to_numpy(zero_copy_only=False), dtype=bool)
    violations.add("control_characters", control)
    power = frame["power_kw"].to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        violations.add("implausible_puissance_nominale", np.isinf(power) | (power > MAX_POWER_KW))
    first, last = pd.Timestamp(FIRST_PLAUSIBLE_DATE), pd.Timestamp(today)
    for column, field_name in (("commissioned_on", "date_mise_en_service"), ("date_maj", "date_maj")):
        dates = frame[column]
        violations.add(f"implausible_{field_name}", ((dates < first) | (dates > last)).to_numpy(dtype=bool))


_PLAUSIBILITY_COLUMNS = {"implausible_puissance_nominale": ("power_kw", f"<= {MAX_POWER_KW:g} kW"),
                         "implausible_date_mise_en_service": ("commissioned_on", "between"),
                         "implausible_date_maj": ("date_maj", "between")}


def _with_values(detail: str, frame: pd.DataFrame, row: int) -> str:
    """The detail of a rejected row, with the value and the bound of each implausible field."""
    notes = []
    for reason in detail.split(", "):
        if reason in _PLAUSIBILITY_COLUMNS:
            column, bound = _PLAUSIBILITY_COLUMNS[reason]
            value = frame[column].iat[row]
            if bound == "between":
                value = value.date().isoformat() if pd.notna(value) else value
                bound = f"between {FIRST_PLAUSIBLE_DATE.isoformat()} and the file's day"
            notes.append(f"{reason.removeprefix('implausible_')}={value}, expected {bound}")
    return f"{detail} ({'; '.join(notes)})" if notes else detail


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
        values = calendar_dates(pc.utf8_trim_whitespace(values))
    return values.to_pandas().astype("datetime64[s]")
