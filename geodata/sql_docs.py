"""Write the reference of the public SQL interface from the database's own comments.

`python -m geodata.sql_docs > docs/sql-interface.md` after a migration: the views' COMMENTs are
the single source of their documentation.
"""
from __future__ import annotations

import sys

import psycopg

from geodata.db import resolve_url

HEADER = """# The public SQL interface (schema `observatory`)

Analysts read the observatory from QGIS, psql or any PostgreSQL client through the views of schema
`observatory`; they are stable, documented, and readable by the role `observatory_reader`.
Geometries: `geom` columns are stored in Lambert-93 (EPSG:2154), not simplified and indexed: use
them for spatial joins (the commune a point lies in, what a trace crosses). Lambert-93 is the
projection of metropolitan France and is not true to scale: overseas its lengths are 1.13
(Guadeloupe) to 1.89 (La Réunion) times true and its areas up to 3.57 times; in the mainland areas
are off by up to 0.6 %. So:
- **areas**: read `observatory.commune.area_km2` (geodesic, on the WGS84 ellipsoid; the pipeline
  checks each within 0.1 % of an equal-area measure) and `density_per_km2`, never `ST_Area(geom)`;
- **lengths and distances**: read the measured columns (`heat_network.trace_length_km`,
  `commune_energy.nearest_fast_charger_km`, `heat_network_length_km`), or measure on the ellipsoid,
  in metres: `ST_Length(ST_Transform(geom, 4326)::geography)`,
  `ST_Distance(ST_Transform(a.geom, 4326)::geography, ST_Transform(b.geom, 4326)::geography)`, and
  `ST_DWithin` on the same geographies, never on `geom` itself.

`geom_wgs84` columns (or lon/lat) are lighter WGS84 versions for maps: simplified (20 m for
communes), not for measures (their areas differ by up to 1.3 %). INSEE codes are text (2A/2B for
Corsica).
Names: `observatory.fold_name(text)` is the key the observatory compares names by (accents, case,
punctuation ignored, St/Ste expanded); `observatory.commune_name.name_folded` holds it, indexed for
`LIKE` and pg_trgm similarity (`name_folded % 'roubais'`).

```bash
psql "$(observatory db url)" -c 'select insee_code, name, population from observatory.commune limit 5'
```
In QGIS: Layer > Add PostGIS layers, connection from `observatory db url`, schema `observatory`.

This file is generated from the views' comments: `python -m geodata.sql_docs > docs/sql-interface.md`.
"""

VIEWS = """
SELECT c.oid, c.relname, obj_description(c.oid, 'pg_class')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'observatory' AND c.relkind IN ('v', 'm') ORDER BY c.relname
"""

COLUMNS = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod), col_description(a.attrelid, a.attnum)
FROM pg_attribute a WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
"""


def render(conn: psycopg.Connection) -> str:
    parts = [HEADER]
    for oid, name, comment in conn.execute(VIEWS).fetchall():
        parts.append(f"\n## `observatory.{name}`\n{comment or ''}\n\n| column | type | meaning |\n|---|---|---|")
        for column, type_, description in conn.execute(COLUMNS, (oid,)):
            parts.append(f"| `{column}` | {type_} | {(description or '').replace('|', '/')} |")
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    with psycopg.connect(resolve_url()) as connection:
        sys.stdout.write(render(connection))
