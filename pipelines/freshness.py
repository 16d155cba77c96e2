"""Each refresh's outcome recorded per source, and checks that warn when a source is late.

A hook records every asset step's success or failure in `core.source_refresh`
(`observatory.sources.record_refresh`): the Données page shows it. One check per catalogue
source warns when its latest successful refresh is older than twice its cadence, or when its
latest refresh failed; they run every hour (`freshness_hourly`), outside the refresh runs.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from dagster import (AssetCheckResult, AssetCheckSeverity, AssetKey, AssetSelection, DagsterEvent,
                     DefaultScheduleStatus, HookContext, HookDefinition, HookExecutionResult, ScheduleDefinition,
                     asset_check, define_asset_job)

from geodata.sources.fetch import SourceError
from geodata.sources.heat.sources import FCU_ARCHIVE
from observatory import sources
from pipelines.resources import PostGIS

# Which catalogue source (observatory.sources.CATALOGUE) each asset refreshes.
SOURCE_OF_ASSET = {
    "cog_reference": "cog", "commune_contours": "contours", "communes": "contours",
    "irve_source": "irve", "charging_points": "irve",
    "fcu_opendata_archive": "fcu-reseaux", "heat_networks": "fcu-reseaux", "heat_networks_arrete": "fcu-arrete",
    "commune_councils": "conseils",
    "ecoreseau_labels": "fcu-potentiel", "heat_potential": "fcu-potentiel", "heat_national_figures": "fcu-potentiel",
    "pact_catalogue": "pacte", "pact_signatures": "pacte", "pact_follow_up": "pacte",
    "commune_energy": "indicateurs-energie",
}
# The asset a source's freshness check is attached to: the one that publishes it last.
CHECKED_ASSET = {"cog": "cog_reference", "contours": "communes", "irve": "charging_points",
                 "fcu-reseaux": "heat_networks", "fcu-arrete": "heat_networks_arrete",
                 "conseils": "commune_councils", "fcu-potentiel": "heat_potential",
                 "pacte": "pact_signatures", "indicateurs-energie": "commune_energy"}


# Assets that succeed when their source cannot be obtained (the rest works without it) and
# record why in core.source_availability: for freshness, their refresh failed.
AVAILABILITY = {"heat_networks": FCU_ARCHIVE.name}


def _record(context: HookContext, error: BaseException | None) -> None:
    source_key = SOURCE_OF_ASSET.get(context.op.name)
    if source_key is None:  # a check, or an asset no catalogue source lists
        return
    with context.resources.postgis.connect() as conn:
        if error is None and context.op.name in AVAILABILITY:
            why = conn.execute("SELECT reason FROM core.source_availability WHERE source = %s",
                               (AVAILABILITY[context.op.name],)).fetchone()
            error = SourceError(why[0]) if why and why[0] else None
        sources.record_refresh(conn, source_key, context.op.name, error)


def _record_outcome(context: HookContext, events: Sequence[DagsterEvent]) -> HookExecutionResult:
    if any(event.is_step_failure for event in events):
        _record(context, context.op_exception or RuntimeError("échec sans message"))
    elif any(event.is_step_success for event in events):
        _record(context, None)
    else:
        return HookExecutionResult(hook_name=context.hook_def.name, is_skipped=True)
    return HookExecutionResult(hook_name=context.hook_def.name, is_skipped=False)


# One hook for success and failure rather than a @success_hook and a @failure_hook: each hook
# writes an event to Dagster's log on every step, whether it ran or was skipped. Attached to
# the assets (pipelines.definitions), not to the jobs, whose hooks also run on every check step.
REFRESH_HOOKS = {HookDefinition(name="refresh_recorded", hook_fn=_record_outcome, required_resource_keys={"postgis"})}


def _freshness_check(source_key: str, asset: str):
    source = sources.CATALOGUE[source_key]
    cadence = f"tous les {source.cadence_days} jours" if source.cadence_days else "sans cadence"

    @asset_check(asset=AssetKey(asset), name=f"{source_key.replace('-', '_')}_is_fresh", blocking=False,
                 description=f"{source.name} : rafraîchie {cadence} ; avertit au-delà du double, "
                             f"ou quand son dernier rafraîchissement a échoué")
    def check(postgis: PostGIS) -> AssetCheckResult:
        with postgis.sql_connect() as conn:
            found = next(f for f in sources.freshness_status(conn) if f.source.key == source_key)
        age = found.age(datetime.now(sources.PARIS))
        return AssetCheckResult(
            passed=found.status == sources.UP_TO_DATE, severity=AssetCheckSeverity.WARN,
            metadata={"status": found.status, "cadence_days": source.cadence_days or 0,
                      "age_hours": round(age.total_seconds() / 3600, 1) if age else -1,
                      "last_load": sources.french_datetime(found.loaded_at),
                      "vintage": found.vintage, "last_failure": found.failure or ""})

    return check


FRESHNESS_CHECKS = [_freshness_check(key, asset) for key, asset in CHECKED_ASSET.items()]
# Refresh runs leave them out (a source just refreshed is fresh).
FRESHNESS = AssetSelection.checks(*FRESHNESS_CHECKS)

freshness_checks = define_asset_job(
    "freshness_checks", selection=FRESHNESS,
    description="Checks that every source was refreshed within twice its cadence")
freshness_hourly = ScheduleDefinition(name="freshness_hourly", job=freshness_checks, cron_schedule="17 * * * *",
                                      execution_timezone="Europe/Paris", default_status=DefaultScheduleStatus.RUNNING)
