"""Publish France Chaleur Urbaine's data: networks, areas, labels, potentials, national figures."""
from __future__ import annotations

from pathlib import Path

import psycopg

from geodata.load import LoadReport, Rejected, combined_source_hash, count_check, publish
from geodata.sources.fetch import Fetched, SourceError, fetch, fetch_json
from geodata.sources.heat import arrete, reader
from geodata.sources.heat.sources import FCU_ARCHIVE, LABELS

NETWORK_SOURCE = "fcu-heat-network"
AREA_SOURCE = "fcu-heat-area"
# Display geometries: simplified once here (5 m tolerance), never per request.
_DISPLAY = "ST_Transform(ST_SimplifyPreserveTopology(geom, 5), 4326)"


def obtain_archive(mirror: Path | None) -> Fetched:
    """The FCU archive from the mirror, or else from the URL data.gouv.fr gives for it today.

    Raises SourceError with the reason when neither provides it: callers record that reason
    so that the observatory can say why the layer is missing.
    """
    if mirror is not None:
        return fetch(FCU_ARCHIVE, mirror=mirror)
    dataset = fetch_json(FCU_ARCHIVE, FCU_ARCHIVE.url)
    try:
        url = reader.archive_url_from_dataset(dataset if isinstance(dataset, dict) else {})
    except reader.FcuArchiveError as error:
        raise SourceError(f"{FCU_ARCHIVE.name}: {error}") from error
    return fetch(FCU_ARCHIVE, mirror=None, url=url)


def record_availability(conn: psycopg.Connection, source: str, *, available: bool,
                        reason: str | None, location: str | None) -> None:
    with conn.transaction():
        conn.execute(
            """INSERT INTO core.source_availability (source, available, reason, location, checked_at)
               VALUES (%s, %s, %s, %s, now())
               ON CONFLICT (source) DO UPDATE SET available = EXCLUDED.available,
                   reason = EXCLUDED.reason, location = EXCLUDED.location, checked_at = now()""",
            (source, available, reason, location))


def mark_archive_unavailable(conn: psycopg.Connection, reason: str) -> bool:
    """Record that the archive could not be obtained; True when an earlier load is still shown."""
    kept = conn.execute("SELECT count(*) FROM core.heat_network").fetchone()[0] > 0
    if kept:
        reason = f"{reason} (les tracés du dernier chargement réussi restent affichés)"
    record_availability(conn, FCU_ARCHIVE.name, available=kept, reason=reason, location=None)
    return kept


NETWORK_STAGING = [
    ("sncu_id", "varchar(8)"), ("name", "text"), ("communes_declared", "text"),
    ("departement_code", "varchar(3)"), ("departement_label", "text"), ("owner", "text"),
    ("operator", "text"), ("classified", "boolean"), ("creation_year", "integer"),
    ("declared_length_km", "float8"), ("delivery_points", "integer"), ("renewable_share_pct", "float8"),
    ("co2_kg_per_kwh", "float8"), ("co2_lca_kg_per_kwh", "float8"), ("deliveries_mwh", "float8"),
    ("has_trace", "boolean"), ("geom", "geometry"),
]
AREA_STAGING = [("kind", "varchar(24)"), ("sncu_id", "varchar(8)"), ("communes_declared", "text"),
                ("operator", "text"), ("commissioning", "text"), ("geom", "geometry")]


def load_archive(conn: psycopg.Connection, fetched: Fetched) -> tuple[LoadReport, LoadReport]:
    """Replace core.heat_network and core.heat_area from the archive."""
    archive = reader.read_fcu_archive(fetched.path)
    network_report = LoadReport.for_fetched(NETWORK_SOURCE, "heat_network", fetched,
                                            rows_read=archive.rows_read,
                                            rows_duplicate=archive.rows_duplicate,
                                            rejected=archive.rejected)
    names = [n for n, _ in NETWORK_STAGING]
    publish(conn, network_report, staging_columns=NETWORK_STAGING,
            rows=(n.as_tuple() for n in archive.networks),
            insert_select=f"SELECT row_number() OVER (ORDER BY sncu_id NULLS LAST, name), "
                          f"{', '.join(names)}, {_DISPLAY} FROM staging",
            checks=[count_check("SELECT count(*) FROM staging WHERE NOT ST_IsValid(geom)",
                                "{count} network geometries are invalid")])
    areas = archive.perimeters + archive.construction
    area_report = LoadReport.for_fetched(AREA_SOURCE, "heat_area", fetched, rows_read=len(areas))
    area_names = [n for n, _ in AREA_STAGING]
    publish(conn, area_report, staging_columns=AREA_STAGING,
            rows=((a.kind, a.sncu_id, a.communes_declared, a.operator, a.commissioning, a.geom_wkb)
                  for a in areas),
            insert_select=f"SELECT row_number() OVER (), {', '.join(area_names)}, {_DISPLAY} "
                          f"FROM staging")
    record_availability(conn, FCU_ARCHIVE.name, available=True, reason=None, location=fetched.location)
    return network_report, area_report


def _name_indexes(conn: psycopg.Connection) -> tuple[dict, dict]:
    """(département, normalised name) -> INSEE code / EPCI SIREN, for the label holders."""
    communes: dict[tuple[str, str], str] = {}
    for code, name, dep in conn.execute("SELECT insee_code, name, departement_code FROM core.commune"):
        communes.setdefault((dep, reader.normalise_name(name)), code)
    epcis: dict[tuple[str, str], str] = {}
    for siren, name, dep in conn.execute(
            """SELECT DISTINCT e.siren, e.name, c.departement_code
               FROM core.epci e JOIN core.commune c ON c.epci_siren = e.siren"""):
        epcis.setdefault((dep, reader.epci_key(name)), siren)
    return communes, epcis


def load_labels(conn: psycopg.Connection, files: list[Fetched]) -> LoadReport:
    """Replace core.ecoreseau_label from the laureates files (one per label)."""
    communes, epcis = _name_indexes(conn)
    rows, rejected, read, duplicates = [], [], 0, 0
    for fetched in files:
        parsed = reader.read_labels(fetched.path, LABELS[fetched.source.name])
        read, duplicates = read + parsed.rows_read, duplicates + parsed.rows_duplicate
        rejected += parsed.rejected
        for row in parsed.rows:
            insee, siren, method = reader.match_collectivite(row.collectivite, row.departement_code,
                                                             communes, epcis)
            rows.append((row.sncu_id, row.label, fetched.source.vintage, row.collectivite,
                         row.network_name, row.departement_code, insee, siren, method))
    report = LoadReport(source="fcu-ecoreseau", target_table="ecoreseau_label", rows_read=read,
                        rows_duplicate=duplicates, rejected=rejected,
                        source_url=" ; ".join(f.location for f in files),
                        source_hash=combined_source_hash(files),
                        vintage=files[0].source.vintage)
    publish(conn, report, staging_columns=[
        ("sncu_id", "varchar(8)"), ("label", "varchar(16)"), ("vintage", "varchar(4)"),
        ("collectivite", "text"), ("network_name", "text"), ("departement_code", "varchar(3)"),
        ("insee_code", "varchar(5)"), ("epci_siren", "varchar(9)"), ("match_method", "varchar(16)")],
        rows=rows)
    return report


def load_potential(conn: psycopg.Connection, potential: Fetched, summary: Fetched) -> LoadReport:
    """Replace the per-département potential (xlsx) and network summary (json)."""
    parsed = reader.read_potential(potential.path)
    report = LoadReport.for_fetched("fcu-potential", "heat_potential_departement", potential,
                                    rows_read=parsed.rows_read, rejected=parsed.rejected)
    publish(conn, report,
            staging_columns=[("departement_code", "varchar(3)"), ("distance_m", "integer"),
                             ("departement_name", "text"),
                             *[(name, "integer") for name in reader.POTENTIAL_COLUMNS.values()]],
            rows=parsed.rows,
            checks=[count_check("SELECT count(*) FROM staging s WHERE NOT EXISTS "
                                "(SELECT 1 FROM core.departement d WHERE d.code = s.departement_code)",
                                "{count} rows name a département absent from the COG")])
    summary_rows = reader.read_departement_summary(summary.path)
    publish(conn, LoadReport.for_fetched("fcu-departement-summary", "heat_departement_summary", summary,
                                         rows_read=len(summary_rows)),
            staging_columns=[("departement_code", "varchar(3)"), ("network_count", "integer"),
                             ("renewable_share_pct", "float8")],
            rows=summary_rows)
    return report


def load_national_figures(conn: psycopg.Connection, key_figures: Fetched, national: Fetched) -> LoadReport:
    rows = reader.read_national_figures(key_figures.path, national.path)
    report = LoadReport.for_fetched("fcu-national", "heat_national_figure", national, rows_read=len(rows))
    report.source_hash = combined_source_hash([key_figures, national])  # both files it reads
    publish(conn, report, staging_columns=[
        ("key", "varchar(48)"), ("label", "text"), ("value", "float8"), ("unit", "varchar(16)"),
        ("published_as", "text"), ("source", "text")], rows=rows)
    return report


ARRETE_SOURCE = "fcu-arrete-dpe-2026"
ARRETE_STAGING = [("sncu_id", "varchar(8)"), ("name", "text"), ("locality", "text"), ("kind", "varchar(8)"),
                  ("departement_code", "varchar(3)"), ("co2_kg_per_kwh", "float8"),
                  ("co2_lca_kg_per_kwh", "float8"), ("renewable_share_pct", "float8"),
                  ("reference_year", "integer"), ("name_truncated", "boolean"), ("vintage", "varchar(4)")]
ATTACHMENT_STAGING = [("sncu_id", "varchar(8)"), ("insee_code", "varchar(5)"), ("match_method", "varchar(24)"),
                      ("matched_name", "text"), ("score", "float8"), ("from_list", "boolean")]


def load_arrete(conn: psycopg.Connection, fetched: Fetched, parsed: arrete.ArreteFile,
                attachments: list[tuple], unattached: list[Rejected]) -> tuple[LoadReport, LoadReport]:
    """Replace core.heat_network_arrete (every readable network) and core.heat_network_commune.

    `attachments` are (sncu_id, insee_code, method, matched name, score, from list) rows;
    `unattached` the networks whose locality names no commune for sure: they are published
    (their values are the arrêté's) but attached to no commune, and quarantined with their
    reason under the source `fcu-arrete-dpe-2026-communes`.
    """
    report = LoadReport.for_fetched(ARRETE_SOURCE, "heat_network_arrete", fetched,
                                    rows_read=parsed.rows_read, rows_duplicate=parsed.rows_duplicate,
                                    rejected=parsed.rejected)
    publish(conn, report, staging_columns=ARRETE_STAGING,
            rows=((*n.as_tuple(), fetched.source.vintage) for n in parsed.networks),
            insert_select="SELECT sncu_id, name, name_truncated, locality, kind, departement_code, "
                          "co2_kg_per_kwh, co2_lca_kg_per_kwh, renewable_share_pct, reference_year, vintage "
                          "FROM staging",
            checks=[count_check("SELECT count(*) FROM staging s WHERE NOT EXISTS (SELECT 1 FROM "
                                "core.departement d WHERE d.code = s.departement_code) "
                                "AND s.departement_code <> '20'",
                                "{count} networks name a département absent from the COG")])
    attached = LoadReport.for_fetched(f"{ARRETE_SOURCE}-communes", "heat_network_commune", fetched,
                                      rows_read=len(parsed.networks), rejected=unattached)
    publish(conn, attached, staging_columns=ATTACHMENT_STAGING, rows=attachments,
            checks=[count_check("SELECT count(*) FROM staging s WHERE NOT EXISTS (SELECT 1 FROM "
                                "core.commune c WHERE c.insee_code = s.insee_code)",
                                "{count} attachments name no current commune")])
    return report, attached
