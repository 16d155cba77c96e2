"""Reader of the official geographic code (COG) as packaged by Etalab's decoupage-administratif.

Pure: JSON files in, typed rows and rejects out.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from geodata.load import Rejected
from geodata.sources.fetch import SourceFile

VINTAGE = "2026"
_BASE = "https://unpkg.com/@etalab/decoupage-administratif@6.0.0/data"
_LICENCE = "Licence Ouverte 2.0 (Etalab); code MIT"


def _source(name: str) -> SourceFile:
    return SourceFile(name=f"cog-{name}", url=f"{_BASE}/{name}.json",
                      mirror_path=f"cog/{VINTAGE}/{name}.json", vintage=VINTAGE, licence=_LICENCE)


COMMUNES = _source("communes")
EPCI = _source("epci")
DEPARTEMENTS = _source("departements")
REGIONS = _source("regions")

INSEE_CODE_PATTERN = re.compile(r"^(\d{5}|2[AB]\d{3})$")

# The kinds of `core.former_commune`: codes that resolve to a current commune.
FORMER_KINDS = {
    "commune-deleguee": "deleguee",
    "commune-associee": "associee",
    "arrondissement-municipal": "arrondissement",
}
ABSORBED = "ancienne"  # a code listed in a current commune's `anciensCodes`


@dataclass
class CogReference:
    regions: list[tuple] = field(default_factory=list)
    departements: list[tuple] = field(default_factory=list)
    epcis: list[tuple] = field(default_factory=list)
    communes: list[tuple] = field(default_factory=list)   # see COMMUNE_COLUMNS
    former_communes: list[tuple] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    rows_read: int = 0

    @property
    def population_total(self) -> int:
        return sum(row[6] or 0 for row in self.communes)


COMMUNE_COLUMNS = ("insee_code", "name", "departement_code", "region_code", "epci_siren",
                   "zone", "population", "postcodes")


def _load_json(path: Path, what: str) -> list[dict]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{what}: {path} is not readable JSON: {error}") from error
    if not isinstance(data, list) or not data:
        raise ValueError(f"{what}: {path} holds no list of entries")
    return data


def read_reference(communes: Path, epci: Path, departements: Path, regions: Path) -> CogReference:
    ref = CogReference()
    ref.regions = [(r["code"], r["nom"]) for r in _load_json(regions, "regions")]
    ref.departements = [(d["code"], d["nom"], d["region"])
                        for d in _load_json(departements, "departements")]
    epci_of: dict[str, str] = {}
    for grouping in _load_json(epci, "epci"):
        ref.epcis.append((grouping["code"], grouping["nom"], grouping.get("type")))
        for member in grouping.get("membres", []):
            epci_of[member["code"]] = grouping["code"]

    seen: set[str] = set()
    former: dict[tuple[str, str], tuple] = {}
    for position, entry in enumerate(_load_json(communes, "communes"), start=1):
        ref.rows_read += 1
        code = str(entry.get("code", ""))
        kind = entry.get("type")
        if not INSEE_CODE_PATTERN.match(code):
            ref.rejected.append(Rejected(f"entry {position}", "malformed_insee_code",
                                         f"code {code!r} is not an INSEE code", entry))
            continue
        if kind == "commune-actuelle":
            if code in seen:
                ref.rejected.append(Rejected(code, "duplicate_code", "second current commune "
                                             "with this code", entry))
                continue
            seen.add(code)
            ref.communes.append((code, entry["nom"], entry["departement"], entry.get("region"),
                                 epci_of.get(code), entry.get("zone", ""),
                                 entry.get("population"), entry.get("codesPostaux", [])))
            for old in entry.get("anciensCodes", []):
                former[(old, ABSORBED)] = (old, ABSORBED, None, code)
        elif kind in FORMER_KINDS:
            parent = entry.get("chefLieu") or entry.get("commune")
            former[(code, FORMER_KINDS[kind])] = (code, FORMER_KINDS[kind], entry["nom"], parent)
        else:
            ref.rejected.append(Rejected(code, "unknown_type", f"type {kind!r}", entry))
    ref.former_communes = list(former.values())
    return ref
