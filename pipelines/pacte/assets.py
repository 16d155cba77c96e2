"""Pacte pour la Transition: catalogue, signatures and follow-up, from the mirror's
transcriptions and from the lists citizen groups drop in the import folder."""

import traceback
from datetime import date
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from geodata.sources.fetch import Fetched, NotPublished, SourceFile, sha256_of
from geodata.sources.pacte.reader import CATALOGUE_2020, HDF_2020, PacteFileError
from geodata.sources.pacte.store import record_refused_file
from geodata.sources.pacte.table import read_table
from geodata.sources.pacte.campaigns import CAMPAIGNS
from observatory import pact
from observatory.reconciliation import reference_from_db
from pipelines.incremental import unchanged
from pipelines.metadata import markdown_table
from pipelines.pacte.resources import PacteImports
from pipelines.resources import PostGIS, Sources

GROUP = "pacte"
HDF_DATASET = "pacte-hdf-2020"


def _transcription(context: AssetExecutionContext, sources: Sources, source: SourceFile) -> Fetched | None:
    """The mirror's transcription of a public page, or None without a mirror (no file is
    published online): the import folder is then the only input, and the run says so."""
    try:
        return sources.fetch(source)
    except NotPublished as error:
        context.log.warning(f"{error}; loading the import folder only")
        return None


def _campaign_of(file_name: str) -> str | None:
    return next((c.code for c in CAMPAIGNS if c.code in file_name), None)


@asset(group_name=GROUP, deps=[AssetKey("cog_reference")],
       description="Campagnes et catalogue des principes et mesures du pacte (titres non vérifiés laissés vides)")
def pact_catalogue(context: AssetExecutionContext, postgis: PostGIS, sources: Sources,
                   pacte_imports: PacteImports) -> MaterializeResult:
    fetched = _transcription(context, sources, CATALOGUE_2020)
    reports = []
    with postgis.connect() as conn:
        if same := unchanged(context, conn, inputs=["cog-%"], files={
                **({"pacte-catalogue:municipales-2020": [fetched]} if fetched else {}),
                **{f"pacte-catalogue:{_campaign_of(p.name)}": [p] for p in pacte_imports.catalogue_files()}}):
            return MaterializeResult(metadata=same)
        if fetched:
            reports.append(pact.import_catalogue(conn, fetched.path, "municipales-2020",
                                                 source_url=fetched.location, vintage=CATALOGUE_2020.vintage))
        refused = []
        for path in pacte_imports.catalogue_files():
            try:
                campaign = _campaign_of(path.name)
                if campaign is None:
                    raise PacteFileError(f"{path.name}: nommez le fichier catalogue-<campagne>, "
                                         f"ex. catalogue-municipales-2026.csv")
                with conn.transaction():
                    reports.append(pact.import_catalogue(conn, path, campaign, vintage=campaign))
            except Exception as error:  # noqa: BLE001 - one file never stops the others
                refused.append(_refused(conn, path, "catalogue", error, context.log))
        catalogue = pact.measure_adoption(conn, "municipales-2020")
    verified = int(catalogue["title_verified"].sum())
    context.log.info(f"{len(catalogue)} entries for municipales-2020, {verified} verified titles")
    return MaterializeResult(metadata={
        "rows_read": sum(r.rows_read for r in reports),
        "rows_loaded": sum(r.rows_loaded for r in reports),
        "rows_quarantined": sum(r.rows_quarantined for r in reports),
        "quarantine_by_reason": {k: v for r in reports for k, v in r.quarantine_by_reason().items()},
        "entries_2020": len(catalogue),
        "verified_titles_2020": verified,
        "files": [r.source_url or "" for r in reports],
        "files_refused": refused,
        "transcription_2020": fetched.location if fetched else "absente (pas de miroir local)",
    })


def _plan_metadata(plans) -> dict:
    return {
        "rows_read": sum(p.rows_read for p in plans),
        "rows_matched": sum(p.count("matched") for p in plans),
        "rows_ambiguous": sum(p.count("ambiguous") for p in plans),
        "rows_unmatched": sum(p.count("unmatched") for p in plans),
        "rows_quarantined": sum(p.count("quarantined") for p in plans),
        "items_quarantined": sum(len(p.items_rejected) for p in plans),
        "rows_loaded": sum(p.rows_loaded for p in plans),
        "datasets": markdown_table(
            ("jeu", "lues", "rapprochées", "ambiguës", "non trouvées", "quarantaine", "chargées"),
            [(p.dataset, p.rows_read, p.count("matched"), p.count("ambiguous"), p.count("unmatched"),
              p.count("quarantined"), p.rows_loaded) for p in plans]),
    }


def _refused(conn, path: Path, kind: str, error: Exception, log) -> str:
    """Record a file that cannot be imported in its own review run; the others go on."""
    if isinstance(error, PacteFileError):
        message = str(error)
    else:  # a defect of ours, not of the file: its traceback goes to the run's log only
        log.error(f"{path.name}: {''.join(traceback.format_exception(error))}")
        message = f"{path.name}: fichier illisible (erreur interne {type(error).__name__}, signalée)"
    log.warning(message)
    record_refused_file(conn, dataset=path.stem, kind=kind, file_name=path.name,
                        file_sha256=sha256_of(path), message=message)
    return message


def _import_folder(conn, pacte_imports: PacteImports, kind: str, reference, today: date,
                   log) -> tuple[list, list[str]]:
    """Import every list of `kind` of the folder, each file on its own: one that cannot be
    read is recorded as refused (by the signatures asset when its kind is unknown) and the
    others are imported. Returns the plans and the refusal messages."""
    plans, refused = [], []
    for path in pacte_imports.list_files():
        file_kind = None
        try:
            with conn.transaction():   # a savepoint: a failure leaves the connection usable
                table = read_table(path)
                file_kind = pact.kind_of(table)
                if file_kind != kind:
                    continue
                plan = pact.import_list(conn, path, dataset=path.stem, kind=kind, today=today,
                                        reference=reference, campaign=_campaign_of(path.name),
                                        table=table)
        except Exception as error:  # noqa: BLE001 - one file never stops the others
            if (file_kind or "signatures") == kind:
                refused.append(_refused(conn, path, kind, error, log))
            continue
        log.info(f"{path.name}: {plan.count('matched')}/{plan.rows_read} rapprochées")
        plans.append(plan)
    return plans, refused


@asset(group_name=GROUP, deps=[pact_catalogue, AssetKey("communes")],
       description="Signatures du pacte rapprochées des communes (liste Hauts-de-France 2020 et dossier d'import)")
def pact_signatures(context: AssetExecutionContext, postgis: PostGIS, sources: Sources,
                    pacte_imports: PacteImports) -> MaterializeResult:
    fetched = _transcription(context, sources, HDF_2020)
    today = date.today()
    with postgis.connect() as conn:
        # Every list of the folder, follow-ups included: which is which takes reading them.
        if same := unchanged(context, conn, inputs=["cog-%", "pacte-catalogue:%"], files={
                **({f"pacte:{HDF_DATASET}": [fetched]} if fetched else {}),
                **{f"pacte:{p.stem}": [p] for p in pacte_imports.list_files()}}):
            return MaterializeResult(metadata=same)
        reference = reference_from_db(conn)
        plans = [pact.import_list(conn, fetched.path, dataset=HDF_DATASET, kind="signatures",
                                  today=today, reference=reference, source_url=fetched.location,
                                  vintage=HDF_2020.vintage)] if fetched else []
        folder, refused = _import_folder(conn, pacte_imports, "signatures", reference, today,
                                         context.log)
    return MaterializeResult(metadata={**_plan_metadata(plans + folder), "files_refused": refused})


@asset(group_name=GROUP, deps=[pact_signatures],
       description="Suivi des engagements (statut par commune et mesure dans le temps), depuis le dossier d'import")
def pact_follow_up(context: AssetExecutionContext, postgis: PostGIS,
                   pacte_imports: PacteImports) -> MaterializeResult:
    with postgis.connect() as conn:
        # Without lists there is nothing to match: the reference takes seconds to read.
        reference = reference_from_db(conn) if pacte_imports.list_files() else None
        plans, refused = _import_folder(conn, pacte_imports, "follow_up", reference, date.today(),
                                        context.log)
        loaded = conn.execute("SELECT count(*) FROM core.pact_follow_up").fetchone()[0]
    return MaterializeResult(metadata={**_plan_metadata(plans), "follow_up_rows_published": loaded,
                                       "files_refused": refused})
