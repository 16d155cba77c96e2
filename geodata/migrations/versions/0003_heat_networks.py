"""Heat networks (France Chaleur Urbaine), labels, potentials and per-commune energy indicators.

Revision ID: 0003_heat_networks
Revises: 0002_charging_points

After 0002 because observatory.commune_charging_year reads core.charging_point.
"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0003_heat_networks"
down_revision = "0002_charging_points"
branch_labels = None
depends_on = None

READER = "observatory_reader"


def _geometry(kind: str, srid: int) -> Geometry:
    return Geometry(geometry_type=kind, srid=srid, dimension=2, spatial_index=False,
                    from_text="ST_GeomFromEWKT", name="geometry", nullable=False)


VIEWS = {
    "heat_network": (
        """SELECT n.id, n.sncu_id, n.name, n.communes_declared, n.departement_code, n.owner,
                  n.operator, n.classified, n.creation_year, n.declared_length_km,
                  CASE WHEN n.has_trace THEN ST_Length(n.geom) / 1000.0 END AS trace_length_km,
                  n.delivery_points, n.renewable_share_pct, n.co2_kg_per_kwh, n.co2_lca_kg_per_kwh,
                  n.deliveries_mwh, n.has_trace,
                  (SELECT string_agg(l.label, ', ' ORDER BY l.label) FROM core.ecoreseau_label l
                    WHERE l.sncu_id = n.sncu_id) AS ecoreseau_label,
                  n.geom, n.geom_display AS geom_wgs84
           FROM core.heat_network n""",
        "Réseaux de chaleur existants publiés par France Chaleur Urbaine (opendata-fcu.zip, "
        "Licence Ouverte 2.0): tracés (MultiLineString) ou, sans tracé, un point. Vide quand "
        "l'archive n'a pas pu être obtenue: voir observatory.heat_layer_status.",
        {"sncu_id": "Identifiant national SNCU du réseau (ex. 0108C; 2 premiers caractères = département)",
         "communes_declared": "Communes d'implantation telles que publiées (noms, sans code INSEE)",
         "declared_length_km": "Longueur du réseau déclarée (km)",
         "trace_length_km": "Longueur du tracé publié, mesurée en Lambert-93 (km)",
         "renewable_share_pct": "Taux d'énergies renouvelables et de récupération (EnR&R), %",
         "co2_kg_per_kwh": "Contenu CO2 de la chaleur livrée, kg/kWh",
         "co2_lca_kg_per_kwh": "Contenu CO2 en analyse du cycle de vie, kg/kWh",
         "deliveries_mwh": "Livraisons totales de chaleur, MWh/an",
         "ecoreseau_label": "Label Écoréseau 2025 obtenu par le réseau, le cas échéant",
         "geom": "Tracé ou point, Lambert-93 (EPSG:2154)",
         "geom_wgs84": "Géométrie simplifiée pour les cartes, WGS84 (EPSG:4326)"}),
    "heat_area": (
        """SELECT id, kind, sncu_id, communes_declared, operator, commissioning, geom,
                  geom_display AS geom_wgs84
           FROM core.heat_area""",
        "Périmètres de développement prioritaire (kind = perimeter) et réseaux en construction "
        "(construction_zone, construction_trace) publiés par France Chaleur Urbaine.",
        {"kind": "perimeter, construction_zone ou construction_trace",
         "commissioning": "Mise en service annoncée (réseaux en construction)"}),
    "heat_layer_status": (
        """SELECT source, available, reason, location, checked_at FROM core.source_availability""",
        "Disponibilité des couches optionnelles à leur dernier chargement, et pourquoi une couche "
        "manque (ex. archive des tracés FCU absente du miroir et non téléchargeable).",
        {"reason": "Pourquoi la couche n'est pas disponible (vide si elle l'est)"}),
    "ecoreseau_label": (
        """SELECT l.sncu_id, l.label, l.vintage, l.collectivite, l.network_name, l.departement_code,
                  l.insee_code, c.name AS commune_name, l.epci_siren, e.name AS epci_name, l.match_method
           FROM core.ecoreseau_label l
           LEFT JOIN core.commune c ON c.insee_code = l.insee_code
           LEFT JOIN core.epci e ON e.siren = l.epci_siren""",
        "Lauréats du label Écoréseau 2025 et Écoréseau + 2025 (AMORCE, publiés par France Chaleur "
        "Urbaine), avec la commune ou l'EPCI de la collectivité lauréate quand son nom est reconnu.",
        {"match_method": "commune_name, epci_name ou unmatched (nom non reconnu, sans devinette)"}),
    "heat_potential_departement": (
        """SELECT p.*, s.network_count, s.renewable_share_pct
           FROM core.heat_potential_departement p
           LEFT JOIN core.heat_departement_summary s USING (departement_code)""",
        "Potentiel de raccordement par département (France Chaleur Urbaine, BDNB 2022): bâtiments "
        "et logements par mode de chauffage à moins de distance_m mètres d'un réseau existant.",
        {"distance_m": "Distance au réseau le plus proche: 50, 100 ou 150 m",
         "dwellings_collective_gas": "Logements en chauffage collectif au gaz à moins de distance_m",
         "dwellings_collective_oil": "Logements en chauffage collectif au fioul à moins de distance_m",
         "network_count": "Nombre de réseaux de chaleur du département (2022)",
         "renewable_share_pct": "Taux moyen d'EnR&R des réseaux du département (2022), %"}),
    "heat_national_figure": (
        "SELECT key, label, value, unit, published_as, source FROM core.heat_national_figure",
        "Chiffres nationaux des réseaux de chaleur publiés par France Chaleur Urbaine.",
        {"published_as": "Le chiffre tel que publié (texte)"}),
    "commune_energy": (
        """SELECT e.*, b.centroid AS geom
           FROM core.commune_energy e
           LEFT JOIN core.commune_boundary b USING (insee_code)""",
        "Indicateurs énergie par commune (COG 2026), une ligne par commune actuelle, calculés "
        "par le pipeline: recharge (IRVE), réseaux de chaleur (FCU), potentiel départemental, "
        "et un potentiel de communs énergétiques dont chaque composante est donnée à côté. "
        "Définitions, unités, sources et millésimes: docs/indicators.md.",
        {"points_per_1000_inhabitants": "Points de recharge pour 1 000 habitants",
         "installed_power_kw": "Puissance installée cumulée des points de recharge, kW",
         "fast_dc_share_pct": "Part des points en courant continu >= 50 kW, %",
         "nearest_fast_charger_km": "Distance du centre de la commune au point rapide le plus proche, km",
         "points_by_year": "Points mis en service par année ({année: nombre})",
         "heat_layer_available": "Faux quand les tracés FCU manquent: les indicateurs chaleur sont alors NULL (inconnus), pas 0",
         "heat_network_length_km": "Longueur des tracés de réseaux de chaleur dans la commune, km",
         "heat_networks": "Réseaux desservant la commune: [{sncu_id, name, renewable_share_pct, co2_kg_per_kwh, ...}]",
         "in_priority_perimeter": "La commune recoupe un périmètre de développement prioritaire",
         "ecoreseau_label": "Label Écoréseau d'un réseau desservant la commune ou détenu par la commune",
         "ecoreseau_label_basis": "network_serving (réseau qui dessert la commune), collectivite (commune lauréate) ou epci (intercommunalité lauréate)",
         "dept_potential_dwellings_100m": "Logements en chauffage collectif gaz ou fioul à moins de 100 m d'un réseau, dans le département",
         "energy_commons_potential": "Moyenne des composantes score_* disponibles (0-100); components_used dit combien",
         "components_used": "Nombre de composantes disponibles dans la moyenne",
         "geom": "Centre de la commune (centroïde du contour harmonisé), Lambert-93"}),
    "commune_charging_year": (
        """SELECT insee_code, extract(year FROM commissioned_on)::int AS year, count(*) AS points_commissioned
           FROM core.charging_point
           WHERE insee_code IS NOT NULL AND commissioned_on IS NOT NULL
           GROUP BY 1, 2""",
        "Points de recharge mis en service par commune et par année (date_mise_en_service), pour "
        "suivre un mandat: avant et depuis la signature d'un pacte",
        {}),
}


def upgrade() -> None:
    op.create_table(
        "commune_energy",
        sa.Column("insee_code", sa.String(length=5), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("departement_code", sa.String(length=3), nullable=False),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("charging_points", sa.Integer(), nullable=False),
        sa.Column("charging_stations", sa.Integer(), nullable=False),
        sa.Column("points_per_1000_inhabitants", sa.Float(), nullable=True),
        sa.Column("installed_power_kw", sa.Float(), nullable=False),
        sa.Column("fast_dc_points", sa.Integer(), nullable=False),
        sa.Column("fast_dc_share_pct", sa.Float(), nullable=True),
        sa.Column("nearest_fast_charger_km", sa.Float(), nullable=True),
        sa.Column("points_by_year", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("heat_layer_available", sa.Boolean(), nullable=False),
        sa.Column("heat_network_present", sa.Boolean(), nullable=True),
        sa.Column("heat_network_count", sa.Integer(), nullable=True),
        sa.Column("heat_network_length_km", sa.Float(), nullable=True),
        sa.Column("heat_networks", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("best_renewable_share_pct", sa.Float(), nullable=True),
        sa.Column("lowest_co2_kg_per_kwh", sa.Float(), nullable=True),
        sa.Column("in_priority_perimeter", sa.Boolean(), nullable=True),
        sa.Column("ecoreseau_label", sa.Text(), nullable=True),
        sa.Column("ecoreseau_label_basis", sa.Text(), nullable=True),
        sa.Column("dept_heat_networks", sa.Integer(), nullable=True),
        sa.Column("dept_renewable_share_pct", sa.Float(), nullable=True),
        sa.Column("dept_potential_dwellings_100m", sa.Integer(), nullable=True),
        sa.Column("dept_potential_dwellings_per_1000", sa.Float(), nullable=True),
        sa.Column("score_charging_density", sa.Float(), nullable=True),
        sa.Column("score_fast_charging_access", sa.Float(), nullable=True),
        sa.Column("score_heat_network", sa.Float(), nullable=True),
        sa.Column("score_heat_potential", sa.Float(), nullable=True),
        sa.Column("energy_commons_potential", sa.Float(), nullable=True),
        sa.Column("components_used", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("insee_code", name=op.f("pk_commune_energy")),
        schema="core",
    )
    op.create_index(op.f("ix_commune_energy_departement_code"), "commune_energy", ["departement_code"],
                    unique=False, schema="core")
    op.create_table(
        "ecoreseau_label",
        sa.Column("sncu_id", sa.String(length=8), nullable=False),
        sa.Column("label", sa.String(length=16), nullable=False),
        sa.Column("vintage", sa.String(length=4), nullable=False),
        sa.Column("collectivite", sa.Text(), nullable=False),
        sa.Column("network_name", sa.Text(), nullable=True),
        sa.Column("departement_code", sa.String(length=3), nullable=False),
        sa.Column("insee_code", sa.String(length=5), nullable=True),
        sa.Column("epci_siren", sa.String(length=9), nullable=True),
        sa.Column("match_method", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("sncu_id", "label", name=op.f("pk_ecoreseau_label")),
        schema="core",
    )
    op.create_index(op.f("ix_ecoreseau_label_insee_code"), "ecoreseau_label", ["insee_code"],
                    unique=False, schema="core")
    op.create_geospatial_table(
        "heat_area",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("sncu_id", sa.String(length=8), nullable=True),
        sa.Column("communes_declared", sa.Text(), nullable=True),
        sa.Column("operator", sa.Text(), nullable=True),
        sa.Column("commissioning", sa.Text(), nullable=True),
        sa.Column("geom", _geometry("GEOMETRY", 2154), nullable=False),
        sa.Column("geom_display", _geometry("GEOMETRY", 4326), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_heat_area")),
        schema="core",
    )
    op.create_geospatial_index("idx_heat_area_geom", "heat_area", ["geom"], unique=False, schema="core",
                               postgresql_using="gist", postgresql_ops={})
    op.create_index(op.f("ix_heat_area_kind"), "heat_area", ["kind"], unique=False, schema="core")
    op.create_table(
        "heat_departement_summary",
        sa.Column("departement_code", sa.String(length=3), nullable=False),
        sa.Column("network_count", sa.Integer(), nullable=True),
        sa.Column("renewable_share_pct", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("departement_code", name=op.f("pk_heat_departement_summary")),
        schema="core",
    )
    op.create_table(
        "heat_national_figure",
        sa.Column("key", sa.String(length=48), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=True),
        sa.Column("published_as", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_heat_national_figure")),
        schema="core",
    )
    op.create_geospatial_table(
        "heat_network",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sncu_id", sa.String(length=8), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("communes_declared", sa.Text(), nullable=True),
        sa.Column("departement_code", sa.String(length=3), nullable=True),
        sa.Column("departement_label", sa.Text(), nullable=True),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("operator", sa.Text(), nullable=True),
        sa.Column("classified", sa.Boolean(), nullable=True),
        sa.Column("creation_year", sa.Integer(), nullable=True),
        sa.Column("declared_length_km", sa.Float(), nullable=True),
        sa.Column("delivery_points", sa.Integer(), nullable=True),
        sa.Column("renewable_share_pct", sa.Float(), nullable=True),
        sa.Column("co2_kg_per_kwh", sa.Float(), nullable=True),
        sa.Column("co2_lca_kg_per_kwh", sa.Float(), nullable=True),
        sa.Column("deliveries_mwh", sa.Float(), nullable=True),
        sa.Column("has_trace", sa.Boolean(), nullable=False),
        sa.Column("geom", _geometry("GEOMETRY", 2154), nullable=False),
        sa.Column("geom_display", _geometry("GEOMETRY", 4326), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_heat_network")),
        schema="core",
    )
    op.create_geospatial_index("idx_heat_network_geom", "heat_network", ["geom"], unique=False,
                               schema="core", postgresql_using="gist", postgresql_ops={})
    op.create_index(op.f("ix_heat_network_sncu_id"), "heat_network", ["sncu_id"], unique=False, schema="core")
    op.create_table(
        "heat_potential_departement",
        sa.Column("departement_code", sa.String(length=3), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=False),
        sa.Column("departement_name", sa.Text(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in (
            "buildings_total", "dwellings_total", "buildings_individual_oil", "buildings_individual_gas",
            "buildings_individual_electric", "buildings_collective_oil", "buildings_collective_gas",
            "dwellings_individual_oil", "dwellings_individual_gas", "dwellings_individual_electric",
            "dwellings_collective_oil", "dwellings_collective_gas")],
        sa.PrimaryKeyConstraint("departement_code", "distance_m", name=op.f("pk_heat_potential_departement")),
        schema="core",
    )
    op.create_table(
        "source_availability",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_source_availability")),
        schema="core",
    )

    for view, (select, comment, columns) in VIEWS.items():
        op.execute(f"CREATE VIEW observatory.{view} AS {select}")
        op.execute(f"COMMENT ON VIEW observatory.{view} IS {_literal(comment)}")
        for column, text in columns.items():
            op.execute(f"COMMENT ON COLUMN observatory.{view}.{column} IS {_literal(text)}")
        op.execute(f"GRANT SELECT ON observatory.{view} TO {READER}")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def downgrade() -> None:
    for view in reversed(list(VIEWS)):
        op.execute(f"DROP VIEW IF EXISTS observatory.{view}")
    op.drop_table("source_availability", schema="core")
    op.drop_table("heat_potential_departement", schema="core")
    op.drop_index(op.f("ix_heat_network_sncu_id"), table_name="heat_network", schema="core")
    op.drop_geospatial_index("idx_heat_network_geom", table_name="heat_network", schema="core",
                             postgresql_using="gist", column_name="geom")
    op.drop_geospatial_table("heat_network", schema="core")
    op.drop_table("heat_national_figure", schema="core")
    op.drop_table("heat_departement_summary", schema="core")
    op.drop_index(op.f("ix_heat_area_kind"), table_name="heat_area", schema="core")
    op.drop_geospatial_index("idx_heat_area_geom", table_name="heat_area", schema="core",
                             postgresql_using="gist", column_name="geom")
    op.drop_geospatial_table("heat_area", schema="core")
    op.drop_index(op.f("ix_ecoreseau_label_insee_code"), table_name="ecoreseau_label", schema="core")
    op.drop_table("ecoreseau_label", schema="core")
    op.drop_index(op.f("ix_commune_energy_departement_code"), table_name="commune_energy", schema="core")
    op.drop_table("commune_energy", schema="core")
