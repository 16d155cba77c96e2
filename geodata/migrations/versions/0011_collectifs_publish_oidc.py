"""Espace des collectifs: lists published through the writer role, and sign-in with an
OpenID Connect provider the administrator trusts.

Revision ID: 0011_collectifs_publish_oidc
Revises: 0007_collectifs (the collectifs branch)

- `core.pact_write_import(plan, source_url, vintage)`: the pact list load, in SQL, the only one
  (`geodata.sources.pacte.store.write_import` calls it for the folder import): the import run,
  its review rows, the dataset's signatures or follow-ups replaced, the load's accounting
  (`core.load_run`) and its quarantined rows. Not executable by the writer role.
- `core.collectif_publish_list(token, plan)` (writer role): the member's session, role (a
  signature list replaces the group's: référent only), the plan's group, communes, campaign and
  catalogue (`collectif_stage_list`), every row read accounted for, the follow-ups' statuses,
  dates and links; then the load above, in the same transaction, and the audit. The writer role
  loses EXECUTE on `collectif_stage_list`, now a step of publishing.
- OpenID Connect: `core.oidc_issuer` (providers the administrator trusts, `observatory groups
  trust-provider`), `core.member_identity` (a provider's subject linked to a member), and
  `core.collectif_oidc_login(issuer, subject, email, email_verified, session)` (writer role):
  a linked subject, or a verified address of an active member or of an open invitation (then
  accepted, the member has no password); anything else is refused in French and audited.
  `core.member.password_hash` may be NULL (a member who joined through the provider).
"""
import importlib

import sqlalchemy as sa
from alembic import op

revision = "0011_collectifs_publish_oidc"
down_revision = "0007_collectifs"
branch_labels = None
depends_on = None

_0007 = importlib.import_module("geodata.migrations.versions.0007_collectifs")
WRITER = _0007.WRITER
HEADER = _0007.HEADER
STATUSES = _0007.STATUSES
STAGE_LIST = "collectif_stage_list(text, jsonb)"
ACCEPT = "collectif_accept_invitation(text, text, text)"

# Every row of a plan that is not loaded, for `core.quarantined_row`: quarantined, ambiguous and
# unmatched rows, and items set aside inside loaded rows (a measure absent from the catalogue).
PLAN_REJECTED = """
    RETURNS TABLE (row_ref text, reason text, detail text, payload jsonb)
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
        SELECT format('ligne %s: %s', r->>'row_number', coalesce(nullif(r->>'published_name', ''), '(sans nom)')),
               coalesce(nullif(r->>'reason', ''), (r->>'status') || '_commune'), coalesce(r->>'detail', ''),
               CASE WHEN r->'payload' NOT IN ('null', '{}') THEN r->'payload' END
        FROM jsonb_array_elements($1->'review') WITH ORDINALITY AS x(r, n)
        WHERE r->>'status' <> 'matched'
        UNION ALL
        SELECT i->>'row_ref', i->>'reason', coalesce(i->>'detail', ''),
               CASE WHEN i->'payload' NOT IN ('null', '{}') THEN i->'payload' END
        FROM jsonb_array_elements(coalesce($1->'items_rejected', '[]')) AS y(i) $$"""

WRITE_IMPORT = """
    RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
    DECLARE
        p_plan ALIAS FOR $1; p_source_url ALIAS FOR $2; p_vintage ALIAS FOR $3;
        v_started timestamptz := clock_timestamp(); v_kind text := $1->>'kind';
        v_dataset text := $1->>'dataset'; v_source text := 'pacte:' || ($1->>'dataset');
        v_records jsonb; v_run bigint; v_signature bigint; s jsonb;
    BEGIN
        v_records := CASE v_kind WHEN 'signatures' THEN p_plan->'signatures' ELSE p_plan->'follow_ups' END;
        INSERT INTO core.pact_import_run (dataset, kind, file_name, file_sha256, encoding, rows_read,
                                          rows_matched, rows_ambiguous, rows_unmatched, rows_quarantined,
                                          rows_loaded, items_quarantined, messages)
        SELECT v_dataset, v_kind, p_plan->>'file_name', p_plan->>'file_sha256', p_plan->>'encoding',
               (p_plan->>'rows_read')::int, count(*) FILTER (WHERE r->>'status' = 'matched'),
               count(*) FILTER (WHERE r->>'status' = 'ambiguous'), count(*) FILTER (WHERE r->>'status' = 'unmatched'),
               count(*) FILTER (WHERE r->>'status' = 'quarantined'), jsonb_array_length(v_records),
               jsonb_array_length(coalesce(p_plan->'items_rejected', '[]')), coalesce(p_plan->'messages', '[]')
        FROM jsonb_array_elements(p_plan->'review') AS x(r)
        RETURNING id INTO v_run;
        INSERT INTO core.pact_review_row (import_run_id, row_number, published_name, area_hint, status,
                                          insee_code, method, score, candidates, reason, detail, payload)
        SELECT v_run, (r->>'row_number')::int, r->>'published_name', r->>'area_hint', r->>'status',
               r->>'insee_code', r->>'method', (r->>'score')::double precision, nullif(r->'candidates', 'null'),
               r->>'reason', r->>'detail', CASE WHEN r->'payload' NOT IN ('null', '{}') THEN r->'payload' END
        FROM jsonb_array_elements(p_plan->'review') WITH ORDINALITY AS x(r, n) ORDER BY n;
        IF v_kind = 'signatures' THEN
            DELETE FROM core.pact_signature WHERE dataset = v_dataset;
            FOR s IN SELECT value FROM jsonb_array_elements(v_records) WITH ORDINALITY ORDER BY ordinality LOOP
                INSERT INTO core.pact_signature (dataset, import_run_id, campaign_code, insee_code,
                    published_name, published_names, list_name, candidate_name, elected,
                    council_commitment, signed_on, source, match_method, match_score, row_numbers)
                VALUES (v_dataset, v_run, s->>'campaign_code', s->>'insee_code', s->>'published_name',
                        ARRAY(SELECT e FROM jsonb_array_elements_text(s->'published_names')
                              WITH ORDINALITY AS t(e, n) ORDER BY n),
                        s->>'list_name', s->>'candidate_name', (s->>'elected')::boolean,
                        s->>'council_commitment', (s->>'signed_on')::date, s->>'source', s->>'match_method',
                        (s->>'match_score')::double precision,
                        ARRAY(SELECT e::int FROM jsonb_array_elements_text(s->'row_numbers')
                              WITH ORDINALITY AS t(e, n) ORDER BY n))
                RETURNING id INTO v_signature;
                INSERT INTO core.pact_commitment (signature_id, measure_number)
                SELECT v_signature, e FROM jsonb_array_elements_text(coalesce(s->'measures', '[]'))
                                      WITH ORDINALITY AS t(e, n) ORDER BY n;
            END LOOP;
        ELSE
            DELETE FROM core.pact_follow_up WHERE dataset = v_dataset;
            INSERT INTO core.pact_follow_up (dataset, import_run_id, campaign_code, insee_code,
                published_name, measure_number, status, status_date, evidence_url, comment, source)
            SELECT v_dataset, v_run, f->>'campaign_code', f->>'insee_code', f->>'published_name',
                   f->>'measure_number', f->>'status', (f->>'status_date')::date, f->>'evidence_url',
                   f->>'comment', f->>'source'
            FROM jsonb_array_elements(v_records) WITH ORDINALITY AS x(f, n) ORDER BY n;
        END IF;
        INSERT INTO core.load_run (source, target_table, duration_s, rows_read, rows_loaded,
                                   rows_repaired, rows_duplicate, rows_quarantined, quarantine_by_reason,
                                   source_url, source_hash, vintage)
        SELECT v_source, CASE v_kind WHEN 'signatures' THEN 'pact_signature' ELSE 'pact_follow_up' END,
               extract(epoch FROM clock_timestamp() - v_started), (p_plan->>'rows_read')::int,
               jsonb_array_length(v_records), 0, coalesce((p_plan->>'rows_duplicate')::int, 0),
               (SELECT count(*) FROM core.pact_plan_rejected(p_plan)),
               coalesce((SELECT jsonb_object_agg(reason, n) FROM (
                   SELECT reason, count(*) AS n FROM core.pact_plan_rejected(p_plan) GROUP BY reason) q), '{}'),
               coalesce(p_source_url, p_plan->>'file_name'), p_plan->>'file_sha256', p_vintage;
        DELETE FROM core.quarantined_row WHERE source = v_source;
        INSERT INTO core.quarantined_row (source, row_ref, reason, detail, payload)
        SELECT v_source, q.row_ref, q.reason, q.detail, q.payload FROM core.pact_plan_rejected(p_plan) q;
        RETURN v_run;
    END $$"""

PUBLISH_LIST = f"""
    RETURNS bigint {HEADER} AS $$
    DECLARE
        p_plan ALIAS FOR $2;
        m core.member; v_kind text := $2->>'kind'; v_records jsonb; v_upload bigint; v_run bigint;
        v_matched integer; v_grouped integer; v_bad text;
    BEGIN
        m := core.collectif_session_member($1);
        IF v_kind = 'signatures' AND m.role <> 'referent' THEN
            RAISE 'Seul un référent du collectif publie sa liste des signatures (elle remplace la précédente) ; '
                  'un membre peut publier une liste de suivi.';
        END IF;
        -- The group's dataset, every row read in the review, communes, campaign and catalogue.
        v_upload := core.collectif_stage_list($1, p_plan);
        v_records := CASE v_kind WHEN 'signatures' THEN p_plan->'signatures' ELSE p_plan->'follow_ups' END;
        SELECT count(*) INTO v_matched FROM jsonb_array_elements(p_plan->'review') r WHERE r->>'status' = 'matched';
        -- Read = loaded + set aside (with their reason) + grouped: a signature merges the rows
        -- naming one commune (they stay matched); a repeated follow-up is set aside.
        v_grouped := CASE v_kind WHEN 'signatures' THEN coalesce((p_plan->>'rows_duplicate')::int, 0) ELSE 0 END;
        IF v_matched <> jsonb_array_length(v_records) + v_grouped THEN
            RAISE 'Liste refusée : % ligne(s) rapprochée(s) pour % chargée(s) et % regroupée(s), les comptes ne tombent pas juste.',
                  v_matched, jsonb_array_length(v_records), coalesce(p_plan->>'rows_duplicate', '0');
        END IF;
        SELECT string_agg(format('%s mesure %s', f->>'insee_code', f->>'measure_number'), ', ') INTO v_bad
        FROM jsonb_array_elements(v_records) f
        WHERE v_kind = 'follow_up' AND (f->>'status' IS NULL OR f->>'status' NOT IN {STATUSES}
              OR (f->>'status_date')::date > (now() AT TIME ZONE 'Europe/Paris')::date
              OR f->>'evidence_url' !~* '^https?://[^[:space:]]+$');
        IF v_bad IS NOT NULL THEN
            RAISE 'Liste refusée : statut inconnu, date future ou lien qui n''est pas http(s) pour %.', v_bad;
        END IF;
        v_run := core.pact_write_import(p_plan, p_plan->>'file_name', NULL);
        UPDATE core.collectif_upload SET published_at = now(), import_run_id = v_run WHERE id = v_upload;
        PERFORM core.collectif_audit('membre', m.id, m.collectif_id, 'publish_list', 'pact_import_run', v_run,
                                     NULL, jsonb_build_object(
                                         'dataset', p_plan->>'dataset', 'file_name', p_plan->>'file_name',
                                         'rows_read', (p_plan->>'rows_read')::int,
                                         'rows_loaded', jsonb_array_length(v_records),
                                         'rows_quarantined', (SELECT count(*) FROM jsonb_array_elements(p_plan->'review') r
                                                              WHERE r->>'status' = 'quarantined'),
                                         'rows_duplicate', coalesce((p_plan->>'rows_duplicate')::int, 0)));
        RETURN v_run;
    END $$"""

# 0007's acceptance, split in two: its checks of the link stay in `collectif_accept_invitation`,
# the rest becomes `collectif_join` (the member of an invitation, or a removed one brought back,
# and a session), shared with the sign-in through a provider (`password_hash` NULL there).
_ACCEPT_0007 = _0007.FUNCTIONS[ACCEPT]
_USE = "            UPDATE core.invitation SET used_at = now() WHERE id = i.id;\n"
_DECLARE = "DECLARE i core.invitation; v_member bigint; v_before jsonb;"
_checks, _joining = _ACCEPT_0007.split(_USE)
assert _DECLARE in _checks and "'accept_invitation', 'member'" in _joining, "0007's acceptance changed: update 0011"
JOIN = (_checks[:_checks.index(_DECLARE)] + "DECLARE i ALIAS FOR $1; v_member bigint; v_before jsonb;\n"
        "        BEGIN\n" + _USE + _joining.replace("'accept_invitation', 'member'", "$4, 'member'"))
ACCEPT_INVITATION = (_checks.replace(_DECLARE, "DECLARE i core.invitation;")
                     + "            RETURN core.collectif_join(i, $2, $3, 'accept_invitation');\n        END $$")

# NULL when signed in; otherwise why not, in French (audited, not raised: a raise would roll
# the audit row back).
OIDC_LOGIN = f"""
    RETURNS text {HEADER} AS $$
    DECLARE
        p_issuer ALIAS FOR $1; p_subject ALIAS FOR $2; p_verified ALIAS FOR $4; p_session ALIAS FOR $5;
        v_email text := lower(btrim(coalesce($3, ''))); m core.member; i core.invitation;
        v_member bigint; v_refusal text;
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM core.oidc_issuer o WHERE o.issuer = coalesce(p_issuer, '')) THEN
            v_refusal := format('Le fournisseur d''identité « %s » n''est pas reconnu par l''observatoire : '
                                'connectez-vous avec votre adresse et votre mot de passe.', coalesce(p_issuer, ''));
        ELSIF coalesce(p_subject, '') = '' THEN
            v_refusal := 'Le fournisseur d''identité n''a pas dit qui vous êtes (identifiant absent) : connexion refusée.';
        ELSE
            SELECT x.member_id INTO v_member FROM core.member_identity x
            WHERE x.issuer = p_issuer AND x.subject = p_subject;
            IF FOUND THEN
                SELECT * INTO m FROM core.member WHERE id = v_member;
                IF NOT m.active THEN
                    v_refusal := 'Ce compte a été retiré du collectif : demandez une nouvelle invitation à un référent.';
                END IF;
            ELSIF NOT coalesce(p_verified, false) OR v_email = '' THEN
                v_refusal := format('Votre fournisseur d''identité n''atteste pas votre adresse électronique (%s) : '
                                    'l''observatoire ne peut pas vous reconnaître.', coalesce(nullif(v_email, ''), 'aucune'));
            ELSE
                SELECT * INTO m FROM core.member WHERE email = v_email AND active;
                IF FOUND AND EXISTS (SELECT 1 FROM core.member_identity x
                                     WHERE x.member_id = m.id AND x.issuer = p_issuer) THEN
                    v_refusal := format('L''adresse %s est déjà liée à un autre compte de ce fournisseur d''identité.', v_email);
                ELSIF NOT FOUND THEN
                    SELECT * INTO i FROM core.invitation
                    WHERE email = v_email AND used_at IS NULL AND expires_at > now()
                    ORDER BY created_at DESC LIMIT 1 FOR UPDATE;
                    IF NOT FOUND THEN
                        v_refusal := format('Aucun membre ni aucune invitation en cours pour %s : l''Espace des collectifs '
                                            'est ouvert sur invitation d''un référent de votre collectif.', v_email);
                    ELSE
                        v_member := core.collectif_join(i, NULL, p_session, 'accept_invitation_oidc');
                        SELECT * INTO m FROM core.member WHERE id = v_member;
                    END IF;
                END IF;
                IF v_refusal IS NULL THEN
                    INSERT INTO core.member_identity (issuer, subject, member_id) VALUES (p_issuer, p_subject, m.id);
                    PERFORM core.collectif_audit('membre', m.id, m.collectif_id, 'link_identity', 'member_identity',
                                                 m.id, NULL, jsonb_build_object('issuer', p_issuer, 'subject', p_subject));
                    IF i.id IS NOT NULL THEN
                        RETURN NULL;  -- joining opened the session
                    END IF;
                END IF;
            END IF;
        END IF;
        IF v_refusal IS NOT NULL THEN
            PERFORM core.collectif_audit('fournisseur', m.id, m.collectif_id, 'oidc_refused', 'member_identity',
                                         NULL, NULL, jsonb_build_object('issuer', p_issuer, 'subject', p_subject,
                                                                        'email', nullif(v_email, ''), 'refusal', v_refusal));
            RETURN v_refusal;
        END IF;
        PERFORM core.collectif_open_session(m.id, p_session);
        PERFORM core.collectif_audit('membre', m.id, m.collectif_id, 'login_oidc', 'member_session', m.id,
                                     NULL, jsonb_build_object('issuer', p_issuer));
        RETURN NULL;
    END $$"""

FUNCTIONS = {
    "pact_plan_rejected(jsonb)": PLAN_REJECTED,
    "pact_write_import(jsonb, text, text)": WRITE_IMPORT,
    "collectif_publish_list(text, jsonb)": PUBLISH_LIST,
    "collectif_join(core.invitation, text, text, text)": JOIN,
    "collectif_oidc_login(text, text, text, boolean, text)": OIDC_LOGIN,
}
WRITER_FUNCTIONS = ("collectif_publish_list(text, jsonb)", "collectif_oidc_login(text, text, text, boolean, text)")


def upgrade() -> None:
    op.create_table(
        "oidc_issuer",
        sa.Column("issuer", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("issuer", name=op.f("pk_oidc_issuer")),
        schema="core")
    op.create_table(
        "member_identity",
        sa.Column("issuer", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["issuer"], ["core.oidc_issuer.issuer"],
                                name=op.f("fk_member_identity_issuer_oidc_issuer")),
        sa.ForeignKeyConstraint(["member_id"], ["core.member.id"], name=op.f("fk_member_identity_member_id_member")),
        sa.PrimaryKeyConstraint("issuer", "subject", name=op.f("pk_member_identity")),
        schema="core")
    op.create_index(op.f("ix_member_identity_member_id"), "member_identity", ["member_id"], unique=False, schema="core")
    op.alter_column("member", "password_hash", nullable=True, schema="core")
    for signature, body in FUNCTIONS.items():
        op.execute(f"CREATE FUNCTION core.{signature} {body}")
        op.execute(f"REVOKE ALL ON FUNCTION core.{signature} FROM PUBLIC")
    op.execute(f"CREATE OR REPLACE FUNCTION core.{ACCEPT} {ACCEPT_INVITATION}")
    for signature in WRITER_FUNCTIONS:
        op.execute(f"GRANT EXECUTE ON FUNCTION core.{signature} TO {WRITER}")
    op.execute(f"REVOKE EXECUTE ON FUNCTION core.{STAGE_LIST} FROM {WRITER}")


def downgrade() -> None:
    op.execute(f"GRANT EXECUTE ON FUNCTION core.{STAGE_LIST} TO {WRITER}")
    op.execute(f"CREATE OR REPLACE FUNCTION core.{ACCEPT} {_0007.FUNCTIONS[ACCEPT]}")
    for signature in reversed(list(FUNCTIONS)):
        op.execute(f"DROP FUNCTION core.{signature}")
    op.execute("UPDATE core.member SET password_hash = '!' WHERE password_hash IS NULL")  # matches no hash
    op.alter_column("member", "password_hash", nullable=False, schema="core")
    op.drop_table("member_identity", schema="core")
    op.drop_table("oidc_issuer", schema="core")
