"""Which commune a point lies in: one spatial query for the pipeline and for users.

Points (Lambert-93 x/y) in a table (the load's staging table, or a temporary table of the
user's points) are matched in PostGIS against
`core.commune_boundary.geom` through its GIST index: first the commune whose contour
contains the point; else, for points in the slivers that simplified contours leave between
neighbours or along the coast, the nearest commune within `tolerance_m`, counted apart.
Points farther than that from every contour stay without commune, and are reported.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import psycopg
from psycopg import sql

from geodata.models.base import STORAGE_SRID

SLIVER_TOLERANCE_M = 500.0
CONTAINS, NEAREST = "contains", "nearest"

# Positions are matched once each: a station's points share one position (the national
# file has about 5 points per position), and repeated loads of the same points cost no more.
_MATCH = """
    WITH position AS (SELECT DISTINCT x, y FROM {points}),
    located AS (
        SELECT q.x, q.y, g.geom,
               coalesce(inside.insee_code, near.insee_code) AS insee_code,
               CASE WHEN inside.insee_code IS NOT NULL THEN 'contains'
                    WHEN near.insee_code IS NOT NULL THEN 'nearest' END AS attribution
        FROM position q
        CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(q.x, q.y), {srid}) AS geom) g
        LEFT JOIN LATERAL (
            -- a point on a shared border touches two contours: take one, always the same
            SELECT b.insee_code FROM core.commune_boundary b
            WHERE ST_Intersects(b.geom, g.geom) ORDER BY b.insee_code LIMIT 1) inside ON true
        LEFT JOIN LATERAL (
            SELECT b.insee_code FROM core.commune_boundary b
            WHERE inside.insee_code IS NULL AND ST_DWithin(b.geom, g.geom, {tolerance})
            ORDER BY ST_Distance(b.geom, g.geom), b.insee_code LIMIT 1) near ON true)
    SELECT p.*, l.geom, l.insee_code, c.name AS commune_name, l.attribution
    FROM {points} p
    JOIN located l ON l.x = p.x AND l.y = p.y
    LEFT JOIN core.commune c ON c.insee_code = l.insee_code
"""


def attribution_query(points: str, *, tolerance_m: float = SLIVER_TOLERANCE_M) -> sql.Composed:
    """`SELECT` every column of the table `points` (which has Lambert-93 `x`, `y`), plus
    `geom`, `insee_code`, `commune_name` and `attribution` ('contains', 'nearest' or NULL).

    The one matching rule: the pipeline inserts from it, the user command reads from it.
    """
    return sql.SQL(_MATCH).format(points=sql.Identifier(points), srid=sql.Literal(STORAGE_SRID),
                                  tolerance=sql.Literal(float(tolerance_m)))


def without_jit(conn: psycopg.Connection) -> None:
    # The planner's cost for this join is high enough to trigger JIT compilation, which
    # costs more than it saves here (nested index lookups); off for this transaction.
    conn.execute("SET LOCAL jit = off")


@dataclass
class Attribution:
    """How many points found their commune, and how."""

    points: int
    contained: int
    nearest: int

    @property
    def unattributed(self) -> int:
        return self.points - self.contained - self.nearest

    @property
    def rate(self) -> float:
        return (self.contained + self.nearest) / self.points if self.points else 1.0

    def summary(self) -> dict:
        return {"points": self.points, "in_contour": self.contained,
                "nearest_within_tolerance": self.nearest, "without_commune": self.unattributed,
                "attribution_rate": round(self.rate, 6)}

    @classmethod
    def of(cls, methods: pd.Series) -> Attribution:
        return cls(len(methods), int((methods == CONTAINS).sum()), int((methods == NEAREST).sum()))


def attribute_points(conn: psycopg.Connection, x: np.ndarray, y: np.ndarray, *,
                     tolerance_m: float = SLIVER_TOLERANCE_M) -> pd.DataFrame:
    """The commune of each point given in Lambert-93 (EPSG:2154) coordinates, in input
    order: columns insee_code, commune_name, attribution (None when in no commune)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    without_jit(conn)
    conn.execute("DROP TABLE IF EXISTS pg_temp.attribution_point")
    conn.execute("CREATE TEMP TABLE attribution_point (idx integer, x float8, y float8)")
    with conn.cursor().copy("COPY attribution_point (idx, x, y) FROM STDIN") as copy:
        for row in zip(range(len(x)), x.tolist(), y.tolist()):
            copy.write_row(row)
    query = sql.SQL("SELECT idx, insee_code, commune_name, attribution FROM ({}) a").format(
        attribution_query("attribution_point", tolerance_m=tolerance_m))
    rows = conn.execute(query).fetchall()
    conn.execute("DROP TABLE pg_temp.attribution_point")
    frame = pd.DataFrame(rows, columns=["idx", "insee_code", "commune_name", "attribution"], dtype=object)
    return frame.sort_values("idx", key=lambda idx: idx.astype(int)).drop(columns="idx").reset_index(drop=True)


def declared_code_agreement(conn: psycopg.Connection) -> dict:
    """How often the producers' `code_insee_commune` names the commune the point lies in.

    Declared codes of former communes (mergers, delegated communes, Paris/Lyon/Marseille
    arrondissements) are first brought to their current commune, so that only real
    disagreements count; codes that name no commune at all (often a postcode) apart.
    """
    row = conn.execute("""
        WITH declared AS (
            SELECT p.insee_code,
                   coalesce(c.insee_code, f.current_insee_code) AS declared_current
            FROM core.charging_point p
            LEFT JOIN core.commune c ON c.insee_code = p.declared_insee_code
            LEFT JOIN LATERAL (SELECT current_insee_code FROM core.former_commune
                               WHERE code = p.declared_insee_code LIMIT 1) f ON true
            WHERE p.declared_insee_code IS NOT NULL AND p.insee_code IS NOT NULL)
        SELECT count(*),
               count(*) FILTER (WHERE declared_current = insee_code),
               count(*) FILTER (WHERE declared_current IS DISTINCT FROM insee_code
                                  AND declared_current IS NOT NULL),
               count(*) FILTER (WHERE declared_current IS NULL)
        FROM declared""").fetchone()
    compared, agree, disagree, unknown = row
    return {"declared": compared, "agree": agree, "disagree": disagree,
            "declared_code_unknown": unknown,
            "disagreement_rate": round((disagree + unknown) / compared, 6) if compared else None}
