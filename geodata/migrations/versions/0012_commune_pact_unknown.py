"""observatory.commune_pact says NULL ("non renseigné"), not 0, for the measures nobody recorded:
measures_committed where no imported list names a commune's measures, and the done, in progress
and abandoned counts (and share_done) where none of its measures was assessed. The pages,
rankings and exports read the view as it is; it counted 0 there, and each reader had to undo it.

Revision ID: 0012_commune_pact_unknown
Revises: 0008_heat_arrete_councils
"""
from alembic import op

from geodata.migrate import revision_module
from geodata.public_views import create_views

revision = "0012_commune_pact_unknown"
down_revision = "0008_heat_arrete_councils"
branch_labels = None
depends_on = None


def _revision_0004():
    """0004's view definitions: commune_pact rewritten from it, and restored on downgrade."""
    return revision_module("0004_pact.py")


# 0004's counts, made NULL where nothing was recorded (each replacement must apply).
_UNKNOWN_NOT_ZERO = {
    "count(*) AS measures_committed,": "count(*) AS measures_committed, count(p.status) AS assessed,",
    "coalesce(m.measures_committed, 0) AS measures_committed,": "m.measures_committed,",
    **{f"coalesce(m.{name}, 0) AS {name},": f"CASE WHEN m.assessed > 0 THEN m.{name} END AS {name},"
       for name in ("measures_done", "measures_in_progress", "measures_abandoned")},
    "CASE WHEN m.measures_committed > 0": "CASE WHEN m.assessed > 0",
}


def _commune_pact():
    select, comment, columns = _revision_0004().VIEWS["commune_pact"]
    for before, after in _UNKNOWN_NOT_ZERO.items():
        if select.count(before) != 1:
            raise RuntimeError(f"0004's commune_pact no longer reads {before!r}")
        select = select.replace(before, after)
    return select, comment, {
        **columns,
        "measures_committed": "Mesures engagées nommées par les listes importées; NULL (non renseigné) quand "
                              "aucune liste ne nomme les mesures de la commune, jamais 0",
        "measures_done": "Mesures réalisées (dernier statut de suivi); NULL quand aucune mesure n'a de statut",
        "measures_in_progress": "Mesures en cours (dernier statut de suivi); NULL quand aucune mesure n'a de "
                                "statut",
        "measures_abandoned": "Mesures abandonnées (dernier statut de suivi); NULL quand aucune mesure n'a de "
                              "statut",
        "share_done": "Part des mesures engagées réalisées (dernier statut de suivi); NULL sans mesure "
                      "évaluée"}


def upgrade() -> None:
    create_views(op.execute, {"commune_pact": _commune_pact()}, replace=True)


def downgrade() -> None:
    create_views(op.execute, {"commune_pact": _revision_0004().VIEWS["commune_pact"]}, replace=True)
