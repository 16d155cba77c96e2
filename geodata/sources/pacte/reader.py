"""Pure readers: a list file -> typed rows + quarantined rows (each with a reason code).

Row-level checks only; what needs the commune (duplicates, conflicting commitment levels)
is decided once names are reconciled, in `observatory.pact`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from geodata.load import Rejected
from geodata.sources.fetch import SourceFile
from geodata.sources.pacte.campaigns import CAMPAIGN_BY_CODE, campaign_code
from geodata.sources.pacte.table import (
    CELL_TOO_LONG,
    EXTRA_FIELDS,
    FORMULA_WITHOUT_VALUE,
    PacteFileError,
    Table,
    header_key,
    parse_bool,
    parse_date,
    read_table,
)

CATALOGUE_2020 = SourceFile(
    name="pacte-catalogue-2020",
    url="https://www.pacte-transition.org/",
    mirror_path="pacte/measures-2020.csv",
    vintage="2020",
    licence="transcription de pages publiques (sources par ligne)",
    published_file=False,
)
HDF_2020 = SourceFile(
    name="pacte-hdf-2020",
    url="https://pacte-hdf.eu/Etat-du-Pacte-pour-la-transition-apres-le-second-tour",
    mirror_path="pacte/hdf-2020-after-second-round.csv",
    vintage="2020-07-01",
    licence="transcription d'une page publique",
    published_file=False,
)
# Councils per commitment level as the source page states them, and the levels whose list it
# gives in full (the minority list is truncated: 27 of 37 communes named).
HDF_2020_PUBLISHED_TOTALS = ({"unanimous": 6, "majority": 35, "minority": 37},
                             frozenset({"unanimous", "majority"}))

COMMITMENT_LEVELS = ("unanimous", "majority", "minority", "none")
COMMITMENT_LABELS = {"unanimous": "Unanime", "majority": "Majoritaire",
                     "minority": "Minoritaire", "none": "Aucun"}
_COMMITMENT_WORDS = {
    "unanimous": ("unanimous", "unanime", "unanimite", "a l unanimite", "conseil unanime"),
    "majority": ("majority", "majoritaire", "majorite", "majorite municipale", "liste majoritaire"),
    "minority": ("minority", "minoritaire", "minorite", "opposition", "liste minoritaire"),
    "none": ("none", "aucun", "aucune", "non", "pas d engagement", "sans engagement", "0"),
}
_COMMITMENT_INDEX = {word: level for level, words in _COMMITMENT_WORDS.items() for word in words}

FOLLOW_UP_STATUSES = ("not_started", "in_progress", "done", "abandoned")
FOLLOW_UP_LABELS = {"not_started": "Pas commencée", "in_progress": "En cours",
                    "done": "Réalisée", "abandoned": "Abandonnée"}
_STATUS_WORDS = {
    "not_started": ("not started", "not_started", "pas commence", "pas commencee", "non commence",
                    "non commencee", "a faire", "pas demarre", "non demarre"),
    "in_progress": ("in progress", "in_progress", "en cours", "engage", "engagee", "demarre",
                    "demarree", "partiel", "partielle", "en partie"),
    "done": ("done", "fait", "faite", "realise", "realisee", "termine", "terminee", "acheve",
             "achevee", "tenu", "tenue"),
    "abandoned": ("abandoned", "abandonne", "abandonnee", "renonce", "annule", "annulee"),
}
_STATUS_INDEX = {word.replace("_", " "): status for status, words in _STATUS_WORDS.items()
                 for word in words}

# Reasons of quarantine, as stored in core.quarantined_row and the review report.
EMPTY_NAME = "empty_name"
INVALID_DATE = "invalid_date"
FUTURE_DATE = "future_date"
INVALID_COMMITMENT = "invalid_commitment"
INVALID_BOOLEAN = "invalid_boolean"
UNKNOWN_CAMPAIGN = "unknown_campaign"
INVALID_MEASURE = "invalid_measure"
MEASURE_NOT_IN_CATALOGUE = "measure_not_in_catalogue"
INVALID_STATUS = "invalid_status"
DUPLICATE_SIGNATURE = "duplicate_signature"
CONFLICTING_COMMITMENT = "conflicting_commitment"
DUPLICATE_FOLLOW_UP = "duplicate_follow_up"
IMPLAUSIBLE_DATE = "implausible_date"
REASON_LABELS = {
    EXTRA_FIELDS: "plus de champs que de colonnes",
    CELL_TOO_LONG: "cellule trop longue",
    FORMULA_WITHOUT_VALUE: "formule sans valeur enregistrée",
    IMPLAUSIBLE_DATE: "date antérieure au pacte",
    EMPTY_NAME: "nom de commune vide",
    INVALID_DATE: "date illisible",
    FUTURE_DATE: "date dans le futur",
    INVALID_COMMITMENT: "niveau d'engagement inconnu",
    INVALID_BOOLEAN: "valeur oui/non illisible",
    UNKNOWN_CAMPAIGN: "campagne inconnue",
    INVALID_MEASURE: "numéro de mesure illisible",
    MEASURE_NOT_IN_CATALOGUE: "mesure absente du catalogue",
    INVALID_STATUS: "statut de suivi inconnu",
    DUPLICATE_SIGNATURE: "signature en double",
    CONFLICTING_COMMITMENT: "niveaux d'engagement contradictoires",
    DUPLICATE_FOLLOW_UP: "suivi en double",
}
# The pact was written in 2019 for the 2020 municipal elections: no signature or follow-up
# can be older (a date in 1850 is a typing slip, not history).
PACT_FIRST_DATE = date(2019, 1, 1)
# A range of measures ("1-5") spans at most this many numbers (the 2020 pact has 32).
MAX_MEASURE_SPAN = 100


@dataclass
class ListRow:
    """What every imported row has: where it is, which commune it names, which campaign."""

    row_number: int
    published_name: str
    area_hint: str | None
    insee_code: str | None
    campaign_code: str
    source: str | None
    raw: dict


@dataclass
class SignatureRow(ListRow):
    list_name: str | None = None
    candidate_name: str | None = None
    elected: bool | None = None
    council_commitment: str | None = None
    signed_on: date | None = None
    measures: tuple[str, ...] = ()


@dataclass
class FollowUpRow(ListRow):
    measure_number: str = ""
    status: str = ""
    status_date: date | None = None
    evidence_url: str | None = None
    comment: str | None = None


@dataclass
class ParsedList:
    kind: str                       # signatures or follow_up
    table: Table
    rows: list[ListRow] = field(default_factory=list)
    # Rows set aside whole, by line number; and items set aside inside rows that stand
    # (an unreadable measure number in an otherwise valid signature).
    rejected: dict[int, Rejected] = field(default_factory=dict)
    items_rejected: list[tuple[int, Rejected]] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return len(self.table.rows) + len(self.table.invalid)


def _text(value: object) -> str | None:
    return None if value is None else (str(value).strip() or None)


def row_ref(row_number: int, name: object) -> str:
    return f"ligne {row_number}: {name or '(sans nom)'}"


def area_hint(raw: dict) -> str | None:
    """The area hint of a row: its département (most reliable), else its area, else its postcode."""
    for column in ("departement", "area", "postcode"):
        value = _text(raw.get(column))
        if value:
            # A département typed as a number loses its leading zero in spreadsheets.
            return value.zfill(2) if column == "departement" and value.isdigit() else value
    return None


def split_measures(value: object) -> tuple[list[str], list[str]]:
    """Measure numbers as written ("1; 3, 7 et 12", "1-5", "A,B,C") -> (numbers, unreadable)."""
    text = _text(value)
    if not text:
        return [], []
    numbers, bad = [], []
    for token in re.split(r"[;,/+\s]+|\bet\b", text.replace("n°", " ").replace("N°", " ")):
        token = token.strip().strip(".")
        if not token or header_key(token) in ("mesure", "mesures", "m"):
            continue
        span = re.fullmatch(r"(\d{1,6})\s*[-à]\s*(\d{1,6})", token)
        if span and 0 <= int(span.group(2)) - int(span.group(1)) < MAX_MEASURE_SPAN:
            numbers += [str(n) for n in range(int(span.group(1)), int(span.group(2)) + 1)]
        elif re.fullmatch(r"\d+", token):
            numbers.append(str(int(token)))
        elif re.fullmatch(r"[A-Za-z]", token):
            numbers.append(token.upper())
        else:
            bad.append(token)
    return list(dict.fromkeys(numbers)), bad


def _common(row_number: int, raw: dict, default_campaign: str | None, source: str | None,
            today: date) -> tuple[dict | None, Rejected | None]:
    name = _text(raw.get("commune"))
    ref = row_ref(row_number, name)
    payload = {k: v for k, v in raw.items()}
    if not name:
        return None, Rejected(ref, EMPTY_NAME, "la colonne commune est vide", payload)
    written_campaign = _text(raw.get("campaign"))
    campaign = campaign_code(written_campaign) if written_campaign else default_campaign
    if campaign not in CAMPAIGN_BY_CODE:
        detail = (f"campagne « {written_campaign} » inconnue ou ambiguë (une seule parmi: "
                  f"{', '.join(CAMPAIGN_BY_CODE)})"
                  if written_campaign else "aucune campagne dans la ligne ni pour le fichier")
        return None, Rejected(ref, UNKNOWN_CAMPAIGN, detail, payload)
    code = _text(raw.get("insee_code"))
    return {"published_name": name, "area_hint": area_hint(raw),
            "insee_code": code.zfill(5) if code and code.isdigit() else code,
            "campaign_code": campaign, "source": _text(raw.get("source")) or source,
            "raw": payload}, None


def _checked_date(value: object, ref: str, payload: dict, today: date,
                  what: str) -> tuple[date | None, Rejected | None]:
    try:
        parsed = parse_date(value)
    except ValueError as error:
        return None, Rejected(ref, INVALID_DATE, f"{what}: {error}", payload)
    if parsed and parsed < PACT_FIRST_DATE:
        return None, Rejected(ref, IMPLAUSIBLE_DATE, f"{what} {parsed.isoformat()} antérieure au "
                                                     f"pacte (rédigé en 2019)", payload)
    if parsed and parsed > today:
        return None, Rejected(ref, FUTURE_DATE, f"{what} {parsed.isoformat()} postérieure "
                                                f"à aujourd'hui ({today.isoformat()})", payload)
    return parsed, None


def _set_aside(parsed: ParsedList) -> None:
    """The rows the table reader could not read as rows (more fields than the header...)."""
    for line, reason, detail, payload in parsed.table.invalid:
        parsed.rejected[line] = Rejected(row_ref(line, payload.get("commune")), reason, detail, payload)


def parse_signatures(path: Path, *, today: date, campaign: str | None = None,
                     source: str | None = None, table: Table | None = None) -> ParsedList:
    """A list of signatures -> SignatureRow per valid row, a Rejected per invalid one.
    `table`: the file already read by `read_table` (a file is read once)."""
    table = table or read_table(path)
    parsed = ParsedList("signatures", table)
    _set_aside(parsed)
    for row_number, raw in table.rows:
        common, rejected = _common(row_number, raw, campaign, source, today)
        if rejected is None:
            ref, payload = row_ref(row_number, common["published_name"]), common["raw"]
            signed_on, rejected = _checked_date(raw.get("signed_on"), ref, payload, today,
                                                "date de signature")
        if rejected is None:
            level_text = _text(raw.get("council_commitment"))
            level = _COMMITMENT_INDEX.get(header_key(level_text)) if level_text else None
            if level_text and level is None:
                rejected = Rejected(ref, INVALID_COMMITMENT, f"engagement « {level_text} » inconnu "
                                    f"(attendu: unanime, majoritaire, minoritaire, aucun)", payload)
        if rejected is None:
            try:
                elected = parse_bool(raw.get("elected"))
            except ValueError as error:
                rejected = Rejected(ref, INVALID_BOOLEAN, f"colonne élu: {error}", payload)
        if rejected is not None:
            parsed.rejected[row_number] = rejected
            continue
        numbers, unreadable = split_measures(raw.get("measures"))
        row = SignatureRow(row_number, **common, list_name=_text(raw.get("list_name")),
                           candidate_name=_text(raw.get("candidate_name")), elected=elected,
                           council_commitment=level, signed_on=signed_on,
                           measures=tuple(numbers))
        for token in unreadable:
            # The signature stands; only the unreadable measure is set aside.
            why = (f"plage « {token} » de {MAX_MEASURE_SPAN} mesures ou plus, ou à l'envers"
                   if re.fullmatch(r"\d+\s*[-à]\s*\d+", token) else f"numéro de mesure illisible « {token} »")
            parsed.items_rejected.append((row_number, Rejected(
                f"{ref}, mesure « {token} »", INVALID_MEASURE, why, common["raw"])))
        parsed.rows.append(row)
    return parsed


def parse_follow_up(path: Path, *, today: date, campaign: str | None = None,
                    source: str | None = None, table: Table | None = None) -> ParsedList:
    """A follow-up list (commune, measure, status, date, evidence) -> FollowUpRow / Rejected."""
    table = table or read_table(path, required=("commune", "measure"))
    parsed = ParsedList("follow_up", table)
    _set_aside(parsed)
    for row_number, raw in table.rows:
        common, rejected = _common(row_number, raw, campaign, source, today)
        if rejected is None:
            ref, payload = row_ref(row_number, common["published_name"]), common["raw"]
            numbers, unreadable = split_measures(raw.get("measure"))
            if len(numbers) != 1 or unreadable:
                rejected = Rejected(ref, INVALID_MEASURE, f"une seule mesure par ligne de suivi, "
                                    f"lu « {raw.get('measure') or ''} »", payload)
        if rejected is None:
            status_text = _text(raw.get("status"))
            status = _STATUS_INDEX.get(header_key(status_text)) if status_text else None
            if status is None:
                rejected = Rejected(ref, INVALID_STATUS, f"statut « {status_text or ''} » inconnu "
                                    f"(attendu: pas commencée, en cours, réalisée, abandonnée)", payload)
        if rejected is None:
            status_date, rejected = _checked_date(raw.get("status_date") or raw.get("signed_on"),
                                                  ref, payload, today, "date du statut")
        if rejected is not None:
            parsed.rejected[row_number] = rejected
            continue
        parsed.rows.append(FollowUpRow(row_number, **common, measure_number=numbers[0],
                                       status=status, status_date=status_date,
                                       evidence_url=_text(raw.get("evidence_url")),
                                       comment=_text(raw.get("comment"))))
    return parsed


@dataclass(frozen=True)
class CatalogueEntry:
    number: str
    kind: str          # principle or measure
    title: str | None  # None when not verified: shown as missing, never invented
    topic: str | None
    title_verified: bool
    source: str | None


def read_catalogue(path: Path, *, measure_count: int | None) -> tuple[list[CatalogueEntry], list[Rejected]]:
    """A catalogue file (number, kind, title, topic, verified_title, source)."""
    table = read_table(path, required=("number",))
    entries, seen = [], set()
    rejected = [Rejected(f"ligne {line}: mesure {payload.get('number') or '(sans numéro)'}", reason,
                         detail, payload) for line, reason, detail, payload in table.invalid]
    for row_number, raw in table.rows:
        number = (_text(raw.get("number")) or "").upper().removeprefix("N°").strip()
        ref = f"ligne {row_number}: mesure {number or '(sans numéro)'}"
        kind_text = header_key(raw.get("kind"))
        kind = "principle" if kind_text in ("principle", "principe") or number.isalpha() else "measure"
        if not re.fullmatch(r"\d+|[A-Z]", number):
            rejected.append(Rejected(ref, INVALID_MEASURE, f"numéro « {number} » illisible", raw))
            continue
        number = str(int(number)) if number.isdigit() else number
        if kind == "measure" and measure_count and not 1 <= int(number) <= measure_count:
            rejected.append(Rejected(ref, MEASURE_NOT_IN_CATALOGUE,
                                     f"mesure {number} hors du pacte (1 à {measure_count})", raw))
            continue
        if number in seen:
            rejected.append(Rejected(ref, "duplicate_measure", f"mesure {number} déjà lue", raw))
            continue
        seen.add(number)
        verified_text = header_key(raw.get("verified_title"))
        title = _text(raw.get("title"))
        verified = bool(title) and verified_text not in ("no", "non", "false", "0", "faux")
        entries.append(CatalogueEntry(number, kind, title, _text(raw.get("topic")), verified,
                                      _text(raw.get("source"))))
    return entries, rejected


__all__ = [
    "CATALOGUE_2020", "COMMITMENT_LABELS", "COMMITMENT_LEVELS", "CatalogueEntry",
    "FOLLOW_UP_LABELS", "FOLLOW_UP_STATUSES", "FollowUpRow", "HDF_2020", "ListRow",
    "PacteFileError", "ParsedList", "REASON_LABELS", "SignatureRow", "parse_follow_up",
    "parse_signatures", "read_catalogue", "split_measures",
]
