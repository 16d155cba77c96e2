"""The contours' GIST index rebuilt for point lookups: pages filled to 20 %, built by splits.

Revision ID: 0005_commune_lookup_index
Revises: 0001_foundation

See `geodata.models.reference.COMMUNE_LOOKUP_INDEX` for the measure. Loads keep the
options: `geodata.load.publish` rebuilds indexes from their own definitions.
"""
from alembic import op

revision = "0005_commune_lookup_index"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def _rebuild(options: str) -> None:
    op.execute("DROP INDEX core.idx_commune_boundary_geom")
    op.execute(f"CREATE INDEX idx_commune_boundary_geom ON core.commune_boundary USING gist (geom){options}")


def upgrade() -> None:
    _rebuild(" WITH (fillfactor = 20, buffering = on)")


def downgrade() -> None:
    _rebuild("")
