"""Download buttons for what a page shows: CSV for tables, GeoJSON for map layers.

Formats are built in `observatory.exports` (CSV for French Excel: UTF-8 with BOM, `;`,
decimal comma; GeoJSON in WGS84). Files are built only when the user clicks (Streamlit's
deferred `data`), so that a page with 35,000 communes does not serialise them on every rerun.
"""
from __future__ import annotations

from functools import partial

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from dashboards.data import engine as app_engine
from observatory import energy, export_tables, exports, sheet
from observatory.councils import commune_council
from observatory.exports import csv_bytes, geojson_bytes, points_collection

CSV_MIME = "text/csv"
# The commune profile's columns in its CSV, with French headers.
PROFILE_COLUMNS = {"insee_code": "Code Insee", "name": "Nom", "population": "Population",
                   "area_km2": "Surface (km²)", "density_per_km2": "Densité (hab./km²)",
                   "postcodes": "Codes postaux", "departement_code": "Code département",
                   "departement": "Département", "region_code": "Code région", "region": "Région",
                   "epci_siren": "Siren de l'EPCI", "epci": "EPCI", "lon": "Longitude du centre",
                   "lat": "Latitude du centre"}
# The council elected in 2026 and the town hall (observatory.commune_council), same file.
COUNCIL_COLUMNS = {"mayor_name": "Maire", "mayor_since": "Maire depuis le",
                   "councillors": "Conseillers municipaux", "women_share_pct": "Part des femmes au conseil (%)",
                   "mandate_start": "Début du mandat 2026", "mairie_address": "Adresse de la mairie",
                   "mairie_phone": "Téléphone de la mairie", "mairie_email": "Courriel de la mairie",
                   "mairie_website": "Site de la mairie"}
GEOJSON_MIME = "application/geo+json"
# French headers of the views' columns, for the CSV files people open in a spreadsheet
# (GeoJSON keeps the identifiers: it is read by programs, QGIS among them).
COLUMN_HEADERS = {
    "insee_code": "Code Insee", "name": "Commune", "commune_name": "Commune",
    "departement_code": "Département", "region_code": "Région", "epci_siren": "Siren de l'EPCI",
    "population": "Population", "lon": "Longitude", "lat": "Latitude", "longitude": "Longitude",
    "latitude": "Latitude", "value": "Valeur", "campaign_code": "Campagne",
    "council_commitment": "Engagement du conseil", "signature_count": "Signatures",
    "published_names": "Noms publiés", "list_names": "Listes", "first_signed_on": "Première signature",
    "measures_committed": "Mesures engagées", "measures_done": "Mesures réalisées",
    "measures_in_progress": "Mesures en cours", "measures_abandoned": "Mesures abandonnées",
    "share_done": "Part des mesures réalisées",
    **{key: f"{indicator.label} ({indicator.unit})" for key, indicator in energy.INDICATORS.items()},
}


def with_french_headers(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns=lambda column: COLUMN_HEADERS.get(column, column))


def _geojson_of_points(frame: pd.DataFrame, lon: str, lat: str) -> bytes:
    return geojson_bytes(points_collection(frame, lon, lat))


def offer_table(frame: pd.DataFrame, file_stem: str, *, key: str, what: str = "le tableau",
                lon: str | None = None, lat: str | None = None) -> None:
    """A CSV button for `frame`; with `lon`/`lat` columns, a GeoJSON button of its points too."""
    with st.container(horizontal=True, width="content"):
        st.download_button(f"Télécharger {what} (CSV)", partial(csv_bytes, with_french_headers(frame)),
                           file_name=f"{file_stem}.csv",
                           mime=CSV_MIME, key=f"{key}-csv", on_click="ignore", icon=":material/table:")
        if lon and lat:
            st.download_button(f"Télécharger {what} (GeoJSON)", partial(_geojson_of_points, frame, lon, lat),
                               file_name=f"{file_stem}.geojson", mime=GEOJSON_MIME, key=f"{key}-geojson",
                               on_click="ignore", icon=":material/map:")


def _contours(key: str, label: str, unit: str, decimals: int) -> bytes:
    with app_engine().connect() as conn:   # on click, after the page's connection is closed
        return exports.indicator_contours_geojson(conn, key, label, unit, decimals)


def offer_contours(indicator: energy.EnergyIndicator, file_stem: str) -> None:
    """The national map's communes as contours (GeoJSON), with the indicator and its unit."""
    # A short label: a 390 px phone cut the longer one with "…" ("contours des com…").
    st.download_button("Télécharger les contours (GeoJSON)",
                       partial(_contours, indicator.key, indicator.label, indicator.unit, indicator.decimals),
                       file_name=f"{file_stem}.geojson", mime=GEOJSON_MIME, key=f"{file_stem}-geojson",
                       on_click="ignore", icon=":material/map:",
                       help="Les communes de la carte avec leur contour, la valeur de l'indicateur et son unité.")


def offer_geojson(collection: dict, file_stem: str, *, key: str, what: str) -> None:
    """A GeoJSON button for a layer read from the views (`observatory.exports`)."""
    st.download_button(f"Télécharger {what} (GeoJSON)", partial(geojson_bytes, collection),
                       file_name=f"{file_stem}.geojson", mime=GEOJSON_MIME, key=f"{key}-geojson",
                       on_click="ignore", icon=":material/map:", disabled=not collection["features"])


def profile_table(profile: dict, council: dict | None = None) -> pd.DataFrame:
    """The commune's identity, and its council when known, as a one-row table with French headers."""
    row = {label: profile[key] for key, label in PROFILE_COLUMNS.items()}
    row.update({label: (council or {}).get(key) for key, label in COUNCIL_COLUMNS.items()})
    return pd.DataFrame([row])


def _sheet_html(engine: sa.Engine, insee_code: str) -> bytes:
    # Called on click, after the page's connection is closed: it opens its own.
    with engine.connect() as conn:
        return sheet.render_sheet(conn, insee_code).encode("utf-8")


def offer_commune_downloads(engine: sa.Engine, profile: dict) -> None:
    """The commune page's take-away files: its profile (CSV), contour and charging points
    (GeoJSON), and the printable sheet (HTML, and PDF when Chromium is installed)."""
    code = profile["insee_code"]
    with engine.connect() as conn:
        contour = exports.commune_contour(conn, code)
        points = (exports.commune_charging_points(conn, code)
                  if exports.view_exists(conn, "charging_point") else None)
        council = commune_council(conn, code)
        figures = export_tables.commune_figures(conn, code)
    with st.container(horizontal=True):
        # What the page shows: identity, council, energy with ranks, pact (French headers, units).
        table = profile_table(profile, council).round(
            {"Surface (km²)": 1, "Densité (hab./km²)": 0, "Longitude du centre": 6, "Latitude du centre": 6}
        ).assign(**figures)
        offer_table(table, f"commune-{code}", key="export-commune", what="la fiche")
        offer_geojson(contour, f"contour-{code}", key="export-contour", what="le contour")
        if points is not None:
            offer_geojson(points, f"points-de-recharge-{code}", key="export-charging-points",
                          what="les points de recharge")
        st.download_button("Fiche imprimable (HTML)", partial(_sheet_html, engine, code),
                           file_name=f"fiche-{code}.html", mime="text/html", key="export-sheet-html",
                           on_click="ignore", icon=":material/print:")
        st.page_link("sections/fiche.py", query_params={"code": code}, label="Ouvrir la fiche imprimable",
                     icon=":material/open_in_new:")
