"""Writing the pact to `core`: campaigns, catalogue, and import runs.

Unlike the national sources, lists come from many citizen groups: an import replaces the
rows of its own `dataset` only, in one transaction with its accounting (`core.load_run`,
`core.quarantined_row`), its import run and its review rows: `write_import`, through the
database's own load (`core.pact_write_import`, migration 0011).
"""
from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date

import psycopg

from geodata.load import LoadReport, Rejected, record
from geodata.sources.pacte.campaigns import CAMPAIGNS, Campaign
from geodata.sources.pacte.reader import CatalogueEntry


def ensure_campaigns(conn: psycopg.Connection, campaigns: Sequence[Campaign] = CAMPAIGNS) -> None:
    with conn.transaction():
        for c in campaigns:
            conn.execute(
                """INSERT INTO core.pact_campaign (code, label, election_year, mandate_start,
                       mandate_end, measure_count) VALUES (%s, %s, %s, %s, %s, %s)
                   ON CONFLICT (code) DO UPDATE SET label = EXCLUDED.label,
                       election_year = EXCLUDED.election_year,
                       mandate_start = EXCLUDED.mandate_start, mandate_end = EXCLUDED.mandate_end,
                       measure_count = coalesce(EXCLUDED.measure_count, core.pact_campaign.measure_count)""",
                (c.code, c.label, c.election_year, c.mandate_start, c.mandate_end, c.measure_count))


def _position(number: str) -> int:
    # Principles A, B, C come first, then measures in numeric order.
    return ord(number) - ord("A") if number.isalpha() else 100 + int(number)


def load_catalogue(conn: psycopg.Connection, campaign: Campaign, entries: Sequence[CatalogueEntry],
                   report: LoadReport) -> LoadReport:
    """Upsert a campaign's catalogue: every measure 1..measure_count and principle exists, with
    its title when verified; a later, fuller file fills titles in (never erases one)."""
    started = time.perf_counter()
    skeleton = [*campaign.principles, *(str(n) for n in range(1, (campaign.measure_count or 0) + 1))]
    with conn.transaction():
        for number in skeleton:
            conn.execute(
                """INSERT INTO core.pact_measure (campaign_code, number, kind, position,
                       title_verified) VALUES (%s, %s, %s, %s, false) ON CONFLICT DO NOTHING""",
                (campaign.code, number, "principle" if number.isalpha() else "measure",
                 _position(number)))
        for e in entries:
            conn.execute(
                """INSERT INTO core.pact_measure (campaign_code, number, kind, position, title,
                       title_verified, topic, source) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (campaign_code, number) DO UPDATE SET kind = EXCLUDED.kind,
                       title = coalesce(EXCLUDED.title, core.pact_measure.title),
                       title_verified = EXCLUDED.title_verified OR core.pact_measure.title_verified,
                       topic = coalesce(EXCLUDED.topic, core.pact_measure.topic),
                       source = coalesce(EXCLUDED.source, core.pact_measure.source)""",
                (campaign.code, e.number, e.kind, _position(e.number), e.title, e.title_verified,
                 e.topic, e.source))
        report.rows_loaded = len(entries)
        report.duration_s = time.perf_counter() - started
        record(conn, report)
    return report


# The two reads of a list's review go through public views: the Espace des collectifs reviews an
# upload on a reader-role connection (`geodata.db.reader_connection`).

def catalogue_numbers(conn: psycopg.Connection) -> dict[str, set[str]]:
    numbers: dict[str, set[str]] = {}
    for campaign_code, number in conn.execute(
            "SELECT campaign_code, measure_number FROM observatory.pact_measure").fetchall():
        numbers.setdefault(campaign_code, set()).add(number)
    return numbers


def other_datasets_levels(conn: psycopg.Connection, dataset: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(campaign, insee_code) -> (council commitment, dataset) as other imports recorded it."""
    return {(campaign, insee): (level, other) for campaign, insee, level, other in conn.execute(
        """SELECT DISTINCT ON (campaign_code, insee_code) campaign_code, insee_code,
                  council_commitment, dataset
           FROM observatory.pact_signature WHERE dataset <> %s AND council_commitment IS NOT NULL
           ORDER BY campaign_code, insee_code, dataset""", (dataset,)).fetchall()}


@dataclass
class ReviewRow:
    row_number: int
    published_name: str | None
    area_hint: str | None
    status: str                      # matched, ambiguous, unmatched, quarantined
    insee_code: str | None = None
    method: str | None = None
    score: float | None = None
    candidates: list[dict] | None = None
    reason: str | None = None
    detail: str | None = None
    payload: dict | None = None


@dataclass
class SignatureRecord:
    campaign_code: str
    insee_code: str
    published_name: str
    published_names: list[str]
    list_name: str | None
    candidate_name: str | None
    elected: bool | None
    council_commitment: str | None
    signed_on: date | None
    source: str | None
    match_method: str
    match_score: float
    row_numbers: list[int]
    measures: list[str] = field(default_factory=list)


@dataclass
class FollowUpRecord:
    campaign_code: str
    insee_code: str
    published_name: str
    measure_number: str
    status: str
    status_date: date | None
    evidence_url: str | None
    comment: str | None
    source: str | None


@dataclass
class ImportPlan:
    """What an import will write; `observatory.pact.plan_*` builds it without a database."""

    dataset: str
    kind: str                        # signatures or follow_up
    file_name: str
    file_sha256: str
    encoding: str | None
    messages: list[str]
    rows_read: int
    review: list[ReviewRow]
    signatures: list[SignatureRecord] = field(default_factory=list)
    follow_ups: list[FollowUpRecord] = field(default_factory=list)
    items_rejected: list[Rejected] = field(default_factory=list)
    rows_duplicate: int = 0

    def count(self, status: str) -> int:
        return sum(1 for row in self.review if row.status == status)

    @property
    def rows_loaded(self) -> int:
        return len(self.signatures) if self.kind == "signatures" else len(self.follow_ups)

    def to_json(self) -> str:
        """The plan as JSON (dates as ISO text), e.g. for the database to check before publishing."""
        return json.dumps(asdict(self), default=str)


def write_import(conn: psycopg.Connection, plan: ImportPlan, *, source_url: str | None = None,
                 vintage: str | None = None) -> int:
    """Replace the dataset's rows with the plan's, record the run and the load's accounting
    (`core.load_run`, `core.quarantined_row`); return the run id.

    The load is the database's `core.pact_write_import` (migration 0011), the one the Espace
    des collectifs' writer role reaches through `core.collectif_publish_list` once it checked
    the member's rights: a folder import and a group's upload load the same way."""
    with conn.transaction():
        return conn.execute("SELECT core.pact_write_import(%s::jsonb, %s, %s)",
                            (plan.to_json(), source_url, vintage)).fetchone()[0]


# The first message of a refused file's run (the accounting checks skip such runs: the
# dataset's published rows are those of its last run that was read).
REFUSED = "Fichier refusé, rien n'a été chargé ni modifié"


def record_refused_file(conn: psycopg.Connection, *, dataset: str, kind: str, file_name: str,
                        file_sha256: str, message: str) -> int:
    """A file that could not be imported, in its own import run (no rows, the reason in its
    messages) so that its group sees why in the review; nothing already published changes."""
    with conn.transaction():
        return conn.execute(
            """INSERT INTO core.pact_import_run (dataset, kind, file_name, file_sha256, encoding,
                   rows_read, rows_matched, rows_ambiguous, rows_unmatched, rows_quarantined,
                   rows_loaded, items_quarantined, messages)
               VALUES (%s, %s, %s, %s, NULL, 0, 0, 0, 0, 0, 0, 0, %s) RETURNING id""",
            (dataset, kind, file_name, file_sha256,
             json.dumps([f"{REFUSED}: {message}"]))).fetchone()[0]
