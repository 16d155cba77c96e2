"""Reader of the official geographic code (COG) as packaged by Etalab's decoupage-administratif.

Pure: JSON files in, typed rows and rejects out.
"""
from __future__ import annotations

import csv
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

# INSEE's own COG 2024 file: it still lists, by name, the delegated and associated communes of
# 2024, which the 2026 package knows only as absorbed codes (`anciensCodes`, no name).
COMMUNES_2024 = SourceFile(name="cog-communes-2024",
                           url="https://www.insee.fr/fr/statistiques/fichier/7766585/v_commune_2024.csv",
                           mirror_path="cog/2024/v_commune_2024.csv", vintage="2024",
                           licence="Licence Ouverte 2.0 (Insee)")

# INSEE's list of every commune since 1943 with the dates of each of its names: it names the
# codes merged before 2018, which neither the 2026 package nor the COG 2024 file names. Not in
# this project's mirror: a refresh from the official URLs reads it, a mirror without it leaves
# those codes unnamed and says how many (`former_unnamed`).
COMMUNES_SINCE_1943 = SourceFile(name="cog-communes-since-1943",
                                 url="https://www.insee.fr/fr/statistiques/fichier/7766585/v_commune_depuis_1943.csv",
                                 mirror_path="cog/2024/v_commune_depuis_1943.csv", vintage="2024",
                                 licence="Licence Ouverte 2.0 (Insee)")

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
    former_named_2024: int = 0   # absorbed codes named from INSEE's COG 2024 file
    former_named_history: int = 0   # absorbed codes named from INSEE's communes since 1943

    @property
    def former_unnamed(self) -> int:
        return sum(1 for former in self.former_communes if former[2] is None)

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


def _insee_rows(path: Path, what: str, columns: set[str]) -> list[dict[str, str]]:
    try:
        with open(path, encoding="utf-8", newline="") as file:
            rows = list(csv.DictReader(file))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ValueError(f"{what}: {path} is not a readable CSV: {error}") from error
    if not rows or not columns <= set(rows[0]):
        raise ValueError(f"{what}: {path} lacks the columns {', '.join(sorted(columns))}")
    return rows


def read_names_2024(path: Path) -> dict[str, str]:
    """Code -> name (LIBELLE) of every entry of INSEE's COG 2024 commune file, a current
    commune's name before a delegated or associated one's under the same code."""
    rows = _insee_rows(path, "COG 2024", {"TYPECOM", "COM", "LIBELLE"})
    names: dict[str, str] = {}
    for row in sorted(rows, key=lambda r: r["TYPECOM"] != "COM"):
        if INSEE_CODE_PATTERN.match(row["COM"]) and row["LIBELLE"].strip():
            names.setdefault(row["COM"], row["LIBELLE"].strip())
    return names


def read_last_names(path: Path) -> dict[str, str]:
    """Code -> the last name (LIBELLE) INSEE's communes since 1943 give it: the name of its
    latest period (DATE_DEBUT, ISO dates; empty for a name held since 1943)."""
    rows = _insee_rows(path, "communes since 1943", {"COM", "LIBELLE", "DATE_DEBUT", "DATE_FIN"})
    latest: dict[str, tuple[str, str]] = {}
    for row in rows:
        code, name, start = row["COM"], row["LIBELLE"].strip(), row["DATE_DEBUT"] or ""
        if INSEE_CODE_PATTERN.match(code) and name and (code not in latest or start > latest[code][0]):
            latest[code] = (start, name)
    return {code: name for code, (_, name) in latest.items()}


def name_former_communes(ref: CogReference, names: dict[str, str]) -> int:
    """Give the absorbed codes the 2026 package leaves unnamed their name in `names`; returns
    how many were named."""
    named = 0
    for index, (code, kind, name, current) in enumerate(ref.former_communes):
        if name is None and code in names:
            ref.former_communes[index] = (code, kind, names[code], current)
            named += 1
    return named
