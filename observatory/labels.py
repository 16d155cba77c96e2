"""French words for the codes the loads and views store (quarantine reasons): the pages show
these, the views and the SQL documentation keep the codes."""
from __future__ import annotations

from geodata.sources.pacte.reader import REASON_LABELS as PACT_REASONS

QUARANTINE_REASONS: dict[str, str] = {
    **PACT_REASONS,
    # charging points (IRVE) and any file of positions
    "missing_coordinates": "coordonnées manquantes ou illisibles",
    "zero_coordinates": "coordonnées 0,0",
    "outside_france": "position hors de France",
    "swapped_lat_lon": "latitude et longitude inversées",
    "no_commune": "dans aucune commune",
    # files read line by line
    "malformed_row": "ligne illisible",
    "truncated_row": "ligne tronquée",
    "unclosed_quote": "guillemet non refermé",
    "malformed_value": "valeur illisible",
    # communes and their contours
    "duplicate_code": "code en double",
    "malformed_insee_code": "code Insee mal formé",
    "unknown_code": "code inconnu du code officiel géographique",
    "unknown_type": "type de commune inconnu",
    "missing_geometry": "contour absent",
    "empty_geometry": "contour vide",
    "unknown_commune": "commune inconnue",
    "unknown_departement": "département inconnu",
    # heat networks, councils
    "malformed_network_id": "identifiant de réseau mal formé",
    "malformed_geometry": "géométrie illisible",
    "outside_lambert93": "position hors de l'emprise du Lambert-93 (France métropolitaine)",
    "unknown_locality": "localité inconnue",
    "missing_locality": "localisation absente",
    "missing_collectivite": "collectivité absente",
    "duplicate_measure": "mesure en double",
    "conflicting_duplicate": "doublon contradictoire",
    "several_mayors": "plusieurs maires pour une commune",
    "ambiguous_locality": "localité ambiguë",
    "intercommunality": "intercommunalité, pas une commune",
    # any file: bytes and values that cannot be what they claim
    "control_characters": "caractères de contrôle (NUL...) dans une cellule",
    "formula_in_cell": "formule de tableur dans une cellule",
    "implausible_date_mise_en_service": "date de mise en service invraisemblable",
    "implausible_date_maj": "date de mise à jour invraisemblable",
    "implausible_puissance_nominale": "puissance invraisemblable",
}


def reason_label(code: str | None) -> str:
    """A quarantine reason in French; a code not listed here says it is a code."""
    if not code:
        return "motif non renseigné"
    if code in QUARANTINE_REASONS:
        return QUARANTINE_REASONS[code]
    # The IRVE schema's checks name the column: malformed_date_mise_en_service...
    if code.startswith("malformed_"):
        return f"valeur illisible ({code.removeprefix('malformed_').replace('_', ' ')})"
    return f"autre motif (code {code})"
