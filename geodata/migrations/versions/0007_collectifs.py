"""Espace des collectifs: groups, members, invitations, sessions, follow-up entries, staged
lists and the audit log; the writer role `observatory_contributor` and its functions; the
public timeline `observatory.pact_follow_up_timeline`; `observatory.pact_commitment` takes the
groups' entries into account (latest status; NULL = en attente d'évaluation).

Revision ID: 0007_collectifs
Revises: 0004_pact (the pact branch: the tables it extends are there)

Authorisation lives here, in PostgreSQL: `observatory_contributor` (NOLOGIN; the app
`SET ROLE`s to it) has no privilege on any table, only EXECUTE on the SECURITY DEFINER
functions below (search_path pinned), which take a session token and check the member, the
group, the role, the commune (in the group's list) and the measure (in the campaign's
catalogue) before they write and audit. Refusals are French messages (RAISE), shown as is.
Passwords are hashed (argon2id) in Python; the database only stores and compares them: the
writer role can read a member's salt and parameters, never a hash.
"""
import importlib
import re

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007_collectifs"
down_revision = "0004_pact"
branch_labels = None
depends_on = None

READER = "observatory_reader"
WRITER = "observatory_contributor"
SESSION_HOURS = 8
HEADER = "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp"
STATUSES = "('not_started', 'in_progress', 'done', 'abandoned')"
# A comment that a spreadsheet would run as a formula once exported (=, +, @, or - before one).
FORMULA = r"^[[:space:]]*([=+@]|-[[:space:]]*[=+@0-9(])"

FUNCTIONS = {
    # -- internal: not executable by the writer role -----------------------------------------
    "collectif_token_hash(text)": """
        RETURNS text LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
            SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex') $$""",
    "collectif_refuse_rewrite()": """
        RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            RAISE 'core.% ne reçoit que des ajouts : rien n''y est modifié ni effacé.', TG_TABLE_NAME;
        END $$""",
    "collectif_audit(text, bigint, bigint, text, text, bigint, jsonb, jsonb)": f"""
        RETURNS void {HEADER} AS $$
        BEGIN
            INSERT INTO core.audit_log (actor, member_id, collectif_id, action, target_table,
                                        target_id, before, after)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8);
        END $$""",
    "collectif_session_member(text)": f"""
        RETURNS core.member STABLE {HEADER} AS $$
        DECLARE m core.member;
        BEGIN
            SELECT mb.* INTO m FROM core.member_session s JOIN core.member mb ON mb.id = s.member_id
            WHERE s.token_sha256 = core.collectif_token_hash(coalesce($1, ''))
              AND s.ended_at IS NULL AND s.expires_at > now();
            IF NOT FOUND THEN
                RAISE 'Session inconnue ou expirée : reconnectez-vous.';
            END IF;
            IF NOT m.active THEN
                RAISE 'Ce compte a été retiré du collectif : il ne peut plus rien enregistrer.';
            END IF;
            RETURN m;
        END $$""",
    "collectif_open_session(bigint, text)": f"""
        RETURNS void {HEADER} AS $$
        BEGIN
            IF length(coalesce($2, '')) < 32 THEN
                RAISE 'Jeton de session trop court.';
            END IF;
            INSERT INTO core.member_session (token_sha256, member_id, expires_at)
            VALUES (core.collectif_token_hash($2), $1, now() + interval '{SESSION_HOURS} hours');
        END $$""",
    "collectif_create_invitation(bigint, text, text, text, integer, text, bigint)": f"""
        RETURNS timestamptz {HEADER} AS $$
        DECLARE
            p_collectif ALIAS FOR $1; p_email ALIAS FOR $2; p_role ALIAS FOR $3;
            p_token ALIAS FOR $4; p_days ALIAS FOR $5; p_actor ALIAS FOR $6; p_by ALIAS FOR $7;
            v_id bigint; v_expires timestamptz;
        BEGIN
            IF p_email IS NULL OR p_email !~ '^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$' THEN
                RAISE 'Adresse électronique invalide : « % ».', coalesce(p_email, '');
            END IF;
            IF p_role IS NULL OR p_role NOT IN ('referent', 'membre') THEN
                RAISE 'Rôle inconnu « % » : referent ou membre.', coalesce(p_role, '');
            END IF;
            IF p_days IS NULL OR p_days NOT BETWEEN 1 AND 30 THEN
                RAISE 'Une invitation vaut de 1 à 30 jours (demandé : %).', coalesce(p_days::text, 'rien');
            END IF;
            IF length(coalesce(p_token, '')) < 32 THEN
                RAISE 'Jeton d''invitation trop court.';
            END IF;
            IF EXISTS (SELECT 1 FROM core.member m WHERE m.email = p_email
                       AND (m.collectif_id <> p_collectif OR m.active)) THEN
                RAISE 'Cette adresse est déjà inscrite dans un collectif.';
            END IF;
            v_expires := now() + make_interval(days => p_days);
            INSERT INTO core.invitation (collectif_id, email, role, token_sha256, expires_at,
                                         invited_by_member_id)
            VALUES (p_collectif, p_email, p_role, core.collectif_token_hash(p_token), v_expires, p_by)
            RETURNING id INTO v_id;
            PERFORM core.collectif_audit(p_actor, p_by, p_collectif, 'invite', 'invitation', v_id, NULL,
                                         jsonb_build_object('email', p_email, 'role', p_role,
                                                            'expires_at', v_expires));
            RETURN v_expires;
        END $$""",
    # -- the writer role's functions -----------------------------------------------------------
    "collectif_invitation(text)": """
        RETURNS TABLE (collectif_name text, email text, role text, problem text)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
            SELECT g.name, i.email, i.role::text,
                   CASE WHEN i.used_at IS NOT NULL THEN 'Cette invitation a déjà été utilisée : '
                            'connectez-vous avec votre adresse et votre mot de passe.'
                        WHEN i.expires_at <= now() THEN 'Cette invitation a expiré : demandez-en '
                            'une nouvelle à un référent de votre collectif.' END
            FROM core.invitation i JOIN core.collectif g ON g.id = i.collectif_id
            WHERE i.token_sha256 = core.collectif_token_hash(coalesce($1, '')) $$""",
    "collectif_accept_invitation(text, text, text)": f"""
        RETURNS bigint {HEADER} AS $$
        DECLARE i core.invitation; v_member bigint; v_before jsonb;
        BEGIN
            IF $2 IS NULL OR $2 !~ '^\\$argon2id\\$v=19\\$m=[0-9]+,t=[0-9]+,p=[0-9]+\\$[A-Za-z0-9+/]+\\$[A-Za-z0-9+/]+$' THEN
                RAISE 'Empreinte de mot de passe refusée : argon2id attendu.';
            END IF;
            SELECT * INTO i FROM core.invitation
            WHERE token_sha256 = core.collectif_token_hash(coalesce($1, '')) FOR UPDATE;
            IF NOT FOUND THEN
                RAISE 'Lien d''invitation inconnu : vérifiez le lien reçu.';
            ELSIF i.used_at IS NOT NULL THEN
                RAISE 'Cette invitation a déjà été utilisée : connectez-vous avec votre adresse et votre mot de passe.';
            ELSIF i.expires_at <= now() THEN
                RAISE 'Cette invitation a expiré : demandez-en une nouvelle à un référent de votre collectif.';
            END IF;
            UPDATE core.invitation SET used_at = now() WHERE id = i.id;
            SELECT to_jsonb(m) - 'password_hash' INTO v_before FROM core.member m WHERE m.email = i.email;
            IF (v_before->>'collectif_id')::bigint <> i.collectif_id THEN
                RAISE 'Cette adresse est déjà inscrite dans un collectif.';
            END IF;
            INSERT INTO core.member (collectif_id, email, password_hash, role)
            VALUES (i.collectif_id, i.email, $2, i.role)
            ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash,
                role = EXCLUDED.role, active = true, removed_at = NULL
            RETURNING id INTO v_member;
            PERFORM core.collectif_open_session(v_member, $3);
            PERFORM core.collectif_audit('membre', v_member, i.collectif_id, 'accept_invitation', 'member',
                                         v_member, v_before,
                                         (SELECT to_jsonb(m) - 'password_hash' FROM core.member m
                                          WHERE m.id = v_member));
            RETURN v_member;
        END $$""",
    # The salt and parameters of a member's hash (never the hash); for an unknown address,
    # made-up ones that look the same, so that the answer does not tell who is a member.
    "collectif_login_settings(text)": """
        RETURNS text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
            SELECT coalesce(
                (SELECT regexp_replace(password_hash, '\\$[^$]*$', '') FROM core.member
                 WHERE email = $1 AND active),
                '$argon2id$v=19$m=65536,t=3,p=4$' || rtrim(encode(substr(sha256(convert_to(
                    'observatoire-collectifs:' || coalesce($1, ''), 'UTF8')), 1, 16), 'base64'), '=')) $$""",
    # NULL when signed in; otherwise why not, in French. A failure is recorded, not raised
    # (an exception would roll the record back); five in 15 minutes block the address.
    "collectif_login(text, text, text)": f"""
        RETURNS text {HEADER} AS $$
        DECLARE m core.member; v_failures integer; v_wait double precision;
        BEGIN
            SELECT count(*), extract(epoch FROM min(failed_at) + interval '15 minutes' - now()) / 60
            INTO v_failures, v_wait
            FROM core.login_failure WHERE email = $1 AND failed_at > now() - interval '15 minutes';
            IF v_failures >= 5 THEN
                RETURN format('Trop de tentatives de connexion pour cette adresse : réessayez dans %s minute(s).',
                              greatest(ceil(v_wait), 1));
            END IF;
            SELECT * INTO m FROM core.member WHERE email = $1 AND active AND password_hash = $2;
            IF NOT FOUND THEN
                INSERT INTO core.login_failure (email) VALUES (coalesce($1, ''));
                RETURN 'Adresse ou mot de passe incorrect.';
            END IF;
            PERFORM core.collectif_open_session(m.id, $3);
            PERFORM core.collectif_audit('membre', m.id, m.collectif_id, 'login', 'member_session', m.id,
                                         NULL, NULL);
            RETURN NULL;
        END $$""",
    "collectif_session(text)": f"""
        RETURNS TABLE (member_id bigint, email text, role text, collectif_id bigint,
                       collectif_name text, campaign_code text, communes text[], expires_at timestamptz)
        STABLE {HEADER} AS $$
        #variable_conflict use_column
        DECLARE m core.member;
        BEGIN
            m := core.collectif_session_member($1);
            RETURN QUERY
                SELECT m.id, m.email, m.role::text, g.id, g.name, g.campaign_code::text,
                       ARRAY(SELECT c.insee_code::text FROM core.collectif_commune c
                             WHERE c.collectif_id = g.id ORDER BY 1),
                       (SELECT s.expires_at FROM core.member_session s
                        WHERE s.token_sha256 = core.collectif_token_hash($1))
                FROM core.collectif g WHERE g.id = m.collectif_id;
        END $$""",
    "collectif_logout(text)": f"""
        RETURNS void {HEADER} AS $$
        DECLARE m core.member;
        BEGIN
            m := core.collectif_session_member($1);
            UPDATE core.member_session SET ended_at = now()
            WHERE token_sha256 = core.collectif_token_hash($1);
            PERFORM core.collectif_audit('membre', m.id, m.collectif_id, 'logout', 'member_session', m.id,
                                         NULL, NULL);
        END $$""",
    "collectif_members(text)": f"""
        RETURNS TABLE (member_id bigint, email text, role text, active boolean,
                       created_at timestamptz, removed_at timestamptz)
        STABLE {HEADER} AS $$
        #variable_conflict use_column
        DECLARE m core.member;
        BEGIN
            m := core.collectif_session_member($1);
            RETURN QUERY SELECT x.id, x.email, x.role::text, x.active, x.created_at, x.removed_at
                         FROM core.member x WHERE x.collectif_id = m.collectif_id
                         ORDER BY x.active DESC, x.email;
        END $$""",
    "collectif_invite(text, text, text, text, integer)": f"""
        RETURNS timestamptz {HEADER} AS $$
        DECLARE m core.member;
        BEGIN
            m := core.collectif_session_member($1);
            IF m.role <> 'referent' THEN
                RAISE 'Seul un référent du collectif peut inviter ou retirer des membres.';
            END IF;
            RETURN core.collectif_create_invitation(m.collectif_id, $2, $3, $4, $5, 'membre', m.id);
        END $$""",
    "collectif_remove_member(text, bigint)": f"""
        RETURNS void {HEADER} AS $$
        DECLARE m core.member; t core.member;
        BEGIN
            m := core.collectif_session_member($1);
            IF m.role <> 'referent' THEN
                RAISE 'Seul un référent du collectif peut inviter ou retirer des membres.';
            END IF;
            SELECT * INTO t FROM core.member WHERE id = $2 AND collectif_id = m.collectif_id FOR UPDATE;
            IF NOT FOUND THEN
                RAISE 'Ce membre n''appartient pas à votre collectif.';
            ELSIF t.id = m.id THEN
                RAISE 'Un référent ne peut pas se retirer lui-même : demandez-le à un autre référent.';
            ELSIF NOT t.active THEN
                RAISE 'Ce membre a déjà été retiré.';
            END IF;
            UPDATE core.member SET active = false, removed_at = now() WHERE id = t.id;
            UPDATE core.member_session SET ended_at = now() WHERE member_id = t.id AND ended_at IS NULL;
            PERFORM core.collectif_audit('membre', m.id, m.collectif_id, 'remove_member', 'member', t.id,
                                         to_jsonb(t) - 'password_hash',
                                         (SELECT to_jsonb(x) - 'password_hash' FROM core.member x
                                          WHERE x.id = t.id));
        END $$""",
    "collectif_add_entry(text, text, text, text, date, text, text)": f"""
        RETURNS bigint {HEADER} AS $$
        DECLARE
            p_insee ALIAS FOR $2; p_measure ALIAS FOR $3; p_status ALIAS FOR $4; p_date ALIAS FOR $5;
            p_url ALIAS FOR $6; p_comment ALIAS FOR $7;
            m core.member; g core.collectif; e core.follow_up_entry;
        BEGIN
            m := core.collectif_session_member($1);
            SELECT * INTO g FROM core.collectif WHERE id = m.collectif_id;
            IF NOT EXISTS (SELECT 1 FROM core.collectif_commune c
                           WHERE c.collectif_id = g.id AND c.insee_code = p_insee) THEN
                RAISE 'La commune % ne fait pas partie des communes suivies par le collectif « % ».',
                      coalesce(p_insee, '(vide)'), g.name;
            END IF;
            IF NOT EXISTS (SELECT 1 FROM core.pact_measure pm
                           WHERE pm.campaign_code = g.campaign_code AND pm.number = p_measure) THEN
                RAISE 'La mesure « % » n''existe pas dans le catalogue de la campagne %.',
                      coalesce(p_measure, ''), g.campaign_code;
            END IF;
            IF p_status IS NULL OR p_status NOT IN {STATUSES} THEN
                RAISE 'Statut inconnu « % » : pas commencée, en cours, réalisée ou abandonnée.',
                      coalesce(p_status, '');
            END IF;
            IF p_date IS NULL THEN
                RAISE 'Indiquez la date du constat.';
            ELSIF p_date > (now() AT TIME ZONE 'Europe/Paris')::date THEN
                RAISE 'La date du constat (%) est dans le futur : un constat porte sur ce qui a eu lieu.',
                      to_char(p_date, 'DD/MM/YYYY');
            END IF;
            IF p_url IS NOT NULL AND p_url !~* '^https?://[^[:space:]]+$' THEN
                RAISE 'Le lien de preuve doit être une adresse web commençant par http:// ou https:// (reçu « % »).',
                      left(p_url, 80);
            END IF;
            IF length(p_comment) > 2000 THEN
                RAISE 'Commentaire trop long : % caractères, 2 000 au plus.', length(p_comment);
            ELSIF p_comment ~ '{FORMULA}' THEN
                RAISE 'Le commentaire commence comme une formule de tableur (=, +, -, @) : reformulez-le.';
            END IF;
            INSERT INTO core.follow_up_entry (collectif_id, campaign_code, insee_code, measure_number,
                                              status, status_date, evidence_url, comment,
                                              entered_by_member_id)
            VALUES (g.id, g.campaign_code, p_insee, p_measure, p_status, p_date, p_url,
                    nullif(p_comment, ''), m.id)
            RETURNING * INTO e;
            PERFORM core.collectif_audit('membre', m.id, g.id, 'add_entry', 'follow_up_entry', e.id, NULL,
                                         to_jsonb(e));
            RETURN e.id;
        END $$""",
    "collectif_retract_entry(text, bigint, text)": f"""
        RETURNS bigint {HEADER} AS $$
        DECLARE m core.member; e core.follow_up_entry; r core.follow_up_entry;
        BEGIN
            m := core.collectif_session_member($1);
            IF m.role <> 'referent' THEN
                RAISE 'Seul un référent du collectif peut retirer une saisie.';
            END IF;
            SELECT * INTO e FROM core.follow_up_entry WHERE id = $2;
            IF NOT FOUND OR e.collectif_id <> m.collectif_id THEN
                RAISE 'Saisie introuvable parmi celles de votre collectif.';
            ELSIF e.retracts_entry_id IS NOT NULL THEN
                RAISE 'Un retrait ne se retire pas : enregistrez plutôt un nouveau constat.';
            ELSIF EXISTS (SELECT 1 FROM core.follow_up_entry x WHERE x.retracts_entry_id = e.id) THEN
                RAISE 'Cette saisie a déjà été retirée.';
            ELSIF length(btrim(coalesce($3, ''))) = 0 THEN
                RAISE 'Indiquez le motif du retrait.';
            ELSIF $3 ~ '{FORMULA}' THEN
                RAISE 'Le motif commence comme une formule de tableur (=, +, -, @) : reformulez-le.';
            END IF;
            INSERT INTO core.follow_up_entry (collectif_id, campaign_code, insee_code, measure_number,
                                              entered_by_member_id, retracts_entry_id, retraction_reason)
            VALUES (e.collectif_id, e.campaign_code, e.insee_code, e.measure_number, m.id, e.id, btrim($3))
            RETURNING * INTO r;
            PERFORM core.collectif_audit('membre', m.id, m.collectif_id, 'retract_entry', 'follow_up_entry',
                                         r.id, to_jsonb(e), to_jsonb(r));
            RETURN r.id;
        END $$""",
    # A list the member asked to publish, as `observatory.pact` planned it: every loaded row
    # must name a commune of the group, its campaign and measures of its catalogue.
    "collectif_stage_list(text, jsonb)": f"""
        RETURNS bigint {HEADER} AS $$
        DECLARE
            p_plan ALIAS FOR $2;
            m core.member; g core.collectif; v_kind text := $2->>'kind'; v_dataset text := $2->>'dataset';
            v_records jsonb; v_bad text; v_id bigint;
        BEGIN
            m := core.collectif_session_member($1);
            SELECT * INTO g FROM core.collectif WHERE id = m.collectif_id;
            IF v_kind IS NULL OR v_kind NOT IN ('signatures', 'follow_up')
               OR (v_kind = 'signatures' AND v_dataset IS DISTINCT FROM format('collectif-%s-signatures', g.id))
               OR (v_kind = 'follow_up' AND v_dataset NOT LIKE format('collectif-%s-suivi-%%', g.id)) THEN
                RAISE 'Liste refusée : elle n''est pas une liste de votre collectif.';
            END IF;
            v_records := CASE v_kind WHEN 'signatures' THEN p_plan->'signatures' ELSE p_plan->'follow_ups' END;
            IF jsonb_typeof(v_records) IS DISTINCT FROM 'array'
               OR jsonb_typeof(p_plan->'review') IS DISTINCT FROM 'array'
               OR jsonb_array_length(p_plan->'review') <> (p_plan->>'rows_read')::int THEN
                RAISE 'Liste refusée : chaque ligne lue doit figurer dans la revue.';
            END IF;
            SELECT string_agg(DISTINCT coalesce(r->>'insee_code', '(vide)'), ', ') INTO v_bad
            FROM jsonb_array_elements(v_records) r
            WHERE NOT EXISTS (SELECT 1 FROM core.collectif_commune c
                              WHERE c.collectif_id = g.id AND c.insee_code = r->>'insee_code');
            IF v_bad IS NOT NULL THEN
                RAISE 'Liste refusée : commune(s) % hors des communes suivies par le collectif « % ».',
                      v_bad, g.name;
            END IF;
            SELECT string_agg(DISTINCT coalesce(r->>'campaign_code', '(vide)'), ', ') INTO v_bad
            FROM jsonb_array_elements(v_records) r WHERE r->>'campaign_code' IS DISTINCT FROM g.campaign_code;
            IF v_bad IS NOT NULL THEN
                RAISE 'Liste refusée : campagne % au lieu de celle du collectif (%).', v_bad, g.campaign_code;
            END IF;
            SELECT string_agg(DISTINCT n, ', ') INTO v_bad
            FROM (SELECT r->>'measure_number' AS n FROM jsonb_array_elements(v_records) r WHERE v_kind = 'follow_up'
                  UNION ALL
                  SELECT jsonb_array_elements_text(r->'measures') FROM jsonb_array_elements(v_records) r
                  WHERE v_kind = 'signatures') numbers
            WHERE NOT EXISTS (SELECT 1 FROM core.pact_measure pm
                              WHERE pm.campaign_code = g.campaign_code AND pm.number = numbers.n);
            IF v_bad IS NOT NULL THEN
                RAISE 'Liste refusée : mesure(s) % absente(s) du catalogue de la campagne %.', v_bad, g.campaign_code;
            END IF;
            INSERT INTO core.collectif_upload (collectif_id, member_id, kind, dataset, file_name,
                                               file_sha256, plan)
            VALUES (g.id, m.id, v_kind, v_dataset, coalesce(p_plan->>'file_name', ''),
                    coalesce(p_plan->>'file_sha256', ''), p_plan)
            RETURNING id INTO v_id;
            PERFORM core.collectif_audit('membre', m.id, g.id, 'stage_list', 'collectif_upload', v_id, NULL,
                                         jsonb_build_object('dataset', v_dataset, 'kind', v_kind,
                                                            'file_name', p_plan->>'file_name',
                                                            'rows_read', p_plan->'rows_read',
                                                            'rows_loaded', jsonb_array_length(v_records)));
            RETURN v_id;
        END $$""",
}
WRITER_FUNCTIONS = [name for name in FUNCTIONS if name.split("(")[0] in (
    "collectif_invitation", "collectif_accept_invitation", "collectif_login_settings",
    "collectif_login", "collectif_session", "collectif_logout", "collectif_members",
    "collectif_invite", "collectif_remove_member", "collectif_add_entry",
    "collectif_retract_entry", "collectif_stage_list")]
APPEND_ONLY = ("follow_up_entry", "audit_log")

_pact = importlib.import_module("geodata.migrations.versions.0004_pact")
TIMELINE = """
    SELECT 'liste'::text AS origin, f.id AS record_id, f.campaign_code, f.insee_code,
           c.name AS commune_name, f.measure_number, m.title, m.topic, f.status, f.status_date,
           CASE WHEN f.evidence_url ~* '^https?://[^[:space:]]+$' THEN f.evidence_url END AS evidence_url,
           f.comment, g.name AS collectif_name, i.started_at AS entered_at, false AS retracted,
           NULL::bigint AS retracts_record_id, NULL::text AS retraction_reason
    FROM core.pact_follow_up f
    LEFT JOIN core.pact_import_run i ON i.id = f.import_run_id
    LEFT JOIN core.collectif g ON f.dataset LIKE 'collectif-' || g.id || '-%'
    LEFT JOIN core.commune c ON c.insee_code = f.insee_code
    LEFT JOIN core.pact_measure m ON m.campaign_code = f.campaign_code AND m.number = f.measure_number
    UNION ALL
    SELECT 'saisie', e.id, e.campaign_code, e.insee_code, c.name, e.measure_number, m.title, m.topic,
           e.status, e.status_date, e.evidence_url, e.comment, g.name, e.entered_at,
           EXISTS (SELECT 1 FROM core.follow_up_entry r WHERE r.retracts_entry_id = e.id),
           e.retracts_entry_id, e.retraction_reason
    FROM core.follow_up_entry e
    JOIN core.collectif g ON g.id = e.collectif_id
    LEFT JOIN core.commune c ON c.insee_code = e.insee_code
    LEFT JOIN core.pact_measure m ON m.campaign_code = e.campaign_code AND m.number = e.measure_number"""
TIMELINE_COMMENT = (
    "Chronologie du suivi des mesures: les constats des listes importées (origin liste) et les "
    "saisies des collectifs (origin saisie), chacun daté, avec sa preuve et le nom du collectif "
    "(jamais l'adresse d'un membre); un retrait est une ligne qui désigne la saisie retirée")
TIMELINE_COLUMNS = {
    "origin": "liste (liste importée) ou saisie (formulaire d'un collectif)",
    "record_id": "Identifiant du constat dans sa table d'origine",
    "status": "not_started, in_progress, done, abandoned; NULL pour un retrait",
    "status_date": "Date du constat",
    "evidence_url": "Lien vers la preuve (seulement http ou https)",
    "comment": "Commentaire libre, à afficher comme du texte",
    "collectif_name": "Collectif qui a fait le constat (NULL pour une liste hors collectif)",
    "entered_at": "Moment de la saisie ou de l'import",
    "retracted": "Vrai si un référent a retiré ce constat (il reste dans l'historique)",
    "retracts_record_id": "Pour un retrait: la saisie retirée",
    "retraction_reason": "Pour un retrait: son motif",
}
# The latest assessment of each committed measure, across imported lists and entries still
# standing (retracted ones and retractions set aside); none = en attente d'évaluation.
COMMITMENT_LATEST = """latest AS (
               SELECT DISTINCT ON (campaign_code, insee_code, measure_number)
                      campaign_code, insee_code, measure_number, status, status_date, evidence_url
               FROM observatory.pact_follow_up_timeline
               WHERE NOT retracted AND retracts_record_id IS NULL
               ORDER BY campaign_code, insee_code, measure_number,
                        status_date DESC NULLS LAST, entered_at DESC NULLS LAST, record_id DESC)"""


def _commitment_view() -> str:
    old = _pact.VIEWS["pact_commitment"][0]
    new, replaced = re.subn(r"latest AS \(.*?id DESC\)", lambda _: COMMITMENT_LATEST, old, flags=re.S)
    # Same column type as before (a view keeps its columns' types).
    new = new.replace("coalesce(l.status, 'not_started') AS status", "l.status::varchar AS status")
    assert replaced == 1 and "l.status::varchar" in new, "0004's pact_commitment changed: update 0007"
    return new


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('clock_timestamp()'), nullable=False),
    sa.Column('actor', sa.String(length=16), nullable=False),
    sa.Column('member_id', sa.BigInteger(), nullable=True),
    sa.Column('collectif_id', sa.BigInteger(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target_table', sa.String(length=64), nullable=False),
    sa.Column('target_id', sa.BigInteger(), nullable=True),
    sa.Column('before', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('after', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    schema='core'
    )
    op.create_index(op.f('ix_audit_log_collectif_id'), 'audit_log', ['collectif_id'], unique=False, schema='core')
    op.create_table('login_failure',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('email', sa.Text(), nullable=False),
    sa.Column('failed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure')),
    schema='core'
    )
    op.create_index(op.f('ix_login_failure_email'), 'login_failure', ['email'], unique=False, schema='core')
    op.create_table('collectif',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('campaign_code', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['campaign_code'], ['core.pact_campaign.code'], name=op.f('fk_collectif_campaign_code_pact_campaign')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collectif')),
    sa.UniqueConstraint('name', name=op.f('uq_collectif_name')),
    schema='core'
    )
    op.create_table('collectif_commune',
    sa.Column('collectif_id', sa.BigInteger(), nullable=False),
    sa.Column('insee_code', sa.String(length=5), nullable=False),
    sa.ForeignKeyConstraint(['collectif_id'], ['core.collectif.id'], name=op.f('fk_collectif_commune_collectif_id_collectif'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('collectif_id', 'insee_code', name=op.f('pk_collectif_commune')),
    schema='core'
    )
    op.create_table('member',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('collectif_id', sa.BigInteger(), nullable=False),
    sa.Column('email', sa.Text(), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('referent', 'membre')", name=op.f('ck_member_role')),
    sa.ForeignKeyConstraint(['collectif_id'], ['core.collectif.id'], name=op.f('fk_member_collectif_id_collectif')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member')),
    sa.UniqueConstraint('email', name=op.f('uq_member_email')),
    schema='core'
    )
    op.create_index(op.f('ix_member_collectif_id'), 'member', ['collectif_id'], unique=False, schema='core')
    op.create_table('collectif_upload',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('collectif_id', sa.BigInteger(), nullable=False),
    sa.Column('member_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('dataset', sa.String(length=128), nullable=False),
    sa.Column('file_name', sa.Text(), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('plan', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('staged_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('import_run_id', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("kind IN ('signatures', 'follow_up')", name=op.f('ck_collectif_upload_kind')),
    sa.ForeignKeyConstraint(['collectif_id'], ['core.collectif.id'], name=op.f('fk_collectif_upload_collectif_id_collectif')),
    sa.ForeignKeyConstraint(['member_id'], ['core.member.id'], name=op.f('fk_collectif_upload_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collectif_upload')),
    schema='core'
    )
    op.create_index(op.f('ix_collectif_upload_collectif_id'), 'collectif_upload', ['collectif_id'], unique=False, schema='core')
    op.create_table('follow_up_entry',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('collectif_id', sa.BigInteger(), nullable=False),
    sa.Column('campaign_code', sa.String(length=32), nullable=False),
    sa.Column('insee_code', sa.String(length=5), nullable=False),
    sa.Column('measure_number', sa.String(length=4), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=True),
    sa.Column('status_date', sa.Date(), nullable=True),
    sa.Column('evidence_url', sa.Text(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('entered_by_member_id', sa.BigInteger(), nullable=False),
    sa.Column('entered_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('retracts_entry_id', sa.BigInteger(), nullable=True),
    sa.Column('retraction_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("evidence_url ~* '^https?://[^[:space:]]+$'", name=op.f('ck_follow_up_entry_evidence_url')),
    sa.CheckConstraint("status IN ('not_started', 'in_progress', 'done', 'abandoned')", name=op.f('ck_follow_up_entry_status')),
    sa.CheckConstraint('(retracts_entry_id IS NULL AND status IS NOT NULL AND status_date IS NOT NULL AND retraction_reason IS NULL) OR (retracts_entry_id IS NOT NULL AND status IS NULL AND retraction_reason IS NOT NULL)', name=op.f('ck_follow_up_entry_assessment_or_retraction')),
    sa.ForeignKeyConstraint(['campaign_code', 'measure_number'], ['core.pact_measure.campaign_code', 'core.pact_measure.number'], name=op.f('fk_follow_up_entry_campaign_code_pact_measure')),
    sa.ForeignKeyConstraint(['collectif_id'], ['core.collectif.id'], name=op.f('fk_follow_up_entry_collectif_id_collectif')),
    sa.ForeignKeyConstraint(['entered_by_member_id'], ['core.member.id'], name=op.f('fk_follow_up_entry_entered_by_member_id_member')),
    sa.ForeignKeyConstraint(['retracts_entry_id'], ['core.follow_up_entry.id'], name=op.f('fk_follow_up_entry_retracts_entry_id_follow_up_entry')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_entry')),
    sa.UniqueConstraint('retracts_entry_id', name=op.f('uq_follow_up_entry_retracts_entry_id')),
    schema='core'
    )
    op.create_index(op.f('ix_follow_up_entry_collectif_id'), 'follow_up_entry', ['collectif_id'], unique=False, schema='core')
    op.create_index(op.f('ix_follow_up_entry_insee_code'), 'follow_up_entry', ['insee_code'], unique=False, schema='core')
    op.create_table('invitation',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('collectif_id', sa.BigInteger(), nullable=False),
    sa.Column('email', sa.Text(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('invited_by_member_id', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("role IN ('referent', 'membre')", name=op.f('ck_invitation_role')),
    sa.ForeignKeyConstraint(['collectif_id'], ['core.collectif.id'], name=op.f('fk_invitation_collectif_id_collectif')),
    sa.ForeignKeyConstraint(['invited_by_member_id'], ['core.member.id'], name=op.f('fk_invitation_invited_by_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_invitation_token_sha256')),
    schema='core'
    )
    op.create_index(op.f('ix_invitation_collectif_id'), 'invitation', ['collectif_id'], unique=False, schema='core')
    op.create_table('member_session',
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['core.member.id'], name=op.f('fk_member_session_member_id_member')),
    sa.PrimaryKeyConstraint('token_sha256', name=op.f('pk_member_session')),
    schema='core'
    )
    op.create_index(op.f('ix_member_session_member_id'), 'member_session', ['member_id'], unique=False, schema='core')
    op.execute(f"""DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{WRITER}') THEN
            CREATE ROLE {WRITER} NOLOGIN;
        END IF;
    END $$""")
    # Whoever runs the migrations (the app's login) may switch to the writer role (SET ROLE).
    op.execute(f"GRANT {WRITER} TO CURRENT_USER")
    op.execute(f"GRANT USAGE ON SCHEMA core TO {WRITER}")
    for signature, body in FUNCTIONS.items():
        op.execute(f"CREATE FUNCTION core.{signature} {body}")
        op.execute(f"REVOKE ALL ON FUNCTION core.{signature} FROM PUBLIC")
    for signature in WRITER_FUNCTIONS:
        op.execute(f"GRANT EXECUTE ON FUNCTION core.{signature} TO {WRITER}")
    for table in APPEND_ONLY:
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON core.{table} "
                   "FOR EACH ROW EXECUTE FUNCTION core.collectif_refuse_rewrite()")
    op.execute(f"CREATE VIEW observatory.pact_follow_up_timeline AS {TIMELINE}")
    op.execute(f"COMMENT ON VIEW observatory.pact_follow_up_timeline IS {_literal(TIMELINE_COMMENT)}")
    for column, text in TIMELINE_COLUMNS.items():
        op.execute(f"COMMENT ON COLUMN observatory.pact_follow_up_timeline.{column} IS {_literal(text)}")
    op.execute(f"GRANT SELECT ON observatory.pact_follow_up_timeline TO {READER}")
    op.execute(f"CREATE OR REPLACE VIEW observatory.pact_commitment AS {_commitment_view()}")
    op.execute("COMMENT ON COLUMN observatory.pact_commitment.status IS 'Dernier statut de suivi "
               "(listes importées et saisies des collectifs non retirées); NULL = en attente d''évaluation'")


def downgrade() -> None:
    op.execute(f"CREATE OR REPLACE VIEW observatory.pact_commitment AS {_pact.VIEWS['pact_commitment'][0]}")
    op.execute(f"COMMENT ON COLUMN observatory.pact_commitment.status IS "
               f"{_literal(_pact.VIEWS['pact_commitment'][2]['status'])}")
    op.execute("DROP VIEW observatory.pact_follow_up_timeline")
    for table in APPEND_ONLY:
        op.execute(f"DROP TRIGGER {table}_append_only ON core.{table}")
    # Functions first: some return the row type of core.member.
    for signature in reversed(list(FUNCTIONS)):
        op.execute(f"DROP FUNCTION core.{signature}")
    for table in ("follow_up_entry", "collectif_upload", "member_session", "invitation", "member",
                  "collectif_commune", "collectif", "login_failure", "audit_log"):
        op.drop_table(table, schema="core")
    # The role is the cluster's (other databases may use it): it stays.
