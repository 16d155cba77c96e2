"""Energy indicators per commune: charging points (IRVE), heat networks (FCU), potentials.

`refresh_commune_energy` materialises core.commune_energy in one SQL statement (the pipeline
runs it after each load); the other functions read the public views for the dashboards.
Definitions, units, sources and vintages: docs/indicators.md (kept in step with INDICATORS).
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import psycopg
import sqlalchemy as sa

from geodata.conventions import LAMBERT93_MAX_SCALE, LAMBERT93_SCALE_SPREAD, on_ellipsoid
from geodata.load import LoadReport, record
from observatory.map_indicators import MapIndicator

FCU_SOURCE = "fcu-opendata"
# Scores: the distance to a fast charger above which access scores 0.
FAST_CHARGER_SCORE_RANGE_KM = 20.0
SCORE_COLUMNS = ("score_charging_density", "score_fast_charging_access", "score_heat_network",
                 "score_heat_potential")
# Columns of core.commune_energy copied as computed; the combined potential follows them.
INDICATOR_COLUMNS = (
    "insee_code", "name", "departement_code", "population", "longitude", "latitude", "charging_points",
    "charging_stations", "points_per_1000_inhabitants", "installed_power_kw", "fast_dc_points",
    "fast_dc_share_pct", "nearest_fast_charger_km", "points_by_year", "heat_layer_available", "heat_arrete_loaded",
    "heat_network_present", "heat_network_count", "heat_network_length_km", "heat_networks",
    "best_renewable_share_pct", "lowest_co2_kg_per_kwh", "in_priority_perimeter", "ecoreseau_label",
    "ecoreseau_label_basis", "dept_heat_networks", "dept_renewable_share_pct",
    "dept_potential_dwellings_100m", "dept_potential_dwellings_per_1000", *SCORE_COLUMNS,
)

# The territory a commune's distances are measured within, from its INSEE code: each overseas
# département or collectivity (97x, 98x), Corsica (2A, 2B), or the mainland.
TERRITORY = ("(CASE WHEN {code} IS NULL THEN NULL WHEN left({code}, 2) IN ('97', '98') THEN left({code}, 3) "
             "WHEN left({code}, 2) IN ('2A', '2B') THEN 'corse' ELSE 'metropole' END)")

REFRESH_SQL = f"""
WITH base AS (
    SELECT c.insee_code, c.name, c.departement_code, c.epci_siren, c.population, b.geom, b.centroid,
           ST_X(ST_Transform(b.centroid, 4326)) AS longitude, ST_Y(ST_Transform(b.centroid, 4326)) AS latitude
    FROM core.commune c LEFT JOIN core.commune_boundary b USING (insee_code)),
charging AS (
    -- A station is a name at a position (to the metre): the consolidated file repeats both
    -- on every point of a station.
    SELECT insee_code, count(*) AS points,
           count(DISTINCT (station_name, ST_SnapToGrid(geom, 1))) AS stations,
           sum(power_kw) AS power_kw, count(*) FILTER (WHERE is_fast_dc) AS fast_points
    FROM core.charging_point WHERE insee_code IS NOT NULL GROUP BY insee_code),
by_year AS (
    SELECT insee_code, jsonb_object_agg(year, n ORDER BY year) AS points_by_year
    FROM (SELECT insee_code, extract(year FROM commissioned_on)::int AS year, count(*) AS n
          FROM core.charging_point WHERE insee_code IS NOT NULL AND commissioned_on IS NOT NULL
          GROUP BY 1, 2) AS y
    GROUP BY insee_code),
nearest_fast AS (
    -- The nearest fast DC point within the commune's territory (mainland, Corsica, each overseas
    -- one): nobody drives from Réunion to a charger 8,000 km away. The index finds the nearest
    -- point in Lambert-93, nearly always in the commune's territory; the others search their own
    -- territory, NULL when it has none (not searched: that walk would read every point).
    -- Lambert-93 is not true to scale, but within one territory its scale varies by less than
    -- {LAMBERT93_SCALE_SPREAD}x: every point nearer on the ellipsoid lies within that factor of
    -- the Lambert-93 nearest, and each of them is measured on the ellipsoid.
    SELECT f.insee_code,
           (SELECT min(ST_Distance({on_ellipsoid('p.geom')}, {on_ellipsoid('f.centroid')}))
            FROM core.charging_point p
            WHERE p.is_fast_dc AND {TERRITORY.format(code='p.insee_code')} = f.territory
              AND ST_DWithin(p.geom, f.centroid, f.lambert_m * {LAMBERT93_SCALE_SPREAD})) / 1000.0 AS km
    FROM (SELECT insee_code, centroid, territory,
                 CASE WHEN first_territory = territory THEN first_m
                      WHEN territory IN (SELECT {TERRITORY.format(code='insee_code')} FROM core.charging_point
                                         WHERE is_fast_dc) THEN
                     (SELECT p.geom <-> centroid FROM core.charging_point p
                      WHERE p.is_fast_dc AND {TERRITORY.format(code='p.insee_code')} = territory
                      ORDER BY p.geom <-> centroid LIMIT 1) END AS lambert_m
          FROM (SELECT b.insee_code, b.centroid, {TERRITORY.format(code='b.insee_code')} AS territory,
                       n.m AS first_m, {TERRITORY.format(code='n.insee_code')} AS first_territory
                FROM base b CROSS JOIN LATERAL (
                    SELECT p.insee_code, p.geom <-> b.centroid AS m
                    FROM core.charging_point p WHERE p.is_fast_dc ORDER BY p.geom <-> b.centroid LIMIT 1) n
                WHERE b.centroid IS NOT NULL) AS first_found) AS f),
layer AS (
    SELECT coalesce(bool_or(available), false) AS heat_available,
           EXISTS (SELECT 1 FROM core.heat_network_arrete) AS arrete_loaded
    FROM core.source_availability WHERE source = '{FCU_SOURCE}'),
traced AS (
    -- A trace serves a commune when some of its length lies inside; a point when it is inside.
    SELECT b.insee_code, n.id, n.sncu_id, n.name, n.renewable_share_pct, n.co2_kg_per_kwh,
           n.has_trace,
           CASE WHEN n.has_trace THEN ST_Length({on_ellipsoid('ST_Intersection(n.geom, b.geom)')}) ELSE 0 END
               AS length_m
    FROM base b JOIN core.heat_network n ON n.geom && b.geom AND ST_Intersects(n.geom, b.geom)),
served AS (
    -- The networks of the traces and of the arrêté DPE (by its locality), one per SNCU id:
    -- the arrêté's regulatory values first, the traces' length.
    SELECT insee_code, key, max(sncu_id) AS sncu_id, (array_agg(name ORDER BY in_arrete DESC))[1] AS name,
           (array_agg(kind ORDER BY in_arrete DESC))[1] AS kind,
           (array_agg(renewable_share_pct ORDER BY in_arrete DESC))[1] AS renewable_share_pct,
           (array_agg(co2_kg_per_kwh ORDER BY in_arrete DESC))[1] AS co2_kg_per_kwh,
           bool_or(has_trace) AS has_trace, sum(length_m) AS length_m, bool_or(in_arrete) AS in_arrete
    FROM (SELECT insee_code, coalesce(sncu_id, 'trace ' || id) AS key, sncu_id, name, 'heat' AS kind,
                 renewable_share_pct, co2_kg_per_kwh, has_trace, length_m, false AS in_arrete
          FROM traced WHERE NOT has_trace OR length_m > 0
          UNION ALL
          SELECT hc.insee_code, a.sncu_id, a.sncu_id, a.name, a.kind, a.renewable_share_pct,
                 a.co2_kg_per_kwh, false, 0, true
          FROM core.heat_network_commune hc JOIN core.heat_network_arrete a USING (sncu_id)) AS both_sources
    GROUP BY insee_code, key),
heat AS (
    -- Counts, rates and CO2 of heat networks; cold networks are listed beside them.
    SELECT insee_code, count(*) FILTER (WHERE kind = 'heat') AS networks, sum(length_m) / 1000.0 AS length_km,
           max(renewable_share_pct) FILTER (WHERE kind = 'heat') AS best_renewable,
           min(co2_kg_per_kwh) FILTER (WHERE kind = 'heat') AS lowest_co2,
           jsonb_agg(jsonb_build_object('sncu_id', sncu_id, 'name', name, 'kind', kind,
                     'renewable_share_pct', renewable_share_pct, 'co2_kg_per_kwh', co2_kg_per_kwh,
                     'length_in_commune_km', CASE WHEN has_trace THEN round((length_m / 1000.0)::numeric, 3) END,
                     'has_trace', has_trace, 'in_arrete', in_arrete)
                     ORDER BY kind DESC, sncu_id) AS networks_json,
           array_agg(sncu_id) AS sncu_ids
    FROM served GROUP BY insee_code),
perimeter AS (
    SELECT DISTINCT b.insee_code
    FROM base b JOIN core.heat_area a ON a.kind = 'perimeter' AND a.geom && b.geom
         AND ST_Intersects(a.geom, b.geom) AND NOT ST_Touches(a.geom, b.geom)),
label AS (
    -- Labels of a network serving the commune, held by the commune itself, or held by its
    -- EPCI (which then says nothing of which of its communes the network serves).
    SELECT b.insee_code,
           string_agg(DISTINCT l.label, ', ') AS labels,
           string_agg(DISTINCT CASE WHEN l.sncu_id = ANY(h.sncu_ids) THEN 'network_serving'
                                    WHEN l.insee_code = b.insee_code THEN 'collectivite'
                                    ELSE 'epci' END, ', ') AS basis
    FROM base b LEFT JOIN heat h USING (insee_code)
    JOIN core.ecoreseau_label l ON l.sncu_id = ANY(h.sncu_ids) OR l.insee_code = b.insee_code
                                OR l.epci_siren = b.epci_siren
    GROUP BY b.insee_code),
dept AS (
    SELECT d.code AS departement_code, s.network_count, s.renewable_share_pct,
           p.dwellings_collective_gas + p.dwellings_collective_oil AS potential_dwellings,
           (SELECT sum(population) FROM core.commune c WHERE c.departement_code = d.code) AS population
    FROM core.departement d
    LEFT JOIN core.heat_departement_summary s ON s.departement_code = d.code
    LEFT JOIN core.heat_potential_departement p ON p.departement_code = d.code AND p.distance_m = 100),
dept_scored AS (
    -- A département absent from FCU's potential file has no building near a traced network: 0.
    SELECT *, 100 * percent_rank() OVER (ORDER BY potential_per_1000 NULLS FIRST) AS score
    FROM (SELECT *, 1000.0 * coalesce(potential_dwellings, 0) / nullif(population, 0) AS potential_per_1000
          FROM dept) AS per_1000),
indicators AS (
    SELECT b.insee_code, b.name, b.departement_code, b.population, b.longitude, b.latitude,
           coalesce(ch.points, 0) AS charging_points, coalesce(ch.stations, 0) AS charging_stations,
           CASE WHEN b.population > 0 THEN 1000.0 * coalesce(ch.points, 0) / b.population END
               AS points_per_1000_inhabitants,
           coalesce(ch.power_kw, 0) AS installed_power_kw, coalesce(ch.fast_points, 0) AS fast_dc_points,
           CASE WHEN ch.points > 0 THEN 100.0 * ch.fast_points / ch.points END AS fast_dc_share_pct,
           nf.km AS nearest_fast_charger_km,
           coalesce(y.points_by_year, '{{}}'::jsonb) AS points_by_year,
           layer.heat_available AS heat_layer_available, layer.arrete_loaded AS heat_arrete_loaded,
           CASE WHEN layer.heat_available OR layer.arrete_loaded THEN coalesce(h.networks, 0) > 0 END
               AS heat_network_present,
           CASE WHEN layer.heat_available OR layer.arrete_loaded THEN coalesce(h.networks, 0) END
               AS heat_network_count,
           CASE WHEN layer.heat_available THEN coalesce(h.length_km, 0) END AS heat_network_length_km,
           CASE WHEN layer.heat_available OR layer.arrete_loaded THEN coalesce(h.networks_json, '[]'::jsonb) END
               AS heat_networks,
           h.best_renewable AS best_renewable_share_pct, h.lowest_co2 AS lowest_co2_kg_per_kwh,
           CASE WHEN layer.heat_available THEN pe.insee_code IS NOT NULL END AS in_priority_perimeter,
           la.labels AS ecoreseau_label, la.basis AS ecoreseau_label_basis,
           ds.network_count AS dept_heat_networks, ds.renewable_share_pct AS dept_renewable_share_pct,
           ds.potential_dwellings AS dept_potential_dwellings_100m,
           ds.potential_per_1000 AS dept_potential_dwellings_per_1000,
           ds.score AS score_heat_potential
    FROM base b CROSS JOIN layer
    LEFT JOIN charging ch USING (insee_code) LEFT JOIN by_year y USING (insee_code)
    LEFT JOIN nearest_fast nf USING (insee_code) LEFT JOIN heat h USING (insee_code)
    LEFT JOIN perimeter pe USING (insee_code) LEFT JOIN label la USING (insee_code)
    LEFT JOIN dept_scored ds USING (departement_code)),
scored AS (
    SELECT i.*,
           CASE WHEN population > 0 THEN 100 * percent_rank() OVER (
               PARTITION BY population > 0 ORDER BY points_per_1000_inhabitants) END AS score_charging_density,
           CASE WHEN nearest_fast_charger_km IS NOT NULL
                THEN 100 * greatest(0, 1 - nearest_fast_charger_km / {FAST_CHARGER_SCORE_RANGE_KM}) END
               AS score_fast_charging_access,
           CASE WHEN heat_network_present IS NOT NULL THEN
               CASE WHEN heat_network_present THEN 100 WHEN in_priority_perimeter THEN 50 ELSE 0 END END
               AS score_heat_network
    FROM indicators i)
INSERT INTO core.commune_energy ({", ".join(INDICATOR_COLUMNS)}, energy_commons_potential, components_used)
SELECT {", ".join(INDICATOR_COLUMNS)},
       (SELECT avg(s) FROM unnest(ARRAY[{", ".join(SCORE_COLUMNS)}]) AS s),
       (SELECT count(s) FROM unnest(ARRAY[{", ".join(SCORE_COLUMNS)}]) AS s)
FROM scored
"""


def refresh_commune_energy(conn: psycopg.Connection) -> LoadReport:
    """Recompute core.commune_energy for every current commune, atomically, with accounting."""
    started = time.perf_counter()
    report = LoadReport(source="energy-commune-indicators", target_table="commune_energy")
    with conn.transaction():
        report.rows_read = conn.execute("SELECT count(*) FROM core.commune").fetchone()[0]
        conn.execute("TRUNCATE core.commune_energy")
        report.rows_loaded = conn.execute(REFRESH_SQL).rowcount
        report.vintage = conn.execute(
            "SELECT string_agg(DISTINCT coalesce(vintage, '?'), ' ') FROM core.load_run "
            "WHERE source LIKE 'fcu-%' OR source LIKE 'irve%'").fetchone()[0]
        report.duration_s = time.perf_counter() - started
        record(conn, report)
    return report


# --- The indicators as the interface shows them ------------------------------------------

@dataclass(frozen=True)
class EnergyIndicator:
    key: str            # column of observatory.commune_energy
    label: str          # French
    unit: str           # French, for legends
    decimals: int
    group: str          # "recharge", "chaleur", "potentiel"
    source: str
    breaks: tuple[float, ...] | None = None   # classes for national maps (None: not mapped)

    @property
    def map_key(self) -> str:
        return f"energy_{self.key}"

    def map_indicator(self) -> MapIndicator:
        """The same indicator in the shape the national maps (and the tile server) use."""
        return MapIndicator(
            key=self.map_key, label=self.label, unit=self.unit,
            value_sql=f"(SELECT e.{self.key} FROM observatory.commune_energy e "
                      f"WHERE e.insee_code = c.insee_code)",
            breaks=self.breaks or (), source=self.source, decimals=self.decimals)


IRVE = "IRVE, fichier national consolidé (data.gouv.fr, Licence Ouverte 2.0)"
FCU = "France Chaleur Urbaine, opendata-fcu.zip (Licence Ouverte 2.0)"
FCU_ARRETE = ("Arrêté DPE 2026, valeurs par réseau publiées par France Chaleur Urbaine (Licence Ouverte 2.0), "
              "réseaux rattachés aux communes par leur localisation ; tracés opendata-fcu.zip quand disponibles")
FCU_POTENTIAL = "France Chaleur Urbaine, potentiel identifié (BDNB 2022, EARCF 2022)"
COMPOSITE = "Calcul de l'observatoire à partir des composantes ci-dessous"

INDICATORS: dict[str, EnergyIndicator] = {i.key: i for i in [
    EnergyIndicator("charging_points", "Points de recharge", "points", 0, "recharge", IRVE,
                    (1, 2, 5, 10, 20, 50, 200)),
    EnergyIndicator("charging_stations", "Stations de recharge", "stations", 0, "recharge", IRVE,
                    (1, 2, 3, 5, 10, 20, 50)),
    EnergyIndicator("points_per_1000_inhabitants", "Points de recharge pour 1 000 habitants",
                    "points / 1 000 hab.", 1, "recharge", IRVE, (0.01, 0.5, 1, 2, 4, 8, 16)),
    EnergyIndicator("installed_power_kw", "Puissance de recharge installée", "kW", 0, "recharge", IRVE,
                    (1, 50, 100, 250, 500, 1000, 5000)),
    EnergyIndicator("fast_dc_share_pct", "Part des points rapides (DC ≥ 50 kW)", "%", 1, "recharge", IRVE,
                    (0.01, 10, 20, 30, 50, 75, 100)),
    EnergyIndicator("nearest_fast_charger_km", "Distance au point de recharge rapide le plus proche",
                    "km", 1, "recharge", IRVE, (1, 2, 5, 10, 15, 20, 30)),
    EnergyIndicator("heat_network_length_km", "Longueur de réseau de chaleur dans la commune", "km", 2,
                    "chaleur", FCU, (0.01, 1, 2, 5, 10, 20, 50)),
    EnergyIndicator("heat_network_count", "Réseaux de chaleur desservant la commune", "réseaux", 0,
                    "chaleur", FCU_ARRETE, (1, 2, 3, 4, 5, 10, 20)),
    EnergyIndicator("best_renewable_share_pct", "Meilleur taux EnR&R des réseaux desservant la commune",
                    "%", 1, "chaleur", FCU_ARRETE),
    EnergyIndicator("lowest_co2_kg_per_kwh", "Plus faible contenu CO2 des réseaux desservant la commune",
                    "kg CO2/kWh", 3, "chaleur", FCU_ARRETE),
    EnergyIndicator("dept_heat_networks", "Réseaux de chaleur du département (2022)", "réseaux", 0,
                    "potentiel", FCU_POTENTIAL, (1, 2, 5, 10, 20, 40, 80)),
    EnergyIndicator("dept_renewable_share_pct", "Taux moyen EnR&R des réseaux du département (2022)",
                    "%", 1, "potentiel", FCU_POTENTIAL, (10, 30, 40, 50, 60, 70, 80)),
    EnergyIndicator("dept_potential_dwellings_100m",
                    "Logements en chauffage collectif gaz ou fioul à moins de 100 m d'un réseau (département)",
                    "logements", 0, "potentiel", FCU_POTENTIAL, (1, 500, 1000, 2500, 5000, 10000, 50000)),
    EnergyIndicator("dept_potential_dwellings_per_1000",
                    "Potentiel de raccordement du département pour 1 000 habitants", "logements / 1 000 hab.",
                    1, "potentiel", FCU_POTENTIAL, (0.1, 1, 2, 5, 10, 20, 40)),
    EnergyIndicator("score_charging_density", "Composante : densité de recharge (rang centile)", "/ 100", 0,
                    "potentiel", COMPOSITE, (10, 25, 40, 55, 70, 85, 95)),
    EnergyIndicator("score_fast_charging_access", "Composante : accès à la recharge rapide", "/ 100", 0,
                    "potentiel", COMPOSITE, (10, 25, 40, 55, 70, 85, 95)),
    EnergyIndicator("score_heat_network", "Composante : réseau de chaleur", "/ 100", 0, "potentiel",
                    COMPOSITE, (10, 60)),
    EnergyIndicator("score_heat_potential", "Composante : potentiel de raccordement du département",
                    "/ 100", 0, "potentiel", COMPOSITE, (10, 25, 40, 55, 70, 85, 95)),
    EnergyIndicator("energy_commons_potential", "Potentiel de communs énergétiques", "/ 100", 0,
                    "potentiel", COMPOSITE, (10, 20, 30, 40, 50, 60, 75)),
]}

# The mapped indicators as the national maps and the tile server take them, by map key.
MAPS: dict[str, MapIndicator] = {indicator.map_key: indicator.map_indicator()
                                 for indicator in INDICATORS.values() if indicator.breaks}

COMPONENT_METHODS = {
    "score_charging_density": "Rang centile national (0 à 100) des points de recharge pour 1 000 "
                              "habitants, parmi les communes peuplées ; 0 pour une commune sans point.",
    "score_fast_charging_access": f"100 × (1 − distance au point rapide le plus proche / "
                                  f"{FAST_CHARGER_SCORE_RANGE_KM:.0f} km), borné à 0 au-delà.",
    "score_heat_network": "100 si un réseau de chaleur dessert la commune (arrêté DPE 2026 ou tracés FCU), "
                          "50 si elle recoupe seulement un périmètre de développement prioritaire (tracés "
                          "FCU), 0 sinon ; inconnu (exclu de la moyenne) quand ni l'arrêté ni les tracés "
                          "ne sont chargés.",
    "score_heat_potential": "Rang centile (0 à 100) du département pour les logements en chauffage "
                            "collectif gaz ou fioul à moins de 100 m d'un réseau, pour 1 000 habitants.",
    "energy_commons_potential": "Moyenne simple des composantes disponibles ; le nombre de composantes "
                                "prises en compte est indiqué à côté du potentiel (une composante inconnue "
                                "n'est jamais comptée comme 0).",
}

# The indicators whose rank within the département the commune page shows (higher is better
# for all but the distance).
RANKED = {"charging_points": True, "points_per_1000_inhabitants": True, "installed_power_kw": True,
          "nearest_fast_charger_km": False, "heat_network_length_km": True,
          "energy_commons_potential": True}
# Counts of a facility: 0 means the commune has none. Having none is not a rank: a
# département where no commune has a charging point would otherwise put them all "1re".
ABSENT_WHEN_ZERO = frozenset({"charging_points", "charging_stations", "points_per_1000_inhabitants",
                              "installed_power_kw", "fast_dc_points", "heat_network_length_km",
                              "heat_network_count", "dept_heat_networks", "dept_potential_dwellings_100m",
                              "dept_potential_dwellings_per_1000"})
# What a missing distance means for a commune that has a centre: nothing to measure to.
NO_FAST_CHARGER = "aucun dans le territoire"


def absent_in_territory(key: str, row: dict) -> bool:
    """The commune has a centre but its territory has no fast charger to measure to."""
    return key == "nearest_fast_charger_km" and row.get(key) is None and row.get("longitude") is not None


def national_values(conn: sa.Connection, key: str) -> list[dict]:
    """Every commune with a centre, with the indicator's value (None when unknown)."""
    indicator = INDICATORS[key]   # KeyError for anything not an indicator: no SQL from input
    rows = conn.execute(sa.text(
        f"SELECT insee_code, name, departement_code, longitude, latitude, {indicator.key} AS value "
        f"FROM observatory.commune_energy WHERE longitude IS NOT NULL ORDER BY insee_code"))
    return [dict(row._mapping) for row in rows]


def commune_energy(conn: sa.Connection, insee_code: str) -> dict | None:
    row = conn.execute(sa.text("SELECT * FROM observatory.commune_energy WHERE insee_code = :code"),
                       {"code": insee_code}).first()
    if row is None:
        return None
    values = dict(row._mapping)
    values.pop("geom", None)
    return values


def departement_ranks(conn: sa.Connection, insee_code: str) -> dict[str, tuple[int, int] | None]:
    """(rank, communes ranked) within the commune's département for each RANKED indicator.

    Rank 1 is the best; communes whose value is unknown, or that have none of the facility
    (ABSENT_WHEN_ZERO), are not ranked.
    """
    def ranked(key: str) -> str:
        return f"{key} IS NOT NULL" + (f" AND {key} > 0" if key in ABSENT_WHEN_ZERO else "")

    ranks = ",\n".join(
        f"CASE WHEN {ranked(key)} THEN rank() OVER (ORDER BY {key} {'DESC' if higher else 'ASC'} "
        f"NULLS LAST) END AS rank_{key}, count(*) FILTER (WHERE {ranked(key)}) OVER () AS n_{key}"
        for key, higher in RANKED.items())
    row = conn.execute(sa.text(f"""
        SELECT * FROM (
            SELECT insee_code, {ranks} FROM observatory.commune_energy
            WHERE departement_code = (SELECT departement_code FROM observatory.commune_energy
                                      WHERE insee_code = :code)) AS ranked
        WHERE insee_code = :code"""), {"code": insee_code}).first()
    if row is None:
        return {}
    values = row._mapping
    return {key: (values[f"rank_{key}"], values[f"n_{key}"]) if values[f"rank_{key}"] is not None else None
            for key in RANKED}


def heat_layer_status(conn: sa.Connection) -> dict:
    """{'available': bool, 'reason': str | None, 'checked_at': ...} of the FCU traces."""
    row = conn.execute(sa.text("SELECT available, reason, location, checked_at "
                               "FROM observatory.heat_layer_status WHERE source = :source"),
                       {"source": FCU_SOURCE}).first()
    if row is None:
        return {"available": False, "reason": "l'archive des tracés FCU n'a encore jamais été chargée",
                "location": None, "checked_at": None}
    return dict(row._mapping)


def charging_data_date(conn: sa.Connection) -> date | None:
    """The date of the charging-point file last loaded (its declared vintage, when it is a
    date): commissioning dates in the file itself run past it (up to 2026-05 in the 2025-10
    extract)."""
    vintage = conn.execute(sa.text("SELECT vintage FROM observatory.load_run WHERE source LIKE 'irve%' "
                                   "ORDER BY started_at DESC LIMIT 1")).scalar()
    try:
        return date.fromisoformat(vintage) if vintage else None
    except ValueError:
        return None


def commissioned_by_year(dates: Iterable[date | None], since: date) -> tuple[list[tuple[int, int, int]], int]:
    """Points commissioned per year as (year, before `since`, from `since` on), and how many
    have no date. A year that holds `since` counts on both sides, by the exact date. Every year
    from the first to the last is listed, a year without any point as (year, 0, 0): a chart
    that skipped it would look continuous."""
    counts: dict[int, list[int]] = {}
    undated = 0
    for day in dates:
        if day is None:
            undated += 1
            continue
        counts.setdefault(day.year, [0, 0])[day >= since] += 1
    years = range(min(counts), max(counts) + 1) if counts else ()
    return [(year, *counts.get(year, (0, 0))) for year in years], undated


def charging_points_in(conn: sa.Connection, insee_code: str) -> list[dict]:
    rows = conn.execute(sa.text("""
        SELECT station_name, operator, power_kw, is_fast_dc, commissioned_on, lon, lat
        FROM observatory.charging_point WHERE insee_code = :code"""), {"code": insee_code})
    return [dict(row._mapping) for row in rows]


def heat_networks_near(conn: sa.Connection, insee_code: str, radius_m: float = 5000) -> list[dict]:
    """Networks within `radius_m` (true metres) of the commune, with WGS84 paths (or a point) for maps."""
    # The commune's contour is put on the ellipsoid once, not once per network.
    rows = conn.execute(sa.text(f"""
        WITH c AS MATERIALIZED (SELECT geom, {on_ellipsoid('geom')} AS true_geom FROM observatory.commune
                                WHERE insee_code = :code)
        SELECT n.sncu_id, n.name, n.renewable_share_pct, n.co2_kg_per_kwh, n.has_trace,
               n.ecoreseau_label, ST_AsGeoJSON(n.geom_wgs84, 5) AS geojson
        FROM observatory.heat_network n, c
        WHERE ST_DWithin(n.geom, c.geom, :radius * {LAMBERT93_MAX_SCALE})
          AND ST_DWithin({on_ellipsoid('n.geom')}, c.true_geom, :radius)
        ORDER BY n.sncu_id"""), {"code": insee_code, "radius": radius_m})
    networks = []
    for row in rows:
        network = dict(row._mapping)
        geometry = json.loads(network.pop("geojson"))
        if geometry["type"] == "MultiLineString":
            network["paths"] = geometry["coordinates"]
        elif geometry["type"] == "LineString":
            network["paths"] = [geometry["coordinates"]]
        else:
            network["position"] = geometry["coordinates"]
        networks.append(network)
    return networks


def ecoreseau_labels(conn: sa.Connection) -> list[dict]:
    rows = conn.execute(sa.text("SELECT * FROM observatory.ecoreseau_label ORDER BY label, sncu_id"))
    return [dict(row._mapping) for row in rows]


def national_figures(conn: sa.Connection) -> list[dict]:
    rows = conn.execute(sa.text("SELECT key, label, value, unit, published_as, source "
                                "FROM observatory.heat_national_figure ORDER BY key"))
    return [dict(row._mapping) for row in rows]


# --- Networks of the arrêté DPE 2026 ------------------------------------------------------

ARRETE_QUARANTINE_SOURCE = "fcu-arrete-dpe-2026-communes"
NO_NETWORK_IN_ARRETE = "aucun réseau recensé dans l'arrêté DPE 2026"
LENGTH_UNKNOWN_WHY = ("l'arrêté DPE donne les valeurs de chaque réseau mais pas son tracé : la longueur "
                      "dans la commune n'est connue qu'avec les tracés de France Chaleur Urbaine "
                      "(opendata-fcu.zip), indisponibles ici")


def arrete_networks(conn: sa.Connection) -> list[dict]:
    """Every network of the arrêté, with its communes and a position for national maps: the
    mean of its communes' centres (None for a network attached to no commune)."""
    rows = conn.execute(sa.text("""
        SELECT n.sncu_id, n.name, n.kind, n.locality, n.departement_code, n.renewable_share_pct,
               n.co2_kg_per_kwh, n.co2_lca_kg_per_kwh, n.reference_year, n.ecoreseau_label,
               coalesce(array_agg(hc.commune_name ORDER BY hc.commune_name)
                        FILTER (WHERE hc.insee_code IS NOT NULL), '{}') AS communes,
               coalesce(array_agg(hc.insee_code ORDER BY hc.commune_name)
                        FILTER (WHERE hc.insee_code IS NOT NULL), '{}') AS insee_codes,
               coalesce(min(hc.departement_code), n.departement_code) AS commune_departement_code,
               avg(e.longitude) AS longitude, avg(e.latitude) AS latitude
        FROM observatory.heat_network n
        LEFT JOIN observatory.heat_network_commune hc USING (sncu_id)
        LEFT JOIN observatory.commune_energy e ON e.insee_code = hc.insee_code
        WHERE n.in_arrete
        GROUP BY n.sncu_id, n.name, n.kind, n.locality, n.departement_code, n.renewable_share_pct,
                 n.co2_kg_per_kwh, n.co2_lca_kg_per_kwh, n.reference_year, n.ecoreseau_label
        ORDER BY n.sncu_id"""))
    return [dict(row._mapping) for row in rows]


def arrete_medians(conn: sa.Connection, departement_code: str) -> dict[str, dict[str, float | None]]:
    """Median EnR&R rate and CO2 content of the arrêté's heat networks, nationally and among
    those serving a commune of the département: {"national": {...}, "departement": {...}}."""
    row = conn.execute(sa.text("""
        WITH heat AS (SELECT sncu_id, renewable_share_pct, co2_kg_per_kwh FROM observatory.heat_network
                      WHERE in_arrete AND kind = 'heat'),
             dept AS (SELECT * FROM heat h WHERE EXISTS (
                          SELECT 1 FROM observatory.heat_network_commune hc
                          WHERE hc.sncu_id = h.sncu_id AND hc.departement_code = :dep))
        SELECT (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY renewable_share_pct) FROM heat),
               (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY co2_kg_per_kwh) FROM heat),
               (SELECT count(*) FROM heat),
               (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY renewable_share_pct) FROM dept),
               (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY co2_kg_per_kwh) FROM dept),
               (SELECT count(*) FROM dept)"""), {"dep": departement_code}).one()
    return {"national": {"renewable_share_pct": row[0], "co2_kg_per_kwh": row[1], "networks": row[2]},
            "departement": {"renewable_share_pct": row[3], "co2_kg_per_kwh": row[4], "networks": row[5]}}


def arrete_unattached(conn: sa.Connection) -> list[dict]:
    """Networks of the arrêté attached to no commune, with the reason (never a guess)."""
    rows = conn.execute(sa.text("""
        SELECT row_ref AS sncu_id, payload->>'nom' AS name, payload->>'localisation' AS locality,
               reason, detail
        FROM observatory.quarantined_row WHERE source = :source ORDER BY row_ref"""),
        {"source": ARRETE_QUARANTINE_SOURCE})
    return [dict(row._mapping) for row in rows]


# Pact measure 3: "100 % renewable and local energy" of buildings, vehicles and lighting.
RENEWABLE_MEASURE = "3"


def renewable_measure(conn: sa.Connection, insee_code: str) -> dict:
    """Measure 3 of the pact (title as verified, or None) and the commune's commitments to it:
    [{campaign_code, signature_count, status, status_date}]."""
    title = conn.execute(sa.text(
        "SELECT title FROM observatory.pact_measure WHERE measure_number = :m AND title IS NOT NULL "
        "ORDER BY campaign_code DESC LIMIT 1"), {"m": RENEWABLE_MEASURE}).scalar()
    rows = conn.execute(sa.text(
        "SELECT campaign_code, signature_count, status, status_date FROM observatory.pact_commitment "
        "WHERE insee_code = :code AND measure_number = :m ORDER BY campaign_code"),
        {"code": insee_code, "m": RENEWABLE_MEASURE})
    return {"number": RENEWABLE_MEASURE, "title": title, "commitments": [dict(r._mapping) for r in rows]}
