"""Publish the COG reference: régions, départements, EPCI, communes and former codes."""
from __future__ import annotations

import psycopg

from geodata.load import LoadReport, combined_source_hash, count_check, publish
from geodata.sources.cog.reader import (COMMUNE_COLUMNS, CogReference, name_former_communes, read_last_names,
                                        read_names_2024, read_reference)
from geodata.sources.fetch import Fetched, SourceError

SOURCE = "cog"


def load_reference(conn: psycopg.Connection, communes: Fetched, epci: Fetched, departements: Fetched,
                   regions: Fetched, names_2024: Fetched | None = None,
                   names_since_1943: Fetched | None = None) -> tuple[LoadReport, CogReference]:
    """Replace the five reference tables; each publish is atomic, the communes last. With INSEE's
    COG 2024 file (`names_2024`), the absorbed codes it names get their name; with INSEE's
    communes since 1943 (`names_since_1943`), those merged earlier get their last name."""
    ref = read_reference(communes.path, epci.path, departements.path, regions.path)
    if names_2024 is not None:
        ref.former_named_2024 = name_former_communes(ref, read_names_2024(names_2024.path))
    if names_since_1943 is not None:
        ref.former_named_history = name_former_communes(ref, read_last_names(names_since_1943.path))
    if not ref.communes:
        raise SourceError(f"{communes.location}: no current commune in the file")

    def report(table: str, rows: int, fetched: Fetched) -> LoadReport:
        return LoadReport.for_fetched(f"{SOURCE}-{table}", table, fetched, rows_read=rows)

    publish(conn, report("region", len(ref.regions), regions),
            staging_columns=[("code", "varchar(3)"), ("name", "text")], rows=ref.regions)
    publish(conn, report("departement", len(ref.departements), departements),
            staging_columns=[("code", "varchar(3)"), ("name", "text"), ("region_code", "varchar(3)")],
            rows=ref.departements)
    publish(conn, report("epci", len(ref.epcis), epci),
            staging_columns=[("siren", "varchar(9)"), ("name", "text"), ("nature", "text")],
            rows=ref.epcis)
    former_report = report("former_commune", len(ref.former_communes), communes)
    # Every file that names former communes makes the table: a refresh compares them all.
    former_report.source_hash = combined_source_hash(
        [f for f in (communes, names_2024, names_since_1943) if f is not None])
    publish(conn, former_report,
            staging_columns=[("code", "varchar(5)"), ("kind", "varchar(32)"), ("name", "text"),
                             ("current_insee_code", "varchar(5)")],
            rows=ref.former_communes)
    # Delegated/associated communes and arrondissements are counted in former_commune.
    commune_report = report("commune", len(ref.communes) + len(ref.rejected), communes)
    commune_report.rejected = ref.rejected
    types = dict(zip(COMMUNE_COLUMNS, ["varchar(5)", "text", "varchar(3)", "varchar(3)",
                                       "varchar(9)", "varchar(8)", "integer", "varchar(5)[]"]))
    publish(conn, commune_report, staging_columns=list(types.items()), rows=ref.communes,
            checks=[count_check("SELECT count(*) FROM staging s WHERE NOT EXISTS "
                                "(SELECT 1 FROM core.departement d WHERE d.code = s.departement_code)",
                                "{count} communes name a département absent from the reference")])
    return commune_report, ref
