"""Storage conventions shared by the schema and the loads, importable without SQLAlchemy."""

CORE_SCHEMA = "core"
VIEW_SCHEMA = "observatory"
STORAGE_SRID = 2154  # Lambert-93: metres, for areas, lengths and distances
DISPLAY_SRID = 4326
