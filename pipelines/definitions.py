"""The one `Definitions` of the observatory."""
from dagster import Definitions, load_asset_checks_from_modules, load_assets_from_modules

from pipelines import schedules
from pipelines.reference import assets as reference_assets
from pipelines.reference import checks as reference_checks
from pipelines.resources import default_resources

ASSET_MODULES = [reference_assets]
CHECK_MODULES = [reference_checks]

defs = Definitions(
    assets=load_assets_from_modules(ASSET_MODULES),
    asset_checks=load_asset_checks_from_modules(CHECK_MODULES),
    jobs=[schedules.refresh_all],
    schedules=[schedules.weekly_refresh],
    sensors=[],
    resources=default_resources(),
)
