"""A new or changed file in the import folder starts an import."""

import json

from dagster import (AssetSelection, DefaultSensorStatus, RunRequest, SensorEvaluationContext, SkipReason,
                     define_asset_job, sensor)

from pipelines.freshness import FRESHNESS
from pipelines.pacte.assets import pact_catalogue, pact_follow_up, pact_signatures
from pipelines.pacte.resources import PacteImports

pact_import_job = define_asset_job(
    "pact_import", selection=AssetSelection.assets(pact_catalogue, pact_signatures, pact_follow_up) - FRESHNESS,
    description="Importe le catalogue et les listes du pacte (miroir et dossier d'import)")


def file_signature(path) -> str:
    stat = path.stat()
    return f"{path.name}:{stat.st_size}:{int(stat.st_mtime)}"


@sensor(job=pact_import_job, minimum_interval_seconds=60, default_status=DefaultSensorStatus.RUNNING,
        description="Lance un import quand un fichier arrive ou change dans le dossier d'import (PACTE_IMPORT_DIR)")
def pact_import_folder_sensor(context: SensorEvaluationContext, pacte_imports: PacteImports):
    if pacte_imports.folder() is None:
        return SkipReason("Aucun dossier d'import configuré (PACTE_IMPORT_DIR)")
    seen = set(json.loads(context.cursor)) if context.cursor else set()
    current = {file_signature(p) for p in pacte_imports.files()}
    new = sorted(current - seen)
    if not new:
        return SkipReason("Aucun fichier nouveau dans le dossier d'import")
    context.update_cursor(json.dumps(sorted(current)))
    # One run imports every file of the folder (each replaces its own dataset); the run key
    # makes a file that did not change never trigger twice.
    return RunRequest(run_key="|".join(new), tags={"pacte/files": ", ".join(new)[:200]})
