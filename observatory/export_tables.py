"""Tables as the pages show them, for the CSV files people take away: French headers with their
units, codes turned into their French labels, lists written out, figures rounded as displayed
and "non renseigné" where nobody recorded a value (never 0, never an empty cell that a
spreadsheet would sum as 0).

Numbers stay numbers (a spreadsheet computes on them) wherever a column has no unknown value;
a column with unknown values is written as French text, so that its decimals read the way
the page shows them.
"""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from geodata.sources.pacte.reader import COMMITMENT_LABELS
from observatory import energy, pact
from observatory.exports import view_exists
from observatory.formatting import NOT_RECORDED, french_date, is_missing, number


def figure_column(values: Iterable, decimals: int = 0) -> list:
    """Values rounded as displayed; "non renseigné" for the unknown ones (then every value of
    the column is French text, `1 234,5`, as on the page)."""
    values = list(values)
    if any(is_missing(v) for v in values):
        return [number(v, decimals) for v in values]
    return [round(float(v), decimals) if decimals else int(round(float(v))) for v in values]


def listed(values) -> str:
    """A list of names as one cell: "Hellemmes, Lille, Lomme"."""
    if values is None or (not isinstance(values, (list, tuple)) and is_missing(values)):
        return ""
    return ", ".join(str(v) for v in values)


def commitment_label(level) -> str:
    return COMMITMENT_LABELS.get(level, NOT_RECORDED) if isinstance(level, str) else NOT_RECORDED


def pact_communes(frame: pd.DataFrame) -> pd.DataFrame:
    """The Pacte page's engaged communes (`observatory.pact.engaged_communes`) as shown."""
    share = [None if is_missing(v) else 100 * float(v) for v in frame["share_done"]]
    return pd.DataFrame({
        "Code Insee": frame["insee_code"], "Commune": frame["commune_name"],
        "Département": frame["departement_code"], "Région": frame["region_code"],
        "Siren de l'EPCI": frame["epci_siren"],
        "Population (habitants)": figure_column(frame["population"]),
        "Engagement du conseil": [commitment_label(v) for v in frame["council_commitment"]],
        "Signatures (listes)": figure_column(frame["signature_count"]),
        "Noms publiés": [listed(v) for v in frame["published_names"]],
        "Listes signataires": [listed(v) for v in frame["list_names"]],
        "Première signature": [french_date(v) for v in frame["first_signed_on"]],
        "Mesures engagées (mesures)": figure_column(frame["measures_committed"]),
        "Mesures réalisées (mesures)": figure_column(frame["measures_done"]),
        "Mesures en cours (mesures)": figure_column(frame["measures_in_progress"]),
        "Mesures abandonnées (mesures)": figure_column(frame["measures_abandoned"]),
        "Part des mesures engagées réalisées (%)": figure_column(share, 1),
        "Longitude": frame["lon"].round(6), "Latitude": frame["lat"].round(6),
    })


def _rank_text(rank: tuple[int, int] | None) -> str:
    return f"{rank[0]} sur {rank[1]}" if rank else "non classée"


def commune_figures(conn, insee_code: str) -> dict[str, object]:
    """The commune page's figures beyond its identity, as one row for its CSV: every energy
    indicator with its unit and its rank in the département, and for each pact campaign the
    council's commitment and the measures (unknown where no list names them)."""
    row: dict[str, object] = {}
    values = energy.commune_energy(conn, insee_code) if view_exists(conn, "commune_energy") else None
    if values is not None:
        ranks = energy.departement_ranks(conn, insee_code)
        for key, indicator in energy.INDICATORS.items():
            value = values.get(key)
            if energy.absent_in_territory(key, values):
                shown = energy.NO_FAST_CHARGER
            else:
                shown = figure_column([value], indicator.decimals)[0]
            row[f"{indicator.label} ({indicator.unit})"] = shown
            if key in energy.RANKED:
                row[f"Rang dans le département : {indicator.label.lower()}"] = _rank_text(ranks.get(key))
    campaigns = pact.campaigns(conn).set_index("campaign_code")["label"].to_dict()
    status = pact.commune_pact(conn, insee_code)
    for campaign, label in campaigns.items():
        mine = status[status["campaign_code"] == campaign]
        signed = not mine.empty
        first = mine.iloc[0] if signed else None
        prefix = f"Pacte, {label}"
        row[f"{prefix} : signature connue"] = "oui" if signed else "aucune dans les listes importées"
        row[f"{prefix} : engagement du conseil"] = commitment_label(first["council_commitment"]) if signed else ""
        for column, what in (("measures_committed", "mesures engagées"), ("measures_done", "mesures réalisées"),
                             ("measures_in_progress", "mesures en cours")):
            row[f"{prefix} : {what}"] = figure_column([first[column]])[0] if signed else ""
    return row
