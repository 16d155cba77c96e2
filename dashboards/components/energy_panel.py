"""The energy panel of a commune: charging points and heat networks on a map, the indicators,
the commune's rank within its département, and the energy-commons potential with its parts."""
from __future__ import annotations

import logging
from datetime import date

import pandas as pd
import pydeck as pdk
import sqlalchemy as sa
import streamlit as st

from dashboards.components.map_widths import map_widths
from dashboards.format import number
from observatory.formatting import NOT_RECORDED, is_missing
from dashboards.maps import contour_layer, offline_deck, swatches_html, view_around
from observatory import energy, pact
from observatory.communes import commune_profile
from observatory.map_indicators import NO_DATA_RGB

logger = logging.getLogger(__name__)
# Charging power classes (kW): slow AC, accelerated AC, fast DC, very fast DC.
POWER_CLASSES = [(0, 22.01, "jusqu'à 22 kW", (70, 50, 126)),
                 (22.01, 50, "22 à 50 kW", (39, 127, 142)),
                 (50, 150, "50 à 150 kW", (74, 193, 109)),
                 (150, float("inf"), "150 kW et plus", (253, 231, 37))]
HEAT_RGB = (214, 39, 40)
ENERGY_MAP_HEIGHT = 420


def power_colour(power_kw: float | None) -> tuple[int, int, int]:
    if power_kw is None:
        return NO_DATA_RGB
    return next(colour for low, high, _, colour in POWER_CLASSES if low <= power_kw < high)


def value_text(key: str, value) -> str:
    """An indicator's value in French, with its unit."""
    indicator = energy.INDICATORS[key]
    return number(value, indicator.decimals, indicator.unit)


def rank_text(rank: tuple[int, int] | None) -> str:
    if not rank:
        return "non classée"
    return f"{rank[0]}{'ʳᵉ' if rank[0] == 1 else 'ᵉ'} sur {number(rank[1])}"


LABEL_BASES = {"network_serving": "un réseau qui dessert la commune est labellisé",
               "collectivite": "la commune est la collectivité lauréate",
               "epci": "l'intercommunalité de la commune est lauréate (sans dire quelles communes "
                       "son réseau dessert)"}


def label_basis_text(basis: str | None) -> str | None:
    return " ; ".join(LABEL_BASES[b] for b in basis.split(", ")) if basis else None


def yes_no(value: bool | None) -> str:
    return NOT_RECORDED if value is None else ("oui" if value else "non")


def _map_layers(profile: dict | None, points: list[dict], networks: list[dict]) -> list[pdk.Layer]:
    """The commune's contour, heat networks and charging points; none without a framed contour."""
    if not profile or profile.get("xmin") is None:
        return []
    layers = []
    if profile.get("contour"):
        layers.append(contour_layer(profile["contour"], "energy-contour"))
    paths = [{"path": path, "name": n["name"] or n["sncu_id"] or "réseau sans nom",
              "detail": f"EnR&R {number(n['renewable_share_pct'], 1, '%')}"}
             for n in networks for path in n.get("paths", [])]
    if paths:
        layers.append(pdk.Layer("PathLayer", data=paths, id="heat-networks", get_path="path",
                                get_color=list(HEAT_RGB), width_min_pixels=3, pickable=True))
    spots = [{"position": n["position"], "name": n["name"] or n["sncu_id"],
              "detail": "réseau sans tracé publié"} for n in networks if "position" in n]
    if spots:
        layers.append(pdk.Layer("ScatterplotLayer", data=spots, id="heat-network-points",
                                get_position="position", get_fill_color=list(HEAT_RGB),
                                radius_min_pixels=7, stroked=True, get_line_color=[255, 255, 255],
                                pickable=True))
    if points:
        frame = pd.DataFrame([{
            "lon": p["lon"], "lat": p["lat"], "colour": list(power_colour(p["power_kw"])),
            "name": p["station_name"], "detail": f"{number(p['power_kw'], 1, 'kW')}"
                                                 f"{' · rapide DC' if p['is_fast_dc'] else ''}"} for p in points])
        layers.append(pdk.Layer("ScatterplotLayer", data=frame, id="charging-points",
                                get_position=["lon", "lat"], get_fill_color="colour",
                                radius_min_pixels=4, get_line_color=[40, 40, 40], stroked=True,
                                line_width_min_pixels=1, pickable=True))
    return layers


def warn_heat_layer_unavailable(status: dict, consequence: str) -> None:
    """Say in French that France Chaleur Urbaine's traces are missing and what follows; the
    pipeline's own message (technical, often English) comes after, as a detail."""
    st.warning("Tracés des réseaux de chaleur indisponibles : l'archive de France Chaleur Urbaine "
               f"(opendata-fcu.zip) n'a pas pu être obtenue. {consequence}")
    # The pipeline's own message names server paths: for the logs and the Données page's
    # technical section, not for the pages.
    logger.warning("heat layer unavailable: %s", status["reason"])
    st.caption("Le détail technique figure dans la section « Détails techniques » de la page Données.")


def show_energy_panel(engine: sa.Engine, insee_code: str, profile: dict | None = None,
                      today: date | None = None) -> None:
    """The commune page's energy section. `profile` is `commune_profile(...)` when the caller
    already has it: it carries the full contour, which is not worth reading twice."""
    with engine.connect() as conn:
        row = energy.commune_energy(conn, insee_code)
        if row is None:
            st.info("Les indicateurs énergie de cette commune ne sont pas encore calculés "
                    "(actif Dagster `commune_energy`).")
            return
        ranks = energy.departement_ranks(conn, insee_code)
        data_date = energy.charging_data_date(conn)
        today = today or date.today()
        trend = pact.trend_reference(conn, insee_code, min(today, data_date or today))
        status = energy.heat_layer_status(conn)
        points = energy.charging_points_in(conn, insee_code)
        networks = energy.heat_networks_near(conn, insee_code) if status["available"] else []
        medians = energy.arrete_medians(conn, row["departement_code"])
        measure = energy.renewable_measure(conn, insee_code)
        if profile is None:
            profile = commune_profile(conn, insee_code)

    st.subheader("Énergie : recharge et réseaux de chaleur")
    charging = [*st.columns(3), *st.columns(3)]
    for column, key in zip(charging, ["charging_points", "charging_stations", "points_per_1000_inhabitants",
                                      "installed_power_kw", "fast_dc_share_pct", "nearest_fast_charger_km"]):
        rank = ranks.get(key)
        shown = energy.NO_FAST_CHARGER if energy.absent_in_territory(key, row) else value_text(key, row[key])
        column.metric(energy.INDICATORS[key].label, shown,
                      help=f"Rang dans le département : {rank_text(rank)}" if key in energy.RANKED else None)
    st.caption("Rang dans le département (1ʳᵉ : la mieux dotée, ou la plus proche d'un point rapide) : "
               + " · ".join(f"{energy.INDICATORS[key].label.lower()} {rank_text(ranks.get(key))}"
                            for key in energy.RANKED if key != "energy_commons_potential"))

    layers = _map_layers(profile, points, networks)
    if layers:
        for width in map_widths(f"energy-map-{insee_code}", 800):
            view = view_around(profile["xmin"], profile["ymin"], profile["xmax"], profile["ymax"],
                               width_px=width.width_px, height_px=ENERGY_MAP_HEIGHT)
            st.pydeck_chart(offline_deck(layers=layers, initial_view_state=view,
                                         tooltip={"html": "<b>{name}</b><br/>{detail}"}),
                            height=ENERGY_MAP_HEIGHT, key=width.key)
        legend = [(colour, label) for _, _, label, colour in POWER_CLASSES]
        if status["available"]:
            legend.append((HEAT_RGB, "réseau de chaleur (tracé ou point)"))
        st.markdown(swatches_html(legend, "Points de recharge par puissance (kW)"), unsafe_allow_html=True)

    if not status["available"]:
        warn_heat_layer_unavailable(status, "Aucun tracé n'est dessiné ; les réseaux de la commune viennent "
                                            "de l'arrêté DPE 2026, sans leur longueur.")
    _heat_networks(row, ranks, medians, measure)
    if is_missing(row["dept_heat_networks"]):   # FCU's 2022 statistics stop at metropolitan France
        st.caption("Département : pas de chiffres des réseaux de chaleur, les statistiques 2022 de France "
                   "Chaleur Urbaine (BDNB) ne couvrant que les départements métropolitains.")
    else:
        st.caption(f"Département : {number(row['dept_heat_networks'])} réseaux de chaleur (2022), taux moyen "
                   f"EnR&R {number(row['dept_renewable_share_pct'], 1, '%')} ; "
                   f"{number(row['dept_potential_dwellings_100m'])} logements chauffés au gaz ou au fioul "
                   f"collectif à moins de 100 m d'un réseau (BDNB 2022).")

    _commissioning_trend(points, trend, data_date)

    show_potential(row, ranks.get("energy_commons_potential"))


def heat_presence_text(row: dict) -> str:
    """Whether networks serve the commune, in French: a commune the arrêté lists no network
    for says so, rather than "non" or "inconnu"."""
    if row["heat_network_present"] is None:
        return "inconnu"
    if row["heat_network_present"]:
        return f"oui, {number(row['heat_network_count'])} réseau{'x' if row['heat_network_count'] > 1 else ''}"
    if row["heat_arrete_loaded"] and not row["heat_layer_available"]:
        return energy.NO_NETWORK_IN_ARRETE
    return "non"


def _heat_networks(row: dict, ranks: dict, medians: dict, measure: dict) -> None:
    """Networks serving the commune (arrêté DPE 2026, traces when available), each with its
    EnR&R rate and CO2 content beside the département's and the national medians."""
    st.markdown("**Réseaux de chaleur et de froid**")
    heat = st.columns(4)
    heat[0].metric("Réseau de chaleur", heat_presence_text(row))
    heat[1].metric("Meilleur taux EnR&R", value_text("best_renewable_share_pct", row["best_renewable_share_pct"]))
    heat[2].metric("Plus faible contenu CO2", value_text("lowest_co2_kg_per_kwh", row["lowest_co2_kg_per_kwh"]))
    label = row["ecoreseau_label"] or "aucun"
    if row["ecoreseau_label_basis"] == "epci":
        label += " (EPCI)"   # the weaker claim says so on its face, not only in the help
    heat[3].metric("Label Écoréseau 2025", label, help=label_basis_text(row["ecoreseau_label_basis"]))
    lengths = st.columns(2)
    if row["heat_network_length_km"] is None:
        lengths[0].metric("Longueur dans la commune", "inconnue", help=energy.LENGTH_UNKNOWN_WHY)
        lengths[1].metric("Périmètre de développement prioritaire", "inconnu",
                          help="Les périmètres viennent des tracés de France Chaleur Urbaine.")
        st.caption(f"Longueur inconnue : {energy.LENGTH_UNKNOWN_WHY}.")
    else:
        lengths[0].metric("Longueur dans la commune",
                          value_text("heat_network_length_km", row["heat_network_length_km"]),
                          help=f"Rang dans le département : {rank_text(ranks.get('heat_network_length_km'))}")
        lengths[1].metric("Périmètre de développement prioritaire", yes_no(row["in_priority_perimeter"]))
    if row["heat_networks"]:
        rows = [{"Réseau": n["name"] or "réseau sans nom", "Identifiant SNCU": n["sncu_id"] or "—",
                 "Type": "froid" if n.get("kind") == "cold" else "chaleur",
                 "Taux EnR&R": number(n["renewable_share_pct"], 1, "%") if n.get("kind") != "cold" else "sans objet",
                 "Contenu CO2": number(n["co2_kg_per_kwh"], 3, "kg/kWh"),
                 "Longueur dans la commune": number(n["length_in_commune_km"], 2, "km") if n["has_trace"]
                 else "inconnue (sans tracé)"} for n in row["heat_networks"]]
        for scope, label in (("departement", "Médiane des réseaux de chaleur du département"),
                             ("national", "Médiane nationale des réseaux de chaleur")):
            median = medians[scope]
            if not median["networks"]:
                continue   # the arrêté is not loaded, or lists no heat network in the département
            rows.append({"Réseau": f"{label} ({number(median['networks'])} réseaux)", "Identifiant SNCU": "",
                         "Type": "repère", "Taux EnR&R": number(median["renewable_share_pct"], 1, "%"),
                         "Contenu CO2": number(median["co2_kg_per_kwh"], 3, "kg/kWh"),
                         "Longueur dans la commune": ""})
        st.dataframe(pd.DataFrame(rows), hide_index=True)
        st.caption("Valeurs réglementaires de l'arrêté DPE 2026 (contenu CO2 de l'énergie livrée, taux "
                   "d'énergies renouvelables et de récupération), publiées par France Chaleur Urbaine ; "
                   "réseaux rattachés à la commune par la localisation que l'arrêté leur donne.")
    show_renewable_measure(measure)


def show_renewable_measure(measure: dict) -> None:
    """Pact measure 3 (100 % renewable and local energy) beside the commune's networks."""
    title = measure["title"] or "intitulé non vérifié"
    commitments = measure["commitments"]
    if commitments:
        said = " ; ".join(f"{c['campaign_code']} : {number(c['signature_count'])} liste(s) engagée(s), "
                          f"suivi « {pact.status_label(c['status'])} »" for c in commitments)
    else:
        said = "aucun engagement connu de la commune sur cette mesure"
    st.info(f"Pacte pour la Transition, mesure {measure['number']} : {title} — {said}.")


def _commissioning_trend(points: list[dict], trend: pact.TrendReference, data_date: date | None) -> None:
    """Points commissioned per year, before and since the pact (or the mandate): what a
    committee asks the council about."""
    years, undated = energy.commissioned_by_year((p["commissioned_on"] for p in points), trend.since)
    if not years:
        return
    before, since = f"avant le {trend.since:%d/%m/%Y}", f"depuis le {trend.since:%d/%m/%Y}"
    st.markdown("**Points de recharge mis en service par année**")
    # A year without any point keeps its place on the axis (a zero bar), never skipped.
    st.bar_chart(pd.DataFrame([(str(year), period, count) for year, *counts in years
                               for period, count in zip((before, since), counts)
                               if count or (not any(counts) and period == since)],
                              columns=["Année", "Période", "Points mis en service"]),
                 x="Année", y="Points mis en service", color="Période", x_label="Année",
                 y_label="Points", height=260)
    st.caption(f"Points mis en service depuis le {trend.since:%d/%m/%Y} ({trend.what}) : "
               f"{number(sum(y[2] for y in years))} ; avant : {number(sum(y[1] for y in years))} ; "
               f"sans date de mise en service (non comptés) : {number(undated)}."
               + (f" Fichier IRVE du {data_date:%d/%m/%Y}." if data_date else ""))


def show_potential(row: dict, rank: tuple[int, int] | None) -> None:
    """The combined figure, always beside its components and their methods."""
    st.markdown(f"**Potentiel de communs énergétiques : "
                f"{value_text('energy_commons_potential', row['energy_commons_potential'])}** "
                f"({row['components_used']} composantes sur 4 ; rang dans le département : {rank_text(rank)})")
    st.dataframe(pd.DataFrame([{
        "Composante": energy.INDICATORS[key].label.removeprefix("Composante : "),
        "Score (0-100)": number(row[key]),
        "Méthode": energy.COMPONENT_METHODS[key]} for key in energy.SCORE_COLUMNS]), hide_index=True)
    st.caption(energy.COMPONENT_METHODS["energy_commons_potential"])
