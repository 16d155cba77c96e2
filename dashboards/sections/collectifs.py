"""Espace des collectifs: a member accepts an invitation or signs in, records the follow-up of
a measure in a commune, uploads a signature or follow-up list (reviewed, then published), and a
référent manages members and retracts entries.

Every write goes through the database's writer role (`geodata.db.contributor_connection`),
whose functions check the session, group, role, commune and measure; this page only shows
their French refusals. Texts typed by members are shown as text (tables), never as Markdown
or HTML.
"""
import hashlib
import tempfile
import time
from datetime import date
from pathlib import Path

import pandas as pd
import psycopg
import streamlit as st

from dashboards.components.pact_panel import measure_label, show_timeline
from dashboards.data import engine
from geodata import db
from geodata.settings import app_url
from geodata.sources.pacte.reader import FOLLOW_UP_LABELS
from observatory import groups, pact
from observatory.exports import csv_bytes
from observatory.formatting import french_date
from observatory.reconciliation import STATUS_LABELS, reference_from_db
from observatory.sources import french_datetime

TOKEN = "collectif_token"
PROVIDER_REFUSAL = "provider_refusal"  # (issuer, subject) the database refused, and its message

st.title("Espace des collectifs")
st.caption("Les collectifs du Pacte pour la Transition déposent leurs listes et tiennent à jour le suivi "
           "de chaque engagement. Accès sur invitation d'un référent.")


@st.cache_resource(ttl=3600, show_spinner="Lecture du référentiel des communes…")
def _reference():
    with psycopg.connect(db.resolve_url()) as conn:
        return reference_from_db(conn)


def _current_session() -> groups.Session | None:
    token = st.session_state.get(TOKEN)
    if not token:
        return None
    try:
        with db.contributor_connection() as conn:
            return groups.session(conn, token)
    except groups.GroupError as error:
        del st.session_state[TOKEN]
        st.warning(str(error))
        return None


def _accept(token: str) -> None:
    try:
        with db.contributor_connection() as conn:
            info = groups.invitation_info(conn, token)
    except groups.GroupError as error:
        st.error(str(error))
        return
    st.subheader(f"Invitation au collectif « {info['collectif_name']} »")
    st.text(f"Adresse : {info['email']} · rôle : {groups.ROLES[info['role']]}")
    with st.form("accept-invitation"):
        password = st.text_input(f"Choisissez un mot de passe ({groups.MIN_PASSWORD_LENGTH} caractères au moins)",
                                 type="password", key="new-password")
        confirmed = st.text_input("Confirmez le mot de passe", type="password", key="new-password-again")
        if st.form_submit_button("Créer mon accès"):
            if password != confirmed:
                st.error("Les deux mots de passe diffèrent.")
                return
            try:
                with db.contributor_connection() as conn:
                    member = groups.accept_invitation(conn, token, password)
            except groups.GroupError as error:
                st.error(str(error))
                return
            st.session_state[TOKEN] = member.token
            del st.query_params["invitation"]
            st.rerun()
    if _provider_configured():
        st.caption("ou acceptez l'invitation avec votre fournisseur d'identité, s'il atteste la même adresse :")
        _provider_sign_in()


def _provider_configured() -> bool:
    """Whether the deployment configured an OpenID Connect provider (`[auth]` of Streamlit's
    secrets, see docs/collectifs.md); without one, members sign in with a password only."""
    return st.secrets.load_if_toml_exists() and "server_metadata_url" in st.secrets.get("auth", {})


def _provider_sign_in() -> None:
    """Sign-in through the provider: once it sent the identity back (`st.user`), the database
    decides which member it leads to (a linked identity, or an address the provider attests of a
    member or of an open invitation); a refusal is shown, and asked once per identity."""
    if not st.user.get("is_logged_in"):
        if st.button("Se connecter avec le fournisseur d'identité", key="provider-login",
                     help="Votre adresse chez le fournisseur doit être celle de votre invitation."):
            st.login()
        return
    claims = st.user.to_dict()
    refused = st.session_state.get(PROVIDER_REFUSAL)
    if refused is None or refused[0] != (claims.get("iss"), claims.get("sub")):
        try:
            with db.contributor_connection() as conn:
                member = groups.oidc_login(conn, claims)
        except groups.GroupError as error:
            refused = st.session_state[PROVIDER_REFUSAL] = ((claims.get("iss"), claims.get("sub")), str(error))
        else:
            st.session_state[TOKEN] = member.token
            st.query_params.pop("invitation", None)  # accepted, or not needed
            st.rerun()
    st.error(refused[1])
    if st.button("Se déconnecter du fournisseur d'identité", key="provider-logout"):
        st.logout()


def _sign_in() -> None:
    st.subheader("Connexion")
    if _provider_configured():
        _provider_sign_in()
        st.caption("ou avec votre adresse et votre mot de passe :")
    with st.form("sign-in"):
        email = st.text_input("Adresse électronique", key="login-email")
        password = st.text_input("Mot de passe", type="password", key="login-password")
        if st.form_submit_button("Se connecter"):
            try:
                with db.contributor_connection() as conn:
                    member = groups.login(conn, email, password)
            except groups.GroupError as error:
                time.sleep(1)  # on top of the database's count of failures
                st.error(str(error))
                return
            st.session_state[TOKEN] = member.token
            st.rerun()
    st.caption("Pas encore d'accès ? Un référent de votre collectif vous envoie un lien d'invitation.")


# -- follow-up ---------------------------------------------------------------------------------

def _follow_up(member: groups.Session, names: dict[str, str]) -> None:
    with engine().connect() as conn:
        catalogue = pact.measure_adoption(conn, member.campaign_code)
    titles = {n: measure_label(n, t, topic) for n, t, topic in
              zip(catalogue["measure_number"], catalogue["title"], catalogue["topic"])}
    if not titles:
        st.warning(f"Le catalogue de la campagne {member.campaign_code} n'est pas encore importé : "
                   "aucune mesure à suivre.")
        return
    pick = st.columns(2)
    commune = pick[0].selectbox("Commune", list(member.communes), key="entry-commune",
                                format_func=lambda c: f"{names.get(c, c)} ({c})")
    measure = pick[1].selectbox("Mesure", list(titles), key="entry-measure", format_func=titles.get)
    with st.form("follow-up-entry"):
        status = st.radio("Statut", list(FOLLOW_UP_LABELS), format_func=FOLLOW_UP_LABELS.get,
                          horizontal=True, key="entry-status")
        when = st.date_input("Date du constat", value=date.today(), format="DD/MM/YYYY", key="entry-date")
        evidence = st.text_input("Lien vers la preuve (délibération, article…)", key="entry-evidence",
                                 placeholder="https://")
        comment = st.text_area("Commentaire", key="entry-comment", max_chars=2000)
        if st.form_submit_button("Enregistrer ce constat"):
            try:
                with db.contributor_connection() as conn:
                    entry_id = groups.add_entry(conn, member.token, insee_code=commune, measure=measure,
                                                status=status, status_date=when, evidence_url=evidence,
                                                comment=comment)
            except groups.GroupError as error:
                st.error(str(error))
            else:
                st.success(f"Constat n° {entry_id} enregistré : {names.get(commune, commune)}, "
                           f"{titles[measure]} → {FOLLOW_UP_LABELS[status]} au {french_date(when)}.")
    with engine().connect() as conn:
        timeline = pact.follow_up_timeline(conn, insee_code=commune, campaign=member.campaign_code,
                                           measure=measure)
    st.markdown("**Chronologie de cette mesure dans cette commune**")
    show_timeline(timeline, key="member-timeline")
    if member.is_referent:
        _retract(member, timeline)


def _retract(member: groups.Session, timeline: pd.DataFrame) -> None:
    standing = timeline[(timeline["origin"] == "saisie") & (timeline["collectif_name"] == member.collectif_name)
                        & ~timeline["retracted"].astype(bool) & timeline["retracts_record_id"].isna()]
    if standing.empty:
        return
    labels = {int(r.record_id): f"n° {r.record_id} · {french_date(r.status_date)} · {pact.status_label(r.status)}"
              for r in standing.itertuples()}
    with st.form("retract-entry"):
        st.markdown("**Retirer une saisie** (le retrait est enregistré avec son motif ; l'historique reste)")
        entry_id = st.selectbox("Saisie", list(labels), format_func=labels.get, key="retract-id")
        reason = st.text_input("Motif du retrait", key="retract-reason")
        if st.form_submit_button("Retirer cette saisie"):
            try:
                with db.contributor_connection() as conn:
                    groups.retract_entry(conn, member.token, entry_id, reason)
            except groups.GroupError as error:
                st.error(str(error))
            else:
                st.success(f"Saisie n° {entry_id} retirée.")
                st.rerun()


# -- lists -------------------------------------------------------------------------------------

def _review_table(plan) -> pd.DataFrame:
    return pd.DataFrame({
        "Ligne": [r.row_number for r in plan.review],
        "Nom publié": [r.published_name or "" for r in plan.review],
        "Résultat": [STATUS_LABELS[r.status] for r in plan.review],
        "Code Insee": [r.insee_code or "" for r in plan.review],
        "Motif": [groups.REASON_LABELS.get(r.reason, r.reason) if r.reason else
                  (groups.REASON_LABELS[f"{r.status}_commune"] if r.status in ("ambiguous", "unmatched") else "")
                  for r in plan.review],
        "Détail": [r.detail or "" for r in plan.review],
        "Candidats": [", ".join(f"{c['name']} ({c['insee_code']})" for c in r.candidates or [])
                      for r in plan.review],
    })


def _plan(member: groups.Session, name: str, data: bytes, digest: str, choices: dict):
    """The review of a file (`digest`: its SHA-256), made once per file and set of picks (the
    page reruns often). Only the latest is kept: one per earlier file or pick would pile up in
    the session."""
    key = (member.collectif_id, digest,
           tuple(sorted((n, c["insee_code"]) for n, c in choices.items())))
    plans = st.session_state.setdefault("plans", {})
    if key not in plans:
        folder = Path(tempfile.mkdtemp(prefix="liste-"))
        path = folder / Path(name).name
        path.write_bytes(data)
        try:
            with db.reader_connection() as conn:  # the review only reads public views
                plan = groups.plan_upload(conn, path, member, today=date.today(), reference=_reference(),
                                          choices={int(n): groups.candidate_of(c) for n, c in choices.items()})
        finally:
            path.unlink(missing_ok=True)
            folder.rmdir()
        plans.clear()
        plans[key] = plan
    return plans[key]


def _upload(member: groups.Session) -> None:
    st.markdown("Déposez une **liste des signatures** ou une **liste de suivi** (modèle : "
                "`docs/pacte-import.md`). Rien n'est publié avant que vous ne validiez la revue.")
    uploaded = st.file_uploader("Liste (CSV ou XLSX, 20 Mo au plus)", key="list-file")
    if uploaded is None:
        return
    data = uploaded.getvalue()
    try:
        groups.check_upload(uploaded.name, data)
    except groups.GroupError as error:
        st.error(str(error))
        return
    # A member's picks for ambiguous rows, for this file only (a corrected file starts afresh).
    digest = hashlib.sha256(data).hexdigest()
    choices = st.session_state.setdefault("choices", {}).setdefault(digest, {})
    try:
        plan = _plan(member, uploaded.name, data, digest, choices)
    except groups.GroupError as error:
        st.error(str(error))
        return
    counts = st.columns(6)
    for column, (label, value) in zip(counts, (
            ("Lignes lues", plan.rows_read), ("Rapprochées", plan.count("matched")),
            ("Ambiguës", plan.count("ambiguous")), ("Non trouvées", plan.count("unmatched")),
            ("En quarantaine", plan.count("quarantined")), ("À charger", plan.rows_loaded))):
        column.metric(label, value)
    if plan.rows_duplicate:
        st.caption(f"{plan.rows_duplicate} ligne(s) regroupée(s) avec une autre (même commune, ex. Hellemmes "
                   "et Lomme comptent pour Lille).")
    for message in plan.messages:
        st.caption(message)
    review = _review_table(plan)
    st.dataframe(review, hide_index=True, use_container_width=True, key="review-table")
    st.download_button("Télécharger la revue (CSV)", csv_bytes(review), file_name="revue-liste.csv",
                       mime="text/csv", key="download-list-review")
    ambiguous = [r for r in plan.review if r.status == "ambiguous"]
    if ambiguous:
        st.markdown("**Lignes ambiguës** : choisissez la commune, ou corrigez le fichier et déposez-le à nouveau.")
        for row in ambiguous[:30]:
            options = [None, *row.candidates]
            picked = st.selectbox(f"Ligne {row.row_number} : « {row.published_name} »", options,
                                  key=f"choice-{row.row_number}",
                                  format_func=lambda c: "— laisser de côté —" if c is None else
                                  f"{c['name']} ({c['insee_code']}, département {c['departement_code']})")
            if picked is not None and choices.get(row.row_number) != picked:
                choices[row.row_number] = picked
                st.rerun()
    if st.button(f"Publier la liste ({plan.rows_loaded} ligne(s) à charger)", type="primary",
                 key="publish-list", disabled=plan.rows_loaded == 0):
        try:
            with db.contributor_connection() as conn:
                run_id = groups.publish(conn, member.token, plan)
        except groups.GroupError as error:
            st.error(str(error))
        else:
            st.success(f"Liste publiée (import n° {run_id}) : {plan.rows_loaded} ligne(s) chargée(s), "
                       f"{plan.count('quarantined')} en quarantaine, {plan.rows_duplicate} regroupée(s).")


# -- members -----------------------------------------------------------------------------------

def _members(member: groups.Session) -> None:
    with db.contributor_connection() as conn:
        listed = groups.members(conn, member.token)
    st.dataframe(pd.DataFrame({"Adresse": [m["email"] for m in listed],
                               "Rôle": [groups.ROLES[m["role"]] for m in listed],
                               "Statut": ["actif" if m["active"] else "retiré" for m in listed]}),
                 hide_index=True, use_container_width=True, key="members-table")
    if not member.is_referent:
        return
    with st.form("invite-member"):
        st.markdown("**Inviter une personne**")
        email = st.text_input("Adresse électronique", key="invite-email")
        role = st.radio("Rôle", list(groups.ROLES), format_func=groups.ROLES.get, horizontal=True,
                        key="invite-role", index=1)
        if st.form_submit_button("Créer le lien d'invitation"):
            try:
                with db.contributor_connection() as conn:
                    token, expires = groups.invite_member(conn, member.token, email, role)
            except groups.GroupError as error:
                st.error(str(error))
            else:
                st.success(f"Lien à usage unique, valable jusqu'au {french_datetime(expires)} : "
                           "transmettez-le à la personne invitée.")
                st.code(groups.invitation_link(app_url(), token), language=None)
    others = {m["member_id"]: m["email"] for m in listed if m["active"] and m["member_id"] != member.member_id}
    if others:
        with st.form("remove-member"):
            st.markdown("**Retirer un membre**")
            removed = st.selectbox("Membre", list(others), format_func=others.get, key="remove-id")
            if st.form_submit_button("Retirer ce membre"):
                try:
                    with db.contributor_connection() as conn:
                        groups.remove_member(conn, member.token, removed)
                except groups.GroupError as error:
                    st.error(str(error))
                else:
                    st.success(f"{others[removed]} ne fait plus partie du collectif.")
                    st.rerun()


member = _current_session()
if member is None:
    invitation = st.query_params.get("invitation")
    if invitation:
        _accept(invitation)
    else:
        _sign_in()
    st.stop()

status, leave = st.columns([5, 1])
status.success(f"Connecté·e : {member.email} · {groups.ROLES[member.role]} du collectif "
               f"« {member.collectif_name} » · campagne {member.campaign_code} · "
               f"session jusqu'au {french_datetime(member.expires_at)}")
if leave.button("Se déconnecter", key="sign-out"):
    with db.contributor_connection() as conn:
        groups.logout(conn, member.token)
    del st.session_state[TOKEN]
    if st.user.get("is_logged_in"):
        # The provider's identity too, or the next visit would sign in again. Its redirect is a
        # message queued for the browser: a rerun here would start a run that drops it.
        st.logout()
        st.stop()
    st.rerun()
with engine().connect() as conn:
    names = dict(conn.exec_driver_sql(
        "SELECT insee_code, name FROM observatory.commune WHERE insee_code = ANY(%(codes)s)",
        {"codes": list(member.communes)}).fetchall())
follow_tab, list_tab, members_tab = st.tabs(["Suivi d'une mesure", "Déposer une liste", "Membres du collectif"])
with follow_tab:
    _follow_up(member, names)
with list_tab:
    _upload(member)
with members_tab:
    _members(member)
