"""Areas and lengths on the ellipsoid (issue 17): true overseas as in the mainland.

Revision ID: 0010_measures_on_the_ellipsoid
Revises: 0008_heat_arrete_councils (its heat_network view)

Geometries stay stored in Lambert-93 (EPSG:2154), metropolitan France's projection, in which
the communes of La Réunion measured 3.5 times their area. The communes' stored areas are made
geodesic here (the pipeline computes them so from now on), observatory.heat_network measures
its traces on the ellipsoid, and the views' comments say which column to use for areas and
distances. Downgrading restores the Lambert-93 view and comments, and leaves the true areas.
"""
from alembic import context, op

from geodata.public_views import create_views, literal

revision = "0010_measures_on_the_ellipsoid"
down_revision = "0008_heat_arrete_councils"
branch_labels = None
depends_on = None

LAMBERT93_LENGTH = "ST_Length(t.geom)"
GEODESIC_LENGTH = "ST_Length(ST_Transform(t.geom, 4326)::geography)"
ON_ELLIPSOID = "ST_Transform(geom, 4326)::geography"

# (view, column): (comment from now on, comment before)
COMMENTS = {
    ("commune", "area_km2"): (
        "Geodesic area of the harmonised geometry (on the WGS84 ellipsoid), km²: the area to use, true "
        "overseas as in the mainland. ST_Area(geom) would measure in Lambert-93 metres: 3.5 times too big "
        "in La Réunion, up to 0.6 % off in the mainland",
        "Area of the harmonised geometry, km² (computed in Lambert-93)"),
    ("commune", "density_per_km2"): (
        "Inhabitants per km² of area_km2 (geodesic area)",
        "Inhabitants per km²"),
    ("commune", "geom"): (
        "Contour in Lambert-93 (EPSG:2154), not simplified, indexed: for spatial joins. Lambert-93 is "
        f"metropolitan France's projection: measure on the ellipsoid, e.g. ST_Distance({ON_ELLIPSOID}, "
        "other) in metres",
        "Contour in Lambert-93 (EPSG:2154), for measures"),
    ("heat_network", "trace_length_km"): (
        "Longueur géodésique du tracé publié (sur l'ellipsoïde WGS84), km",
        "Longueur du tracé publié, mesurée en Lambert-93 (km)"),
    ("heat_network", "geom"): (
        "Tracé ou point, Lambert-93 (EPSG:2154); vide sans tracés. Longueurs et distances sur "
        f"l'ellipsoïde: ST_Length({ON_ELLIPSOID}), en mètres",
        "Tracé ou point, Lambert-93 (EPSG:2154); vide sans tracés"),
    ("charging_point", "geom"): (
        f"Position, Lambert-93 (EPSG:2154). Distances on the ellipsoid: ST_Distance({ON_ELLIPSOID}, other), "
        "in metres.",
        "Position, Lambert-93 (EPSG:2154)."),
    ("commune_energy", "geom"): (
        "Centre de la commune (un point à l'intérieur du contour harmonisé, ST_PointOnSurface), "
        "Lambert-93; les distances se mesurent sur l'ellipsoïde",
        "Centre de la commune (centroïde du contour harmonisé), Lambert-93"),
    ("commune_energy", "nearest_fast_charger_km"): (
        "Distance géodésique (sur l'ellipsoïde WGS84) du centre de la commune au point rapide le plus "
        "proche dans son territoire (métropole, Corse, chaque département d'outre-mer), km",
        "Distance du centre de la commune au point rapide le plus proche, km"),
    ("commune_energy", "heat_network_length_km"): (
        "Longueur géodésique des tracés de réseaux de chaleur dans la commune, km",
        "Longueur des tracés de réseaux de chaleur dans la commune, km"),
}


def _heat_network_view(length: str) -> dict:
    select, comment, columns = context.script.get_revision("0008_heat_arrete_councils").module.VIEWS["heat_network"]
    assert select.count(LAMBERT93_LENGTH) == 1, "0008's heat_network view measures its trace once"
    return {"heat_network": (select.replace(LAMBERT93_LENGTH, length), comment, columns)}


def _comment(which: int) -> None:
    for (view, column), texts in COMMENTS.items():
        op.execute(f"COMMENT ON COLUMN observatory.{view}.{column} IS {literal(texts[which])}")


# The areas measured again are a new publication of the same communes: recorded as a load with
# the last one's accounting, so that the energy indicators and the national maps built on them
# are computed again by the next pipeline run (nothing to record in a database never loaded).
REMEASURED = """
INSERT INTO core.load_run (source, target_table, duration_s, rows_read, rows_loaded, rows_repaired,
                           rows_duplicate, rows_quarantined, quarantine_by_reason, source_url, source_hash, vintage)
SELECT source, target_table, 0, rows_read, rows_loaded, rows_repaired, rows_duplicate, rows_quarantined,
       quarantine_by_reason, source_url, source_hash, vintage
FROM core.load_run WHERE source = 'commune-boundaries' ORDER BY id DESC LIMIT 1
"""


def upgrade() -> None:
    op.execute("UPDATE core.commune_boundary SET area_km2 = ST_Area(ST_Transform(geom, 4326)::geography) / 1e6")
    op.execute(REMEASURED)
    create_views(op.execute, _heat_network_view(GEODESIC_LENGTH), replace=True)
    _comment(0)


def downgrade() -> None:
    create_views(op.execute, _heat_network_view(LAMBERT93_LENGTH), replace=True)
    _comment(1)
