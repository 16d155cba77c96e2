"""Charging points (IRVE): core.charging_point and the public view observatory.charging_point.

Revision ID: 0002_charging_points
Revises: 0001_foundation
"""
import geoalchemy2
import sqlalchemy as sa
from alembic import op

revision = "0002_charging_points"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

VIEW_COMMENTS = {
    "id": "Identifiant interne du point de charge (stable pour un chargement, pas entre deux).",
    "id_pdc_itinerance": "Identifiant d'itinérance du point de charge (FR...), quand la source le donne.",
    "station_name": "Nom de la station (nom_station).",
    "operator": "Opérateur (nom_operateur).",
    "address": "Adresse de la station (adresse_station).",
    "insee_code": "Code INSEE (COG 2026) de la commune où se trouve le point, trouvé spatialement; "
                  "vide quand le point n'est dans aucune commune.",
    "commune_name": "Nom de la commune (COG 2026).",
    "declared_insee_code": "Code INSEE déclaré par le producteur (code_insee_commune), tel quel.",
    "power_kw": "Puissance nominale du point de charge, en kW.",
    "is_fast_dc": "Recharge rapide: courant continu et puissance >= 50 kW.",
    "commissioned_on": "Date de mise en service (date_mise_en_service), quand elle est donnée.",
    "access_24_7": "Accessible 24 h/24, 7 j/7 (horaires = 24/7).",
    "repaired": "Réparation appliquée par le chargement (ex. swapped_lat_lon: latitude et "
                "longitude inversées à la source).",
    "attribution": "Méthode d'attribution de la commune: contains (dans le contour), nearest "
                   "(hors contour simplifié, commune la plus proche à moins de 500 m).",
    "geom": "Position, Lambert-93 (EPSG:2154).",
    "geom_wgs84": "Position, WGS84 (EPSG:4326).",
    "lon": "Longitude WGS84.",
    "lat": "Latitude WGS84.",
}


def upgrade() -> None:
    op.create_table(
        "charging_point",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("id_pdc_itinerance", sa.Text(), nullable=True),
        sa.Column("station_name", sa.Text(), nullable=False),
        sa.Column("operator", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("insee_code", sa.String(length=5), nullable=True),
        sa.Column("declared_insee_code", sa.String(length=5), nullable=True),
        sa.Column("power_kw", sa.Float(), nullable=False),
        sa.Column("is_fast_dc", sa.Boolean(), nullable=False),
        sa.Column("commissioned_on", sa.Date(), nullable=True),
        sa.Column("access_24_7", sa.Boolean(), nullable=True),
        sa.Column("repaired", sa.Text(), nullable=True),
        sa.Column("attribution", sa.String(length=16), nullable=True),
        sa.Column("geom", geoalchemy2.types.Geometry(geometry_type="POINT", srid=2154, dimension=2,
                                                     spatial_index=False, from_text="ST_GeomFromEWKT",
                                                     name="geometry", nullable=False), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_point")),
        schema="core",
    )
    op.create_index(op.f("ix_charging_point_insee_code"), "charging_point", ["insee_code"],
                    unique=False, schema="core")
    op.create_geospatial_index("idx_charging_point_geom", "charging_point", ["geom"], unique=False,
                               schema="core", postgresql_using="gist", postgresql_ops={})

    op.execute("CREATE SCHEMA IF NOT EXISTS observatory")
    op.execute("""
        CREATE VIEW observatory.charging_point AS
        SELECT p.id, p.id_pdc_itinerance, p.station_name, p.operator, p.address,
               p.insee_code, c.name AS commune_name, p.declared_insee_code,
               p.power_kw, p.is_fast_dc, p.commissioned_on, p.access_24_7,
               p.repaired, p.attribution,
               p.geom,
               ST_Transform(p.geom, 4326)::geometry(Point, 4326) AS geom_wgs84,
               ST_X(ST_Transform(p.geom, 4326)) AS lon,
               ST_Y(ST_Transform(p.geom, 4326)) AS lat
        FROM core.charging_point p
        LEFT JOIN core.commune c ON c.insee_code = p.insee_code
    """)
    op.execute("COMMENT ON VIEW observatory.charging_point IS "
               "'Points de recharge pour véhicules électriques (IRVE, fichier national consolidé, "
               "schéma statique 2.3), nettoyés, dédoublonnés et rattachés spatialement à leur "
               "commune (COG 2026). Source: data.gouv.fr, Licence Ouverte 2.0.'")
    for column, comment in VIEW_COMMENTS.items():
        op.execute(sa.text(f"COMMENT ON COLUMN observatory.charging_point.{column} IS "
                           f"'{comment.replace(chr(39), chr(39) * 2)}'"))
    op.execute("GRANT SELECT ON observatory.charging_point TO observatory_reader")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS observatory.charging_point")
    op.drop_geospatial_index("idx_charging_point_geom", table_name="charging_point", schema="core",
                             postgresql_using="gist", column_name="geom")
    op.drop_index(op.f("ix_charging_point_insee_code"), table_name="charging_point", schema="core")
    op.drop_table("charging_point", schema="core")
