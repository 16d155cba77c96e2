"""The whole IRVE path: read and validate, attribute each point to its commune, publish."""
from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd
import psycopg
import pyarrow as pa

from geodata.conventions import STORAGE_SRID
from geodata.load import LoadReport, publish
from geodata.sources.fetch import Fetched
from geodata.sources.irve.reader import IrveRead, read_irve, reading_day
from observatory.attribution import Attribution, Located, declared_code_agreement, locate

SOURCE = "irve-statique"
STAGING_COLUMNS = [
    ("ordinal", "bigint"), ("id_pdc_itinerance", "text"), ("station_name", "text"),
    ("operator", "text"), ("address", "text"), ("declared_insee_code", "varchar(5)"),
    ("power_kw", "float8"), ("is_fast_dc", "boolean"), ("commissioned_on", "date"),
    ("access_24_7", "boolean"), ("repaired", "text"), ("insee_code", "varchar(5)"),
    ("attribution", "text"), ("x", "float8"), ("y", "float8"),
]
WITHOUT_COMMUNE_LISTED = 20
# Table order of core.charging_point; the id is the point's rank in the source file.
INSERT_SELECT = f"""
    SELECT ordinal, id_pdc_itinerance, station_name, operator, address, insee_code,
           declared_insee_code, power_kw, is_fast_dc, commissioned_on, access_24_7, repaired,
           attribution, ST_SetSRID(ST_MakePoint(x, y), {STORAGE_SRID})
    FROM staging"""


@dataclass
class ChargingLoad:
    report: LoadReport
    read: IrveRead
    attribution: Attribution
    positions: int
    agreement: dict
    without_commune: list[dict]
    timings: dict

    def metadata(self) -> dict:
        return {**self.report.as_metadata(), **self.attribution.summary(),
                "distinct_positions": self.positions, "declared_code": self.agreement, "notes": "; ".join(self.read.notes),
                "timings_s": {k: round(v, 3) for k, v in self.timings.items()}}


def _rows(points: pd.DataFrame, located: Located) -> pa.Table:
    """The staging columns as one Arrow table: `publish` copies it in bulk."""
    columns = [
        pd.Series(range(1, len(points) + 1)), points["id_pdc_itinerance"], points["station_name"],
        points["operator"], points["address"], points["declared_insee_code"],
        points["power_kw"].astype(float), points["is_fast_dc"].astype(bool),
        points["commissioned_on"].dt.strftime("%Y-%m-%d"), points["access_24_7"],
        points["repaired"], pd.Series(located.insee_code), pd.Series(located.attribution),
        points["x"], points["y"],
    ]
    return pa.table([pa.array(c.reset_index(drop=True), from_pandas=True) for c in columns],
                    names=[name for name, _ in STAGING_COLUMNS])


def load_charging_points(conn: psycopg.Connection, data: Fetched, schema: Fetched) -> ChargingLoad:
    """Read, validate, attribute and publish, in one transaction."""
    timings = {}
    started = time.perf_counter()
    read = read_irve(data.path, schema.path, today=reading_day(data.source.vintage))
    timings["read_validate"] = time.perf_counter() - started
    report = LoadReport.for_fetched(SOURCE, "charging_point", data, rows_read=read.rows_read,
                                    rows_repaired=read.rows_repaired, rows_duplicate=read.rows_duplicate,
                                    rejected=read.rejected)
    found: dict = {}

    def account(conn: psycopg.Connection, _report: LoadReport) -> None:
        # Ids were given (the source order); rows added later by default must not collide.
        # Sequences ignore rollbacks: only ever move this one forward.
        conn.execute("""SELECT setval(seq, greatest(coalesce(pg_sequence_last_value(seq::regclass), 0),
                                                 (SELECT coalesce(max(id), 0) FROM core.charging_point)) + 1,
                                      false)
                        FROM (SELECT pg_get_serial_sequence('core.charging_point', 'id')) AS s(seq)""")
        # Valid points in no commune, to look at: the sea, abroad, a COM without contour.
        found["without_commune"] = [
            {"id": id_, "station": name, "lon": round(lon, 6), "lat": round(lat, 6)}
            for id_, name, lon, lat in conn.execute(
                "SELECT id, station_name, ST_X(g), ST_Y(g) FROM (SELECT id, station_name, "
                "ST_Transform(geom, 4326) AS g FROM core.charging_point WHERE insee_code IS NULL "
                "ORDER BY id LIMIT %s) AS missing", (WITHOUT_COMMUNE_LISTED,))]

    with conn.transaction():
        started = time.perf_counter()
        located = locate(conn, read.points["x"], read.points["y"])
        timings["attribute"] = time.perf_counter() - started
        started = time.perf_counter()
        publish(conn, report, staging_columns=STAGING_COLUMNS, rows=_rows(read.points, located),
                insert_select=INSERT_SELECT, account=account)
        timings["write"] = time.perf_counter() - started
        agreement = declared_code_agreement(conn)
    attribution = Attribution.of(pd.Series(located.attribution))
    return ChargingLoad(report, read, attribution, located.positions, agreement, found["without_commune"],
                        timings)
