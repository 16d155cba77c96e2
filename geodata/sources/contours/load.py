"""Publish the contours as the source gives them, valid and in Lambert-93."""
from __future__ import annotations

import psycopg

from geodata.load import LoadReport, publish
from geodata.models.base import STORAGE_SRID
from geodata.sources.contours.reader import read_contours
from geodata.sources.fetch import Fetched

SOURCE = "contours"


def load_contours(conn: psycopg.Connection, fetched: Fetched) -> LoadReport:
    contours = read_contours(fetched.path)
    report = LoadReport(source=SOURCE, target_table="commune_contour", rows_read=contours.rows_read,
                        rejected=contours.rejected, source_url=fetched.location,
                        source_hash=fetched.sha256, vintage=fetched.source.vintage)
    # ST_MakeValid repairs self-intersections; the polygonal part is kept, as a MultiPolygon.
    insert_select = f"""
        SELECT code, name, NOT valid AS repaired,
               ST_Multi(CASE WHEN valid THEN g ELSE ST_CollectionExtract(ST_MakeValid(g), 3) END)
        FROM (SELECT code, name, g, ST_IsValid(g) AS valid FROM (SELECT code, name,
                     ST_Transform(ST_SetSRID(ST_GeomFromWKB(wkb), {int(contours.srid)}), {STORAGE_SRID}) AS g
              FROM staging) AS projected) AS source"""
    publish(conn, report, staging_columns=[("code", "varchar(5)"), ("name", "text"), ("wkb", "bytea")],
            rows=contours.rows, insert_select=insert_select, account=_count_repairs)
    return report


def _count_repairs(conn: psycopg.Connection, report: LoadReport) -> None:
    report.rows_repaired = conn.execute(
        "SELECT count(*) FROM core.commune_contour WHERE repaired").fetchone()[0]
