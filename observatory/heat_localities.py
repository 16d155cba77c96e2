"""Which current commune(s) a heat network of the arrêté DPE serves, from its locality.

The arrêté gives each network one `localisation`: a commune name as the operator wrote it
(upper case, accents or not, "CEDEX", "COMMUNE DE ...", short forms, misspellings, a former
or delegated commune, sometimes several communes or a métropole). The SNCU id gives the
département. The rules, strictest first, never guess:

1. the whole locality, cleaned (`geodata.sources.heat.arrete.clean_locality`), inside the
   département, by `observatory.reconciliation`: exact name, name without its article, a
   former / delegated / associated commune (its current commune), the first words of one
   name, a misspelling only when one commune is clearly closest;
2. inside the département, a name of which the locality is the last words, or the first
   words without their article ("SEYNE" for La Seyne-sur-Mer), or which the locality extends
   with a place ("SAINT-JEOIRE EN FAUCIGNY" for Saint-Jeoire): only when one commune fits;
3. a locality that names several communes ("TOURS ET LA RICHE") attaches the network to
   each, when every part is recognised by 1-2;
4. a name that exists, exactly, once in France but in another département than the id's.

Anything else is quarantined with its reason: an intercommunality ("METROPOLE DE LYON"), an
ambiguous name (with its candidates), an unknown name.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, replace

from geodata.load import Rejected
from geodata.names import fold_name
from geodata.sources.heat.arrete import ArreteNetwork, clean_locality, locality_parts
from observatory import reconciliation
from observatory.reconciliation import (
    ARTICLE,
    EXACT,
    FORMER,
    MATCHED,
    SHORT_FORM,
    SHORT_FORM_SCORE,
    AreaRef,
    Candidate,
    Reference,
    without_article,
)

OTHER_DEPARTEMENT = "other_departement"
# Quarantine reasons.
INTERCOMMUNALITY, AMBIGUOUS, UNKNOWN = "intercommunality", "ambiguous_locality", "unknown_locality"
# Corsica's SNCU ids keep the pre-1976 département "20".
CORSICA = {"20": ("2A", "2B")}
_INTERCOMMUNALITY = re.compile(r"^(metropole|communaute|agglomeration|syndicat|sivom|sivu|sieds?|"
                               r"pays|grand)\b")
# A partial form ("SEYNE" for La Seyne-sur-Mer) needs at least this many letters.
PARTIAL_FORM_MIN_LENGTH = 4
# Words that start a place added after a commune's name ("Saint-Jeoire en Faucigny").
_PLACE_WORDS = ("en", "sur", "sous", "les", "lez", "de", "du", "des", "d", "la", "le", "aux", "au")


@dataclass(frozen=True)
class Attachment:
    insee_code: str
    method: str              # exact, article, former_commune, short_form, fuzzy, other_departement
    matched_name: str        # the locality (or the part of it) that was matched, as published
    score: float
    from_list: bool          # the locality lists several communes


@dataclass(frozen=True)
class LocalityMatch:
    locality: str
    attachments: tuple[Attachment, ...] = ()
    reason: str | None = None      # a quarantine reason when nothing is attached
    detail: str = ""

    @property
    def attached(self) -> bool:
        return bool(self.attachments)


class LocalityMatcher:
    """The rules above over a `Reference` (current communes and their former names)."""

    def __init__(self, reference: Reference):
        self._national = reference
        departement_of = {c.insee_code: c.departement_code for c in reference.communes}
        communes, aliases = defaultdict(list), defaultdict(list)
        for commune in reference.communes:
            communes[commune.departement_code].append(commune)
        for alias in reference.aliases:
            if alias.insee_code in departement_of:
                aliases[departement_of[alias.insee_code]].append(alias)
        self._by_departement: dict[str, Reference] = {}
        # folded name -> {insee_code: via} within a département, for rule 2
        self._names: dict[str, dict[str, dict[str, str | None]]] = {}
        for code in set(communes) | set(CORSICA):
            parts = CORSICA.get(code, (code,))
            # Under the id's département code, so that the hint scopes them ("20": 2A and 2B).
            members = [replace(c, departement_code=code) for part in parts for c in communes[part]]
            member_aliases = [a for part in parts for a in aliases[part]]
            self._by_departement[code] = Reference(members, member_aliases,
                                                   [AreaRef("departement", code, code)])
            names: dict[str, dict[str, str | None]] = defaultdict(dict)
            for commune in members:
                names[fold_name(commune.name)][commune.insee_code] = None
            for alias in member_aliases:
                if alias.name:
                    names[fold_name(alias.name)].setdefault(alias.insee_code, f"{alias.name} ({alias.kind})")
            self._names[code] = dict(names)
        self._names_of = {c.insee_code: c.name for c in reference.communes}

    def match(self, locality: str, departement_code: str) -> LocalityMatch:
        cleaned = clean_locality(locality)
        found, why = self._one(cleaned, departement_code)
        if found:
            return LocalityMatch(locality, (found,))
        parts = locality_parts(locality)
        if parts:
            matched, failures = [], []
            for part in parts:
                attachment, part_why = self._one(part, departement_code)
                if attachment:
                    matched.append(Attachment(attachment.insee_code, attachment.method, part,
                                              attachment.score, True))
                else:
                    failures.append(f"« {part} » : {part_why[1]}")
            if not failures:
                unique = {a.insee_code: a for a in reversed(matched)}
                return LocalityMatch(locality, tuple(a for a in matched if unique[a.insee_code] is a))
            return LocalityMatch(locality, reason=AMBIGUOUS if any(
                "plusieurs" in f for f in failures) else UNKNOWN,
                detail="liste de communes dont une partie n'est pas reconnue : " + " ; ".join(failures))
        reason, detail = why
        return LocalityMatch(locality, reason=reason, detail=detail)

    def _one(self, name: str, departement_code: str) -> tuple[Attachment | None, tuple[str, str]]:
        """One name: an attachment, or (reason, French detail) when there is none."""
        key = fold_name(name)
        if not key:
            return None, (UNKNOWN, "localité vide")
        scoped = self._by_departement.get(departement_code)
        if scoped is None:
            return None, (UNKNOWN, f"département {departement_code} absent du COG")
        result = scoped.match(name, hint=departement_code)
        if result.status == MATCHED:
            return Attachment(result.insee_code, result.method, name, result.score or 0.0, False), ("", "")
        if len({c.insee_code for c in result.candidates}) > 1 and result.candidates[0].score >= 97:
            return None, (AMBIGUOUS, self._candidates_text(result.candidates, "plusieurs communes du "
                                                                               "département portent ce nom"))
        extended = self._partial_forms(key, departement_code)
        if len(extended) == 1:
            return Attachment(extended[0], SHORT_FORM, name, SHORT_FORM_SCORE, False), ("", "")
        if len(extended) > 1:
            return None, (AMBIGUOUS, "plusieurs communes du département commencent ou finissent par ce "
                                     "nom : " + ", ".join(f"{self._names_of[c]} ({c})" for c in extended))
        elsewhere = self._national.match(name)
        if elsewhere.status == MATCHED and elsewhere.method in (EXACT, ARTICLE, FORMER):
            return Attachment(elsewhere.insee_code, OTHER_DEPARTEMENT, name, elsewhere.score or 0.0,
                              False), ("", "")
        if _INTERCOMMUNALITY.match(key):
            return None, (INTERCOMMUNALITY, "une intercommunalité, pas une commune : les communes "
                                            "desservies ne sont pas dites")
        if result.status == reconciliation.AMBIGUOUS:
            return None, (AMBIGUOUS, self._candidates_text(result.candidates, "aucune commune nettement "
                                                                              "la plus proche"))
        return None, (UNKNOWN, "aucune commune du département ni de France ne porte ce nom"
                               + (f" ({result.note})" if result.candidates else ""))

    def _partial_forms(self, key: str, departement_code: str) -> list[str]:
        """Communes of the département whose name (without its article) starts or ends with
        the locality's words, or whose name the locality extends with a place."""
        found: set[str] = set()
        if len(key) < PARTIAL_FORM_MIN_LENGTH:
            return []
        for other, codes in self._names.get(departement_code, {}).items():
            bare = without_article(other)
            if (bare.startswith(key + " ") or other.endswith(" " + key)
                    or (key.startswith(other + " ") and key[len(other) + 1:].split()[0] in _PLACE_WORDS)):
                found |= set(codes)
        return sorted(found)

    def _candidates_text(self, candidates: tuple[Candidate, ...], why: str) -> str:
        listed = {}
        for candidate in candidates:
            listed.setdefault(candidate.insee_code, f"{candidate.name} ({candidate.insee_code})")
        return f"{why} : {', '.join(listed.values())}"


def attach_networks(matcher: LocalityMatcher, networks: list[ArreteNetwork]) -> tuple[list[tuple], list[Rejected]]:
    """(sncu_id, insee_code, method, matched name, score, from list) per attachment, and one
    quarantined row (reason, detail) per network attached to no commune."""
    attachments, unattached = [], []
    for network in networks:
        found = matcher.match(network.locality, network.departement_code)
        attachments += [(network.sncu_id, a.insee_code, a.method, a.matched_name, a.score, a.from_list)
                        for a in found.attachments]
        if not found.attached:
            unattached.append(Rejected(network.sncu_id, found.reason, found.detail,
                                       {"sncu_id": network.sncu_id, "nom": network.name,
                                        "localisation": network.locality}))
    return attachments, unattached
