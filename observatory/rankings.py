"""Rankings: where a commune stands within a peer group, for any rankable indicator.

Rank 1 is the best value (the highest, or the lowest for indicators where less is better,
or the highest for neutral ones like population); ties share the best rank ("1, 2, 2, 4").
The percentile is the share of the ranked communes of the group that the commune equals or
beats: 100 % for the first, 100/n % for a lone last. Communes without a value are listed but
not ranked, and never counted as zero; nor are communes with none of a facility (0 charging
points): having none is no rank, and "1st of 24" for a département without any would lie.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from observatory import energy
from observatory.peers import PeerGroup

HIGHER, LOWER, NEUTRAL = "higher", "lower", "neutral"
DIRECTION_LABELS = {HIGHER: "plus la valeur est élevée, meilleur est le rang",
                    LOWER: "plus la valeur est faible, meilleur est le rang",
                    NEUTRAL: "ni meilleur ni moins bon : le rang 1 est la valeur la plus élevée"}

# Each source is one row per commune with its indicator columns; written here, never from input.
SOURCES: dict[str, str] = {
    "observatory.commune": "SELECT insee_code, population, density_per_km2 FROM observatory.commune",
    "observatory.commune_energy": "SELECT * FROM observatory.commune_energy",
    # A commune may have signed in several campaigns: its figures are summed over them (a count
    # no list recorded is NULL there, so the sum of unknowns stays unknown).
    "observatory.commune_pact": """
        SELECT insee_code, sum(signature_count) AS signature_count,
               sum(measures_committed) AS measures_committed, sum(measures_done) AS measures_done,
               sum(measures_in_progress) AS measures_in_progress,
               sum(measures_abandoned) AS measures_abandoned,
               100.0 * sum(measures_done) / nullif(sum(measures_committed), 0) AS share_done_pct
        FROM observatory.commune_pact GROUP BY insee_code""",
}


# Where each source's figures come from, as the pages say it (view names stay in the SQL docs).
SOURCE_LABELS: dict[str, str] = {
    "observatory.commune": "Insee, code officiel géographique 2026 ; surfaces des contours IGN",
    "observatory.commune_energy": "calcul de l'observatoire sur l'IRVE (data.gouv.fr) et France Chaleur Urbaine",
    "observatory.commune_pact": "listes du Pacte pour la Transition importées",
}


@dataclass(frozen=True)
class RankableIndicator:
    key: str
    label: str          # French
    unit: str           # French
    decimals: int
    direction: str      # HIGHER, LOWER or NEUTRAL
    view: str           # key of SOURCES: the public view the value comes from
    column: str         # column of that source
    theme: str          # French heading to group indicators in pickers and tables
    absent_when_zero: bool = False   # 0 means the commune has none: listed, not ranked


def _energy(key: str, direction: str = HIGHER) -> RankableIndicator:
    indicator = energy.INDICATORS[key]
    theme = {"recharge": "Recharge", "chaleur": "Chaleur", "potentiel": "Potentiel"}[indicator.group]
    return RankableIndicator(f"energy_{key}", indicator.label, indicator.unit, indicator.decimals,
                             direction, "observatory.commune_energy", key, f"Énergie · {theme}",
                             key in energy.ABSENT_WHEN_ZERO)


INDICATORS: dict[str, RankableIndicator] = {i.key: i for i in [
    RankableIndicator("population", "Population municipale", "hab.", 0, NEUTRAL, "observatory.commune",
                      "population", "Territoire"),
    RankableIndicator("density", "Densité de population", "hab./km²", 1, NEUTRAL, "observatory.commune",
                      "density_per_km2", "Territoire"),
    RankableIndicator("pact_signatures", "Listes signataires du pacte", "listes", 0, HIGHER,
                      "observatory.commune_pact", "signature_count", "Pacte pour la Transition"),
    RankableIndicator("pact_committed", "Mesures du pacte engagées", "mesures", 0, HIGHER,
                      "observatory.commune_pact", "measures_committed", "Pacte pour la Transition"),
    RankableIndicator("pact_done", "Mesures du pacte réalisées", "mesures", 0, HIGHER,
                      "observatory.commune_pact", "measures_done", "Pacte pour la Transition"),
    RankableIndicator("pact_in_progress", "Mesures du pacte en cours", "mesures", 0, HIGHER,
                      "observatory.commune_pact", "measures_in_progress", "Pacte pour la Transition"),
    RankableIndicator("pact_abandoned", "Mesures du pacte abandonnées", "mesures", 0, NEUTRAL,
                      "observatory.commune_pact", "measures_abandoned", "Pacte pour la Transition"),
    RankableIndicator("pact_share_done", "Part des mesures engagées réalisées", "%", 1, HIGHER,
                      "observatory.commune_pact", "share_done_pct", "Pacte pour la Transition"),
    *(_energy(key, LOWER if key in ("nearest_fast_charger_km", "lowest_co2_kg_per_kwh") else HIGHER)
      for key in energy.INDICATORS),
]}


# The indicators /comparer shows side by side, in its order.
COMPARED = ["population", "density",
            "pact_signatures", "pact_committed", "pact_done", "pact_in_progress", "pact_abandoned", "pact_share_done",
            "energy_charging_points", "energy_points_per_1000_inhabitants", "energy_installed_power_kw",
            "energy_fast_dc_share_pct", "energy_nearest_fast_charger_km", "energy_heat_network_length_km",
            "energy_best_renewable_share_pct", "energy_energy_commons_potential"]


def indicator(key: str) -> RankableIndicator:
    if key not in INDICATORS:
        raise ValueError(f"indicateur inconnu : {key}")
    return INDICATORS[key]


def values_sql(indicators: list[RankableIndicator]) -> str:
    """One row per current commune: code, name, département, population, then one column per
    indicator named by its key (NULL where the source has no row for the commune)."""
    views = list(dict.fromkeys(i.view for i in indicators))
    aliases = {view: f"s{n}" for n, view in enumerate(views)}
    columns = "".join(f", {aliases[i.view]}.{i.column}::float8 AS {i.key}" for i in indicators)
    joins = "".join(f" LEFT JOIN ({SOURCES[view]}) {aliases[view]} ON {aliases[view]}.insee_code = c.insee_code"
                    for view in views)
    return (f"SELECT c.insee_code, c.name, c.departement_code, c.population AS commune_population{columns} "
            f"FROM observatory.commune c{joins} WHERE c.insee_code = ANY(:codes)")


def indicator_values(conn: sa.Connection, codes: list[str], keys: list[str]) -> pd.DataFrame:
    """The indicators `keys` for the communes `codes`, one row per commune, in the order of `codes`."""
    chosen = [indicator(key) for key in keys]
    frame = pd.DataFrame(conn.execute(sa.text(values_sql(chosen)), {"codes": list(codes)}).mappings().all(),
                         columns=["insee_code", "name", "departement_code", "commune_population", *keys])
    order = {code: n for n, code in enumerate(codes)}
    return frame.sort_values("insee_code", key=lambda s: s.map(order)).reset_index(drop=True)


# -- pure ranking -------------------------------------------------------------------------

def rank_values(values: pd.Series, direction: str, absent_when_zero: bool = False) -> pd.DataFrame:
    """Rank and percentile of each value of `values` (index: INSEE codes); NaN stays unranked,
    and so does 0 when it means the facility is absent."""
    if direction not in DIRECTION_LABELS:
        raise ValueError(f"sens de classement inconnu : {direction}")
    numeric = pd.to_numeric(values, errors="coerce")
    rankable = numeric.mask(numeric == 0) if absent_when_zero else numeric
    ranks = rankable.rank(method="min", ascending=direction == LOWER)
    ranked = int(rankable.notna().sum())
    percentiles = 100.0 * (ranked - ranks + 1) / ranked if ranked else ranks
    return pd.DataFrame({"value": numeric, "rank": ranks.astype("Int64"), "percentile": percentiles},
                        index=values.index)


@dataclass(frozen=True)
class Ranking:
    indicator: RankableIndicator
    group: PeerGroup
    table: pd.DataFrame         # insee_code, name, departement_code, population, value, rank, percentile
    value: float | None
    rank: int | None
    ranked: int                 # communes of the group ranked
    valued: int                 # communes of the group with a value (those without one: unknown)
    percentile: float | None


def rank_in_group(conn: sa.Connection, group: PeerGroup, key: str) -> Ranking:
    chosen = indicator(key)
    values = indicator_values(conn, list(group.members), [key]).set_index("insee_code")
    ranks = rank_values(values[key], chosen.direction, chosen.absent_when_zero)
    table = values.drop(columns=[key]).rename(columns={"commune_population": "population"}).join(ranks)
    table = table.sort_values(["rank", "name"], na_position="last").reset_index()
    own = table[table["insee_code"] == group.insee_code].iloc[0]
    known, ranked = pd.notna(own["value"]), pd.notna(own["rank"])
    return Ranking(chosen, group, table, float(own["value"]) if known else None,
                   int(own["rank"]) if ranked else None, int(ranks["rank"].notna().sum()),
                   int(ranks["value"].notna().sum()), float(own["percentile"]) if ranked else None)
