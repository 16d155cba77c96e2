"""Storage conventions shared by the schema and the loads, importable without SQLAlchemy."""

CORE_SCHEMA = "core"
VIEW_SCHEMA = "observatory"
# Lambert-93: metres, the storage of every geometry and the frame of the spatial indexes. It is
# metropolitan France's projection: overseas its lengths are 1.13 (Guadeloupe) to 1.89 (La
# Réunion) times true and its areas 1.28 to 3.57 times, and even in the mainland areas are off
# by up to 0.6 %. Areas, lengths and distances are therefore measured on the ellipsoid
# (`on_ellipsoid`), never in these metres.
STORAGE_SRID = 2154
DISPLAY_SRID = 4326

# Lambert-93 metres per true metre over the territories that have contours (mainland France,
# Corsica, the five overseas départements): 0.999 to 1.004 in the mainland, up to 1.89 in La
# Réunion; within any one territory the largest scale is at most 1.05 times the smallest
# (Guyane 1.043). A search through the Lambert-93 index widens its radius by these bounds, then
# measures on the ellipsoid (tests/foundation/test_overseas_measures.py checks both bounds).
LAMBERT93_MAX_SCALE = 1.9
LAMBERT93_SCALE_SPREAD = 1.05


def on_ellipsoid(geometry_sql: str) -> str:
    """SQL for a stored (Lambert-93) geometry as a geography on the WGS84 ellipsoid, which
    ST_Area, ST_Length, ST_Distance and ST_DWithin measure in true square metres and metres."""
    return f"ST_Transform({geometry_sql}, {DISPLAY_SRID})::geography"


# The official projection of each overseas département: RGAF09 / UTM 20N (Guadeloupe, Martinique),
# RGFG95 / UTM 22N (Guyane), RGR92 / UTM 40S (La Réunion), RGM04 / UTM 38S (Mayotte); elsewhere
# Lambert-93. Drawings use it (north up, to scale: Lambert-93 turns La Réunion by 38°).
OFFICIAL_SRID = {"971": 5490, "972": 5490, "973": 2972, "974": 2975, "976": 4471}


def official_srid(insee_code: str) -> int:
    return OFFICIAL_SRID.get(insee_code[:3], STORAGE_SRID)
