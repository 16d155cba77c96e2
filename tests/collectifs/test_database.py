"""Authorisation in PostgreSQL: the writer role can only do what the signed-in member may,
whatever the page does; every write is audited; entries and the audit log are append-only."""
from __future__ import annotations

import dataclasses
import threading
from datetime import date, timedelta

import psycopg
import pytest

from geodata import db
from observatory import groups
from tests.collectifs.conftest import PASSWORD, join, review

LILLE, VILLENEUVE, ROUBAIX = "59350", "59009", "59512"
TABLES = ("collectif", "collectif_commune", "member", "invitation", "member_session", "login_failure",
          "follow_up_entry", "collectif_upload", "audit_log", "pact_signature", "pact_follow_up",
          "pact_import_run", "load_run", "quarantined_row", "oidc_issuer", "member_identity", "commune")


def refusal(conn: psycopg.Connection, call, *args, **kwargs) -> str:
    """The French message a call is refused with (inside a savepoint: the test goes on)."""
    with pytest.raises(groups.GroupError) as refused:
        with conn.transaction():
            call(conn, *args, **kwargs)
    return str(refused.value)


def entry(conn, session, **changes) -> int:
    values = dict(insee_code=LILLE, measure="14", status="in_progress", status_date=date(2026, 10, 1),
                  evidence_url="https://www.lille.fr/deliberation-14", comment="Ligne de bus votée")
    return groups.add_entry(conn, session.token, **{**values, **changes})


def test_a_member_of_group_a_cannot_write_for_a_commune_of_group_b(two_groups, writer):
    assert entry(writer, two_groups.a) > 0
    message = refusal(writer, entry, two_groups.a, insee_code=ROUBAIX)
    assert message == "La commune 59512 ne fait pas partie des communes suivies par le collectif « Collectif A »."
    # The same call as raw SQL, as anyone holding the writer role could make it.
    with pytest.raises(psycopg.errors.RaiseException, match="ne fait pas partie"):
        with writer.transaction():
            writer.execute("SELECT core.collectif_add_entry(%s, '59512', '14', 'done', current_date, NULL, NULL)",
                           (two_groups.a.token,))
    # B's référent writes for Roubaix, not for Lille.
    assert entry(writer, two_groups.b, insee_code=ROUBAIX) > 0
    assert "ne fait pas partie" in refusal(writer, entry, two_groups.b, insee_code=LILLE)
    # Without a session, or with a made-up one, nothing.
    assert refusal(writer, entry, groups.Session(**{**two_groups.a.__dict__, "token": "x" * 43})) == \
        "Session inconnue ou expirée : reconnectez-vous."


def test_a_member_of_group_a_cannot_publish_a_list_for_a_commune_of_group_b(two_groups, writer, tmp_path):
    """The writer role reaches the load only through `collectif_publish_list`, which checks the
    member's session, role, group and communes, whatever plan it is handed."""
    listing = tmp_path / "liste.csv"
    listing.write_text("commune;code insee;campagne;engagement du conseil\nLille;59350;2020;unanime\n",
                       encoding="utf-8")
    plan = review(two_groups.url, listing, two_groups.a)
    with psycopg.connect(two_groups.url) as conn:
        runs = conn.execute("SELECT count(*) FROM core.pact_import_run").fetchone()
    signature = plan.signatures[0]
    roubaix = dataclasses.replace(plan, signatures=[dataclasses.replace(signature, insee_code=ROUBAIX)])
    publish = "SELECT core.collectif_publish_list(%s, %s::jsonb)"
    for token, forged, message in (
            (two_groups.a.token, roubaix, "commune\\(s\\) 59512 hors des communes suivies par le collectif « Collectif A »"),
            (two_groups.b.token, plan, "pas une liste de votre collectif"),  # B publishing as A
            (two_groups.a_member.token, plan, "Seul un référent du collectif publie sa liste des signatures"),
            (two_groups.a.token, dataclasses.replace(plan, signatures=[]), "les comptes ne tombent pas juste"),
            ("x" * 43, plan, "Session inconnue ou expirée")):
        with pytest.raises(psycopg.errors.RaiseException, match=message):
            with writer.transaction():
                writer.execute(publish, (token, forged.to_json()))
    # The load itself, and staging without publishing, are not the writer role's to call.
    for statement, args in (("SELECT core.pact_write_import(%s::jsonb, NULL, NULL)", (roubaix.to_json(),)),
                            ("SELECT core.collectif_stage_list(%s, %s::jsonb)", (two_groups.a.token, plan.to_json()))):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            with writer.transaction():
                writer.execute(statement, args)
    with psycopg.connect(two_groups.url) as conn:
        assert conn.execute("SELECT count(*) FROM core.pact_import_run").fetchone() == runs
    # Within the group's communes, the référent's plan is published by the writer role.
    with db.contributor_connection(two_groups.url) as committed:
        run_id = committed.execute(publish, (two_groups.a.token, plan.to_json())).fetchone()[0]
    with psycopg.connect(two_groups.url) as conn:
        assert conn.execute("SELECT insee_code FROM core.pact_signature WHERE import_run_id = %s",
                            (run_id,)).fetchall() == [(LILLE,)]


@pytest.mark.parametrize("table", TABLES)
def test_the_writer_role_has_no_privilege_on_any_table(two_groups, writer, table):
    for statement in (f"SELECT * FROM core.{table} LIMIT 1", f"DELETE FROM core.{table}",
                      f"UPDATE core.{table} SET {'name' if table == 'collectif' else 'insee_code'} = NULL"
                      if table in ("collectif", "collectif_commune", "commune") else
                      f"INSERT INTO core.{table} DEFAULT VALUES"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            with writer.transaction():
                writer.execute(statement)


def test_the_reader_role_still_reads_only_the_public_views(two_groups):
    with psycopg.connect(two_groups.url) as conn:
        conn.execute(f"SET ROLE {db.READER_ROLE}")
        assert conn.execute("SELECT count(*) FROM observatory.pact_follow_up_timeline").fetchone()[0] >= 0
        for statement in ("SELECT * FROM core.member", "SELECT core.collectif_login_settings('a@b.fr')",
                          "INSERT INTO core.follow_up_entry DEFAULT VALUES"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                with conn.transaction():
                    conn.execute(statement)
    with psycopg.connect(two_groups.url) as conn:
        granted = conn.execute(
            """SELECT p.proname FROM pg_proc p WHERE p.pronamespace = 'core'::regnamespace
               AND has_function_privilege(%s, p.oid, 'EXECUTE') ORDER BY 1""", (db.READER_ROLE,)).fetchall()
        assert granted == []
        writer_can = {name for (name,) in conn.execute(
            """SELECT p.proname FROM pg_proc p WHERE p.pronamespace = 'core'::regnamespace
               AND has_function_privilege(%s, p.oid, 'EXECUTE')""", (db.CONTRIBUTOR_ROLE,))}
        assert "collectif_add_entry" in writer_can
        assert {"collectif_publish_list", "collectif_oidc_login"} <= writer_can
        assert not writer_can & {"collectif_audit", "collectif_create_invitation", "collectif_open_session",
                                 "collectif_session_member", "collectif_token_hash", "collectif_join",
                                 "collectif_stage_list", "pact_write_import", "pact_plan_rejected"}
        # Every function the writer calls runs with a pinned search_path.
        unpinned = conn.execute(
            """SELECT proname FROM pg_proc WHERE pronamespace = 'core'::regnamespace AND prosecdef
               AND NOT coalesce(proconfig, '{}') @> ARRAY['search_path=pg_catalog, pg_temp']""").fetchall()
        assert unpinned == []


def test_sign_in_never_gives_the_writer_a_hash_and_slows_repeated_failures(two_groups, writer):
    settings = writer.execute("SELECT core.collectif_login_settings('referent.a@example.org')").fetchone()[0]
    with psycopg.connect(two_groups.url) as owner:
        stored = owner.execute("SELECT password_hash FROM core.member WHERE email = 'referent.a@example.org'"
                               ).fetchone()[0]
    assert stored.startswith(settings + "$") and stored != settings and stored.startswith("$argon2id$")
    unknown = writer.execute("SELECT core.collectif_login_settings('personne@example.org')").fetchone()[0]
    assert unknown.startswith("$argon2id$v=19$m=65536,t=3,p=4$")  # looks like a member's
    # Presenting the settings themselves (all the writer can read) signs nobody in.
    refused = writer.execute("SELECT core.collectif_login('referent.a@example.org', %s, %s)",
                             (settings, "t" * 43)).fetchone()[0]
    assert refused == "Adresse ou mot de passe incorrect."
    writer.rollback()

    def login(email, password):
        with db.contributor_connection(two_groups.url) as conn:
            return groups.login(conn, email, password)

    def refused_login(email, password):
        with pytest.raises(groups.GroupError) as refused:
            login(email, password)
        return str(refused.value)

    session = login("Referent.A@example.org ", PASSWORD)
    assert session.collectif_name == "Collectif A" and session.role == "referent"
    email = "membre.a@example.org"
    messages = {refused_login(email, "mauvais mot de passe") for _ in range(5)}
    assert messages == {"Adresse ou mot de passe incorrect."}
    blocked = refused_login(email, PASSWORD)
    assert blocked.startswith("Trop de tentatives de connexion pour cette adresse : réessayez dans 15 minute(s)")
    with psycopg.connect(two_groups.url) as owner:
        assert owner.execute("SELECT count(*) FROM core.login_failure WHERE email = %s", (email,)).fetchone() == (5,)
        owner.execute("DELETE FROM core.login_failure WHERE email = %s", (email,))
    assert login(email, PASSWORD).role == "membre"


def test_a_provider_identity_leads_only_to_an_invited_member_of_a_trusted_provider(two_groups, writer):
    issuer = "http://127.0.0.1:9/fournisseur"
    claims = {"iss": issuer, "sub": "sujet-a", "email": "Membre.A@example.org", "email_verified": True}
    untrusted = refusal(writer, groups.oidc_login, claims)
    assert untrusted.startswith(f"Le fournisseur d'identité « {issuer} » n'est pas reconnu par l'observatoire")
    with psycopg.connect(two_groups.url) as owner:
        groups.trust_provider(owner, issuer)
        token, _ = groups.invite(owner, "Collectif B", "nouvelle.b@example.org")
    # A verified address of an active member: signed in, the subject linked to the member.
    member = groups.oidc_login(writer, claims)
    assert (member.email, member.collectif_name) == ("membre.a@example.org", "Collectif A")
    assert groups.oidc_login(writer, {**claims, "email": "autre@example.org"}).member_id == member.member_id
    assert refusal(writer, groups.oidc_login, {**claims, "sub": "sujet-x", "email_verified": False}) == (
        "Votre fournisseur d'identité n'atteste pas votre adresse électronique (membre.a@example.org) : "
        "l'observatoire ne peut pas vous reconnaître.")
    assert refusal(writer, groups.oidc_login, {**claims, "sub": "sujet-x"}) == (
        "L'adresse membre.a@example.org est déjà liée à un autre compte de ce fournisseur d'identité.")
    assert refusal(writer, groups.oidc_login, {**claims, "sub": "sujet-y", "email": "inconnue@example.org"}) == (
        "Aucun membre ni aucune invitation en cours pour inconnue@example.org : l'Espace des collectifs est "
        "ouvert sur invitation d'un référent de votre collectif.")
    # An open invitation to a verified address is accepted through the provider: no password.
    invited = groups.oidc_login(writer, {**claims, "sub": "sujet-b", "email": "nouvelle.b@example.org"})
    assert (invited.collectif_name, invited.role) == ("Collectif B", "membre")
    assert "déjà été utilisée" in refusal(writer, groups.accept_invitation, token, PASSWORD)
    assert refusal(writer, groups.login, "nouvelle.b@example.org", PASSWORD) == "Adresse ou mot de passe incorrect."
    # A linked identity of a member a référent removed leads nowhere.
    groups.remove_member(writer, two_groups.a.token, member.member_id)
    assert refusal(writer, groups.oidc_login, claims) == (
        "Ce compte a été retiré du collectif : demandez une nouvelle invitation à un référent.")
    writer.rollback()
    with psycopg.connect(two_groups.url) as owner:
        owner.execute("TRUNCATE core.oidc_issuer CASCADE")


def test_invitations_are_single_use_expire_and_are_stored_hashed(two_groups, writer):
    with psycopg.connect(two_groups.url) as owner:
        token, expires = groups.invite(owner, "Collectif A", "nouvelle@example.org")
        stale, _ = groups.invite(owner, "Collectif A", "tardive@example.org")
        owner.execute("UPDATE core.invitation SET expires_at = now() - interval '1 day' "
                      "WHERE email = 'tardive@example.org'")
        stored = owner.execute("SELECT token_sha256 FROM core.invitation WHERE email = 'nouvelle@example.org'"
                               ).fetchone()[0]
        assert token not in stored and len(stored) == 64
        assert timedelta(days=6, hours=23) < expires - owner.execute("SELECT now()").fetchone()[0] <= timedelta(days=7)
    writer.commit()
    assert groups.invitation_info(writer, token)["email"] == "nouvelle@example.org"
    assert refusal(writer, groups.accept_invitation, token, "court") == \
        "Le mot de passe doit compter au moins 10 caractères."
    assert groups.accept_invitation(writer, token, PASSWORD).email == "nouvelle@example.org"
    reused = "Cette invitation a déjà été utilisée : connectez-vous avec votre adresse et votre mot de passe."
    assert refusal(writer, groups.accept_invitation, token, PASSWORD) == reused
    assert refusal(writer, groups.invitation_info, token) == reused
    assert refusal(writer, groups.accept_invitation, stale, PASSWORD) == \
        "Cette invitation a expiré : demandez-en une nouvelle à un référent de votre collectif."
    assert refusal(writer, groups.accept_invitation, "inconnu" * 6, PASSWORD) == \
        "Lien d'invitation inconnu : vérifiez le lien reçu."


def test_entries_refuse_bad_input_in_french_and_keep_html_as_text(two_groups, writer):
    a = two_groups.a
    tomorrow = date.today() + timedelta(days=2)
    cases = {
        "future": ({"status_date": tomorrow}, "est dans le futur"),
        "javascript": ({"evidence_url": "javascript:alert(1)"}, "commençant par http:// ou https://"),
        "measure": ({"measure": "33"}, "La mesure « 33 » n'existe pas dans le catalogue de la campagne municipales-2020."),
        "status": ({"status": "fini"}, "Statut inconnu « fini »"),
        "formula": ({"comment": "=HYPERLINK(\"http://x\")"}, "formule de tableur"),
        "dde": ({"comment": "=cmd|' /C calc'!A0"}, "formule de tableur"),
    }
    for changes, expected in cases.values():
        assert expected in refusal(writer, entry, a, **changes)
    html = "<script>alert('x')</script> <b>gras</b>"
    entry_id = entry(writer, a, comment=html)
    writer.commit()
    with psycopg.connect(two_groups.url) as reader:
        reader.execute(f"SET ROLE {db.READER_ROLE}")
        assert reader.execute("SELECT comment, collectif_name FROM observatory.pact_follow_up_timeline "
                              "WHERE origin = 'saisie' AND record_id = %s", (entry_id,)).fetchone() == \
            (html, "Collectif A")


def test_roles_retraction_and_the_latest_status(two_groups, writer):
    a, member = two_groups.a, two_groups.a_member
    first = entry(writer, member, measure="3", status="in_progress", status_date=date(2026, 5, 1))
    later = entry(writer, member, measure="3", status="done", status_date=date(2026, 9, 1))
    latest = "SELECT status FROM observatory.pact_commitment WHERE insee_code = %s AND measure_number = %s"
    writer.commit()
    with psycopg.connect(two_groups.url) as reader:
        reader.execute(f"SET ROLE {db.READER_ROLE}")
        assert reader.execute(latest, (LILLE, "3")).fetchone() is None  # not committed to by Lille's list
    assert refusal(writer, groups.retract_entry, member.token, later, "erreur") == \
        "Seul un référent du collectif peut retirer une saisie."
    assert refusal(writer, groups.invite_member, member.token, "x@example.org") == \
        "Seul un référent du collectif peut inviter ou retirer des membres."
    assert refusal(writer, groups.retract_entry, a.token, later, " ") == "Indiquez le motif du retrait."
    retraction = groups.retract_entry(writer, a.token, later, "Délibération mal lue")
    assert refusal(writer, groups.retract_entry, a.token, later, "encore") == "Cette saisie a déjà été retirée."
    assert refusal(writer, groups.retract_entry, a.token, retraction, "x") == \
        "Un retrait ne se retire pas : enregistrez plutôt un nouveau constat."
    assert refusal(writer, groups.retract_entry, two_groups.b.token, first, "x") == \
        "Saisie introuvable parmi celles de votre collectif."
    rows = writer.execute("SELECT * FROM core.collectif_session(%s)", (a.token,)).fetchall()
    assert rows[0][4] == "Collectif A"
    writer.commit()
    with psycopg.connect(two_groups.url) as owner:
        timeline = owner.execute(
            """SELECT record_id, status, retracted, retracts_record_id, retraction_reason, collectif_name
               FROM observatory.pact_follow_up_timeline WHERE origin = 'saisie' AND measure_number = '3'
               AND insee_code = %s ORDER BY record_id""", (LILLE,)).fetchall()
        assert timeline == [(first, "in_progress", False, None, None, "Collectif A"),
                            (later, "done", True, None, None, "Collectif A"),
                            (retraction, None, False, later, "Délibération mal lue", "Collectif A")]
        # Lille committed to measure 3: its latest standing assessment is the first one again.
        owner.execute("""INSERT INTO core.pact_commitment (signature_id, measure_number)
                         SELECT id, '3' FROM core.pact_signature WHERE insee_code = %s LIMIT 1""", (LILLE,))
        assert owner.execute(latest, (LILLE, "3")).fetchone() == ("in_progress",)
        owner.execute("""INSERT INTO core.pact_commitment (signature_id, measure_number)
                         SELECT id, '12' FROM core.pact_signature WHERE insee_code = %s LIMIT 1""", (LILLE,))
        assert owner.execute(latest, (LILLE, "12")).fetchone() == (None,)  # en attente d'évaluation
        owner.rollback()
        for table in ("follow_up_entry", "audit_log"):
            with pytest.raises(psycopg.errors.RaiseException, match="ne reçoit que des ajouts"):
                with owner.transaction():
                    owner.execute(f"UPDATE core.{table} SET id = id")
            with pytest.raises(psycopg.errors.RaiseException, match="ne reçoit que des ajouts"):
                with owner.transaction():
                    owner.execute(f"DELETE FROM core.{table}")
        audited = owner.execute(
            """SELECT action, before IS NOT NULL, after IS NOT NULL FROM core.audit_log
               WHERE target_table = 'follow_up_entry' AND target_id IN (%s, %s, %s) ORDER BY id""",
            (first, later, retraction)).fetchall()
        assert audited == [("add_entry", False, True), ("add_entry", False, True), ("retract_entry", True, True)]


def test_two_members_saving_the_same_measure_at_once_both_keep_their_entry(two_groups):
    barrier, ids, errors = threading.Barrier(2), [], []

    def save(session, comment):
        try:
            with db.contributor_connection(two_groups.url) as conn:
                barrier.wait(timeout=10)
                ids.append(entry(conn, session, measure="15", comment=comment))
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=save, args=(s, f"constat de {s.email}"))
               for s in (two_groups.a, two_groups.a_member)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(ids) == 2
    with psycopg.connect(two_groups.url) as owner:
        kept = owner.execute("SELECT comment FROM core.follow_up_entry WHERE id = ANY(%s) ORDER BY comment",
                             (ids,)).fetchall()
    assert kept == [("constat de membre.a@example.org",), ("constat de referent.a@example.org",)]


def test_members_are_removed_by_a_referent_and_lose_their_sessions(two_groups, writer):
    leaving = join(two_groups.url, "Collectif A", "depart@example.org", "membre")
    listed = {m["email"]: m for m in groups.members(writer, two_groups.a.token)}
    assert listed["depart@example.org"]["active"] and "referent.b@example.org" not in listed
    assert refusal(writer, groups.remove_member, two_groups.b.token, leaving.member_id) == \
        "Ce membre n'appartient pas à votre collectif."
    assert refusal(writer, groups.remove_member, two_groups.a.token, two_groups.a.member_id) == \
        "Un référent ne peut pas se retirer lui-même : demandez-le à un autre référent."
    groups.remove_member(writer, two_groups.a.token, leaving.member_id)
    assert refusal(writer, entry, leaving) == "Session inconnue ou expirée : reconnectez-vous."
    writer.commit()
    with pytest.raises(groups.GroupError, match="^Adresse ou mot de passe incorrect.$"):
        groups.login(writer, "depart@example.org", PASSWORD)


def test_sessions_expire(two_groups, writer):
    member = join(two_groups.url, "Collectif B", "session@example.org", "membre")
    assert entry(writer, member, insee_code=ROUBAIX) > 0
    with psycopg.connect(two_groups.url) as owner:
        owner.execute("UPDATE core.member_session SET expires_at = now() - interval '1 second' "
                      "WHERE member_id = %s", (member.member_id,))
    writer.commit()  # a new transaction: now() is the time it starts
    assert refusal(writer, entry, member, insee_code=ROUBAIX) == "Session inconnue ou expirée : reconnectez-vous."
    with psycopg.connect(two_groups.url) as owner:
        hours = owner.execute("SELECT extract(epoch FROM expires_at - created_at) / 3600 FROM core.member_session "
                              "WHERE member_id = %s", (two_groups.a.member_id,)).fetchone()[0]
    assert hours == 8
