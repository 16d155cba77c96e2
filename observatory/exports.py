"""Files a committee takes away: CSV for spreadsheets, GeoJSON for GIS.

CSV choice: one format, the one French Excel opens by double-click without an import wizard:
UTF-8 with a byte-order mark (else Excel reads the accents as Windows-1252), `;` as separator
and `,` as decimal mark (what a French locale expects; LibreOffice and pandas read it with
`sep=';', decimal=','`). Numbers are written without thousands separators so that they stay
numbers in the spreadsheet.

GeoJSON: RFC 7946, WGS84 longitude/latitude; geometries come from PostGIS (`ST_AsGeoJSON` on
the views' `geom_wgs84`), never rebuilt in Python.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import psycopg
import sqlalchemy as sa

from geodata.sources.text import neutralise_formula

CSV_SEPARATOR = ";"
CSV_DECIMAL = ","
GEOJSON_DECIMALS = 6   # ~0.1 m: more than the sources' precision


def _cell(value):
    """Lists, dicts and arrays as JSON text; text that a spreadsheet would run as a formula
    neutralised; the rest as is (pandas formats numbers)."""
    if isinstance(value, (list, tuple, dict)):
        value = json.dumps(value, ensure_ascii=False, default=str)
    return neutralise_formula(value)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The table as French-Excel CSV: UTF-8 with BOM, `;` separated, decimal comma; text
    cells starting with = + - @ are prefixed with an apostrophe (never run as formulas)."""
    table = frame.copy()
    for column in table.columns:
        values = table[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            table[column] = values.map(_cell)
        elif pd.api.types.is_float_dtype(values) and values.dropna().mod(1).eq(0).all() and values.notna().any():
            # Counts with a missing value arrive as floats from SQL: `238246`, not `238246,0`.
            table[column] = values.astype("Int64")
    text = table.to_csv(index=False, sep=CSV_SEPARATOR, decimal=CSV_DECIMAL, lineterminator="\r\n")
    return text.encode("utf-8-sig")


def _json_value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "tolist"):   # numpy scalars and arrays, pandas timestamps excluded above
        return value.tolist()
    return str(value)


def feature_collection(features: Iterable[Mapping], geometry_key: str = "geometry") -> dict:
    """A FeatureCollection from rows whose `geometry_key` holds a GeoJSON geometry (dict or
    text as `ST_AsGeoJSON` gives it, or None); the other keys become properties."""
    collected = []
    for row in features:
        properties = {k: (None if _missing(v) else v) for k, v in row.items() if k != geometry_key}
        geometry = row.get(geometry_key)
        if isinstance(geometry, str):
            geometry = json.loads(geometry)
        collected.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return {"type": "FeatureCollection", "features": collected}


def _missing(value) -> bool:
    """None, NaN, NaT, pd.NA: JSON null (lists and arrays are values, not missing)."""
    return pd.api.types.is_scalar(value) and bool(pd.isna(value))


def geojson_bytes(collection: dict) -> bytes:
    return json.dumps(collection, ensure_ascii=False, default=_json_value).encode("utf-8")


def points_collection(frame: pd.DataFrame, lon: str, lat: str) -> dict:
    """Rows with a longitude and a latitude (WGS84) as Point features; rows without are left
    out (a GIS cannot place them; the CSV keeps them)."""
    rows = []
    for record in frame.dropna(subset=[lon, lat]).to_dict("records"):
        x, y = record.pop(lon), record.pop(lat)
        record["geometry"] = {"type": "Point", "coordinates": [round(float(x), GEOJSON_DECIMALS),
                                                               round(float(y), GEOJSON_DECIMALS)]}
        rows.append(record)
    return feature_collection(rows)


# -- layers read from the views --------------------------------------------------------------

_CONTOUR = sa.text(f"""
SELECT c.insee_code, c.name, c.population, c.departement_code, c.area_km2, k.mayor_name, k.mayor_since,
       k.councillors, k.women_share_pct, k.mandate_start, k.mairie_address, k.mairie_phone, k.mairie_email,
       k.mairie_website, ST_AsGeoJSON(c.geom_wgs84, {GEOJSON_DECIMALS}) AS geometry
FROM observatory.commune c LEFT JOIN observatory.commune_council k USING (insee_code)
WHERE c.insee_code = :code AND c.geom_wgs84 IS NOT NULL
""")

_CHARGING_POINTS = sa.text(f"""
SELECT id_pdc_itinerance, station_name, operator, address, insee_code, commune_name, power_kw,
       is_fast_dc, commissioned_on, access_24_7, ST_AsGeoJSON(geom_wgs84, {GEOJSON_DECIMALS}) AS geometry
FROM observatory.charging_point WHERE insee_code = :code ORDER BY station_name, id_pdc_itinerance
""")


def commune_contour(conn: sa.Connection, insee_code: str) -> dict:
    """The commune's contour as a one-feature collection (empty if it has none), with the
    council elected in 2026 and the town hall's contacts among its properties."""
    return feature_collection(r._mapping for r in conn.execute(_CONTOUR, {"code": insee_code}))


def commune_charging_points(conn: sa.Connection, insee_code: str) -> dict:
    """The charging points located in the commune."""
    return feature_collection(r._mapping for r in conn.execute(_CHARGING_POINTS, {"code": insee_code}))


def indicator_contours_geojson(conn: sa.Connection, key: str, label: str, unit: str, decimals: int) -> bytes:
    """Every commune's contour with one energy indicator of `observatory.commune_energy`
    (`key`, a column checked by the caller against the indicator list), as one GeoJSON
    FeatureCollection built by PostGIS (35,000 contours to the metre, about 45 MB): the indicator named with
    its unit in each feature, its value rounded as the pages show it (null when unknown)."""
    row = conn.execute(sa.text(f"""
        SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(
            'type', 'Feature', 'geometry', ST_AsGeoJSON(c.geom_wgs84, 5)::json,
            'properties', json_build_object('code_insee', c.insee_code, 'commune', c.name,
                                            'departement', c.departement_code, 'indicateur', CAST(:label AS text),
                                            'unite', CAST(:unit AS text), 'valeur', round(e.{key}::numeric, CAST(:decimals AS int))))
            ORDER BY c.insee_code), '[]'::json))::text
        FROM observatory.commune c LEFT JOIN observatory.commune_energy e USING (insee_code)
        WHERE c.geom_wgs84 IS NOT NULL"""), {"label": label, "unit": unit, "decimals": decimals}).scalar_one()
    return row.encode("utf-8")


def view_exists(conn: sa.Connection | psycopg.Connection, name: str) -> bool:
    """Whether a public view is there: domains arrive with their own migrations.
    Takes a psycopg connection too, as `observatory.pact`'s readers do."""
    if isinstance(conn, psycopg.Connection):
        return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f"observatory.{name}",)).fetchone()[0]
    return conn.execute(sa.text("SELECT to_regclass(:name) IS NOT NULL"),
                        {"name": f"observatory.{name}"}).scalar()
