"""The one `Definitions` of the observatory."""
from dagster import Definitions, in_process_executor, load_asset_checks_from_modules, load_assets_from_modules

from pipelines import freshness, schedules
from pipelines.council import assets as council_assets
from pipelines.council import checks as council_checks
from pipelines.energy import assets as energy_assets
from pipelines.energy import checks as energy_checks
from pipelines.heat import assets as heat_assets
from pipelines.heat import checks as heat_checks
from pipelines.heat import schedules as heat_schedules
from pipelines.irve import assets as irve_assets
from pipelines.irve import checks as irve_checks
from pipelines.irve import schedules as irve_schedules
from pipelines.maps import assets as map_assets
from pipelines.maps import checks as map_checks
from pipelines.pacte import assets as pacte_assets
from pipelines.pacte import checks as pacte_checks
from pipelines.pacte import sensors as pacte_sensors
from pipelines.pacte.resources import pacte_imports_from_env
from pipelines.reference import assets as reference_assets
from pipelines.reference import checks as reference_checks
from pipelines.resources import default_resources

ASSET_MODULES = [reference_assets, irve_assets, heat_assets, energy_assets, pacte_assets, council_assets]
CHECK_MODULES = [reference_checks, irve_checks, heat_checks, energy_checks, pacte_checks, council_checks]

# The static national tiles are built from what the others load (minutes of PostGIS work and
# files written beside the project): outside ASSET_MODULES, which fill the test databases.
defs = Definitions(
    # Each asset step records its refresh (core.source_refresh), in every job that runs it.
    assets=[a.with_attributes(hook_defs=freshness.REFRESH_HOOKS)
            for a in load_assets_from_modules([*ASSET_MODULES, map_assets])],
    asset_checks=[*load_asset_checks_from_modules([*CHECK_MODULES, map_checks]), *freshness.FRESHNESS_CHECKS],
    jobs=[schedules.refresh_all, irve_schedules.irve_refresh, heat_schedules.heat_refresh,
          pacte_sensors.pact_import_job, freshness.freshness_checks],
    schedules=[schedules.weekly_refresh, irve_schedules.irve_daily, heat_schedules.heat_monthly,
               freshness.freshness_hourly],
    sensors=[pacte_sensors.pact_import_folder_sensor],
    resources={**default_resources(), "pacte_imports": pacte_imports_from_env()},
    # Every step of a run in the run's process: a process per step cost 1.5-2 s each, more
    # than most steps' own work. A cluster scales by runs (one pod each), not by steps.
    executor=in_process_executor,
)
