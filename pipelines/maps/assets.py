"""The national zooms of every served map as static files (PMTiles archives and images), built
after each refresh of the communes or their indicators; the tile service serves them."""

import json

from dagster import AssetExecutionContext, MaterializeResult, asset

from geodata.settings import tile_archive_dir
from observatory import national_tiles
from pipelines.energy.assets import commune_energy
from pipelines.metadata import markdown_table
from pipelines.reference.assets import communes
from pipelines.resources import PostGIS


@asset(group_name="maps", deps=[communes, commune_energy],
       description="Tuiles vectorielles nationales (zooms 0 à 8) de chaque indicateur cartographié, en "
                   "archives PMTiles, et leurs images nationales: servies sans base de données")
def national_map_tiles(context: AssetExecutionContext, postgis: PostGIS) -> MaterializeResult:
    directory = tile_archive_dir()
    with postgis.connect() as conn:
        version = national_tiles.data_version(conn)
        current = national_tiles.read_build(directory)
        # The version holds the drawing code's hash: new code rebuilds too.
        if current is not None and current.version == version \
                and current.indicators == sorted(national_tiles.SERVED) \
                and current.max_zoom == national_tiles.ARCHIVE_MAX_ZOOM:
            current.close()
            context.log.info(f"the build of load {version.load_id} is current: nothing built")
            return MaterializeResult(metadata={"unchanged": True, **_version_metadata(version, directory)})
        if current is not None:
            current.close()
        report = national_tiles.build(conn, directory)
    context.log.info(f"{len(national_tiles.SERVED)} indicators, {report.tiles_per_indicator} tiles each, "
                     f"in {report.duration_s:.0f} s")
    return MaterializeResult(metadata={
        **_version_metadata(report.version, directory),
        "build": report.folder.name,
        "indicators": len(national_tiles.SERVED),
        "tiles_per_indicator": report.tiles_per_indicator,
        "tiles_by_zoom": markdown_table(("zoom", "tiles"), list(report.tiles_by_zoom.items())),
        "archive_mb": round(report.archive_bytes / 1e6, 1),
        "images_mb": round(report.image_bytes / 1e6, 1),
        "duration_s": round(report.duration_s, 1),
    })


def _version_metadata(version: national_tiles.DataVersion, directory) -> dict:
    return {"directory": str(directory), "data_version": json.dumps(version.as_json())}
