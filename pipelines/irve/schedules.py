"""The national IRVE file is consolidated every night: refresh the points every morning."""
from dagster import AssetSelection, DefaultScheduleStatus, ScheduleDefinition, define_asset_job

from pipelines.freshness import FRESHNESS

irve_refresh = define_asset_job(
    "irve_refresh", selection=AssetSelection.keys("irve_source").downstream() - FRESHNESS,
    description="Charging points and what is computed from them")

irve_daily = ScheduleDefinition(name="irve_daily", job=irve_refresh, cron_schedule="0 7 * * *",
                                execution_timezone="Europe/Paris", default_status=DefaultScheduleStatus.RUNNING)
