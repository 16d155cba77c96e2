"""Commune look-ups for the observatory: search, profile, contour. Reads the public views."""
from __future__ import annotations

import json
import re

import sqlalchemy as sa

from geodata.names import fold_name

# `observatory.commune_name` holds every name that leads to a current commune; the conditions
# on `name_folded` use its trigram indexes (migration 0006). The similarity branch (pg_trgm's
# `%`, for misspellings) is a second query, run only when no name matches exactly: on a common
# word ("saint ...") it rechecks thousands of rows.
_SEARCH = """
WITH named AS (
    SELECT insee_code, CASE WHEN kind <> 'officiel' THEN name END AS via, name_folded AS folded
    FROM observatory.commune_name
    WHERE name_folded LIKE :prefix OR name_folded LIKE :word {similar}
), scored AS (
    SELECT insee_code, via, 0 AS by_code, folded = :key AS exact,
           replace(folded, ' ', '') = :compact AS compact, folded LIKE :prefix AS prefix,
           public.similarity(folded, :key) AS similarity
    FROM named
    UNION ALL
    SELECT insee_code, NULL, 1, true, true, true, 1 FROM observatory.commune
    WHERE insee_code = :code OR :code = ANY(postcodes)
    UNION ALL
    SELECT current_insee_code, coalesce(max(name), code), 1, true, true, true, 1
    FROM observatory.former_commune WHERE code = :code GROUP BY current_insee_code, code
), best AS (
    SELECT DISTINCT ON (insee_code) * FROM scored
    ORDER BY insee_code, by_code DESC, exact DESC, compact DESC, prefix DESC, similarity DESC, via NULLS FIRST
)
SELECT c.insee_code, c.name, c.departement_code, d.name AS departement, c.population,
       array_to_string(c.postcodes, ', ') AS postcodes, b.via, b.exact OR b.compact AS exact
FROM best b JOIN observatory.commune c USING (insee_code)
LEFT JOIN observatory.departement d USING (departement_code)
WHERE CAST(:departement AS text) IS NULL OR c.departement_code = :departement
ORDER BY b.by_code DESC, b.exact DESC, c.name = :typed DESC, b.compact DESC, b.prefix DESC, b.via IS NULL DESC,
         round(b.similarity::numeric, 2) DESC, c.population DESC NULLS LAST, c.insee_code
LIMIT :limit
"""
SEARCH = sa.text(_SEARCH.format(similar=""))
# `%` takes what pg_trgm's index finds from 0.3; names sharing only a common ending with the
# query ("Zzyzx-sur-Mer" and Ver-sur-Mer: 0.47) stay below SIMILARITY_FLOOR, while one or two
# letters wrong keep a name above it ("lile" 0.57, "Roubais" 0.6, "Stasbourg" 0.62).
SIMILARITY_FLOOR = 0.5
SEARCH_SIMILAR = sa.text(_SEARCH.format(
    similar="OR (name_folded OPERATOR(public.%) :key AND public.similarity(name_folded, :key) >= :floor)"))

# Longer input names no commune (the longest official name has 45 characters).
MAX_QUERY_LENGTH = 100
# "Sainte-Colombe (35)", "saint martin 2b": a trailing département code narrows homonyms.
_DEPARTEMENT_SUFFIX = re.compile(r"^(.+?) (\d{2}|2a|2b|97\d)$")


def search_communes(conn: sa.Connection, query: str, limit: int = 20) -> list[dict]:
    """Current communes for a name (accents, case, hyphens, "St" and small misspellings
    ignored; a former commune's name leads to its current commune, said in `via`), a postcode,
    an INSEE code or a former code. A name may end with a département code to tell homonyms
    apart. Input that can name no commune (NUL, too long, no letter or digit) finds nothing."""
    if not query or "\x00" in query or len(query) > MAX_QUERY_LENGTH:
        return []
    key = fold_name(query)
    if not key:
        return []
    departement = None
    narrowed = _DEPARTEMENT_SUFFIX.match(key)
    if narrowed:
        key, departement = narrowed.group(1), narrowed.group(2).upper()
    parameters = {"key": key, "prefix": f"{key}%", "word": f"% {key}%", "compact": key.replace(" ", ""),
                  "code": query.strip().upper(), "typed": query.strip(), "departement": departement, "limit": limit,
                  "floor": SIMILARITY_FLOOR}
    found = [dict(row._mapping) for row in conn.execute(SEARCH, parameters)]
    if not any(row["exact"] for row in found):
        found = [dict(row._mapping) for row in conn.execute(SEARCH_SIMILAR, parameters)]
    return found


PROFILE = sa.text("""
SELECT c.insee_code, c.name, c.population, c.departement_code, d.name AS departement,
       c.region_code, r.name AS region, c.epci_siren, e.name AS epci, c.zone,
       array_to_string(c.postcodes, ', ') AS postcodes, c.area_km2, c.density_per_km2,
       c.missing_geometry_reason,
       ST_AsGeoJSON(c.geom_wgs84, 5) AS contour_geojson,
       ST_X(ST_Centroid(c.geom_wgs84)) AS lon, ST_Y(ST_Centroid(c.geom_wgs84)) AS lat,
       ST_XMin(c.geom_wgs84) AS xmin, ST_YMin(c.geom_wgs84) AS ymin,
       ST_XMax(c.geom_wgs84) AS xmax, ST_YMax(c.geom_wgs84) AS ymax
FROM observatory.commune c
LEFT JOIN observatory.departement d USING (departement_code)
LEFT JOIN observatory.region r ON r.region_code = c.region_code
LEFT JOIN observatory.epci e ON e.epci_siren = c.epci_siren
WHERE c.insee_code = :code
""")

# A code may be both absorbed (`anciensCodes`) and delegated/associated: one line per code,
# the named kind first.
FORMER = sa.text("""
SELECT code, kind, name FROM (
    SELECT DISTINCT ON (code) code, kind, name FROM observatory.former_commune
    WHERE current_insee_code = :code AND code <> :code
    ORDER BY code, name IS NULL, kind <> 'ancienne' DESC, kind) AS one_per_code
ORDER BY kind, code
""")


def commune_profile(conn: sa.Connection, insee_code: str) -> dict | None:
    row = conn.execute(PROFILE, {"code": insee_code}).mappings().first()
    if row is None:
        return None
    profile = dict(row)
    geojson = profile.pop("contour_geojson")
    profile["contour"] = json.loads(geojson) if geojson else None
    profile["former_communes"] = [dict(r._mapping) for r in conn.execute(FORMER, {"code": insee_code})]
    return profile


# A code that is no longer a current commune's (merged, associated, delegated): its current
# commune, and the former commune's name when the reference gives one.
_SUCCESSOR = sa.text("""
SELECT f.code, f.kind, f.name AS former_name, c.insee_code, c.name
FROM observatory.former_commune f JOIN observatory.commune c ON c.insee_code = f.current_insee_code
WHERE f.code = :code
ORDER BY f.name IS NULL, f.kind <> 'ancienne' DESC, f.kind
LIMIT 1
""")


def successor(conn: sa.Connection, code: str) -> dict | None:
    """The current commune a former code leads to: {code, kind, former_name, insee_code, name}."""
    row = conn.execute(_SUCCESSOR, {"code": code.strip().upper()}).mappings().first()
    return dict(row) if row else None
