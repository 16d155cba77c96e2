"""Publish the contours as the source gives them, made valid and in Lambert-93 by the reader."""
from __future__ import annotations

import psycopg

from geodata.load import LoadReport, publish
from geodata.conventions import STORAGE_SRID
from geodata.sources.contours.reader import read_contours
from geodata.sources.fetch import Fetched

SOURCE = "contours"


def load_contours(conn: psycopg.Connection, fetched: Fetched) -> LoadReport:
    contours = read_contours(fetched.path)
    report = LoadReport.for_fetched(SOURCE, "commune_contour", fetched, rows_read=contours.rows_read,
                                    rows_duplicate=contours.rows_duplicate, rejected=contours.rejected)
    insert_select = f"""
        SELECT code, name, repaired, ST_Multi(ST_SetSRID(ST_GeomFromWKB(wkb), {STORAGE_SRID}))
        FROM staging"""
    publish(conn, report, staging_columns=[("code", "varchar(5)"), ("name", "text"), ("repaired", "boolean"),
                                           ("wkb", "bytea")],
            rows=contours.rows, insert_select=insert_select, account=_count_repairs)
    return report


def _count_repairs(conn: psycopg.Connection, report: LoadReport) -> None:
    report.rows_repaired = conn.execute(
        "SELECT count(*) FROM core.commune_contour WHERE repaired").fetchone()[0]
