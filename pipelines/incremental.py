"""Refreshes that skip what did not change.

An asset that loads files compares them with the hashes its loads recorded in `core.load_run`
when they last published: the same files, it loads nothing and records its materialisation as
unchanged, with the hash and vintage of what stays published. An asset computed from tables
(the harmonised communes, the indicators) is computed again only when one of its inputs was
published after its own last computation. The run tag `observatory/force`
(`observatory pipelines --force`) reloads everything regardless. The checks of an unchanged
asset keep their latest evaluation (`reused_when_unchanged`).
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from dagster import (AssetCheckEvaluation, AssetCheckExecutionContext, AssetCheckResult, AssetExecutionContext,
                     DagsterInvariantViolationError)
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from geodata.sources.fetch import Fetched, sha256_of

FORCE_TAG = "observatory/force"


def forced(context: AssetExecutionContext) -> bool:
    return context.run.tags.get(FORCE_TAG) == "true"


def same_files(recorded: str | None, hashes: Sequence[str]) -> bool:
    """Whether a load's recorded `source_hash` names exactly these files: loads record one
    file's SHA-256, or several files' hashes (or prefixes of them) separated by spaces."""
    tokens = (recorded or "").split()
    return len(tokens) == len(hashes) and all(h.startswith(t) for t, h in zip(tokens, hashes))


_LATEST = """SELECT DISTINCT ON (source) source, id, source_hash, vintage, started_at
             FROM core.load_run WHERE source = ANY(%s) ORDER BY source, id DESC"""
_NEWER_INPUTS = """SELECT source FROM core.load_run
                   WHERE id > %s AND source LIKE ANY(%s) AND source <> ALL(%s) ORDER BY id LIMIT 1"""


def _sha256(file: Fetched | Path) -> str:
    return sha256_of(file) if isinstance(file, Path) else file.sha256


def unchanged(context: AssetExecutionContext, conn, *, files: Mapping[str, Sequence[Fetched | Path]] = {},
              computed: Sequence[str] = (), inputs: Sequence[str] = ()) -> dict | None:
    """The materialisation's metadata when the asset need not run again, else None.

    `files` maps each load (`load_run.source`) the asset makes to the files it reads; `computed`
    names its loads that read tables only; `inputs` are the loads (SQL LIKE patterns) of the
    tables it reads. Unchanged means: every load was recorded, each with exactly these files,
    and no input was published after the earliest of them. Never unchanged when forced.
    """
    loads = [*files, *computed]
    if forced(context) or not loads:
        return None
    latest = {row[0]: row[1:] for row in conn.execute(_LATEST, (loads,))}
    if set(latest) != set(loads) or any(not same_files(latest[load][1], [_sha256(f) for f in fetched])
                                        for load, fetched in files.items()):
        return None
    if inputs and conn.execute(_NEWER_INPUTS, (min(v[0] for v in latest.values()), list(inputs),
                                               loads)).fetchone():
        return None
    values = latest.values()
    metadata = {
        "unchanged": True,
        "source_hash": " ".join(dict.fromkeys(v[1] for v in values if v[1])),
        "vintage": ", ".join(dict.fromkeys(v[2] for v in values if v[2])),
        "published_at": min(v[3] for v in values).isoformat(timespec="seconds"),
    }
    context.log.info(f"unchanged since {metadata['published_at']} (vintage {metadata['vintage'] or '?'}): "
                     f"nothing loaded")
    return metadata


def reused_when_unchanged(check: Callable) -> Callable:
    """Put under `@asset_check`: when its asset was recorded unchanged earlier in this run, the
    check's latest evaluation stands (same published data), instead of reading it all again."""
    @functools.wraps(check)
    def evaluate(*args, **kwargs):
        try:
            context = AssetCheckExecutionContext.get()
        except DagsterInvariantViolationError:  # called directly, outside a run
            return check(*args, **kwargs)
        return _previous_evaluation(context) or check(*args, **kwargs)
    return evaluate


def _previous_evaluation(context: AssetCheckExecutionContext) -> AssetCheckResult | None:
    key, = context.selected_asset_check_keys
    instance = context.instance
    materialised = instance.get_latest_materialization_event(key.asset_key)
    if (materialised is None or materialised.run_id != context.run.run_id
            or not materialised.asset_materialization.metadata.get("unchanged")):
        return None
    # The latest finished evaluation (this run's own is only planned yet).
    records = instance.event_log_storage.get_asset_check_execution_history(key, limit=1, status={
        AssetCheckExecutionRecordStatus.SUCCEEDED, AssetCheckExecutionRecordStatus.FAILED})
    record = records[0] if records else None
    evaluation = record.event.dagster_event.event_specific_data if record and record.event else None
    if not isinstance(evaluation, AssetCheckEvaluation):
        return None
    return AssetCheckResult(passed=evaluation.passed, severity=evaluation.severity,
                            metadata={**evaluation.metadata, "reused_from_run": record.run_id})
