"""Pacte pour la Transition: campaigns, catalogue, signatures, commitments, follow-up,
import runs and review rows; public views observatory.pact_*, observatory.commune_pact.

Revision ID: 0004_pact
Revises: 0001_foundation
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_pact"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

READER = "observatory_reader"

# Strongest level first: a commune where several lists signed shows its council's level.
LEVEL_RANK = ("CASE {col} WHEN 'unanimous' THEN 4 WHEN 'majority' THEN 3 "
              "WHEN 'minority' THEN 2 WHEN 'none' THEN 1 ELSE 0 END")

VIEWS = {
    "pact_campaign": (
        """SELECT code AS campaign_code, label, election_year, mandate_start, mandate_end,
                  measure_count FROM core.pact_campaign""",
        "Campagnes du Pacte pour la Transition (une par élection municipale) et leur mandat",
        {"mandate_start": "Début du mandat municipal issu de cette élection",
         "mandate_end": "Fin prévue du mandat",
         "measure_count": "Nombre de mesures du pacte de cette campagne, quand il est connu"}),
    "pact_measure": (
        """SELECT campaign_code, number AS measure_number, kind, position, title, title_verified,
                  topic, source FROM core.pact_measure""",
        "Catalogue des principes et mesures du pacte, par campagne; titre vide = non vérifié, "
        "jamais inventé",
        {"title": "Intitulé vérifié sur une source publique; NULL si non vérifié",
         "kind": "principle (principe, A à C) ou measure (mesure numérotée)"}),
    "pact_signature": (
        """SELECT s.id AS signature_id, s.dataset, s.import_run_id, s.campaign_code,
                   s.insee_code, c.name AS commune_name, s.published_name, s.published_names,
                   s.list_name, s.candidate_name, s.elected, s.council_commitment, s.signed_on,
                   s.source, s.match_method, s.match_score, c.departement_code, c.region_code,
                   c.epci_siren, c.population,
                   coalesce(m.measures, ARRAY[]::text[]) AS measures,
                   coalesce(cardinality(m.measures), 0) AS measure_count
            FROM core.pact_signature s
            LEFT JOIN core.commune c USING (insee_code)
            LEFT JOIN (SELECT signature_id, array_agg(measure_number::text ORDER BY
                              length(measure_number), measure_number) AS measures
                       FROM core.pact_commitment GROUP BY signature_id) m
                   ON m.signature_id = s.id""",
        "Signatures du Pacte pour la Transition: une ligne par liste (ou conseil) signataire, "
        "commune rapprochée au code INSEE (COG 2026)",
        {"insee_code": "Code INSEE de la commune actuelle (COG 2026) rapprochée du nom publié",
         "published_name": "Nom de la commune tel que publié par le collectif",
         "published_names": "Tous les noms publiés regroupés dans cette commune (ex. Lille, "
                            "Hellemmes, Lomme)",
         "council_commitment": "Engagement du conseil municipal: unanimous, majority, minority, "
                               "none; NULL si inconnu",
         "signed_on": "Date de la signature ou de l'état publié",
         "match_method": "Méthode de rapprochement du nom: exact, article, former_commune, "
                         "short_form, fuzzy, insee_code",
         "match_score": "Score du rapprochement (100 = exact)",
         "measures": "Numéros des mesures sur lesquelles la liste s'est engagée"}),
    "pact_follow_up": (
        """SELECT f.id AS follow_up_id, f.dataset, f.campaign_code, f.insee_code,
                  c.name AS commune_name, f.published_name, f.measure_number, m.title,
                  m.title_verified, f.status, f.status_date, f.evidence_url, f.comment, f.source
           FROM core.pact_follow_up f
           LEFT JOIN core.commune c USING (insee_code)
           LEFT JOIN core.pact_measure m
                  ON m.campaign_code = f.campaign_code AND m.number = f.measure_number""",
        "Suivi des engagements dans le temps: statut d'une mesure dans une commune à une date",
        {"status": "not_started, in_progress, done, abandoned",
         "evidence_url": "Lien vers la preuve (délibération, article, ...)"}),
    "pact_commitment": (
        """WITH committed AS (
               SELECT s.campaign_code, s.insee_code, k.measure_number,
                      count(*) AS signature_count, bool_or(s.elected) AS by_elected_list
               FROM core.pact_signature s JOIN core.pact_commitment k ON k.signature_id = s.id
               GROUP BY 1, 2, 3),
           latest AS (
               SELECT DISTINCT ON (campaign_code, insee_code, measure_number)
                      campaign_code, insee_code, measure_number, status, status_date, evidence_url
               FROM core.pact_follow_up
               ORDER BY campaign_code, insee_code, measure_number,
                        status_date DESC NULLS LAST, id DESC)
           SELECT k.campaign_code, k.insee_code, c.name AS commune_name, c.departement_code,
                  c.region_code, c.epci_siren, k.measure_number, m.kind, m.title,
                  m.title_verified, m.topic, k.signature_count, k.by_elected_list,
                  coalesce(l.status, 'not_started') AS status, l.status_date, l.evidence_url
           FROM committed k
           LEFT JOIN core.commune c USING (insee_code)
           LEFT JOIN core.pact_measure m
                  ON m.campaign_code = k.campaign_code AND m.number = k.measure_number
           LEFT JOIN latest l ON l.campaign_code = k.campaign_code
                  AND l.insee_code = k.insee_code AND l.measure_number = k.measure_number""",
        "Engagements par commune, campagne et mesure, avec le dernier statut de suivi connu",
        {"signature_count": "Nombre de listes signataires engagées sur cette mesure",
         "by_elected_list": "Vrai si une liste élue s'y est engagée",
         "status": "Dernier statut de suivi (not_started sans suivi)",
         "status_date": "Date du dernier statut"}),
    "commune_pact": (
        f"""WITH signed AS (
               SELECT campaign_code, insee_code, count(DISTINCT id) AS signature_count,
                      max({LEVEL_RANK.format(col='council_commitment')}) AS level_rank,
                      array_agg(DISTINCT n) AS published_names,
                      array_agg(DISTINCT list_name) FILTER (WHERE list_name IS NOT NULL) AS list_names,
                      min(signed_on) AS first_signed_on
               FROM core.pact_signature, unnest(published_names) n
               GROUP BY 1, 2),
           measures AS (
               SELECT p.campaign_code, p.insee_code, count(*) AS measures_committed,
                      count(*) FILTER (WHERE p.status = 'done') AS measures_done,
                      count(*) FILTER (WHERE p.status = 'in_progress') AS measures_in_progress,
                      count(*) FILTER (WHERE p.status = 'abandoned') AS measures_abandoned
               FROM observatory.pact_commitment p GROUP BY 1, 2)
           SELECT s.campaign_code, s.insee_code, c.name AS commune_name, c.population,
                  c.departement_code, c.region_code, c.epci_siren,
                  CASE s.level_rank WHEN 4 THEN 'unanimous' WHEN 3 THEN 'majority'
                       WHEN 2 THEN 'minority' WHEN 1 THEN 'none' END AS council_commitment,
                  s.signature_count, s.published_names, s.list_names, s.first_signed_on,
                  coalesce(m.measures_committed, 0) AS measures_committed,
                  coalesce(m.measures_done, 0) AS measures_done,
                  coalesce(m.measures_in_progress, 0) AS measures_in_progress,
                  coalesce(m.measures_abandoned, 0) AS measures_abandoned,
                  CASE WHEN m.measures_committed > 0
                       THEN round(m.measures_done::numeric / m.measures_committed, 3) END AS share_done,
                  ST_X(ST_Transform(b.centroid, 4326)) AS lon,
                  ST_Y(ST_Transform(b.centroid, 4326)) AS lat
           FROM signed s
           LEFT JOIN core.commune c USING (insee_code)
           LEFT JOIN core.commune_boundary b USING (insee_code)
           LEFT JOIN measures m
                  ON m.campaign_code = s.campaign_code AND m.insee_code = s.insee_code""",
        "Une ligne par commune engagée et par campagne: niveau d'engagement du conseil, mesures "
        "engagées et réalisées, population, position (centroïde) pour les cartes",
        {"council_commitment": "Niveau le plus fort parmi les signatures de la commune; NULL si "
                               "inconnu",
         "published_names": "Noms publiés regroupés (ex. Lille, Hellemmes, Lomme comptent pour une "
                            "commune)",
         "population": "Population municipale (COG 2026)",
         "share_done": "Part des mesures engagées réalisées (dernier statut de suivi)",
         "lon": "Longitude WGS84 du centroïde de la commune",
         "lat": "Latitude WGS84 du centroïde de la commune"}),
    "pact_import_run": (
        """SELECT id AS import_run_id, dataset, kind, file_name, file_sha256, encoding, started_at,
                  rows_read, rows_matched, rows_ambiguous, rows_unmatched, rows_quarantined,
                  rows_loaded, items_quarantined, messages
           FROM core.pact_import_run""",
        "Imports de listes du pacte: chaque ligne lue finit rapprochée, ambiguë, non trouvée ou "
        "en quarantaine (rows_read = rows_matched + rows_ambiguous + rows_unmatched + "
        "rows_quarantined)",
        {"items_quarantined": "Éléments écartés dans des lignes par ailleurs chargées (ex. un "
                              "numéro de mesure hors catalogue)",
         "messages": "Comment le fichier a été lu (encodage, en-tête, colonnes ignorées)"}),
    "pact_review_row": (
        """SELECT r.import_run_id, i.dataset, i.file_name, i.started_at, r.row_number,
                  r.published_name, r.area_hint, r.status, r.insee_code, c.name AS commune_name,
                  r.method, r.score, r.candidates, r.reason, r.detail, r.payload
           FROM core.pact_review_row r
           JOIN core.pact_import_run i ON i.id = r.import_run_id
           LEFT JOIN core.commune c ON c.insee_code = r.insee_code""",
        "Rapport de revue des imports: le sort de chaque ligne (méthode et score, candidats, "
        "motif de quarantaine)",
        {"status": "matched, ambiguous, unmatched, quarantined",
         "candidates": "Communes candidates (code, nom, département, score) pour une ligne "
                       "ambiguë ou non trouvée",
         "reason": "Motif de quarantaine ou d'élément écarté"}),
}


def upgrade() -> None:
    op.create_table(
        "pact_campaign",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("election_year", sa.Integer(), nullable=False),
        sa.Column("mandate_start", sa.Date(), nullable=False),
        sa.Column("mandate_end", sa.Date(), nullable=False),
        sa.Column("measure_count", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_pact_campaign")),
        schema="core",
    )
    op.create_table(
        "pact_measure",
        sa.Column("campaign_code", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(length=4), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("title_verified", sa.Boolean(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('principle', 'measure')", name=op.f("ck_pact_measure_kind")),
        sa.ForeignKeyConstraint(["campaign_code"], ["core.pact_campaign.code"],
                                name=op.f("fk_pact_measure_campaign_code_pact_campaign"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("campaign_code", "number", name=op.f("pk_pact_measure")),
        schema="core",
    )
    op.create_table(
        "pact_import_run",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("dataset", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("encoding", sa.String(length=32), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_matched", sa.Integer(), nullable=False),
        sa.Column("rows_ambiguous", sa.Integer(), nullable=False),
        sa.Column("rows_unmatched", sa.Integer(), nullable=False),
        sa.Column("rows_quarantined", sa.Integer(), nullable=False),
        sa.Column("rows_loaded", sa.Integer(), nullable=False),
        sa.Column("items_quarantined", sa.Integer(), nullable=False),
        sa.Column("messages", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pact_import_run")),
        schema="core",
    )
    op.create_index(op.f("ix_pact_import_run_dataset"), "pact_import_run", ["dataset"],
                    unique=False, schema="core")
    op.create_table(
        "pact_review_row",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("import_run_id", sa.BigInteger(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("published_name", sa.Text(), nullable=True),
        sa.Column("area_hint", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("insee_code", sa.String(length=5), nullable=True),
        sa.Column("method", sa.String(length=32), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("candidates", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.CheckConstraint("status IN ('matched', 'ambiguous', 'unmatched', 'quarantined')",
                           name=op.f("ck_pact_review_row_status")),
        sa.ForeignKeyConstraint(["import_run_id"], ["core.pact_import_run.id"],
                                name=op.f("fk_pact_review_row_import_run_id_pact_import_run"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pact_review_row")),
        schema="core",
    )
    op.create_index(op.f("ix_pact_review_row_import_run_id"), "pact_review_row",
                    ["import_run_id"], unique=False, schema="core")
    op.create_table(
        "pact_signature",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("dataset", sa.String(length=128), nullable=False),
        sa.Column("import_run_id", sa.BigInteger(), nullable=False),
        sa.Column("campaign_code", sa.String(length=32), nullable=False),
        sa.Column("insee_code", sa.String(length=5), nullable=False),
        sa.Column("published_name", sa.Text(), nullable=False),
        sa.Column("published_names", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("list_name", sa.Text(), nullable=True),
        sa.Column("candidate_name", sa.Text(), nullable=True),
        sa.Column("elected", sa.Boolean(), nullable=True),
        sa.Column("council_commitment", sa.String(length=16), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("match_method", sa.String(length=32), nullable=False),
        sa.Column("match_score", sa.Float(), nullable=False),
        sa.Column("row_numbers", sa.ARRAY(sa.Integer()), nullable=False),
        sa.CheckConstraint("council_commitment IN ('unanimous', 'majority', 'minority', 'none')",
                           name=op.f("ck_pact_signature_council_commitment")),
        sa.ForeignKeyConstraint(["campaign_code"], ["core.pact_campaign.code"],
                                name=op.f("fk_pact_signature_campaign_code_pact_campaign")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pact_signature")),
        schema="core",
    )
    op.create_index(op.f("ix_pact_signature_dataset"), "pact_signature", ["dataset"],
                    unique=False, schema="core")
    op.create_index(op.f("ix_pact_signature_insee_code"), "pact_signature", ["insee_code"],
                    unique=False, schema="core")
    op.create_table(
        "pact_commitment",
        sa.Column("signature_id", sa.BigInteger(), nullable=False),
        sa.Column("measure_number", sa.String(length=4), nullable=False),
        sa.ForeignKeyConstraint(["signature_id"], ["core.pact_signature.id"],
                                name=op.f("fk_pact_commitment_signature_id_pact_signature"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("signature_id", "measure_number", name=op.f("pk_pact_commitment")),
        schema="core",
    )
    op.create_table(
        "pact_follow_up",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("dataset", sa.String(length=128), nullable=False),
        sa.Column("import_run_id", sa.BigInteger(), nullable=False),
        sa.Column("campaign_code", sa.String(length=32), nullable=False),
        sa.Column("insee_code", sa.String(length=5), nullable=False),
        sa.Column("published_name", sa.Text(), nullable=False),
        sa.Column("measure_number", sa.String(length=4), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_date", sa.Date(), nullable=True),
        sa.Column("evidence_url", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('not_started', 'in_progress', 'done', 'abandoned')",
                           name=op.f("ck_pact_follow_up_status")),
        sa.ForeignKeyConstraint(["campaign_code"], ["core.pact_campaign.code"],
                                name=op.f("fk_pact_follow_up_campaign_code_pact_campaign")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pact_follow_up")),
        schema="core",
    )
    op.create_index(op.f("ix_pact_follow_up_dataset"), "pact_follow_up", ["dataset"],
                    unique=False, schema="core")
    op.create_index(op.f("ix_pact_follow_up_insee_code"), "pact_follow_up", ["insee_code"],
                    unique=False, schema="core")
    for name, (select, comment, columns) in VIEWS.items():
        op.execute(f"CREATE VIEW observatory.{name} AS {select}")
        op.execute(f"COMMENT ON VIEW observatory.{name} IS {_literal(comment)}")
        for column, text in columns.items():
            op.execute(f"COMMENT ON COLUMN observatory.{name}.{column} IS {_literal(text)}")
        op.execute(f"GRANT SELECT ON observatory.{name} TO {READER}")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def downgrade() -> None:
    for name in reversed(list(VIEWS)):
        op.execute(f"DROP VIEW IF EXISTS observatory.{name}")
    op.drop_index(op.f("ix_pact_follow_up_insee_code"), table_name="pact_follow_up", schema="core")
    op.drop_index(op.f("ix_pact_follow_up_dataset"), table_name="pact_follow_up", schema="core")
    op.drop_table("pact_follow_up", schema="core")
    op.drop_table("pact_commitment", schema="core")
    op.drop_index(op.f("ix_pact_signature_insee_code"), table_name="pact_signature", schema="core")
    op.drop_index(op.f("ix_pact_signature_dataset"), table_name="pact_signature", schema="core")
    op.drop_table("pact_signature", schema="core")
    op.drop_index(op.f("ix_pact_review_row_import_run_id"), table_name="pact_review_row",
                  schema="core")
    op.drop_table("pact_review_row", schema="core")
    op.drop_index(op.f("ix_pact_import_run_dataset"), table_name="pact_import_run", schema="core")
    op.drop_table("pact_import_run", schema="core")
    op.drop_table("pact_measure", schema="core")
    op.drop_table("pact_campaign", schema="core")
