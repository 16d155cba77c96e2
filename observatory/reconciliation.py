"""Commune names as citizen groups publish them -> INSEE codes of current communes.

The matching is pure: `Reference` is built from plain lists (tests build tiny ones, the
pipeline builds it from the database with `reference_from_db`), and `reconcile` returns one
`Match` per name. Every name ends `matched` (with a method and a score), `ambiguous` (with
the candidates) or `unmatched` (with the nearest names as suggestions).

A wrong match is worse than an ambiguous one, so the rules only accept a name when exactly
one current commune fits it inside the area the row names (a département, an EPCI, ...);
loose methods (short forms, misspellings) additionally need that area hint, and a fuzzy
match needs a long enough name and a clear lead over the next candidate.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from geodata.names import fold_name

MATCHED, AMBIGUOUS, UNMATCHED = "matched", "ambiguous", "unmatched"

# Methods, from the strictest to the loosest, with the score they give.
EXACT, ARTICLE, FORMER, INSEE, SHORT_FORM, FUZZY = (
    "exact", "article", "former_commune", "insee_code", "short_form", "fuzzy")
SHORT_FORM_SCORE = 85.0
# How the pages name each method (the views keep the codes, documented in docs/sql-interface.md).
METHOD_LABELS = {EXACT: "nom exact", ARTICLE: "nom à l'article près", FORMER: "ancienne commune ou commune déléguée",
                 INSEE: "code Insee donné", SHORT_FORM: "forme courte du nom", FUZZY: "nom approchant (faute de frappe)",
                 "other_departement": "nom exact dans un autre département"}
# How the pages name each row's outcome in a review report.
STATUS_LABELS = {MATCHED: "rapprochée", AMBIGUOUS: "ambiguë", UNMATCHED: "non trouvée",
                 "quarantined": "en quarantaine"}

# A misspelling is accepted at or above this score (rapidfuzz ratio on normalised names),
# for names of at least FUZZY_MIN_LENGTH characters, ahead of the next commune by FUZZY_MARGIN.
FUZZY_THRESHOLD = 90.0
FUZZY_THRESHOLD_WITHOUT_HINT = 94.0
FUZZY_MIN_LENGTH = 6
FUZZY_MARGIN = 5.0
# Below the threshold but above this, the nearest communes are offered as candidates.
FUZZY_CANDIDATE_FLOOR = 80.0
MAX_CANDIDATES = 6

ARTICLES = ("le", "la", "les", "l")
STOP_WORDS = frozenset({"de", "du", "des", "d", "la", "le", "les", "l", "et", "en", "sur", "a",
                        "au", "aux", "sous", "lez", "les"})


def without_article(key: str) -> str:
    words = key.split()
    return " ".join(words[1:]) if len(words) > 1 and words[0] in ARTICLES else key


def acronym(name: str) -> str:
    """Initials of the significant words: "Métropole Européenne de Lille" -> "mel"."""
    return "".join(word[0] for word in fold_name(name).split() if word not in STOP_WORDS)


@dataclass(frozen=True)
class CommuneRef:
    insee_code: str
    name: str
    departement_code: str
    region_code: str | None = None
    epci_siren: str | None = None
    population: int | None = None
    postcodes: tuple[str, ...] = ()


@dataclass(frozen=True)
class AliasRef:
    """Another name that designates a current commune: a delegated or associated commune,
    a commune absorbed by a merger, an older spelling (the published name is kept)."""

    name: str
    insee_code: str      # the current commune it belongs to
    kind: str            # deleguee, associee, ancienne, arrondissement, former_name
    code: str | None = None  # its own former code, when it has one


@dataclass(frozen=True)
class AreaRef:
    """A territory a hint may name: kind is departement, region or epci."""

    kind: str
    code: str
    name: str


@dataclass(frozen=True)
class Candidate:
    insee_code: str
    name: str
    departement_code: str
    via: str | None = None   # the alias that led to it ("Lomme (associee)")
    score: float = 100.0

    def as_dict(self) -> dict:
        return {"insee_code": self.insee_code, "name": self.name,
                "departement_code": self.departement_code, "via": self.via,
                "score": round(self.score, 1)}


@dataclass(frozen=True)
class Match:
    published_name: str
    status: str
    insee_code: str | None = None
    method: str | None = None
    score: float | None = None
    candidates: tuple[Candidate, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Scope:
    """The communes a hint allows, and how the hint was understood."""

    insee_codes: frozenset[str]
    label: str


@dataclass
class Reference:
    communes: Sequence[CommuneRef]
    aliases: Sequence[AliasRef] = ()
    areas: Sequence[AreaRef] = ()
    _by_code: dict[str, CommuneRef] = field(init=False, repr=False)
    # normalised key -> [(insee_code, via)]
    _exact: dict[str, list[tuple[str, str | None]]] = field(init=False, repr=False)
    _no_article: dict[str, list[tuple[str, str | None]]] = field(init=False, repr=False)
    _former_codes: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_code = {c.insee_code: c for c in self.communes}
        self._exact = defaultdict(list)
        self._no_article = defaultdict(list)
        for commune in self.communes:
            self._index(commune.name, commune.insee_code, None)
        self._former_codes = {}
        for alias in self.aliases:
            if alias.insee_code not in self._by_code:
                continue
            if alias.code and alias.code not in self._by_code:
                self._former_codes[alias.code] = alias.insee_code
            if alias.name:
                self._index(alias.name, alias.insee_code, f"{alias.name} ({alias.kind})")
        self._keys = list(self._exact)
        self._keys_of_code: dict[str, list[str]] = defaultdict(list)
        for key, hits in self._exact.items():
            for code in {code for code, _ in hits}:
                self._keys_of_code[code].append(key)
        self._scopes: dict[str, tuple[Scope | None, str]] = {}

    def _index(self, name: str, insee_code: str, via: str | None) -> None:
        key = fold_name(name)
        if (insee_code, via) not in self._exact[key]:
            self._exact[key].append((insee_code, via))
        bare = without_article(key)
        if (insee_code, via) not in self._no_article[bare]:
            self._no_article[bare].append((insee_code, via))

    def commune(self, insee_code: str) -> CommuneRef | None:
        return self._by_code.get(insee_code)

    def current_code(self, code: str) -> str | None:
        """A current code as is, a former code resolved to its current commune."""
        code = code.strip().upper().zfill(5)
        if code in self._by_code:
            return code
        return self._former_codes.get(code)

    # -- area hints -------------------------------------------------------------------

    def resolve_area(self, hint: str | None) -> tuple[Scope | None, str]:
        """The communes an area hint allows, and a note when the hint is not understood.

        Understands a département (code or name), a région, an EPCI (name or acronym,
        e.g. "MEL"), a postcode, and "<area> hors <area>" ("Nord hors MEL")."""
        hint = (hint or "").strip()
        if not hint:
            return None, ""
        if hint not in self._scopes:
            self._scopes[hint] = self._resolve_area(hint)
        return self._scopes[hint]

    def _resolve_area(self, hint: str) -> tuple[Scope | None, str]:
        parts = re.split(r"\s+hors\s+", hint, maxsplit=1, flags=re.IGNORECASE)
        included, note = self._area_codes(parts[0])
        if included is None:
            return None, note
        label = note
        if len(parts) == 2:
            excluded, excluded_note = self._area_codes(parts[1])
            if excluded is None:
                return None, excluded_note
            included = included - excluded
            label = f"{note} hors {excluded_note}"
        return Scope(frozenset(included), label), ""

    def _area_codes(self, text: str) -> tuple[set[str] | None, str]:
        text = text.strip()
        key = fold_name(text)
        if re.fullmatch(r"\d{5}", text):
            codes = {c.insee_code for c in self.communes if text in c.postcodes}
            return (codes, f"code postal {text}") if codes else (None, f"code postal {text} inconnu")
        found = [a for a in self.areas if a.code.upper() == text.upper() and a.kind == "departement"]
        if not found:
            found = [a for a in self.areas if fold_name(a.name) == key]
        if not found and len(key.replace(" ", "")) >= 2:
            found = [a for a in self.areas if a.kind == "epci" and acronym(a.name) == key.replace(" ", "")]
        if len(found) != 1:
            why = "plusieurs territoires portent ce nom" if found else "territoire non reconnu"
            return None, f"zone « {text} » ignorée ({why})"
        area = found[0]
        attribute = {"departement": "departement_code", "region": "region_code",
                     "epci": "epci_siren"}[area.kind]
        codes = {c.insee_code for c in self.communes if getattr(c, attribute) == area.code}
        return codes, f"{area.name} ({area.kind} {area.code})"

    # -- matching ---------------------------------------------------------------------

    def _candidates(self, hits: Iterable[tuple[str, str | None]], score: float) -> list[Candidate]:
        by_code: dict[str, Candidate] = {}
        for insee_code, via in hits:
            commune = self._by_code[insee_code]
            # Lille is reached by "Lille" itself and by none of its aliases: keep the
            # most direct way in (no alias) when both lead to the same commune.
            if insee_code not in by_code or by_code[insee_code].via and not via:
                by_code[insee_code] = Candidate(insee_code, commune.name,
                                                commune.departement_code, via, score)
        return list(by_code.values())

    def match(self, published_name: str, *, hint: str | None = None,
              insee_code: str | None = None) -> Match:
        name = (published_name or "").strip()
        hint_in_name = re.search(r"\(\s*(\d{2,3}|2[AB])\s*\)\s*$", name, re.IGNORECASE)
        if hint_in_name:
            name = name[:hint_in_name.start()].strip()
            hint = hint or hint_in_name.group(1)
        scope, hint_note = self.resolve_area(hint)
        notes = [hint_note] if hint_note else []
        if scope is not None:
            notes.append(f"zone: {scope.label}")
        key = fold_name(name)
        if not key:
            return Match(published_name, UNMATCHED, note="nom vide")
        if insee_code and insee_code.strip():
            return self._match_code(published_name, key, insee_code, scope, notes)
        return self._match_name(published_name, key, scope, notes)

    def _match_code(self, published_name, key, insee_code, scope, notes) -> Match:
        current = self.current_code(insee_code)
        if current is None:
            notes.append(f"code INSEE {insee_code} inconnu, recherche par le nom")
            return self._match_name(published_name, key, scope, notes)
        by_name = self._match_name(published_name, key, None, [])
        named = {c.insee_code for c in by_name.candidates} | (
            {by_name.insee_code} if by_name.insee_code else set())
        if current in named or self._name_close_to(key, current):
            method = INSEE if current == insee_code.strip().upper().zfill(5) else f"{INSEE}_former"
            return Match(published_name, MATCHED, current, method, 100.0, note="; ".join(notes))
        commune = self._by_code[current]
        given = Candidate(current, commune.name, commune.departement_code, "code INSEE fourni")
        notes.append("le code INSEE fourni et le nom ne désignent pas la même commune")
        return Match(published_name, AMBIGUOUS, candidates=(given, *by_name.candidates[:MAX_CANDIDATES - 1]),
                     note="; ".join(notes))

    def _name_close_to(self, key: str, insee_code: str) -> bool:
        names = [k for k, hits in self._exact.items() if any(code == insee_code for code, _ in hits)]
        return any(fuzz.ratio(key, other) >= FUZZY_CANDIDATE_FLOOR for other in names)

    def _match_name(self, published_name, key, scope, notes) -> Match:
        def in_scope(found: list[Candidate]) -> list[Candidate]:
            return found if scope is None else [c for c in found if c.insee_code in scope.insee_codes]

        def decide(found: list[Candidate], method: str, score: float) -> Match:
            if len(found) == 1:
                return Match(published_name, MATCHED, found[0].insee_code, method, score,
                             tuple(found), "; ".join(notes))
            notes.append(f"{len(found)} communes portent ce nom" + ("" if scope else
                                                                    ", précisez le département"))
            return Match(published_name, AMBIGUOUS, candidates=tuple(found[:MAX_CANDIDATES]),
                         note="; ".join(notes))

        outside: list[Candidate] = []
        # Exact names (current communes and their aliases), then the same without article.
        for method, index, lookup, score in ((EXACT, self._exact, key, 100.0),
                                             (ARTICLE, self._no_article, without_article(key), 97.0)):
            found = self._candidates(index.get(lookup, []), score)
            kept = in_scope(found)
            if kept:
                aliased = all(c.via for c in kept)
                return decide(kept, FORMER if aliased else method, score)
            outside += [c for c in found if c not in outside]
        if outside:
            notes.append("homonyme(s) hors de la zone indiquée")
            return Match(published_name, AMBIGUOUS, candidates=tuple(outside[:MAX_CANDIDATES]),
                         note="; ".join(notes))

        # Short forms: the published name is the first words of a single name
        # ("Aulnoye" for Aulnoye-Aymeries, "Hellemmes" for Hellemmes-Lille).
        short = in_scope(self._candidates(
            [hit for other, hits in self._exact.items() if other.startswith(key + " ")
             for hit in hits], SHORT_FORM_SCORE))
        if short and scope is None:
            # Without an area, a short form is too weak to decide on its own.
            notes.append("forme courte d'un nom, à confirmer (aucune zone indiquée)")
            return Match(published_name, AMBIGUOUS, candidates=tuple(short[:MAX_CANDIDATES]),
                         note="; ".join(notes))
        if short:
            return decide(short, SHORT_FORM, SHORT_FORM_SCORE)

        return self._match_fuzzy(published_name, key, scope, notes)

    def _match_fuzzy(self, published_name, key, scope, notes) -> Match:
        choices = self._keys if scope is None else sorted(
            {k for code in scope.insee_codes for k in self._keys_of_code.get(code, [])})
        scored = process.extract(key, choices, scorer=fuzz.ratio, limit=20,
                                 score_cutoff=FUZZY_CANDIDATE_FLOOR - 10)
        ranked: list[Candidate] = []
        for other, score, _ in scored:
            hits = [h for h in self._exact[other] if scope is None or h[0] in scope.insee_codes]
            for candidate in self._candidates(hits, score):
                if candidate.insee_code not in {c.insee_code for c in ranked}:
                    ranked.append(candidate)
        if not ranked or ranked[0].score < FUZZY_CANDIDATE_FLOOR:
            if ranked:
                notes.append("noms proches: " + ", ".join(
                    f"{c.name} ({c.departement_code})" for c in ranked[:3]))
            return Match(published_name, UNMATCHED, candidates=tuple(ranked[:3]),
                         note="; ".join(notes))
        best = ranked[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        threshold = FUZZY_THRESHOLD if scope is not None else FUZZY_THRESHOLD_WITHOUT_HINT
        if (best.score >= threshold and len(key) >= FUZZY_MIN_LENGTH
                and best.score - runner_up >= FUZZY_MARGIN):
            return Match(published_name, MATCHED, best.insee_code, FUZZY, round(best.score, 1),
                         (best,), "; ".join(notes))
        notes.append("orthographe approchée, à confirmer")
        close = [c for c in ranked if c.score >= FUZZY_CANDIDATE_FLOOR][:MAX_CANDIDATES]
        return Match(published_name, AMBIGUOUS, candidates=tuple(close), note="; ".join(notes))


def reconcile(reference: Reference, rows: Iterable[tuple[str, str | None, str | None]]) -> list[Match]:
    """Match (published name, area hint, INSEE code if given) rows, in order."""
    return [reference.match(name, hint=hint, insee_code=code) for name, hint, code in rows]


def reference_from_db(conn) -> Reference:
    """The reference of the database: current communes, their aliases (delegated and
    associated communes, codes absorbed by mergers with the name their contour had, older
    spellings of a current code), and the départements, régions and EPCI hints may name.

    `conn` is a psycopg connection or a SQLAlchemy connection."""
    def rows(query: str):
        result = conn.exec_driver_sql(query) if hasattr(conn, "exec_driver_sql") else conn.execute(query)
        return result.fetchall()

    communes = [CommuneRef(code, name, dep, reg, epci, pop, tuple(postcodes or ()))
                for code, name, dep, reg, epci, pop, postcodes in rows(
                    "SELECT insee_code, name, departement_code, region_code, epci_siren, "
                    "population, postcodes FROM core.commune")]
    aliases = [AliasRef(name, current, kind, code) for code, kind, name, current in rows(
        "SELECT code, kind, name, current_insee_code FROM core.former_commune")]
    # The contours are an older vintage: their names are the names communes had before
    # a merger or a renaming, which is what a list from 2020 may say.
    aliases += [AliasRef(name, current, "former_name", code) for code, name, current in rows(
        """SELECT ct.code, ct.name, coalesce(c.insee_code, f.current_insee_code)
           FROM core.commune_contour ct
           LEFT JOIN core.commune c ON c.insee_code = ct.code
           LEFT JOIN (SELECT DISTINCT ON (code) code, current_insee_code FROM core.former_commune
                      ORDER BY code, kind) f ON f.code = ct.code
           WHERE ct.name IS NOT NULL AND coalesce(c.insee_code, f.current_insee_code) IS NOT NULL
             AND (c.name IS NULL OR c.name <> ct.name)""")]
    areas = [AreaRef("departement", code, name) for code, name in rows(
        "SELECT code, name FROM core.departement")]
    areas += [AreaRef("region", code, name) for code, name in rows("SELECT code, name FROM core.region")]
    areas += [AreaRef("epci", siren, name) for siren, name in rows("SELECT siren, name FROM core.epci")]
    return Reference(communes, aliases, areas)
