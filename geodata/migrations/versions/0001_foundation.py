"""foundation: COG reference, contours, load accounting

Revision ID: 0001_foundation
Revises: 
Create Date: 2026-11-23 16:26:49.572501

Also creates the public `observatory` schema, its views over the reference, and the
read-only role `observatory_reader` that the dashboards use.
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = '0001_foundation'
down_revision = None
branch_labels = None
depends_on = None

READER = "observatory_reader"

PUBLIC_INTERFACE = [
    f"""DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{READER}') THEN
            CREATE ROLE {READER} NOLOGIN;
        END IF;
    END $$""",
    # Whoever runs the migrations may switch to the reader role (SET ROLE).
    f"GRANT {READER} TO CURRENT_USER",
    "CREATE SCHEMA IF NOT EXISTS observatory",
    "COMMENT ON SCHEMA observatory IS 'Public, read-only interface of the observatory (QGIS, psql, dashboards)'",
    f"GRANT USAGE ON SCHEMA observatory TO {READER}",
    f"ALTER DEFAULT PRIVILEGES IN SCHEMA observatory GRANT SELECT ON TABLES TO {READER}",
    """CREATE VIEW observatory.region AS
        SELECT r.code AS region_code, r.name,
               (SELECT sum(c.population) FROM core.commune c WHERE c.region_code = r.code) AS population
        FROM core.region r""",
    "COMMENT ON VIEW observatory.region IS 'Régions of the COG reference, with their population (sum of communes)'",
    """CREATE VIEW observatory.departement AS
        SELECT d.code AS departement_code, d.name, d.region_code,
               (SELECT sum(c.population) FROM core.commune c WHERE c.departement_code = d.code) AS population
        FROM core.departement d""",
    "COMMENT ON VIEW observatory.departement IS 'Départements of the COG reference, with their population'",
    """CREATE VIEW observatory.epci AS
        SELECT e.siren AS epci_siren, e.name, e.nature,
               count(c.insee_code) AS commune_count, sum(c.population) AS population
        FROM core.epci e LEFT JOIN core.commune c ON c.epci_siren = e.siren
        GROUP BY e.siren, e.name, e.nature""",
    "COMMENT ON VIEW observatory.epci IS 'Groupings of communes (EPCI à fiscalité propre) of the COG reference'",
    """CREATE VIEW observatory.commune AS
        SELECT c.insee_code, c.name, c.population, c.departement_code, c.region_code, c.epci_siren,
               c.zone, c.postcodes, b.area_km2,
               CASE WHEN b.area_km2 > 0 THEN c.population / b.area_km2 END AS density_per_km2,
               b.geom, b.geom_display AS geom_wgs84, w.reason AS missing_geometry_reason
        FROM core.commune c
        LEFT JOIN core.commune_boundary b USING (insee_code)
        LEFT JOIN core.commune_without_boundary w USING (insee_code)""",
    "COMMENT ON VIEW observatory.commune IS 'Current communes (COG 2026) with their harmonised geometry; geom is NULL, with missing_geometry_reason, when the contours cannot give one'",
    "COMMENT ON COLUMN observatory.commune.insee_code IS 'INSEE code, 5 characters (2A/2B for Corsica)'",
    "COMMENT ON COLUMN observatory.commune.name IS 'Official name (COG)'",
    "COMMENT ON COLUMN observatory.commune.departement_code IS 'Département code (01..95, 2A, 2B, 971..976)'",
    "COMMENT ON COLUMN observatory.commune.region_code IS 'Région code (NULL for overseas collectivities)'",
    "COMMENT ON COLUMN observatory.commune.epci_siren IS 'SIREN of the commune''s EPCI (intercommunalité), NULL if none'",
    "COMMENT ON COLUMN observatory.commune.zone IS 'metro, drom (overseas départements) or com (overseas collectivities)'",
    "COMMENT ON COLUMN observatory.commune.postcodes IS 'Postcodes serving the commune'",
    "COMMENT ON COLUMN observatory.commune.missing_geometry_reason IS 'Why the commune has no geometry (in French), NULL when it has one'",
    "COMMENT ON COLUMN observatory.commune.population IS 'Municipal population of the COG reference'",
    "COMMENT ON COLUMN observatory.commune.area_km2 IS 'Area of the harmonised geometry, km² (computed in Lambert-93)'",
    "COMMENT ON COLUMN observatory.commune.density_per_km2 IS 'Inhabitants per km²'",
    "COMMENT ON COLUMN observatory.commune.geom IS 'Contour in Lambert-93 (EPSG:2154), for measures'",
    "COMMENT ON COLUMN observatory.commune.geom_wgs84 IS 'Simplified contour in WGS84 (EPSG:4326), for maps'",
    """CREATE VIEW observatory.former_commune AS
        SELECT f.code, f.kind, coalesce(f.name, k.name) AS name, f.current_insee_code
        FROM core.former_commune f LEFT JOIN core.commune_contour k ON k.code = f.code""",
    "COMMENT ON VIEW observatory.former_commune IS 'Codes that resolve to a current commune: delegated (deleguee), associated (associee), absorbed by a merger (ancienne), municipal arrondissements'",
    """CREATE VIEW observatory.load_run AS
        SELECT id, source, target_table, started_at, duration_s, rows_read, rows_loaded,
               rows_repaired, rows_duplicate, rows_quarantined, quarantine_by_reason,
               source_url, source_hash, vintage
        FROM core.load_run""",
    "COMMENT ON VIEW observatory.load_run IS 'Every load: rows read, loaded, repaired, quarantined by reason, source hash and vintage'",
    """CREATE VIEW observatory.quarantined_row AS
        SELECT source, row_ref, reason, detail, payload FROM core.quarantined_row""",
    "COMMENT ON VIEW observatory.quarantined_row IS 'Source rows that were not loaded, with their reason'",
]


def upgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('commune',
    sa.Column('insee_code', sa.String(length=5), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('departement_code', sa.String(length=3), nullable=False),
    sa.Column('region_code', sa.String(length=3), nullable=True),
    sa.Column('epci_siren', sa.String(length=9), nullable=True),
    sa.Column('zone', sa.String(length=8), nullable=False),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.Column('postcodes', sa.ARRAY(sa.String(length=5)), nullable=False),
    sa.PrimaryKeyConstraint('insee_code', name=op.f('pk_commune')),
    schema='core'
    )
    op.create_index(op.f('ix_commune_departement_code'), 'commune', ['departement_code'], unique=False, schema='core')
    op.create_index(op.f('ix_commune_epci_siren'), 'commune', ['epci_siren'], unique=False, schema='core')
    op.create_geospatial_table('commune_boundary',
    sa.Column('insee_code', sa.String(length=5), nullable=False),
    sa.Column('contour_codes', sa.ARRAY(sa.String(length=5)), nullable=False),
    sa.Column('area_km2', sa.Float(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=2154, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('geom_display', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('centroid', Geometry(geometry_type='POINT', srid=2154, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.PrimaryKeyConstraint('insee_code', name=op.f('pk_commune_boundary')),
    schema='core'
    )
    op.create_geospatial_index('idx_commune_boundary_geom', 'commune_boundary', ['geom'], unique=False, schema='core', postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_index('idx_commune_boundary_geom_display', 'commune_boundary', ['geom_display'], unique=False, schema='core', postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('commune_contour',
    sa.Column('code', sa.String(length=5), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('repaired', sa.Boolean(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=2154, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_commune_contour')),
    schema='core'
    )
    op.create_geospatial_index('idx_commune_contour_geom', 'commune_contour', ['geom'], unique=False, schema='core', postgresql_using='gist', postgresql_ops={})
    op.create_table('commune_without_boundary',
    sa.Column('insee_code', sa.String(length=5), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('insee_code', name=op.f('pk_commune_without_boundary')),
    schema='core'
    )
    op.create_table('departement',
    sa.Column('code', sa.String(length=3), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('region_code', sa.String(length=3), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_departement')),
    schema='core'
    )
    op.create_index(op.f('ix_departement_region_code'), 'departement', ['region_code'], unique=False, schema='core')
    op.create_table('epci',
    sa.Column('siren', sa.String(length=9), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('nature', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('siren', name=op.f('pk_epci')),
    schema='core'
    )
    op.create_table('former_commune',
    sa.Column('code', sa.String(length=5), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('current_insee_code', sa.String(length=5), nullable=False),
    sa.PrimaryKeyConstraint('code', 'kind', name=op.f('pk_former_commune')),
    schema='core'
    )
    op.create_index(op.f('ix_former_commune_current_insee_code'), 'former_commune', ['current_insee_code'], unique=False, schema='core')
    op.create_table('load_run',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('target_table', sa.String(length=128), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('duration_s', sa.Float(), nullable=False),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('rows_loaded', sa.Integer(), nullable=False),
    sa.Column('rows_repaired', sa.Integer(), nullable=False),
    sa.Column('rows_duplicate', sa.Integer(), nullable=False),
    sa.Column('rows_quarantined', sa.Integer(), nullable=False),
    sa.Column('quarantine_by_reason', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('source_url', sa.Text(), nullable=True),
    sa.Column('source_hash', sa.String(length=64), nullable=True),
    sa.Column('vintage', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_load_run')),
    schema='core'
    )
    op.create_index(op.f('ix_load_run_source'), 'load_run', ['source'], unique=False, schema='core')
    op.create_table('quarantined_row',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('row_ref', sa.Text(), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarantined_row')),
    schema='core'
    )
    op.create_index(op.f('ix_quarantined_row_source'), 'quarantined_row', ['source'], unique=False, schema='core')
    op.create_table('region',
    sa.Column('code', sa.String(length=3), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_region')),
    schema='core'
    )
    # ### end Alembic commands ###
    for statement in PUBLIC_INTERFACE:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP SCHEMA observatory CASCADE")
    # ### commands auto generated by Alembic - please adjust! ###
    op.drop_table('region', schema='core')
    op.drop_index(op.f('ix_quarantined_row_source'), table_name='quarantined_row', schema='core')
    op.drop_table('quarantined_row', schema='core')
    op.drop_index(op.f('ix_load_run_source'), table_name='load_run', schema='core')
    op.drop_table('load_run', schema='core')
    op.drop_index(op.f('ix_former_commune_current_insee_code'), table_name='former_commune', schema='core')
    op.drop_table('former_commune', schema='core')
    op.drop_table('epci', schema='core')
    op.drop_index(op.f('ix_departement_region_code'), table_name='departement', schema='core')
    op.drop_table('departement', schema='core')
    op.drop_table('commune_without_boundary', schema='core')
    op.drop_geospatial_index('idx_commune_contour_geom', table_name='commune_contour', schema='core', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('commune_contour', schema='core')
    op.drop_geospatial_index('idx_commune_boundary_geom_display', table_name='commune_boundary', schema='core', postgresql_using='gist', column_name='geom_display')
    op.drop_geospatial_index('idx_commune_boundary_geom', table_name='commune_boundary', schema='core', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('commune_boundary', schema='core')
    op.drop_index(op.f('ix_commune_epci_siren'), table_name='commune', schema='core')
    op.drop_index(op.f('ix_commune_departement_code'), table_name='commune', schema='core')
    op.drop_table('commune', schema='core')
    # ### end Alembic commands ###
