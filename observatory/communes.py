"""Commune look-ups for the observatory: search, profile, contour. Reads the public views."""
from __future__ import annotations

import json

import sqlalchemy as sa

# Accent folding without the unaccent extension (not installed everywhere).
_ACCENTED = "àâäáãéèêëíìîïóòôöõúùûüçÿœæ’"
_PLAIN = "aaaaaeeeeiiiiooooouuuucyoa "


def fold(text: str) -> str:
    """Lower case, accents removed, hyphens and apostrophes as spaces: for matching names."""
    folded = text.lower().translate(str.maketrans(_ACCENTED, _PLAIN))
    return " ".join(folded.replace("-", " ").replace("'", " ").split())


_FOLD_SQL = (f"btrim(regexp_replace(translate(translate(lower(c.name), '{_ACCENTED}', '{_PLAIN}'), "
             "'-''', '  '), '\\s+', ' ', 'g'))")

SEARCH = sa.text(f"""
SELECT c.insee_code, c.name, c.departement_code, d.name AS departement, c.population,
       array_to_string(c.postcodes, ', ') AS postcodes
FROM observatory.commune c LEFT JOIN observatory.departement d USING (departement_code)
WHERE {_FOLD_SQL} LIKE :prefix OR {_FOLD_SQL} LIKE :inner OR :code = ANY(c.postcodes) OR c.insee_code = :code
ORDER BY ({_FOLD_SQL} = :exact) DESC, ({_FOLD_SQL} LIKE :prefix) DESC, c.population DESC NULLS LAST
LIMIT :limit
""")


def search_communes(conn: sa.Connection, query: str, limit: int = 20) -> list[dict]:
    """Communes whose name contains `query` (accents and case ignored) or whose postcode is it."""
    folded = fold(query)
    if not folded:
        return []
    rows = conn.execute(SEARCH, {"prefix": f"{folded}%", "inner": f"% {folded}%", "exact": folded,
                                 "code": query.strip().upper(), "limit": limit})
    return [dict(row._mapping) for row in rows]


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
