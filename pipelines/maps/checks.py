"""Checks of the static national build."""

from dagster import AssetCheckResult, asset_check

from geodata.settings import tile_archive_dir
from observatory import national_tiles
from pipelines.maps.assets import national_map_tiles
from pipelines.resources import PostGIS

# The national view's tile over Paris: every map has communes there.
PARIS_Z5 = (5, 16, 11)


@asset_check(asset=national_map_tiles, description="The build that current.json names is of the database's "
                                                   "data version and holds, for every served map, its archive "
                                                   "up to z8 with the national view's tiles, and its image")
def build_is_current_and_complete(postgis: PostGIS) -> AssetCheckResult:
    directory = tile_archive_dir()
    with postgis.connect() as conn:
        version = national_tiles.data_version(conn)
    build = national_tiles.read_build(directory)
    if build is None:
        return AssetCheckResult(passed=False, metadata={"directory": str(directory), "build": "none"})
    try:
        missing = sorted(set(national_tiles.SERVED) - set(build.indicators))
        empty = [key for key in build.indicators
                 if build.tile(key, *PARIS_Z5) == national_tiles.EMPTY_TILE or not build.images.get(key)]
        metadata = {"directory": str(directory), "build_load_id": build.version.load_id,
                    "database_load_id": version.load_id, "max_zoom": build.max_zoom,
                    "missing_indicators": ", ".join(missing) or "none",
                    "indicators_without_national_tiles": ", ".join(empty) or "none"}
        passed = (build.version == version and not missing and not empty
                  and build.max_zoom == national_tiles.ARCHIVE_MAX_ZOOM)
    finally:
        build.close()
    return AssetCheckResult(passed=passed, metadata=metadata)
