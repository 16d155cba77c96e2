"""Reader of the regulatory values per heat and cold network (arrêté "DPE" 2026).

Pure: the CSV France Chaleur Urbaine keeps in its repository (`src/data/arrete-dpe/2026.csv`)
in, typed rows and rejects out. Columns: `identifiant` (SNCU id), `nom`, `localisation` (a
commune name as the operator wrote it), `contenu_co2`, `contenu_co2_acv` (kg CO2/kWh),
`taux_enrr` (%, empty for cold networks), `annee_reference` (`2024` or `Moyenne`).

The locality is only cleaned and split here (`locality_parts`); which current commune(s) it
names is decided against the COG by `observatory.heat_localities`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from geodata.load import Rejected
from geodata.sources.heat.reader import _number, csv_records, without_collectivity_prefix

COLUMNS = ("identifiant", "nom", "localisation", "contenu_co2", "contenu_co2_acv", "taux_enrr",
           "annee_reference")
# Département (2 characters; "20" for Corsica, as SNCU ids were given before 1976's split),
# a sequence number, then C (chaleur, heat) or F (froid, cold).
NETWORK_ID_PATTERN = re.compile(r"^(\d{2}|2[AB])\d{2,3}([CF])$")
KINDS = {"C": "heat", "F": "cold"}
# The published file cuts network names at this many characters.
NAME_LIMIT = 50
CO2_RANGE = (0.0, 2.0)          # kg CO2/kWh
MULTIYEAR_MEAN = "moyenne"

# "AURILLAC CEDEX", "AURILLAC CEDEX 9": a postal routing word, not part of the name.
_CEDEX = re.compile(r"\s+CEDEX(\s+\d+)?\s*$", re.IGNORECASE)
# Several communes in one field: "RETIERS, MARTIGNÉ-FERCHAUD, COËSMES", "TOURS ET LA RICHE",
# "TREFFORT - VAL-REVERMONT" (a hyphen between spaces; hyphens inside names have none).
_SEPARATORS = re.compile(r"\s*[,;/]\s*|\s+-\s+|\s+ET\s+", re.IGNORECASE)


def clean_locality(text: str) -> str:
    """The locality without "CEDEX" and without a "COMMUNE DE"/"VILLE DE" prefix."""
    return without_collectivity_prefix(_CEDEX.sub("", text.strip())).strip()


def locality_parts(text: str) -> list[str]:
    """The cleaned names of a locality that lists several communes; [] when it lists one.

    The whole locality is always tried first: " ET " and " - " also occur inside one name.
    """
    parts = [clean_locality(part) for part in _SEPARATORS.split(text.strip())]
    parts = [part for part in parts if part]
    return parts if len(parts) > 1 else []


@dataclass(frozen=True)
class ArreteNetwork:
    sncu_id: str
    name: str
    locality: str
    kind: str                         # heat or cold
    departement_code: str             # from the SNCU id; "20" is Corsica (2A or 2B)
    co2_kg_per_kwh: float
    co2_lca_kg_per_kwh: float
    renewable_share_pct: float | None  # None for cold networks
    reference_year: int | None        # None when the value is a multi-year mean
    name_truncated: bool              # the name fills the file's 50 characters

    COLUMNS = ("sncu_id", "name", "locality", "kind", "departement_code", "co2_kg_per_kwh",
               "co2_lca_kg_per_kwh", "renewable_share_pct", "reference_year", "name_truncated")

    def as_tuple(self) -> tuple:
        return tuple(getattr(self, name) for name in self.COLUMNS)


@dataclass
class ArreteFile:
    networks: list[ArreteNetwork] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    rows_read: int = 0
    rows_duplicate: int = 0


def _bounded(value: str, what: str, low: float, high: float, *, required: bool) -> float | None:
    number = _number(value)
    if number is None:
        if required:
            raise ValueError(f"{what} missing")
        return None
    if not low <= number <= high:
        raise ValueError(f"{what} {number} outside {low:g}-{high:g}")
    return number


def _reference_year(value: str) -> int | None:
    text = value.strip()
    if text.lower() == MULTIYEAR_MEAN:
        return None
    if not re.fullmatch(r"(19|20)\d{2}", text):
        raise ValueError(f"annee_reference {value!r} is neither a year nor 'Moyenne'")
    return int(text)


def _network(record: dict[str, str]) -> ArreteNetwork:
    sncu_id = record["identifiant"].upper()
    match = NETWORK_ID_PATTERN.match(sncu_id)
    kind = KINDS[match.group(2)]
    co2 = _bounded(record["contenu_co2"], "contenu_co2", *CO2_RANGE, required=True)
    co2_lca = _bounded(record["contenu_co2_acv"], "contenu_co2_acv", *CO2_RANGE, required=True)
    renewable = _bounded(record["taux_enrr"], "taux_enrr", 0.0, 100.0, required=kind == "heat")
    return ArreteNetwork(sncu_id, record["nom"], record["localisation"], kind, match.group(1),
                         co2, co2_lca, renewable, _reference_year(record["annee_reference"]),
                         len(record["nom"]) >= NAME_LIMIT)


def read_arrete(path: Path) -> ArreteFile:
    """Read the arrêté's CSV; a row that cannot be read is quarantined with its reason."""
    result = ArreteFile()
    seen: dict[str, ArreteNetwork] = {}
    name = Path(path).name
    for number, record, problem in csv_records(path, COLUMNS, "arrêté DPE CSV"):
        result.rows_read += 1
        ref = f"{name}:{number}"
        if problem:
            result.rejected.append(Rejected(ref, *problem, record))
            continue
        if not NETWORK_ID_PATTERN.match(record["identifiant"].upper()):
            result.rejected.append(Rejected(ref, "malformed_network_id",
                                            f"identifiant {record['identifiant']!r}", record))
            continue
        if not record["localisation"]:
            result.rejected.append(Rejected(ref, "missing_locality", record["identifiant"], record))
            continue
        try:
            network = _network(record)
        except ValueError as error:
            result.rejected.append(Rejected(ref, "malformed_value", str(error), record))
            continue
        if network.sncu_id in seen:
            if seen[network.sncu_id] == network:
                result.rows_duplicate += 1
            else:
                result.rejected.append(Rejected(ref, "conflicting_duplicate",
                                                f"{network.sncu_id} listed twice with other values",
                                                record))
            continue
        seen[network.sncu_id] = network
        result.networks.append(network)
    return result
