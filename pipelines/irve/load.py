"""The whole IRVE path: read and validate, attribute each point to its commune, publish."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import psycopg

from geodata.load import LoadReport, publish
from geodata.models.base import STORAGE_SRID
from geodata.sources.fetch import Fetched
from geodata.sources.irve.reader import IrveRead, read_irve
from observatory.attribution import Attribution, attribute_points, declared_code_agreement

SOURCE = "irve-statique"
STAGING_COLUMNS = [
    ("id_pdc_itinerance", "text"), ("station_name", "text"), ("operator", "text"),
    ("address", "text"), ("insee_code", "varchar(5)"), ("declared_insee_code", "varchar(5)"),
    ("power_kw", "float8"), ("is_fast_dc", "boolean"), ("commissioned_on", "date"),
    ("access_24_7", "boolean"), ("repaired", "text"), ("attribution", "varchar(16)"),
    ("x", "float8"), ("y", "float8"),
]
# Table order of core.charging_point; the id is the row's rank in the load.
INSERT_SELECT = f"""
    SELECT row_number() OVER (), id_pdc_itinerance, station_name, operator, address, insee_code,
           declared_insee_code, power_kw, is_fast_dc, commissioned_on, access_24_7, repaired,
           attribution, ST_SetSRID(ST_MakePoint(x, y), {STORAGE_SRID})
    FROM staging"""


@dataclass
class ChargingLoad:
    report: LoadReport
    read: IrveRead
    attribution: Attribution
    agreement: dict
    timings: dict

    def metadata(self) -> dict:
        return {**self.report.as_metadata(), **self.attribution.summary(),
                "declared_code": self.agreement, "notes": "; ".join(self.read.notes),
                "timings_s": {k: round(v, 3) for k, v in self.timings.items()}}


def _values(column: pd.Series) -> list:
    # COPY wants None for NULL; pandas may hold NaN or NaT for a missing value.
    return column.astype(object).where(column.notna(), None).tolist()


def _rows(points: pd.DataFrame, attribution: Attribution):
    """Python values for COPY, column by column (no per-row pandas access)."""
    columns = [
        points["id_pdc_itinerance"], points["station_name"], points["operator"], points["address"],
        attribution.frame["insee_code"], points["declared_insee_code"],
        points["power_kw"].astype(float), points["is_fast_dc"].astype(bool),
        points["commissioned_on"].dt.strftime("%Y-%m-%d"), points["access_24_7"],
        points["repaired"], attribution.frame["method"], points["x"], points["y"],
    ]
    return zip(*(_values(c) for c in columns))


def load_charging_points(conn: psycopg.Connection, data: Fetched, schema: Fetched) -> ChargingLoad:
    timings = {}
    started = time.perf_counter()
    read = read_irve(data.path, schema.path)
    timings["read_validate"] = time.perf_counter() - started
    with conn.transaction():
        started = time.perf_counter()
        attribution = attribute_points(conn, read.points["x"].to_numpy(), read.points["y"].to_numpy())
        timings["attribute"] = time.perf_counter() - started
        started = time.perf_counter()
        report = LoadReport(source=SOURCE, target_table="charging_point", rows_read=read.rows_read,
                            rows_repaired=read.rows_repaired, rows_duplicate=read.rows_duplicate,
                            rejected=read.rejected, source_url=data.location,
                            source_hash=data.sha256, vintage=data.source.vintage)
        publish(conn, report, staging_columns=STAGING_COLUMNS,
                rows=_rows(read.points, attribution), insert_select=INSERT_SELECT)
        timings["write"] = time.perf_counter() - started
        agreement = declared_code_agreement(conn)
    return ChargingLoad(report, read, attribution, agreement, timings)


def unattributed_sample(points: pd.DataFrame, attribution: Attribution, n: int = 20) -> list[dict]:
    """A few valid points in no commune, to show where and why (COM, sea, border)."""
    missing = np.flatnonzero(attribution.frame["insee_code"].isna().to_numpy())[:n]
    return points.iloc[missing][["row_ref", "station_name", "lon", "lat"]].to_dict("records")

