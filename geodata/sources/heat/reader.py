"""Readers of France Chaleur Urbaine's open data, as published.

Pure: files in, typed rows and rejects out. Field names follow FCU's nomenclature
(`nomenclature_shapefile_des_reseaux_de_chaleur_et_froid.xlsx`) and its export script:
each GeoJSON is one FeatureCollection in EPSG:2154 whose properties are the nomenclature's
"nom complet" column names (`Identifiant reseau`, `Taux EnR&R`, `contenu CO2`, ...).
"""
from __future__ import annotations

import io
import json
import math
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import shapely
from shapely.geometry import shape

from geodata.load import Rejected
from geodata.names import fold_name
from geodata.sources.tabular import (csv_rows, file_bytes, open_workbook, read_sheet, record_problem,
                                     without_control)
from geodata.sources.text import detect_encoding

NETWORKS_MEMBER = "reseaux_de_chaleur.geojson"
NETWORKS_WITHOUT_TRACE_MEMBER = "reseaux_de_chaleur_sans_traces.geojson"
PERIMETERS_MEMBER = "pdp.geojson"
CONSTRUCTION_MEMBER = "zones_et_reseaux_en_construction.geojson"
REQUIRED_MEMBERS = (NETWORKS_MEMBER,)

# SNCU identifier of a heat network: département (2 characters, 2A/2B for Corsica, 97 for
# overseas) then a sequence number, then C (chaleur); cold networks end in F.
SNCU_ID_PATTERN = re.compile(r"^(\d{2}|2[AB])\d{2,3}C$")

# Lambert-93 covers mainland France and Corsica; anything outside is not Lambert-93 data
# (typically a file exported in degrees by mistake).
LAMBERT93_BOUNDS = (-400_000.0, 5_900_000.0, 1_400_000.0, 7_300_000.0)
# Plausible values: a network's CO2 content (kg CO2 per kWh delivered) is between 0 (heat
# pumps on decarbonised power, waste heat) and a coal boiler's ~0.4; 2 leaves room for
# losses yet rejects grams or tonnes written for kilograms. France's first network, Chaudes-
# Aigues, dates from the 14th century; the oldest in the SNCU files were created in the 1920s.
CO2_LIMIT = 2.0
FIRST_NETWORK_YEAR = 1300


class FcuArchiveError(ValueError):
    """The archive is not FCU's open-data archive as published."""


@dataclass(frozen=True)
class HeatNetworkRow:
    sncu_id: str | None
    name: str | None
    communes_declared: str | None
    departement_code: str | None      # from the SNCU identifier
    departement_label: str | None     # the `departement` field as published
    owner: str | None                 # MO: maître d'ouvrage
    operator: str | None              # Gestionnaire
    classified: bool | None           # réseau classé
    creation_year: int | None
    declared_length_km: float | None
    delivery_points: int | None
    renewable_share_pct: float | None  # Taux EnR&R, %
    co2_kg_per_kwh: float | None       # contenu CO2
    co2_lca_kg_per_kwh: float | None   # contenu CO2 ACV
    deliveries_mwh: float | None       # livraisons_totale_MWh
    has_trace: bool
    geom_wkb: str                      # hex EWKB, SRID 2154

    COLUMNS = ("sncu_id", "name", "communes_declared", "departement_code", "departement_label",
               "owner", "operator", "classified", "creation_year", "declared_length_km",
               "delivery_points", "renewable_share_pct", "co2_kg_per_kwh", "co2_lca_kg_per_kwh",
               "deliveries_mwh", "has_trace", "geom_wkb")

    def as_tuple(self) -> tuple:
        return tuple(getattr(self, name) for name in self.COLUMNS)


@dataclass(frozen=True)
class AreaRow:
    """A priority development perimeter (PDP) or a network under construction."""

    sncu_id: str | None
    communes_declared: str | None
    operator: str | None
    commissioning: str | None
    kind: str            # "perimeter", "construction_trace" or "construction_zone"
    geom_wkb: str


@dataclass
class FcuArchive:
    networks: list[HeatNetworkRow] = field(default_factory=list)
    perimeters: list[AreaRow] = field(default_factory=list)
    construction: list[AreaRow] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    rows_read: int = 0
    rows_duplicate: int = 0
    members: tuple[str, ...] = ()


def _text(value) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _number(value, cast=float):
    """A numeric property; FCU exports numbers as JSON numbers, shapefile-style text tolerated."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"boolean {value!r} where a number was expected")
    if isinstance(value, str):
        value = value.strip().replace("\u202f", "").replace(" ", "").replace(",", ".")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    return int(round(number)) if cast is int else number


def _boolean(value) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "oui", "checked", "1", "t"}:
        return True
    if text in {"false", "non", "0", "f"}:
        return False
    raise ValueError(f"{value!r} is not a yes/no value")


def _feature_collection(raw: bytes, member: str) -> list[dict]:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FcuArchiveError(f"{member}: not readable GeoJSON ({error}); truncated download?") from error
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise FcuArchiveError(f"{member}: not a GeoJSON FeatureCollection")
    crs = ((data.get("crs") or {}).get("properties") or {}).get("name", "")
    if crs and not re.search(r"(EPSG:+|EPSG::)2154$", crs):
        raise FcuArchiveError(f"{member}: CRS is {crs!r}, FCU publishes EPSG:2154 (Lambert-93)")
    # FCU's export uses json_agg, which gives null (not []) for an empty layer.
    return data.get("features") or []


def _geometry(feature: dict, allowed: set[str]):
    """(EWKB hex, geometry type) or a reason code."""
    raw = feature.get("geometry")
    if not raw:
        return None, "missing_geometry"
    try:
        geom = shape(raw)
    except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException):
        return None, "malformed_geometry"
    if geom.is_empty:
        return None, "missing_geometry"
    if geom.geom_type not in allowed:
        return None, "unexpected_geometry_type"
    minx, miny, maxx, maxy = geom.bounds
    x0, y0, x1, y1 = LAMBERT93_BOUNDS
    if minx < x0 or miny < y0 or maxx > x1 or maxy > y1:
        return None, "outside_lambert93"
    if geom.geom_type == "LineString":
        geom = shapely.MultiLineString([geom])
    elif geom.geom_type == "Polygon":
        geom = shapely.MultiPolygon([geom])
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return shapely.to_wkb(shapely.set_srid(geom, 2154), hex=True, include_srid=True), geom.geom_type


def _network(props: dict, geom_wkb: str, has_trace: bool) -> HeatNetworkRow:
    sncu_id = _text(props.get("Identifiant reseau"))
    if sncu_id is not None:
        sncu_id = sncu_id.upper()
        if not SNCU_ID_PATTERN.match(sncu_id):
            raise ValueError(f"malformed SNCU identifier {sncu_id!r}")
    renewable = _number(props.get("Taux EnR&R"))
    if renewable is not None and not 0 <= renewable <= 100:
        raise ValueError(f"Taux EnR&R {renewable} is not a percentage")
    co2, co2_lca = _number(props.get("contenu CO2")), _number(props.get("contenu CO2 ACV"))
    for what, value in (("contenu CO2", co2), ("contenu CO2 ACV", co2_lca)):
        if value is not None and not 0 <= value < CO2_LIMIT:
            raise ValueError(f"{what} {value} kg/kWh is out of range (0-{CO2_LIMIT:g})")
    creation_year = _number(props.get("annee_creation"), int)
    if creation_year is not None and not FIRST_NETWORK_YEAR <= creation_year <= date.today().year:
        raise ValueError(f"annee_creation {creation_year} is not between {FIRST_NETWORK_YEAR} and this year")
    return HeatNetworkRow(
        sncu_id=sncu_id,
        name=_text(props.get("nom_reseau")),
        communes_declared=_text(props.get("communes")),
        departement_code=sncu_id[:2] if sncu_id else None,
        departement_label=_text(props.get("departement")),
        owner=_text(props.get("MO")),
        operator=_text(props.get("Gestionnaire")),
        # The export names this property "reseaux classes" (a trailing space in the
        # nomenclature's spelling, "reseaux classes ", is tolerated).
        classified=_boolean(props.get("reseaux classes", props.get("reseaux classes "))),
        creation_year=creation_year,
        declared_length_km=_number(props.get("longueur_reseau")),
        delivery_points=_number(props.get("nb_pdl"), int),
        renewable_share_pct=renewable,
        co2_kg_per_kwh=co2,
        co2_lca_kg_per_kwh=co2_lca,
        deliveries_mwh=_number(props.get("livraisons_totale_MWh")),
        has_trace=has_trace,
        geom_wkb=geom_wkb,
    )


def _merge(first: HeatNetworkRow, other: HeatNetworkRow) -> HeatNetworkRow:
    """One network published as several features: keep the first attributes, join the traces."""
    geoms = [shapely.from_wkb(first.geom_wkb), shapely.from_wkb(other.geom_wkb)]
    lines = [part for g in geoms if g.geom_type == "MultiLineString" for part in g.geoms]
    if not lines:   # two points for one network without trace: keep the first
        return first
    merged = shapely.set_srid(shapely.MultiLineString(lines), 2154)
    return HeatNetworkRow(**{**{n: getattr(first, n) for n in HeatNetworkRow.COLUMNS},
                             "has_trace": True,
                             "geom_wkb": shapely.to_wkb(merged, hex=True, include_srid=True)})


def read_fcu_archive(path: Path) -> FcuArchive:
    """Read `opendata-fcu.zip` (or its dated copy `DDMMYY-opendata-fcu.zip`)."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise FcuArchiveError(f"{path}: not a zip archive ({error}); truncated download or an "
                              f"error page instead of opendata-fcu.zip?") from error
    with archive:
        # FCU zips with `zip -j` (flat names); tolerate a folder level all the same.
        members = {Path(name).name: name for name in archive.namelist() if not name.endswith("/")}
        missing = [m for m in REQUIRED_MEMBERS if m not in members]
        if missing:
            raise FcuArchiveError(f"{path}: the archive has no {', '.join(missing)} "
                                  f"(members: {', '.join(sorted(members)) or 'none'})")
        result = FcuArchive(members=tuple(sorted(members)))

        def features(member: str) -> Iterable[tuple[str, dict]]:
            if member not in members:
                return []
            try:
                raw = archive.read(members[member])
            except (zipfile.BadZipFile, EOFError, OSError) as error:
                raise FcuArchiveError(f"{path}: member {member} cannot be read ({error})") from error
            return ((f"{member}#{i}", f) for i, f in enumerate(_feature_collection(raw, member)))

        by_id: dict[str, int] = {}
        layers = [(NETWORKS_MEMBER, {"MultiLineString", "LineString"}, True),
                  (NETWORKS_WITHOUT_TRACE_MEMBER, {"Point"}, False)]
        for member, allowed, has_trace in layers:
            for ref, feature in features(member):
                result.rows_read += 1
                props = feature.get("properties") or {}
                geom_wkb, reason = _geometry(feature, allowed)
                if geom_wkb is None:
                    result.rejected.append(Rejected(ref, reason, "", props))
                    continue
                try:
                    row = _network(props, geom_wkb, has_trace)
                except (ValueError, TypeError) as error:
                    result.rejected.append(Rejected(ref, "malformed_value", str(error), props))
                    continue
                if row.sncu_id is not None and row.sncu_id in by_id:
                    index = by_id[row.sncu_id]
                    result.networks[index] = _merge(result.networks[index], row)
                    result.rows_duplicate += 1
                    continue
                if row.sncu_id is not None:
                    by_id[row.sncu_id] = len(result.networks)
                result.networks.append(row)

        areas = [(PERIMETERS_MEMBER, result.perimeters, {"MultiPolygon", "Polygon"}),
                 (CONSTRUCTION_MEMBER, result.construction,
                  {"MultiPolygon", "Polygon", "MultiLineString", "LineString"})]
        for member, target, allowed in areas:
            for ref, feature in features(member):
                result.rows_read += 1
                props = feature.get("properties") or {}
                geom_wkb, kind = _geometry(feature, allowed)
                if geom_wkb is None:
                    result.rejected.append(Rejected(ref, kind, "", props))
                    continue
                if member == PERIMETERS_MEMBER:
                    kind = "perimeter"
                else:
                    kind = "construction_trace" if kind == "MultiLineString" else "construction_zone"
                target.append(AreaRow(
                    sncu_id=_text(props.get("Identifiant reseau")),
                    communes_declared=_text(props.get("communes")),
                    operator=_text(props.get("gestionnaire")),
                    commissioning=_text(props.get("mise_en_service")),
                    kind=kind, geom_wkb=geom_wkb))
    return result


def archive_url_from_dataset(dataset: dict) -> str:
    """The download URL of the main `opendata-fcu.zip` in a data.gouv.fr dataset API answer."""
    resources = dataset.get("resources") or []
    candidates = [r for r in resources
                  if str(r.get("title", "")).lower().endswith("opendata-fcu.zip")
                  or str(r.get("url", "")).lower().endswith("opendata-fcu.zip")]
    if not candidates:
        titles = ", ".join(str(r.get("title")) for r in resources) or "none"
        raise FcuArchiveError(f"the data.gouv.fr dataset lists no opendata-fcu.zip (resources: {titles})")
    # The main resource keeps the undated title; monthly updates are dated copies.
    main = [r for r in candidates if str(r.get("title", "")).lower() == "opendata-fcu.zip"]
    chosen = main[0] if main else max(candidates, key=lambda r: str(r.get("last_modified", "")))
    return chosen["url"]


# --- Label Écoréseau -------------------------------------------------------------------

LABEL_COLUMNS = ("collectivite", "reseau", "identifiant")


@dataclass(frozen=True)
class LabelRow:
    sncu_id: str
    label: str
    collectivite: str
    network_name: str | None
    departement_code: str


@dataclass
class LabelFile:
    rows: list[LabelRow] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    rows_read: int = 0
    rows_duplicate: int = 0


# Limits of the small CSVs FCU publishes (the arrêté: 1,100 rows, 70 KB), far above them and
# far below what would strain the server.
MAX_CSV_BYTES = 20 * 2**20
MAX_CSV_ROWS = 100_000
MAX_CELL_CHARS = 10_000


def csv_records(path: Path, columns: Iterable[str], what: str
                ) -> Iterator[tuple[int, dict[str, str], tuple[str, str] | None]]:
    """(line number where the record starts, record, problem) of a small CSV FCU publishes, with
    lower-case stripped keys and stripped values: UTF-8 (or a spreadsheet's cp1252 re-save),
    comma or semicolon. `problem` is the (reason, French detail) of a record to quarantine
    (more fields than the header, a cell too long, a control character), else None; such a
    record carries its extra fields under `_autres` and no control character. Raises
    ValueError, naming `what`, for an HTML page or a missing column, and with a French message
    for a file too large, a stray quote or a cell over 128 KB."""
    path = Path(path)
    raw = file_bytes(path, MAX_CSV_BYTES, what)
    encoding = detect_encoding(raw)   # cp1252: a re-save by a spreadsheet; names keep their accents
    text = raw.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    if text.lstrip().lower().startswith(("<!doctype html", "<html")):
        raise ValueError(f"{path}: an HTML page, not the {what}")
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    records = csv_rows(io.StringIO(text, newline=""), delimiter, path.name)
    header = [without_control(h).strip().lower() for h in next(records, (1, []))[1]]
    missing = [c for c in columns if c not in header]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)} (found: {', '.join(header)})")
    repeated = sorted({c for c in columns if header.count(c) > 1})
    if repeated:
        raise ValueError(f"{path.name}: colonne(s) {', '.join(repeated)} présente(s) plusieurs fois "
                         f"dans l'en-tête ({what})")
    rows = 0
    for number, fields in records:
        if not fields:          # a blank line
            continue
        rows += 1
        if rows > MAX_CSV_ROWS:
            raise ValueError(f"{path.name}: plus de {MAX_CSV_ROWS:,} lignes ({what})".replace(",", "\u202f"))
        values = [without_control(value).strip() for value in fields]
        record = dict(zip(header, values)) | {name: "" for name in header[len(values):]}
        if len(values) > len(header):
            record["_autres"] = values[len(header):]
        yield number, record, record_problem(fields, len(header), delimiter, MAX_CELL_CHARS)


def read_labels(path: Path, label: str) -> LabelFile:
    """Read one laureates CSV (`collectivite, reseau, identifiant`)."""
    result = LabelFile()
    seen: set[str] = set()
    for number, record, problem in csv_records(path, LABEL_COLUMNS, "laureates CSV"):
        result.rows_read += 1
        if problem:
            result.rejected.append(Rejected(f"{Path(path).name}:{number}", *problem, record))
            continue
        sncu_id = record["identifiant"].upper()
        if not SNCU_ID_PATTERN.match(sncu_id):
            result.rejected.append(Rejected(f"{Path(path).name}:{number}", "malformed_network_id",
                                            f"identifiant {record['identifiant']!r}", record))
            continue
        if not record["collectivite"]:
            result.rejected.append(Rejected(f"{Path(path).name}:{number}", "missing_collectivite",
                                            "", record))
            continue
        if sncu_id in seen:
            result.rows_duplicate += 1
            continue
        seen.add(sncu_id)
        result.rows.append(LabelRow(sncu_id, label, record["collectivite"],
                                    record["reseau"] or None, sncu_id[:2]))
    return result


# "Ville de La Rochelle", "COMMUNE DE CUSY", "VILLE D'ANGERS": the collectivity, not the name;
# only the prefix goes, not the article of "La Rochelle".
_COLLECTIVITY_PREFIX = re.compile(r"^\s*(ville|commune|mairie)\s+(de\s+|d['’`]\s*)", re.IGNORECASE)


def without_collectivity_prefix(name: str) -> str:
    """`name` without a "Ville de", "Commune de", "Mairie de" or "Ville d'" prefix, in any case:
    the one rule for the FCU labels' collectivités and the arrêté's localities."""
    return _COLLECTIVITY_PREFIX.sub("", name)


def normalise_name(name: str) -> str:
    """The observatory's one fold (`geodata.names.fold_name`) of a collectivité's name without its
    "Ville de" / "Commune de" prefix: `Ville de Saint-Étienne` = `ST ETIENNE`."""
    return fold_name(without_collectivity_prefix(name))


# Legal forms of EPCI, spelled out or abbreviated as the COG does ("CA de La Rochelle").
_EPCI_FORMS = re.compile(r"^(communaute d agglomeration|communaute urbaine|communaute de communes|"
                         r"ca|cu|cc)\s+|\s+(communaute urbaine|agglomeration)$")
_LEADING_ARTICLE = re.compile(r"^(de la|de l|du|des|de|d|la|le|l)\s+")


def epci_key(name: str) -> str:
    """`CA de La Rochelle` = `COMMUNAUTE D'AGGLOMERATION DE LA ROCHELLE` = `la rochelle`."""
    key = normalise_name(name)
    previous = None
    while key != previous:
        previous = key
        key = _EPCI_FORMS.sub("", key).strip()
    return re.sub(r"^(de|du|des|d)\s+", "", key)


def match_collectivite(collectivite: str, departement_code: str,
                       communes: dict[tuple[str, str], str],
                       epcis: dict[tuple[str, str], str]) -> tuple[str | None, str | None, str]:
    """(insee_code, epci_siren, method) of the collectivité holding a label.

    `communes` maps (département, `normalise_name`) to an INSEE code, `epcis` maps
    (département, `epci_key`) to a SIREN (an EPCI is listed under each département where it
    has members). The département comes from the network's SNCU identifier, which tells
    homonyms apart. No fuzzy guess: an unmatched name stays unmatched, and is counted.
    """
    key = normalise_name(collectivite)
    if (departement_code, key) in communes:
        return communes[(departement_code, key)], None, "commune_name"
    # "La Métropole de Lyon" is the EPCI "Métropole de Lyon".
    for candidate in (epci_key(collectivite), _LEADING_ARTICLE.sub("", epci_key(collectivite))):
        if (departement_code, candidate) in epcis:
            return None, epcis[(departement_code, candidate)], "epci_name"
    return None, None, "unmatched"


# --- Potential per département and national figures -------------------------------------

DISTANCES_M = (50, 100, 150)
# The xlsx column headers (as published) and the observatory's names.
POTENTIAL_COLUMNS = {
    "Nombre total de bâtiments (incluant autres modes de chauffage)": "buildings_total",
    "Nombre total de logements (incluant autres modes de chauffage)": "dwellings_total",
    "Bâtiments chauffage individuel fioul": "buildings_individual_oil",
    "Bâtiments chauffage individuel gaz": "buildings_individual_gas",
    "Bâtiments chauffage individuel électricité": "buildings_individual_electric",
    "Bâtiments chauffage collectif fioul": "buildings_collective_oil",
    "Bâtiments chauffage collectif gaz": "buildings_collective_gas",
    "Logements chauffage individuel fioul": "dwellings_individual_oil",
    "Logements chauffage individuel gaz": "dwellings_individual_gas",
    "Logements chauffage individuel électricité": "dwellings_individual_electric",
    "Logements chauffage collectif fioul": "dwellings_collective_oil",
    "Logements chauffage collectif gaz": "dwellings_collective_gas",
}
POTENTIAL_ROW_COLUMNS = ("departement_code", "distance_m", "departement_name",
                         *POTENTIAL_COLUMNS.values())
DEPARTEMENT_CODE_PATTERN = re.compile(r"^(\d{2}|2[AB]|97\d)$")


@dataclass
class PotentialFile:
    rows: list[tuple] = field(default_factory=list)    # POTENTIAL_ROW_COLUMNS
    rejected: list[Rejected] = field(default_factory=list)
    rows_read: int = 0


def _departement_code(value) -> str:
    text = str(value).strip()
    if text.isdigit() and len(text) < 2:
        text = text.zfill(2)   # Excel stored 1 for "01"
    return text.upper()


# Limits of the potential workbook (3 x 101 rows, 300 KB unzipped), checked while reading.
MAX_POTENTIAL_UNZIPPED_BYTES = 20 * 2**20
MAX_POTENTIAL_ROWS = 1_000            # non-empty rows per sheet
MAX_POTENTIAL_COUNT = 40_000_000      # buildings or dwellings in one département (France: ~38 M dwellings)
_CODE, _NAME = "Code département insee", "Département"


class PotentialFileError(ValueError):
    """The potential workbook is refused; the message says why, in French."""


def read_potential(path: Path) -> PotentialFile:
    """Read the `<distance>m_departement` sheets of `potentiel_identifie_FCU.xlsx`.

    The `_region` sheets are formulas (SUMIF over the département sheets, some of them
    pointing at the wrong distance's sheet), so régions are summed from the départements.
    Each sheet is streamed (`geodata.sources.tabular.read_sheet`): only the cells present
    count, never the declared dimension; the workbook's unzipped size and the rows per sheet
    are capped, with a French message (`PotentialFileError`, a ValueError). Counts must be whole numbers from 0 to
    MAX_POTENTIAL_COUNT, else the row is quarantined (`malformed_value`).
    """
    path = Path(path)
    workbook = open_workbook(path, MAX_POTENTIAL_UNZIPPED_BYTES, PotentialFileError, "le potentiel de FCU")
    result = PotentialFile()
    try:
        for distance in DISTANCES_M:
            sheet_name = f"{distance}m_departement"
            if sheet_name not in workbook.sheetnames:
                raise ValueError(f"{path}: no sheet {sheet_name!r} (sheets: {', '.join(workbook.sheetnames)})")
            lines: dict[int, dict[int, object]] = {}

            def add(line: int, values: list, columns: list[int], sheet=sheet_name, lines=lines) -> None:
                cells = {c: v for c, v in zip(columns, values) if v is not None and str(v).strip()}
                if not cells:
                    return
                if line not in lines and len(lines) >= MAX_POTENTIAL_ROWS:
                    raise PotentialFileError(f"{path.name} [{sheet}]: plus de {MAX_POTENTIAL_ROWS:,} lignes "
                                             f"remplies; ce fichier n'est pas le potentiel de FCU"
                                             .replace(",", "\u202f"))
                lines.setdefault(line, {}).update(cells)

            try:
                read_sheet(workbook, workbook[sheet_name], add)
            except PotentialFileError:
                raise
            except Exception as error:  # a damaged sheet: openpyxl and the XML parser raise many kinds
                raise PotentialFileError(f"{path.name} [{sheet_name}]: feuille illisible "
                                         f"({type(error).__name__})") from error
            _potential_rows(path, sheet_name, distance, lines, result)
    finally:
        workbook.close()
    return result


def _potential_rows(path: Path, sheet_name: str, distance: int, lines: dict[int, dict[int, object]],
                    result: PotentialFile) -> None:
    """The rows of one sheet under its header (the first non-empty row)."""
    numbers = sorted(lines)
    header_cells = lines[numbers[0]] if numbers else {}
    index = {str(h).strip(): c for c, h in sorted(header_cells.items(), reverse=True)}
    missing = [name for name in (_CODE, _NAME, *POTENTIAL_COLUMNS) if name not in index]
    if missing:
        raise ValueError(f"{path} [{sheet_name}]: missing column(s) {', '.join(missing)}")
    for number in numbers[1:]:
        values = lines[number]
        result.rows_read += 1
        ref = f"{sheet_name}:{number}"
        code = _departement_code(values.get(index[_CODE], ""))
        name = values.get(index[_NAME])
        if not DEPARTEMENT_CODE_PATTERN.match(code) or code == "20" or name is None:
            # "20" is Corsica's pre-1976 code: a leftover row without a name.
            result.rejected.append(Rejected(ref, "unknown_departement", f"code {code!r}, name {name!r}",
                                            {"code": code[:20], "name": str(name)[:200]}))
            continue
        try:
            counts = [_count(values.get(index[column])) for column in POTENTIAL_COLUMNS]
        except ValueError as error:
            result.rejected.append(Rejected(ref, "malformed_value", str(error), {"code": code}))
            continue
        result.rows.append((code, distance, str(name).strip(), *counts))


def _count(value) -> int:
    """A count of buildings or dwellings: empty is 0; a whole number from 0 to the limit."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{str(value)[:60]!r} is not a count")
    if not (math.isfinite(value) and value == int(value) and 0 <= value <= MAX_POTENTIAL_COUNT):
        raise ValueError(f"{value!r} is not a count from 0 to {MAX_POTENTIAL_COUNT:,}")
    return int(value)


DEPARTEMENT_SUMMARY_COLUMNS = ("departement_code", "network_count", "renewable_share_pct")


def read_departement_summary(path: Path) -> list[tuple]:
    """Number of networks and mean EnR&R rate per département (`stats-bdnb-2022-departements.json`)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of départements")
    return [(str(d["departement_code"]), _number(d.get("nb_reseaux"), int), _number(d.get("taux_enrr")))
            for d in data]


_FIGURE = re.compile(r"^\s*([\d\s\u202f\u00a0]+(?:,\d+)?)\s*(%|km|millions?)?\s*$")
_MULTIPLIERS = {"million": 1e6, "millions": 1e6}


def parse_french_figure(text: str) -> tuple[float, str | None]:
    """`"6529 km"` -> (6529, "km"); `"62,6%"` -> (62.6, "%"); `"6,6 millions"` -> (6600000, None)."""
    match = _FIGURE.match(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a French-formatted figure")
    number = float(re.sub(r"[\s\u202f\u00a0]", "", match.group(1)).replace(",", "."))
    unit = match.group(2)
    if unit in _MULTIPLIERS:
        return number * _MULTIPLIERS[unit], None
    return number, unit


NATIONAL_FIGURE_COLUMNS = ("key", "label", "value", "unit", "published_as", "source")


def read_national_figures(key_figures: Path, national_stats: Path) -> list[tuple]:
    """FCU's national key figures and national connection potential, one row per figure."""
    rows = []
    for number, entry in enumerate(json.loads(Path(key_figures).read_text(encoding="utf-8"))):
        value, unit = parse_french_figure(entry["value"])
        rows.append((f"key_figure_{number + 1}", entry["description"], value, unit,
                     entry["value"], "data-number-rcu.json"))
    stats = json.loads(Path(national_stats).read_text(encoding="utf-8"))
    rows.append(("network_count", "Nombre de réseaux de chaleur (EARCF 2022)",
                 float(stats["nb_reseaux"]), None, str(stats["nb_reseaux"]), "stats-bdnb-2022-national.json"))
    rows.append(("renewable_share_pct", "Taux moyen d'EnR&R des réseaux (EARCF 2022)",
                 float(stats["taux_enrr"]), "%", str(stats["taux_enrr"]), "stats-bdnb-2022-national.json"))
    for distance in DISTANCES_M:
        block = stats[f"{distance}m"]
        rows.append((f"dwellings_collective_gas_oil_{distance}m",
                     f"Logements en chauffage collectif gaz ou fioul à moins de {distance} m d'un réseau",
                     float(block["nb_logements"]), "logements", str(block["nb_logements"]),
                     "stats-bdnb-2022-national.json"))
        rows.append((f"buildings_collective_gas_oil_{distance}m",
                     f"Bâtiments en chauffage collectif gaz ou fioul à moins de {distance} m d'un réseau",
                     float(block["nb_batiments"]), "bâtiments", str(block["nb_batiments"]),
                     "stats-bdnb-2022-national.json"))
    return rows
