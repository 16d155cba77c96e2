"""Finding a commune the way people type it (issue: search that really folds accents)."""
from collections import Counter

import pytest
import sqlalchemy as sa

from geodata.names import fold_name
from observatory.communes import MAX_QUERY_LENGTH, search_communes


@pytest.fixture(scope="module")
def reader(engine, reference_db):
    with engine.connect() as connection:
        yield connection


def top3(conn, query):
    return [row["insee_code"] for row in search_communes(conn, query, limit=3)]


@pytest.mark.parametrize("query, insee_code", [
    # Official names the C-locale lower() could not fold (issue: 662 communes unreachable).
    ("Saint-Étienne", "42218"), ("Évry-Courcouronnes", "91228"), ("Épinay-sur-Seine", "93031"),
    ("Évreux", "27229"), ("Échirolles", "38151"), ("Épinal", "88160"), ("Étampes", "91223"),
    ("Œuf-en-Ternois", "62633"), ("L'Haÿ-les-Roses", "94038"),
    # Typed without accents, capitals, hyphens or apostrophes, with St/Ste.
    ("St Etienne", "42218"), ("saint etienne", "42218"), ("Evry", "91228"),
    ("EPINAY SUR SEINE", "93031"), ("lhay les roses", "94038"), ("l hay les roses", "94038"),
    ("Ste Genevieve des Bois", "91549"),
    # One or two letters wrong.
    ("lile", "59350"), ("Roubais", "59512"), ("Stasbourg", "67482"), ("Montpelier", "34172"),
    # Postcodes, INSEE codes, former codes and former names lead to the current commune.
    ("59000", "59350"), ("59350", "59350"), ("59298", "59350"),
    ("Hellemmes", "59350"), ("Lomme", "59350"), ("Aiguebelle", "73212"),
    # A département code tells homonyms apart.
    ("Sainte-Colombe (35)", "35262"), ("sainte colombe 35", "35262"),
])
def test_found_in_the_first_three(reader, query, insee_code):
    assert insee_code in top3(reader, query)


def test_a_former_name_says_which_part_of_the_commune_it_names(reader):
    first = search_communes(reader, "Hellemmes")[0]
    assert (first["name"], first["via"]) == ("Lille", "Hellemmes-Lille")


@pytest.mark.parametrize("query", ["%", "_", "%%%", "\x00", "Lille\x00", "x" * (MAX_QUERY_LENGTH + 1),
                                   "   ", "-'", "Zzzzqqq", "Zzyzx-sur-Mer"])
def test_wildcards_nul_and_nonsense_find_nothing(reader, query):
    assert search_communes(reader, query) == []


def test_wildcards_are_literal_inside_a_name(reader):
    # "Par%" must not list Paris, Parisot...: % is no letter of any name.
    assert [r["name"] for r in search_communes(reader, "Par%is")] == [r["name"] for r in search_communes(reader, "Par is")]


def test_every_name_with_an_accented_capital_is_found(reader):
    """The communes the old search missed (their name holds É, Î, Œ... that the C locale's
    lower() leaves as they are): each is in the first three for its official name, and for it
    typed without accents or capitals (homonyms once folded: with their département code).
    benchmarks/search.py sweeps every name."""
    names = reader.execute(sa.text("SELECT insee_code, name, departement_code FROM observatory.commune")).all()
    homonyms = Counter(fold_name(name) for _, name, _ in names)
    accented_capitals = [(code, name, dep) for code, name, dep in names
                         if any(not ch.isascii() and ch.isupper() for ch in name)]
    assert len(accented_capitals) > 600
    missed = []
    for code, name, dep in accented_capitals:
        for typed in (name, fold_name(name)):
            query = f"{typed} ({dep})" if homonyms[fold_name(name)] > 1 else typed
            if code not in top3(reader, query):
                missed.append(query)
    assert missed == []


def test_an_accent_typed_tells_apart_names_that_fold_alike(reader):
    assert top3(reader, "Bessé")[0] == "16042"
