"""The outcome of every asset's latest refresh: succeeded or failed, and why, for the sources'
freshness (Données page, Dagster's freshness checks).

Revision ID: 0009_source_refresh
Revises: 0001_foundation
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_source_refresh"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

READER = "observatory_reader"
COMMENT = ("Dernier rafraîchissement de chaque étape des pipelines (un chargement, ou la vérification "
           "qu'une source n'a pas changé) : réussi ou non, et pourquoi, en français. Un échec laisse "
           "publiées les données du dernier chargement réussi.")
COLUMNS = {
    "asset": "Étape (asset Dagster) rafraîchie",
    "source_key": "Source du catalogue qu'elle alimente (cog, contours, irve, fcu-reseaux...)",
    "succeeded": "Le dernier rafraîchissement a-t-il réussi",
    "attempted_at": "Date du dernier rafraîchissement",
    "succeeded_at": "Date du dernier rafraîchissement réussi",
    "failed_at": "Date du dernier échec",
    "failure": "Message du dernier échec (sans chemin de fichier du serveur)",
}


def upgrade() -> None:
    op.create_table(
        "source_refresh",
        sa.Column("asset", sa.String(length=64), nullable=False),
        sa.Column("source_key", sa.String(length=64), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("succeeded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("asset", name=op.f("pk_source_refresh")),
        schema="core",
    )
    op.execute("CREATE VIEW observatory.source_refresh AS SELECT asset, source_key, succeeded, attempted_at, "
               "succeeded_at, failed_at, failure FROM core.source_refresh")
    op.execute(f"COMMENT ON VIEW observatory.source_refresh IS '{COMMENT.replace(chr(39), chr(39) * 2)}'")
    for column, text in COLUMNS.items():
        op.execute(f"COMMENT ON COLUMN observatory.source_refresh.{column} IS '{text.replace(chr(39), chr(39) * 2)}'")
    op.execute(f"GRANT SELECT ON observatory.source_refresh TO {READER}")


def downgrade() -> None:
    op.execute("DROP VIEW observatory.source_refresh")
    op.drop_table("source_refresh", schema="core")
