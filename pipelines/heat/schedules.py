"""FCU republishes opendata-fcu.zip every month: refresh the heat layer, then the indicators."""
from dagster import AssetSelection, DefaultScheduleStatus, ScheduleDefinition, define_asset_job

from pipelines.freshness import FRESHNESS

heat_refresh = define_asset_job(
    "heat_refresh", selection=(AssetSelection.groups("heat") | AssetSelection.keys("commune_energy")) - FRESHNESS,
    description="France Chaleur Urbaine's archive, labels and potentials, then the commune indicators")

# The 5th of each month: FCU's monthly archive is usually published in the first days.
heat_monthly = ScheduleDefinition(name="heat_monthly", job=heat_refresh, cron_schedule="0 4 5 * *",
                                  execution_timezone="Europe/Paris", default_status=DefaultScheduleStatus.RUNNING)
