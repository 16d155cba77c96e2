"""Pacte pour la Transition: importing citizen groups' lists, and the figures.

Import = read (geodata.sources.pacte) -> reconcile names (observatory.reconciliation) ->
decide each row (pure `plan_signatures` / `plan_follow_up`) -> write (geodata store).
Figures read the public `observatory.*` views, so the read-only role can compute them.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import psycopg
import sqlalchemy as sa

from geodata.load import LoadReport, Rejected
from geodata.names import fold_name
from geodata.sources.fetch import sha256_of
from geodata.sources.pacte import reader as pacte
from geodata.sources.pacte.campaigns import CAMPAIGN_BY_CODE, CAMPAIGNS, Campaign, current_campaign
from geodata.sources.pacte.store import (
    FollowUpRecord,
    ImportPlan,
    ReviewRow,
    SignatureRecord,
    catalogue_numbers,
    ensure_campaigns,
    load_catalogue,
    other_datasets_levels,
    write_import,
)
from geodata.sources.pacte.table import Table, read_table
from observatory.councils import mandate_start
from observatory.exports import view_exists
from observatory.reconciliation import MATCHED, Match, Reference, reference_from_db

LEVEL_ORDER = ("unanimous", "majority", "minority", "none")


# -- planning (pure) ----------------------------------------------------------------------

def _match_review(row: pacte.ListRow, match: Match) -> ReviewRow:
    return ReviewRow(row.row_number, row.published_name, row.area_hint, match.status,
                     match.insee_code, match.method, match.score,
                     [c.as_dict() for c in match.candidates], None, match.note or None, row.raw)


def _quarantine(review: ReviewRow, reason: str, detail: str) -> None:
    review.status, review.reason, review.detail = "quarantined", reason, detail


def _read_review(parsed: pacte.ParsedList) -> dict[int, ReviewRow]:
    return {number: ReviewRow(number, (r.payload or {}).get("commune"),
                              pacte.area_hint(r.payload or {}), "quarantined", reason=r.reason,
                              detail=r.detail, payload=r.payload)
            for number, r in parsed.rejected.items()}


def _designation(match: Match) -> str:
    """What part of the commune a matched row names: the commune itself, or an alias of it
    (Hellemmes, Lomme). Two rows naming the same part are the same signature twice."""
    via = match.candidates[0].via if match.candidates else None
    return fold_name(via.rsplit(" (", 1)[0]) if via else ""


def measure_order(number: str) -> tuple:
    """Sort key of measure numbers: the principles (letters) first, then the measures by value."""
    return (number.isdigit(), int(number) if number.isdigit() else number)


def _measure_label(numbers: set[str]) -> str:
    measures = sorted((n for n in numbers if n.isdigit()), key=int)
    principles = sorted(n for n in numbers if n.isalpha())
    parts = [f"{measures[0]} à {measures[-1]}"] if measures else []
    parts += [f"{principles[0]} à {principles[-1]}"] if principles else []
    return ", ".join(parts) or "catalogue non importé"


def plan_signatures(parsed: pacte.ParsedList, matches: dict[int, Match], *, dataset: str,
                    catalogue: dict[str, set[str]],
                    other_levels: dict[tuple[str, str], tuple[str, str]] | None = None,
                    file_name: str = "", file_sha256: str = "") -> ImportPlan:
    """Decide the fate of every row of a signature list; `matches` maps row number -> Match."""
    other_levels = other_levels or {}
    review = _read_review(parsed)
    groups: dict[tuple[str, str], list[tuple[pacte.SignatureRow, Match]]] = defaultdict(list)
    for row in parsed.rows:
        match = matches[row.row_number]
        review[row.row_number] = _match_review(row, match)
        if match.status == MATCHED:
            groups[(row.campaign_code, match.insee_code)].append((row, match))

    signatures: list[SignatureRecord] = []
    items_rejected: list[Rejected] = [r for _, r in parsed.items_rejected]
    duplicates = 0
    for (campaign, insee_code), members in groups.items():
        levels = {row.council_commitment for row, _ in members if row.council_commitment}
        other = other_levels.get((campaign, insee_code))
        if len(levels | ({other[0]} if other else set())) > 1:
            said = ", ".join(f"ligne {row.row_number}: {row.council_commitment or 'inconnu'}"
                             for row, _ in members)
            if other:
                said += f", liste « {other[1]} » déjà importée: {other[0]}"
            for row, _ in members:
                _quarantine(review[row.row_number], pacte.CONFLICTING_COMMITMENT,
                            f"niveaux d'engagement contradictoires pour {insee_code} ({campaign}): "
                            f"{said}; aucune n'est chargée, corrigez la liste")
            continue
        by_list: dict[str, list[tuple[pacte.SignatureRow, Match]]] = defaultdict(list)
        for row, match in members:
            by_list[fold_name(row.list_name or "")].append((row, match))
        for rows in by_list.values():
            kept, seen = [], {}
            for row, match in rows:
                designation = _designation(match)
                if designation in seen:
                    _quarantine(review[row.row_number], pacte.DUPLICATE_SIGNATURE,
                                f"même commune ({insee_code}), campagne et liste que la ligne "
                                f"{seen[designation]}: comptée une fois")
                    continue
                seen[designation] = row.row_number
                kept.append((row, match))
            signatures.append(_merge(kept, catalogue.get(campaign, set()), review, items_rejected))
            # Rows naming parts of one commune (Lille, Hellemmes, Lomme) make one signature:
            # loaded once, the others counted as duplicates so that every row is accounted for.
            duplicates += len(kept) - 1
    return ImportPlan(dataset, "signatures", file_name, file_sha256, parsed.table.encoding,
                      parsed.table.messages, parsed.rows_read,
                      [review[n] for n in sorted(review)], signatures=signatures,
                      items_rejected=items_rejected, rows_duplicate=duplicates)


def _merge(rows: list[tuple[pacte.SignatureRow, Match]], catalogue: set[str],
           review: dict[int, ReviewRow], items_rejected: list[Rejected]) -> SignatureRecord:
    """One signature from the rows naming one commune (Lille, Hellemmes, Lomme -> Lille)."""
    first, first_match = min(rows, key=lambda pair: (bool(_designation(pair[1])), pair[0].row_number))
    measures: list[str] = []
    label = _measure_label(catalogue)
    for row, _ in rows:
        details = []
        for number in row.measures:
            if number in catalogue:
                if number not in measures:
                    measures.append(number)
                continue
            detail = (f"mesure {number} absente du catalogue {row.campaign_code} "
                      f"({label}); la signature est chargée sans elle")
            items_rejected.append(Rejected(f"ligne {row.row_number}: {row.published_name}, mesure {number}",
                                           pacte.MEASURE_NOT_IN_CATALOGUE, detail, row.raw))
            details.append(detail)
        if details:
            # Joined once: appending to the row's detail per measure was quadratic.
            entry = review[row.row_number]
            entry.reason = pacte.MEASURE_NOT_IN_CATALOGUE
            entry.detail = "; ".join(filter(None, [entry.detail, *details]))
    dates = [row.signed_on for row, _ in rows if row.signed_on]
    elected = [row.elected for row, _ in rows if row.elected is not None]
    return SignatureRecord(
        campaign_code=first.campaign_code, insee_code=first_match.insee_code,
        published_name=first.published_name,
        published_names=list(dict.fromkeys(row.published_name for row, _ in rows)),
        list_name=first.list_name, candidate_name=first.candidate_name,
        elected=any(elected) if elected else None,
        council_commitment=next((row.council_commitment for row, _ in rows if row.council_commitment), None),
        signed_on=min(dates) if dates else None, source=first.source,
        match_method=first_match.method, match_score=first_match.score,
        row_numbers=[row.row_number for row, _ in rows],
        measures=sorted(measures, key=measure_order))


def plan_follow_up(parsed: pacte.ParsedList, matches: dict[int, Match], *, dataset: str,
                   catalogue: dict[str, set[str]], file_name: str = "",
                   file_sha256: str = "") -> ImportPlan:
    review = _read_review(parsed)
    follow_ups, seen, duplicates = [], {}, 0
    for row in parsed.rows:
        match = matches[row.row_number]
        entry = review[row.row_number] = _match_review(row, match)
        if match.status != MATCHED:
            continue
        numbers = catalogue.get(row.campaign_code, set())
        if row.measure_number not in numbers:
            _quarantine(entry, pacte.MEASURE_NOT_IN_CATALOGUE,
                        f"mesure {row.measure_number} absente du catalogue {row.campaign_code} "
                        f"({_measure_label(numbers)})")
            continue
        key = (row.campaign_code, match.insee_code, row.measure_number, row.status_date)
        if key in seen:
            duplicates += 1
            _quarantine(entry, pacte.DUPLICATE_FOLLOW_UP,
                        f"même commune, mesure et date que la ligne {seen[key]}")
            continue
        seen[key] = row.row_number
        follow_ups.append(FollowUpRecord(row.campaign_code, match.insee_code, row.published_name,
                                         row.measure_number, row.status, row.status_date,
                                         row.evidence_url, row.comment, row.source))
    return ImportPlan(dataset, "follow_up", file_name, file_sha256, parsed.table.encoding,
                      parsed.table.messages, parsed.rows_read, [review[n] for n in sorted(review)],
                      follow_ups=follow_ups, rows_duplicate=duplicates)


def match_rows(reference: Reference, parsed: pacte.ParsedList) -> dict[int, Match]:
    return {row.row_number: reference.match(row.published_name, hint=row.area_hint,
                                            insee_code=row.insee_code) for row in parsed.rows}


# -- import (database) --------------------------------------------------------------------

def import_catalogue(conn: psycopg.Connection, path: Path, campaign_code: str, *,
                     source_url: str | None = None, vintage: str | None = None) -> LoadReport:
    """Write the campaigns, then one campaign's catalogue file (any fuller version later)."""
    ensure_campaigns(conn)
    campaign = CAMPAIGN_BY_CODE[campaign_code]
    entries, rejected = pacte.read_catalogue(Path(path), measure_count=campaign.measure_count)
    report = LoadReport(source=f"pacte-catalogue:{campaign_code}", target_table="pact_measure",
                        rows_read=len(entries) + len(rejected), rejected=rejected,
                        source_url=source_url or str(path), source_hash=sha256_of(Path(path)),
                        vintage=vintage)
    return load_catalogue(conn, campaign, entries, report)


def detect_kind(path: Path) -> str:
    """A list with a measure and a status column is a follow-up list, else signatures."""
    return kind_of(read_table(path))


def kind_of(table: Table) -> str:
    return "follow_up" if {"measure", "status"} <= table.columns.keys() else "signatures"


def import_list(conn: psycopg.Connection, path: Path, *, source_url: str | None = None,
                vintage: str | None = None, **options) -> ImportPlan:
    """Read, reconcile, decide and write one list (`plan_list`'s options); the plan says how
    every row ended."""
    plan = plan_list(conn, path, **options)
    write_import(conn, plan, source_url=source_url, vintage=vintage)
    return plan


def plan_list(conn: psycopg.Connection, path: Path, *, dataset: str, today: date,
              kind: str | None = None, campaign: str | None = None, source: str | None = None,
              reference: Reference | None = None, table: Table | None = None,
              adjust: Callable[[pacte.ParsedList, dict[int, Match]], None] | None = None) -> ImportPlan:
    """Read, reconcile and decide one list, writing nothing. `table`: the file as `read_table`
    already read it (a file is read once). `adjust` may set rows aside (into the parsed list's
    `rejected`, with their reason) or change their match once names are reconciled: the
    Espace des collectifs keeps a group to its communes and applies the commune a member picked."""
    path = Path(path)
    table = table or read_table(path)
    kind = kind or kind_of(table)
    if kind == "follow_up" and "measure" not in table.columns:
        table = read_table(path, required=("commune", "measure"))  # raises its French message
    parse = pacte.parse_signatures if kind == "signatures" else pacte.parse_follow_up
    parsed = parse(path, today=today, campaign=campaign, source=source, table=table)
    reference = reference or reference_from_db(conn)
    matches = match_rows(reference, parsed)
    if adjust is not None:
        adjust(parsed, matches)
    catalogue = catalogue_numbers(conn)
    common = dict(dataset=dataset, catalogue=catalogue, file_name=path.name,
                  file_sha256=sha256_of(path))
    if kind == "signatures":
        plan = plan_signatures(parsed, matches, other_levels=other_datasets_levels(conn, dataset),
                               **common)
    else:
        plan = plan_follow_up(parsed, matches, **common)
    return plan


# -- figures ------------------------------------------------------------------------------

def _frame(conn, query: str, **params) -> pd.DataFrame:
    """A query with `:name` parameters on a SQLAlchemy engine/connection or a psycopg one."""
    if isinstance(conn, psycopg.Connection):
        cursor = conn.execute(re.sub(r"(?<!:):(\w+)", r"%(\1)s", query), params)
        return pd.DataFrame(cursor.fetchall(), columns=[d.name for d in cursor.description])
    return pd.read_sql(sa.text(query), conn, params=params)


def campaigns(conn) -> pd.DataFrame:
    return _frame(conn, "SELECT * FROM observatory.pact_campaign ORDER BY mandate_start")


@dataclass(frozen=True)
class Recorded:
    """What the imported lists of a campaign record at all."""

    signatures: int     # communes with a signature
    measures: int       # communes whose committed measures a list names
    assessed: int       # communes with at least one measure's follow-up status


def recorded(conn, campaign: str) -> Recorded:
    row = _frame(conn, """SELECT count(*) AS signatures, count(measures_committed) AS measures,
                                 count(measures_done) AS assessed
                          FROM observatory.commune_pact WHERE campaign_code = :campaign""",
                 campaign=campaign).iloc[0]
    return Recorded(int(row["signatures"]), int(row["measures"]), int(row["assessed"]))


def engagement_totals(conn, campaign: str) -> pd.DataFrame:
    """Communes engaged and population covered per council commitment level."""
    return _frame(conn, """
        SELECT coalesce(council_commitment, 'unknown') AS council_commitment,
               count(*) AS communes, coalesce(sum(population), 0) AS population
        FROM observatory.commune_pact WHERE campaign_code = :campaign
        GROUP BY 1 ORDER BY array_position(ARRAY['unanimous','majority','minority','none',
                                                 'unknown'], coalesce(council_commitment, 'unknown'))""",
                  campaign=campaign)


TERRITORIES = {
    "departement": ("departement_code", "observatory.departement", "departement_code"),
    "region": ("region_code", "observatory.region", "region_code"),
    "epci": ("epci_siren", "observatory.epci", "epci_siren"),
}


def engagement_by_territory(conn, campaign: str, territory: str) -> pd.DataFrame:
    """Per département, région or EPCI: engaged communes and population by level, and the
    share of the territory's population covered."""
    column, view, key = TERRITORIES[territory]
    return _frame(conn, f"""
        SELECT p.{column} AS territory_code, t.name AS territory_name,
               count(*) AS communes,
               count(*) FILTER (WHERE council_commitment = 'unanimous') AS unanimous,
               count(*) FILTER (WHERE council_commitment = 'majority') AS majority,
               count(*) FILTER (WHERE council_commitment = 'minority') AS minority,
               coalesce(sum(p.population), 0) AS population,
               coalesce(sum(p.population) FILTER (WHERE council_commitment IN
                                                  ('unanimous', 'majority')), 0) AS population_council,
               t.population AS territory_population
        FROM observatory.commune_pact p LEFT JOIN {view} t ON t.{key} = p.{column}
        WHERE p.campaign_code = :campaign
        GROUP BY 1, 2, t.population ORDER BY communes DESC, territory_code""", campaign=campaign)


def measure_adoption(conn, campaign: str) -> pd.DataFrame:
    """Every measure of the catalogue with the communes committed to it and done."""
    # Counts stay unknown (NULL) for a campaign where no list names measures, or no follow-up
    # assessed any: "0 communes engaged" would say something nobody recorded.
    return _frame(conn, """
        WITH listed AS (SELECT count(*) AS commitments, count(status) AS assessed
                        FROM observatory.pact_commitment WHERE campaign_code = :campaign)
        SELECT m.measure_number, m.kind, m.title, m.title_verified, m.topic, m.position,
               CASE WHEN (SELECT commitments FROM listed) > 0 THEN count(c.insee_code) END AS communes,
               CASE WHEN (SELECT assessed FROM listed) > 0
                    THEN count(c.insee_code) FILTER (WHERE c.status = 'done') END AS communes_done,
               CASE WHEN (SELECT assessed FROM listed) > 0
                    THEN count(c.insee_code) FILTER (WHERE c.status = 'in_progress') END AS communes_in_progress
        FROM observatory.pact_measure m
        LEFT JOIN observatory.pact_commitment c
               ON c.campaign_code = m.campaign_code AND c.measure_number = m.measure_number
        WHERE m.campaign_code = :campaign
        GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY m.position""", campaign=campaign)


def follow_up_progress(conn, campaign: str) -> pd.DataFrame:
    """Per engaged commune: measures committed, done, in progress, share done."""
    return _frame(conn, """
        SELECT insee_code, commune_name, council_commitment, measures_committed, measures_done,
               measures_in_progress, measures_abandoned, share_done
        FROM observatory.commune_pact p WHERE campaign_code = :campaign
        ORDER BY share_done DESC NULLS LAST, measures_committed DESC, commune_name""",
                  campaign=campaign)


def engaged_communes(conn, campaign: str, *, measure: str | None = None,
                     territory: str | None = None, territory_code: str | None = None) -> pd.DataFrame:
    """Engaged communes with their position, filtered by measure and territory."""
    where = ["p.campaign_code = :campaign"]
    params: dict = {"campaign": campaign}
    if measure:
        where.append("""EXISTS (SELECT 1 FROM observatory.pact_commitment c
                        WHERE c.campaign_code = p.campaign_code AND c.insee_code = p.insee_code
                          AND c.measure_number = :measure)""")
        params["measure"] = measure
    if territory and territory_code:
        where.append(f"p.{TERRITORIES[territory][0]} = :territory_code")
        params["territory_code"] = territory_code
    return _frame(conn, f"""SELECT p.* FROM observatory.commune_pact p WHERE {' AND '.join(where)}
                            ORDER BY p.population DESC NULLS LAST""", **params)


def last_imports(conn, limit: int = 10) -> pd.DataFrame:
    return _frame(conn, """SELECT * FROM observatory.pact_import_run
                           ORDER BY started_at DESC, import_run_id DESC LIMIT :limit""", limit=limit)


def review_rows(conn, import_run_id: int) -> pd.DataFrame:
    return _frame(conn, """SELECT row_number, published_name, area_hint, status, insee_code,
                                  commune_name, method, score, candidates, reason, detail
                           FROM observatory.pact_review_row WHERE import_run_id = :run
                           ORDER BY row_number""", run=int(import_run_id))


def commune_pact(conn, insee_code: str) -> pd.DataFrame:
    """The commune's row of `observatory.commune_pact` for each campaign it signed (unknown
    counts NULL)."""
    return _frame(conn, "SELECT * FROM observatory.commune_pact WHERE insee_code = :code ORDER BY campaign_code",
                  code=insee_code)


def commune_commitments(conn, insee_code: str) -> pd.DataFrame:
    return _frame(conn, """SELECT * FROM observatory.pact_commitment WHERE insee_code = :code
                           ORDER BY campaign_code, length(measure_number), measure_number""",
                  code=insee_code)


def commune_follow_up(conn, insee_code: str) -> pd.DataFrame:
    return _frame(conn, """SELECT * FROM observatory.pact_follow_up WHERE insee_code = :code
                           ORDER BY measure_number, status_date NULLS FIRST""", code=insee_code)


PENDING_ASSESSMENT = "En attente d'évaluation"


def status_label(status: object) -> str:
    """A follow-up status in French; a measure nobody assessed yet is "en attente d'évaluation"."""
    return pacte.FOLLOW_UP_LABELS.get(status, str(status)) if isinstance(status, str) else PENDING_ASSESSMENT


def follow_up_timeline(conn, *, insee_code: str | None = None, campaign: str | None = None,
                       measure: str | None = None) -> pd.DataFrame:
    """The public timeline of assessments (imported lists and groups' entries, retractions
    as their own rows), oldest first, for a commune and/or a campaign's measure."""
    where, params = [], {}
    for column, value in (("insee_code", insee_code), ("campaign_code", campaign),
                          ("measure_number", measure)):
        if value is not None:
            where.append(f"{column} = :{column}")
            params[column] = value
    return _frame(conn, f"""SELECT * FROM observatory.pact_follow_up_timeline
                            {'WHERE ' + ' AND '.join(where) if where else ''}
                            ORDER BY coalesce(status_date, entered_at::date), entered_at, record_id""", **params)


def commune_signatures(conn, insee_code: str) -> pd.DataFrame:
    return _frame(conn, """SELECT * FROM observatory.pact_signature WHERE insee_code = :code
                           ORDER BY campaign_code, signed_on""", code=insee_code)


@dataclass(frozen=True)
class TrendReference:
    """The date a commune's charging trend is split at, and what it is (French)."""

    since: date
    what: str


def trend_reference(conn, insee_code: str, as_of: date) -> TrendReference:
    """The commune's latest pact signature (its date, else its mandate's start), or, for a
    commune that signed none, the start of the mandate running on `as_of` (the data's date:
    a mandate that began after the data would show nothing since)."""
    signed = [(CAMPAIGN_BY_CODE[code], min(rows["signed_on"].dropna(), default=None))
              for code, rows in commune_signatures(conn, insee_code).groupby("campaign_code")
              if code in CAMPAIGN_BY_CODE]
    if signed:
        campaign, signed_on = max(signed, key=lambda found: found[0].mandate_start)
        if signed_on:
            return TrendReference(signed_on, f"signature du pacte, {campaign.label}")
        return TrendReference(mandate_start(conn, insee_code, campaign),
                              f"début du mandat du pacte signé, {campaign.label}")
    campaign = current_campaign(as_of)
    return TrendReference(mandate_start(conn, insee_code, campaign), f"début du mandat en cours au "
                                                                     f"{as_of:%d/%m/%Y}, {campaign.label} ; "
                                                                     f"pas de pacte signé connu")


@dataclass(frozen=True)
class MandateProgress:
    campaign: Campaign
    elapsed_days: int
    total_days: int
    days_left: int

    @property
    def share_elapsed(self) -> float:
        return min(max(self.elapsed_days / self.total_days, 0.0), 1.0)

    @property
    def status(self) -> str:
        return ("à venir" if self.elapsed_days < 0 else "terminé" if self.days_left <= 0
                else "en cours")


def mandate_progress(today: date, campaigns: tuple[Campaign, ...] = CAMPAIGNS) -> list[MandateProgress]:
    """Where each mandate stands on `today`: elapsed and remaining days."""
    return [MandateProgress(c, (today - c.mandate_start).days,
                            (c.mandate_end - c.mandate_start).days,
                            max((c.mandate_end - today).days, 0)) for c in campaigns]


# -- commitments beside the evidence ------------------------------------------------------

# The measures tied to energy and mobility, and what the observatory measures near them.
EVIDENCE_MEASURES = {
    "3": "énergie des bâtiments, véhicules communaux et éclairage",
    "12": "rénovation des bâtiments",
    "14": "transports en commun",
    "15": "mobilités actives",
}


def _vintage(conn, pattern: str) -> str | None:
    found = _frame(conn, """SELECT vintage, started_at FROM observatory.load_run
                            WHERE source LIKE :pattern ORDER BY started_at DESC LIMIT 1""",
                   pattern=pattern)
    if found.empty:
        return None
    row = found.iloc[0]
    return f"millésime {row['vintage']}" if row["vintage"] else f"chargé le {row['started_at']:%d/%m/%Y}"


def measured_evidence(conn, insee_code: str, since: date) -> list[dict]:
    """The measured indicators the observatory has next to measures 3, 12, 14 and 15, with
    their dates; only from the views that exist (other domains build them)."""
    evidence: list[dict] = []
    runs_listed = view_exists(conn, "load_run")
    if view_exists(conn, "charging_point"):
        points = _frame(conn, """
            SELECT count(*) AS points, count(*) FILTER (WHERE commissioned_on >= :since) AS since_start,
                   count(*) FILTER (WHERE is_fast_dc) AS fast, max(commissioned_on) AS latest
            FROM observatory.charging_point WHERE insee_code = :code""", code=insee_code, since=since).iloc[0]
        dated = _vintage(conn, "irve%") if runs_listed else None
        for measure in ("3", "14"):
            evidence.append({"measure": measure, "indicator": "Points de recharge publics",
                             "value": int(points["points"]), "unit": "points",
                             "detail": f"dont {int(points['since_start'])} mis en service depuis le "
                                       f"{since:%d/%m/%Y}, {int(points['fast'])} rapides",
                             "date": dated, "latest": points["latest"], "source": "IRVE (data.gouv.fr)"})
    if view_exists(conn, "commune_energy"):
        energy = _frame(conn, """SELECT heat_layer_available, heat_network_count, best_renewable_share_pct,
                                        in_priority_perimeter, ecoreseau_label, dept_potential_dwellings_100m
                                 FROM observatory.commune_energy WHERE insee_code = :code""", code=insee_code)
        if not energy.empty and energy.iloc[0]["heat_layer_available"]:
            row = energy.iloc[0]
            dated = _vintage(conn, "fcu-%") if runs_listed else None
            evidence.append({"measure": "3", "indicator": "Réseaux de chaleur desservant la commune",
                             "value": row["heat_network_count"], "unit": "réseaux",
                             "detail": (f"meilleur taux EnR&R {row['best_renewable_share_pct']:.0f} %"
                                        if pd.notna(row["best_renewable_share_pct"]) else "pas de taux EnR&R connu")
                                       + (f", label Écoréseau {row['ecoreseau_label']}" if row["ecoreseau_label"] else ""),
                             "date": dated, "latest": None, "source": "France Chaleur Urbaine"})
            evidence.append({"measure": "12", "indicator": "Logements chauffés au gaz ou fioul collectif "
                                                           "à moins de 100 m d'un réseau (département)",
                             "value": row["dept_potential_dwellings_100m"], "unit": "logements",
                             "detail": "potentiel de raccordement, à l'échelle du département",
                             "date": "BDNB 2022", "latest": None, "source": "France Chaleur Urbaine"})
    return evidence
