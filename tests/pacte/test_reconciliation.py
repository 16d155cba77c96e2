"""Name -> INSEE code on a tiny explicit reference (real codes and names of the COG 2026)."""
from __future__ import annotations

import pytest

from observatory.reconciliation import (
    AMBIGUOUS,
    MATCHED,
    UNMATCHED,
    AliasRef,
    AreaRef,
    CommuneRef,
    Reference,
    acronym,
    reconcile,
)

MEL = "200093201"
COMMUNES = [
    CommuneRef("59350", "Lille", "59", "32", MEL, 238246, ("59000", "59160", "59260", "59777")),
    CommuneRef("59009", "Villeneuve-d'Ascq", "59", "32", MEL, 62727, ("59491", "59650")),
    CommuneRef("59360", "Loos", "59", "32", MEL, 22567, ("59120",)),
    CommuneRef("62528", "Loos-en-Gohelle", "62", "32", "246200364", 6799, ("62750",)),
    CommuneRef("59383", "Marly", "59", "32", "245901160", 11995, ("59770",)),
    CommuneRef("57447", "Marly", "57", "44", "200039865", 10076, ("57155",)),
    CommuneRef("59033", "Aulnoye-Aymeries", "59", "32", "245900758", 8612, ("59620",)),
    CommuneRef("59032", "Aulnoy-lez-Valenciennes", "59", "32", "245901160", 7080, ("59300",)),
    CommuneRef("59239", "Flines-lez-Raches", "59", "32", "200044196", 5745, ("59148",)),
    CommuneRef("59238", "Flines-lès-Mortagne", "59", "32", "200041960", 1685, ("59158",)),
    CommuneRef("59481", "Le Quesnoy", "59", "32", "200030617", 4878, ("59530",)),
    CommuneRef("62765", "Saint-Omer", "62", "32", "200069029", 14321, ("62500",)),
    CommuneRef("62744", "Sainte-Catherine", "62", "32", "200033579", 3400, ("62223",)),
    CommuneRef("59163", "Croix", "59", "32", MEL, 20566, ("59170",)),
    CommuneRef("90030", "Croix", "90", "27", "200069052", 150, ("90100",)),
    CommuneRef("59410", "Mons-en-Barœul", "59", "32", MEL, 21000, ("59370",)),
]
ALIASES = [
    AliasRef("Hellemmes-Lille", "59350", "associee", "59298"),
    AliasRef("Lomme", "59350", "associee", "59355"),
]
AREAS = [
    AreaRef("departement", "59", "Nord"), AreaRef("departement", "62", "Pas-de-Calais"),
    AreaRef("departement", "57", "Moselle"), AreaRef("departement", "90", "Territoire de Belfort"),
    AreaRef("region", "32", "Hauts-de-France"),
    AreaRef("epci", MEL, "Métropole Européenne de Lille"),
]


@pytest.fixture(scope="module")
def reference() -> Reference:
    return Reference(COMMUNES, ALIASES, AREAS)


def test_acronym_skips_small_words():
    assert acronym("Métropole Européenne de Lille") == "mel"


@pytest.mark.parametrize("name, hint, code, method", [
    ("Lille", "MEL", "59350", "exact"),
    ("villeneuve d'ascq", None, "59009", "exact"),
    ("Mons-en-Baroeul", None, "59410", "exact"),
    ("St-Omer", "62", "62765", "exact"),
    ("Ste-Catherine", "Pas-de-Calais", "62744", "exact"),
    ("Quesnoy", "Nord", "59481", "article"),
    ("Quesnoy (Le)", "59", "59481", "exact"),
    ("Lomme", "MEL", "59350", "former_commune"),
    ("Hellemmes", "MEL", "59350", "short_form"),
    ("Aulnoye", "Nord hors MEL", "59033", "short_form"),
    ("Fines-lez-Raches", "Nord hors MEL", "59239", "fuzzy"),
    ("Marly", "Nord hors MEL", "59383", "exact"),
    ("Marly", "57", "57447", "exact"),
    ("Croix (59)", None, "59163", "exact"),
    ("Loos", "MEL", "59360", "exact"),
])
def test_matches(reference, name, hint, code, method):
    match = reference.match(name, hint=hint)
    assert (match.status, match.insee_code, match.method) == (MATCHED, code, method), match


def test_homonyms_without_hint_are_ambiguous_with_both_candidates(reference):
    match = reference.match("Marly")
    assert match.status == AMBIGUOUS and match.insee_code is None
    assert {c.insee_code for c in match.candidates} == {"59383", "57447"}
    assert "précisez le département" in match.note


def test_homonym_outside_the_hinted_area_is_not_matched(reference):
    match = reference.match("Marly", hint="Pas-de-Calais")
    assert match.status == AMBIGUOUS
    assert "hors de la zone" in match.note


def test_short_form_without_area_is_only_a_candidate(reference):
    match = reference.match("Aulnoye")
    assert match.status == AMBIGUOUS
    assert [c.insee_code for c in match.candidates] == ["59033"]


def test_short_misspelled_name_is_not_matched(reference):
    # "Lile" is one letter from Lille, but four letters is too short to trust.
    match = reference.match("Lile", hint="59")
    assert match.status != MATCHED


def test_unknown_name_is_unmatched(reference):
    assert reference.match("Trifouillis-les-Oies", hint="59").status == UNMATCHED
    assert reference.match("   ").status == UNMATCHED


def test_unresolvable_hint_is_ignored_and_said(reference):
    match = reference.match("Saint-Omer", hint="Pays imaginaire")
    assert match.status == MATCHED and match.insee_code == "62765"
    assert "ignorée" in match.note


def test_insee_code_wins_and_resolves_former_codes(reference):
    assert reference.match("Lomme", insee_code="59355").insee_code == "59350"
    assert reference.match("Lomme", insee_code="59355").method == "insee_code_former"
    assert reference.match("Croix", insee_code="90030").insee_code == "90030"


def test_insee_code_contradicting_the_name_is_ambiguous(reference):
    match = reference.match("Saint-Omer", insee_code="59350")
    assert match.status == AMBIGUOUS
    assert {c.insee_code for c in match.candidates} >= {"59350", "62765"}


def test_reconcile_keeps_order(reference):
    results = reconcile(reference, [("Lille", None, None), ("Marly", None, None)])
    assert [r.status for r in results] == [MATCHED, AMBIGUOUS]
