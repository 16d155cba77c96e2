"""The one fold of French place names, in Python and in PostgreSQL.

Search, pact reconciliation, the pact table reader and the heat sources compare names through
it. The SQL twin (`observatory.fold_name`, migration 0006) exists so that PostgreSQL can index
folded names (trigram search); `tests/foundation/test_names.py` checks that both agree on every
name of the reference. The private cluster runs with the C locale, where `lower()` leaves É, Î
and Œ as they are: the SQL fold removes accents with `unaccent` before lowering, never after.
"""
from __future__ import annotations

import re
import unicodedata

# Abbreviations citizen lists and registers use, in folded spelling.
ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes",
                 "lez": "les", "s": "sur"}
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})
# "Quesnoy (Le)", "Haÿ-les-Roses (L')": the register's trailing article goes back in front.
_TRAILING_ARTICLE = re.compile(r"^(.*?)\s*\(\s*(le|la|les|l['’])\s*\)\s*$", re.IGNORECASE)


def fold_text(text: str | None) -> str:
    """Lower case ASCII words separated by one space: accents, ligatures and punctuation gone."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_LIGATURES))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def fold_name(name: str | None) -> str:
    """Comparison key of a place name: `fold_text`, a trailing article in brackets moved to the
    front, abbreviations expanded ("ST-ÉTIENNE" = "Saint-Étienne" = "saint etienne")."""
    moved = _TRAILING_ARTICLE.match(name or "")
    text = f"{moved.group(2)} {moved.group(1)}" if moved else (name or "")
    return " ".join(ABBREVIATIONS.get(word, word) for word in fold_text(text).split())


# The same two functions in SQL. `unaccent` is called with its dictionary named, which makes
# the wrapper immutable (a requirement of index expressions); ligatures are unaccent's own rules.
SQL_FUNCTIONS = (
    """CREATE OR REPLACE FUNCTION observatory.fold_text(text) RETURNS text
       LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
       RETURN btrim(regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, $1)),
                                   '[^a-z0-9]+', ' ', 'g'))""",
    "CREATE OR REPLACE FUNCTION observatory.fold_name(text) RETURNS text "
    "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE RETURN "
    + "regexp_replace(" * len(ABBREVIATIONS)
    + "observatory.fold_text(regexp_replace($1, '^(.*?)\\s*\\(\\s*(le|la|les|l[''’])\\s*\\)\\s*$', '\\2 \\1', 'i'))"
    + "".join(f", '\\m{short}\\M', '{full}', 'g')" for short, full in ABBREVIATIONS.items()),
)
