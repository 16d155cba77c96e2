"""Which commune a point lies in: one spatial query for the pipeline and for users.

Points (Lambert-93 x/y) are matched in PostGIS against `core.commune_boundary.geom`
through its GIST index: first the commune whose contour contains the point; else, for
points in the slivers that simplified contours leave between neighbours or along the
coast, the nearest commune within `tolerance_m` (true metres, on the ellipsoid), counted
apart. Points farther than that from every contour stay without commune, and are reported.

Each distinct position is matched once: a station's points share one position (the
national file has about 5 points per position), so the cost follows the number of
stations, not of points, and the points take their position's answer back in Python.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import psycopg
from psycopg import sql

from geodata.conventions import CORE_SCHEMA, LAMBERT93_MAX_SCALE, STORAGE_SRID, on_ellipsoid
from geodata.load import copy_rows

SLIVER_TOLERANCE_M = 500.0
CONTAINS, NEAREST = "contains", "nearest"

# Two steps in one statement: the contours that contain each position (a plain join, which
# PostgreSQL can split over parallel workers, unlike a LATERAL ... LIMIT 1), then, for the
# positions left without one, the nearest contour within the tolerance (a few dozen).
_LOCATE = """
    WITH inside AS (
        -- a point on a shared border touches two contours: take one, always the same
        SELECT q.idx, min(b.insee_code) AS insee_code
        FROM {positions} q
        JOIN core.commune_boundary b ON ST_Intersects(b.geom, ST_SetSRID(ST_MakePoint(q.x, q.y), {srid}))
        GROUP BY q.idx)
    SELECT idx, insee_code, 'contains' FROM inside
    UNION ALL
    SELECT q.idx, near.insee_code, 'nearest'
    FROM {positions} q
    CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(q.x, q.y), {srid}) AS geom) g
    CROSS JOIN LATERAL (
        -- within the tolerance on the ellipsoid, through the Lambert-93 index first: its
        -- radius widened by Lambert-93's largest scale over the contours (1.9, La Réunion)
        SELECT b.insee_code FROM core.commune_boundary b
        WHERE ST_DWithin(b.geom, g.geom, {tolerance} * {max_scale})
          AND ST_DWithin({contour}, {point}, {tolerance})
        ORDER BY ST_Distance({contour}, {point}), b.insee_code LIMIT 1) near
    WHERE NOT EXISTS (SELECT FROM inside i WHERE i.idx = q.idx)
"""
# The planner sees a small table and cheap index lookups, and would not start workers for
# 31,000 positions; yet each lookup in the contours' GIST index costs about 17 us: split.
_PARALLEL = ("SET LOCAL parallel_setup_cost = 0", "SET LOCAL parallel_tuple_cost = 0.0001",
             "SET LOCAL min_parallel_table_scan_size = 0")


@dataclass
class Located:
    """The commune of each point, in input order (None where there is none)."""

    insee_code: np.ndarray
    attribution: np.ndarray
    positions: int


def locate(conn: psycopg.Connection, x: np.ndarray, y: np.ndarray, *,
           tolerance_m: float = SLIVER_TOLERANCE_M) -> Located:
    """Match points given in Lambert-93 (EPSG:2154) to communes: the one matching rule,
    used by the pipeline before it publishes and by `observatory attribute`.

    The positions go to a table created and dropped inside this transaction (so no other
    session ever sees it), unlogged, and not temporary because parallel workers cannot read
    a session's temporary tables.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    position_of_point, positions = pd.factorize(x + 1j * y)
    insee_code = np.full(len(positions), None, dtype=object)
    attribution = np.full(len(positions), None, dtype=object)
    table = sql.Identifier(CORE_SCHEMA, f"located_position_{conn.info.backend_pid}")
    with conn.transaction():
        without_jit(conn)
        for setting in _PARALLEL:
            conn.execute(setting)
        conn.execute(sql.SQL("CREATE UNLOGGED TABLE {} (idx integer, x float8, y float8)").format(table))
        copy_rows(conn, table, ("idx", "x", "y"),
                  pa.table([np.arange(len(positions), dtype=np.int32), positions.real, positions.imag],
                           names=["idx", "x", "y"]))
        query = sql.SQL(_LOCATE).format(positions=table, srid=sql.Literal(STORAGE_SRID),
                                        tolerance=sql.Literal(float(tolerance_m)),
                                        max_scale=sql.Literal(LAMBERT93_MAX_SCALE),
                                        contour=sql.SQL(on_ellipsoid("b.geom")),
                                        point=sql.SQL(on_ellipsoid("g.geom")))
        for idx, code, method in conn.execute(query):
            insee_code[idx], attribution[idx] = code, method
        conn.execute(sql.SQL("DROP TABLE {}").format(table))
    return Located(insee_code[position_of_point], attribution[position_of_point], len(positions))


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
    """`locate`, with the commune's name: columns insee_code, commune_name, attribution."""
    located = locate(conn, x, y, tolerance_m=tolerance_m)
    names = dict(conn.execute("SELECT insee_code, name FROM core.commune WHERE insee_code = ANY(%s)",
                              (sorted({c for c in located.insee_code if c is not None}),)).fetchall())
    return pd.DataFrame({"insee_code": located.insee_code,
                         "commune_name": [names.get(code) for code in located.insee_code],
                         "attribution": located.attribution}, dtype=object)


# How a producer's declared code compares with the commune the point lies in. Codes of former
# communes (mergers, delegated communes, Paris/Lyon/Marseille arrondissements) are first
# brought to their current commune, so that only real disagreements count; a code that names
# no commune at all (often a postcode) is counted apart. `{pairs}` yields (row_ref, insee_code,
# declared_insee_code).
_DECLARED_VERDICT = """
    SELECT p.row_ref, p.declared_insee_code,
           CASE WHEN coalesce(c.insee_code, f.current_insee_code) IS NULL THEN 'unknown'
                WHEN coalesce(c.insee_code, f.current_insee_code) = p.insee_code THEN 'agree'
                ELSE 'disagree' END AS verdict
    FROM ({pairs}) AS p (row_ref, insee_code, declared_insee_code)
    LEFT JOIN core.commune c ON c.insee_code = p.declared_insee_code
    LEFT JOIN LATERAL (SELECT current_insee_code FROM core.former_commune
                       WHERE code = p.declared_insee_code LIMIT 1) f ON true
    WHERE p.declared_insee_code IS NOT NULL AND p.insee_code IS NOT NULL
"""


def _agreement(verdicts: dict[str, int]) -> dict:
    compared = sum(verdicts.values())
    agree, disagree, unknown = (verdicts.get(v, 0) for v in ("agree", "disagree", "unknown"))
    return {"declared": compared, "agree": agree, "disagree": disagree, "declared_code_unknown": unknown,
            "disagreement_rate": round((disagree + unknown) / compared, 6) if compared else None}


def declared_code_agreement(conn: psycopg.Connection) -> dict:
    """How often the producers' `code_insee_commune` names the commune the point lies in,
    over the published charging points."""
    query = sql.SQL("SELECT verdict, count(*) FROM ({verdicts}) v GROUP BY verdict").format(
        verdicts=sql.SQL(_DECLARED_VERDICT).format(
            pairs=sql.SQL("SELECT id, insee_code, declared_insee_code FROM core.charging_point")))
    return _agreement(dict(conn.execute(query).fetchall()))


def compare_declared_codes(conn: psycopg.Connection, insee_code: Sequence[str | None],
                           declared: Sequence[str | None]) -> tuple[dict, list[tuple[int, str, str]]]:
    """The same comparison on points in memory (input order): the agreement, and each point
    whose declared code disagrees or names no commune, as (index, declared code, verdict)."""
    pairs = sql.SQL("SELECT * FROM unnest(%s::int[], %s::text[], %s::text[])")
    rows = conn.execute(sql.SQL(_DECLARED_VERDICT).format(pairs=pairs) + sql.SQL(" ORDER BY p.row_ref"),
                        (list(range(len(declared))), list(insee_code), list(declared))).fetchall()
    return _agreement(Counter(verdict for _, _, verdict in rows)), [row for row in rows if row[2] != "agree"]
