"""Whole-refresh job and its weekly schedule; sources with their own cadence add theirs."""
from dagster import AssetSelection, DefaultScheduleStatus, ScheduleDefinition, define_asset_job

from pipelines.freshness import FRESHNESS

refresh_all = define_asset_job("refresh_all", selection=AssetSelection.all() - FRESHNESS,
                               description="Every source and indicator, in dependency order")

weekly_refresh = ScheduleDefinition(name="weekly_refresh", job=refresh_all, cron_schedule="0 3 * * 1",
                                    execution_timezone="Europe/Paris", default_status=DefaultScheduleStatus.RUNNING)
