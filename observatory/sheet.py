"""The printable one-page commune sheet: one self-contained HTML document (inline CSS for A4
printing, the contour as inline SVG), for a council meeting or a PDF.

Everything on it is read from the public views, and every block says its source, licence,
vintage and date of last load (`observatory.sources`).
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import date
from html import escape
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from geodata.conventions import official_srid
from geodata.sources.pacte.campaigns import CAMPAIGN_BY_CODE
from geodata.sources.pacte.reader import COMMITMENT_LABELS
from observatory import energy, pact
from observatory.communes import commune_profile
from observatory.councils import commune_council
from observatory.exports import view_exists
from observatory.formatting import NOT_RECORDED, french_date, number
from observatory.sources import FIGURES, Provenance, french_datetime, source_freshness

# The indicators a council asks about first; labels and units come from energy.INDICATORS.
SHEET_ENERGY = ("charging_points", "charging_stations", "points_per_1000_inhabitants", "installed_power_kw",
                "fast_dc_share_pct", "nearest_fast_charger_km", "heat_network_count",
                "dept_potential_dwellings_per_1000", "energy_commons_potential")
# Simplification of the drawn contour, in metres: invisible at the printed size, 10x lighter.
SVG_TOLERANCE_M = 10

_CONTOUR_SVG = sa.text(f"""
SELECT ST_AsSVG(ST_SimplifyPreserveTopology(geom, {SVG_TOLERANCE_M}), 0, 0) AS path,
       ST_XMin(geom) AS xmin, ST_YMax(geom) AS ymax,
       ST_XMax(geom) - ST_XMin(geom) AS width, ST_YMax(geom) - ST_YMin(geom) AS height
FROM (SELECT ST_Transform(geom, :srid) AS geom FROM observatory.commune
      WHERE insee_code = :code AND geom IS NOT NULL) AS official
""")

CSS = """
@page { size: A4 portrait; margin: 12mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #1b1b1b; margin: 0 auto;
       max-width: 186mm; line-height: 1.35; }
header { display: flex; justify-content: space-between; align-items: baseline;
         border-bottom: 2px solid #440154; margin-bottom: 4mm; }
h1 { font-size: 20pt; margin: 0; color: #440154; }
h2 { font-size: 12pt; margin: 4mm 0 1.5mm; color: #31688e; border-bottom: 1px solid #ccc; }
.top { display: flex; gap: 6mm; }
.top .identity { flex: 1; }
.top svg { width: 70mm; height: 60mm; }
table { border-collapse: collapse; width: 100%; }
td, th { padding: 1mm 1.5mm; border-bottom: 1px solid #e3e3e3; text-align: left; vertical-align: top; }
td.value { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.source { font-size: 7.5pt; color: #555; margin: 1mm 0 0; }
footer { margin-top: 5mm; font-size: 7.5pt; color: #555; border-top: 1px solid #ccc; padding-top: 2mm; }
@media print { body { max-width: none; } h2, table, .top { break-inside: avoid; } a { color: inherit; } }
"""


def contour_svg(conn: sa.Connection, insee_code: str) -> str | None:
    """The commune's contour in its territory's official projection (Lambert-93 in the mainland)
    as an inline SVG (ST_AsSVG flips y for SVG)."""
    row = conn.execute(_CONTOUR_SVG, {"code": insee_code, "srid": official_srid(insee_code)}).mappings().first()
    if row is None or not row["path"]:
        return None
    margin = 0.03 * max(row["width"], row["height"])
    box = (f"{row['xmin'] - margin:.0f} {-row['ymax'] - margin:.0f} "
           f"{row['width'] + 2 * margin:.0f} {row['height'] + 2 * margin:.0f}")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{box}" role="img" '
            f'aria-label="Contour de la commune"><path d="{row["path"]}" fill="#1fa187" fill-opacity="0.35" '
            f'stroke="#440154" stroke-width="2" vector-effect="non-scaling-stroke" fill-rule="evenodd"/></svg>')


def _source_line(freshness: dict[str, Provenance], *figures: str) -> str:
    keys = dict.fromkeys(key for figure in figures for key in FIGURES[figure])
    return "".join(f'<p class="source">{escape(freshness[key].text())}</p>' for key in keys)


def _rows(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"<tr><td>{escape(label)}</td><td class='value'>{escape(value)}</td></tr>"
                   for label, value in pairs)


def _pact_section(conn: sa.Connection, insee_code: str, freshness: dict[str, Provenance]) -> str:
    if not view_exists(conn, "commune_pact"):
        return "<p>Le Pacte pour la Transition n'est pas chargé dans cette base.</p>"
    status = pact.commune_pact(conn, insee_code)
    if status.empty:
        return ("<p>Aucune signature du Pacte pour la Transition connue pour cette commune dans les "
                "listes importées.</p>" + _source_line(freshness, "council_commitment"))
    commitments = pact.commune_commitments(conn, insee_code)
    blocks = []
    for row in status.itertuples():
        campaign = CAMPAIGN_BY_CODE.get(row.campaign_code)
        label = campaign.label if campaign else row.campaign_code
        level = COMMITMENT_LABELS.get(row.council_commitment, NOT_RECORDED)
        blocks.append(f"<p><b>{escape(label)}</b> · engagement du conseil : {escape(level)} · "
                      f"{number(row.signature_count)} signature(s) · mesures engagées : "
                      f"{number(row.measures_committed)}, réalisées : {number(row.measures_done)}, "
                      f"en cours : {number(row.measures_in_progress)}</p>")
        measures = commitments[commitments["campaign_code"] == row.campaign_code]
        if not measures.empty:
            blocks.append("<table><tr><th>Mesure</th><th>Statut</th></tr>" + "".join(
                f"<tr><td>{escape(str(m.measure_number))}. "
                f"{escape(m.title) if isinstance(m.title, str) and m.title else 'titre non vérifié'}</td>"
                f"<td>{escape(pact.status_label(m.status))}"
                f"{f' ({french_date(m.status_date)})' if pd.notna(m.status_date) else ''}</td></tr>"
                for m in measures.itertuples()) + "</table>")
    return "".join(blocks) + _source_line(freshness, "council_commitment")


def _energy_section(conn: sa.Connection, insee_code: str, freshness: dict[str, Provenance]) -> str:
    values = energy.commune_energy(conn, insee_code) if view_exists(conn, "commune_energy") else None
    if values is None:
        return "<p>Les indicateurs énergie ne sont pas calculés dans cette base.</p>"
    pairs = []
    for key in SHEET_ENERGY:
        indicator = energy.INDICATORS[key]
        shown = number(values[key], indicator.decimals)
        if energy.absent_in_territory(key, values):
            shown = energy.NO_FAST_CHARGER
        pairs.append((f"{indicator.label} ({indicator.unit})", shown))
    computed = french_datetime(values["computed_at"]) if values.get("computed_at") is not None else "—"
    return (f"<table>{_rows(pairs)}</table>" + _source_line(freshness, *SHEET_ENERGY)
            + f'<p class="source">Indicateurs calculés le {computed}. « non renseigné » : donnée absente, '
              "pas zéro. Distances mesurées dans le territoire de la commune.</p>")


def _council_section(conn: sa.Connection, insee_code: str, freshness: dict[str, Provenance]) -> str:
    council = commune_council(conn, insee_code) if view_exists(conn, "commune_council") else None
    if council is None:
        return "<p>Conseil municipal inconnu : la commune ne figure pas dans le répertoire des élus chargé.</p>"
    pairs = [("Maire", council["mayor_name"] or NOT_RECORDED), ("Maire depuis le", french_date(council["mayor_since"])),
             ("Conseillers municipaux", number(council["councillors"])),
             ("Part des femmes", number(council["women_share_pct"], 1, "%")),
             ("Début du mandat 2026", french_date(council["mandate_start"])),
             ("Mairie", (council["mairie_address"] or NOT_RECORDED).replace("\n", ", ")),
             ("Téléphone", council["mairie_phone"] or NOT_RECORDED),
             ("Courriel", council["mairie_email"] or NOT_RECORDED),
             ("Site internet", council["mairie_website"] or NOT_RECORDED)]
    return f"<table>{_rows(pairs)}</table>" + _source_line(freshness, "council")


def render_sheet(conn: sa.Connection, insee_code: str, *, generated: date | None = None) -> str | None:
    """The sheet of a current commune as an HTML document, or None if no commune has the code."""
    profile = commune_profile(conn, insee_code)
    if profile is None:
        return None
    generated = generated or date.today()
    freshness = source_freshness(conn)
    svg = contour_svg(conn, insee_code) or (
        f"<p>Pas de contour : {escape(profile['missing_geometry_reason'] or 'raison inconnue')}</p>")
    identity = _rows([
        ("Population", number(profile["population"])),
        ("Superficie", number(profile["area_km2"], 1, "km²")),
        ("Densité", number(profile["density_per_km2"], 1, "hab./km²")),
        ("Codes postaux", profile["postcodes"] or NOT_RECORDED),
        ("Intercommunalité (EPCI)", profile["epci"] or "aucune"),
        ("Département", f"{profile['departement']} ({profile['departement_code']})"),
        ("Région", profile["region"] or "hors région"),
    ])
    used = dict.fromkeys(key for figure in ("population", "density_per_km2", "council", "council_commitment",
                                            *SHEET_ENERGY)
                         for key in FIGURES[figure])
    sources_list = "".join(
        f"<li><b>{escape(freshness[key].source.name)}</b> : {escape(freshness[key].source.attribution)}, "
        f"{escape(freshness[key].source.licence)}, millésime {escape(freshness[key].vintage or '—')}, "
        f"dernier chargement {french_datetime(freshness[key].refreshed_at)}</li>" for key in used)
    name = escape(profile["name"])
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<title>Fiche commune : {name} ({escape(insee_code)})</title>
<style>{CSS}</style></head>
<body>
<header><h1>{name}</h1><span>Code Insee {escape(insee_code)}</span></header>
<section class="top"><div class="identity"><h2>Identité</h2><table>{identity}</table>
{_source_line(freshness, "population", "density_per_km2")}</div>
<div class="map"><h2>Territoire</h2>{svg}</div></section>
<section><h2>Conseil municipal élu en 2026</h2>{_council_section(conn, insee_code, freshness)}</section>
<section><h2>Pacte pour la Transition</h2>{_pact_section(conn, insee_code, freshness)}</section>
<section><h2>Énergie</h2>{_energy_section(conn, insee_code, freshness)}</section>
<footer><b>Sources</b><ul>{sources_list}</ul>
Fiche générée le {generated:%d/%m/%Y} par l'Observatoire de la transition locale.</footer>
</body></html>
"""


def chromium() -> str | None:
    """Debian's chromium, if installed: it prints the sheet to PDF."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def sheet_pdf(html: str, timeout_s: float = 60) -> bytes:
    """The sheet printed to PDF by headless Chromium (RuntimeError if it is not installed)."""
    browser = chromium()
    if browser is None:
        raise RuntimeError("chromium n'est pas installé : impression PDF indisponible")
    with tempfile.TemporaryDirectory() as folder:
        page, pdf = Path(folder) / "fiche.html", Path(folder) / "fiche.pdf"
        page.write_text(html, encoding="utf-8")
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                        f"--user-data-dir={folder}/profile", f"--print-to-pdf={pdf}", page.as_uri()],
                       check=True, capture_output=True, timeout=timeout_s)
        return pdf.read_bytes()
