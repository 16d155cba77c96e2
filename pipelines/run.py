"""`python -m pipelines.run`: materialise assets and their checks on the project's Dagster
instance (`DAGSTER_HOME`), in this process. `observatory pipelines` starts it.

`--select` takes asset names, comma-separated, each optionally with Dagster's `*`/`+` marks
(`irve_source*`: the source and everything downstream); `*` alone is every asset. An asset
computed with others by one step (a multi-asset) brings them along, and so does the source
asset whose value (the fetched file) it reads.
"""
from __future__ import annotations

import argparse
import logging
import sys
from contextlib import nullcontext

from dagster import AssetKey, AssetSelection, DagsterInstance

from pipelines.definitions import defs
from pipelines.freshness import FRESHNESS
from pipelines.incremental import FORCE_TAG


class UnknownAssets(ValueError):
    """Names in a selection that are no asset of the observatory."""


def asset_names() -> list[str]:
    graph = defs.get_repository_def().asset_graph
    return sorted(key.to_user_string() for key in graph.materializable_asset_keys)


def resolve_selection(selection: str) -> set[AssetKey]:
    """The asset keys `selection` names, with the siblings of any multi-asset among them."""
    graph = defs.get_repository_def().asset_graph
    terms = [term.strip() for term in selection.split(",") if term.strip()]
    known = asset_names()
    unknown = [term for term in terms if term.strip("*+") and term.strip("*+") not in known]
    if unknown or not terms:
        raise UnknownAssets(f"unknown asset {', '.join(unknown) or '(none given)'}; "
                            f"valid names: {', '.join(known)}")
    keys = set(AssetSelection.from_coercible(terms).resolve(graph))
    for key in list(keys):
        assets_def = graph.get(key).assets_def
        if not assets_def.can_subset:
            keys |= set(assets_def.keys)
    return keys | _value_inputs(graph, keys)


def _value_inputs(graph, keys: set[AssetKey]) -> set[AssetKey]:
    """The assets whose value (not only their table) the selected ones read, e.g. the fetched
    source file: run again rather than read from an earlier run's storage, which a fresh
    instance does not have."""
    found = set()
    for key in keys:
        assets_def = graph.get(key).assets_def
        found |= {upstream for name, upstream in assets_def.keys_by_input_name.items()
                  if not assets_def.node_def.input_def_named(name).dagster_type.is_nothing}
    return found - keys


def run(selection: str, *, force: bool = False, instance: DagsterInstance | None = None):
    """Materialise the selection in this process (no process per step); values passed between
    steps stay in memory (the selection holds every asset whose value it reads). `force`
    reloads sources whose files did not change. Returns Dagster's result."""
    keys = resolve_selection(selection)
    graph = defs.get_repository_def().asset_graph
    # Their checks, but not the hourly freshness checks (a source just refreshed is fresh).
    checks = {key for key in graph.asset_check_keys if key.asset_key in keys} - FRESHNESS.resolve_checks(graph)
    job = (defs.resolve_implicit_job_def_def_for_assets(keys)
           .get_subset(asset_selection=keys, asset_check_selection=checks))
    with nullcontext(instance) if instance else DagsterInstance.get() as active:
        # Dagster's PostgreSQL storage opens a connection per event unless told to hold one,
        # as its webserver does (a no-op on SQLite): a run writes about 300 events.
        active.optimize_for_webserver(statement_timeout=0, pool_recycle=3600, max_overflow=2)
        return job.execute_in_process(instance=active, raise_on_error=False,
                                      tags={FORCE_TAG: "true"} if force else None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.run", description=__doc__)
    parser.add_argument("--select", default="*", help="asset names, comma-separated ('*': all)")
    parser.add_argument("--force", action="store_true", help="reload sources even when their files did not change")
    args = parser.parse_args(argv)
    # Download progress and retries, one line each, in the format `observatory pipelines` relays.
    downloads = logging.StreamHandler(sys.stdout)
    downloads.setFormatter(logging.Formatter("%(asctime)s - geodata - DOWNLOAD - %(message)s"))
    logging.getLogger("geodata.download").addHandler(downloads)
    logging.getLogger("geodata.download").setLevel(logging.INFO)
    try:
        return 0 if run(args.select, force=args.force).success else 1
    except UnknownAssets as error:
        print(f"observatory pipelines: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
