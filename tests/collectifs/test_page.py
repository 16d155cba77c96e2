"""The Espace des collectifs page with Streamlit's AppTest, on the real database: invitation,
password, sign-in, a follow-up entry and its refusals, a référent's invitation link."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest
from streamlit.testing.v1 import AppTest

from observatory import groups
from tests.collectifs.conftest import PASSWORD

PAGE = Path(__file__).resolve().parents[2] / "dashboards" / "sections" / "collectifs.py"


@pytest.fixture
def page_db(two_groups, app_env):
    return two_groups


def submit(app: AppTest, label: str) -> AppTest:
    next(b for b in app.button if b.label == label).click()
    return app.run()


def texts(app: AppTest) -> str:
    return " ".join([*(e.value for e in app.error), *(s.value for s in app.success), *(m.value for m in app.markdown)])


def test_invitation_password_entry_and_refusals(page_db):
    with psycopg.connect(page_db.url) as conn:
        token, _ = groups.invite(conn, "Collectif A", "page@example.org", "referent")
    app = AppTest.from_file(str(PAGE), default_timeout=120)
    app.query_params["invitation"] = token
    app.run()
    assert not app.exception, app.exception
    assert app.subheader[0].value == "Invitation au collectif « Collectif A »"
    app.text_input(key="new-password").input(PASSWORD)
    app.text_input(key="new-password-again").input(PASSWORD + "x")
    submit(app, "Créer mon accès")
    assert [e.value for e in app.error] == ["Les deux mots de passe diffèrent."]
    app.text_input(key="new-password-again").input(PASSWORD)
    submit(app, "Créer mon accès")
    assert not app.exception, app.exception
    assert app.success[0].value.startswith("Connecté·e : page@example.org · référent du collectif « Collectif A »")

    app.selectbox(key="entry-commune").set_value("59350")
    app.selectbox(key="entry-measure").set_value("14")
    app.radio(key="entry-status").set_value("in_progress")
    app.text_input(key="entry-evidence").input("javascript:alert(1)")
    app.text_area(key="entry-comment").input("<img src=x onerror=alert(1)> **gras**")
    submit(app, "Enregistrer ce constat")
    assert app.error[0].value.startswith("Le lien de preuve doit être une adresse web commençant par http://")
    # The form keeps what was typed after a refusal.
    assert app.text_area(key="entry-comment").value == "<img src=x onerror=alert(1)> **gras**"
    app.date_input(key="entry-date").set_value(date.today() + timedelta(days=3))
    app.text_input(key="entry-evidence").input("https://www.lille.fr/deliberation")
    submit(app, "Enregistrer ce constat")
    assert "est dans le futur" in app.error[0].value
    app.date_input(key="entry-date").set_value(date(2026, 10, 2))
    submit(app, "Enregistrer ce constat")
    assert not app.error, [e.value for e in app.error]
    assert any(s.value.startswith("Constat n° ") and "En cours au 02/10/2026" in s.value for s in app.success)
    timeline = app.dataframe[0].value  # the follow-up tab comes first
    mine = timeline[timeline["Commentaire"] == "<img src=x onerror=alert(1)> **gras**"]
    assert mine[["Date", "Statut", "Preuve", "Par"]].values.tolist() == [
        ["02/10/2026", "En cours", "https://www.lille.fr/deliberation", "Collectif A"]]
    assert "page@example.org" not in timeline.to_csv()

    app.text_input(key="invite-email").input("invitee@example.org")
    submit(app, "Créer le lien d'invitation")
    link = app.code[0].value
    assert link.startswith("http://127.0.0.1:8501/collectifs?invitation=") and len(link) > 80
    submit(app, "Se déconnecter")
    assert app.subheader[0].value == "Connexion"


def test_sign_in_refuses_a_wrong_password_then_signs_in(page_db):
    app = AppTest.from_file(str(PAGE), default_timeout=120).run()
    # No OpenID Connect provider configured (the default): the password form alone.
    assert [b.key for b in app.button if b.key and b.key.startswith("provider-")] == []
    app.text_input(key="login-email").input("referent.b@example.org")
    app.text_input(key="login-password").input("pas le bon mot de passe")
    submit(app, "Se connecter")
    assert [e.value for e in app.error] == ["Adresse ou mot de passe incorrect."]
    app.text_input(key="login-password").input(PASSWORD)
    submit(app, "Se connecter")
    assert not app.exception, app.exception
    assert "référent du collectif « Collectif B »" in app.success[0].value
    assert app.selectbox(key="entry-commune").options == ["Roubaix (59512)"]
    assert "33" not in app.selectbox(key="entry-measure").options  # the catalogue's measures only


def test_an_expired_or_used_invitation_is_refused_on_the_page(page_db):
    with psycopg.connect(page_db.url) as conn:
        token, _ = groups.invite(conn, "Collectif B", "expire@example.org")
        conn.execute("UPDATE core.invitation SET expires_at = now() - interval '1 minute' "
                     "WHERE email = 'expire@example.org'")
    app = AppTest.from_file(str(PAGE), default_timeout=120)
    app.query_params["invitation"] = token
    app.run()
    assert [e.value for e in app.error] == [
        "Cette invitation a expiré : demandez-en une nouvelle à un référent de votre collectif."]


def _panel(insee_code: str) -> None:
    from dashboards.components.pact_panel import show_pact_panel
    from geodata import db as database

    show_pact_panel(database.make_reader_engine(), insee_code)


def test_the_commune_panel_shows_the_timeline_and_pending_measures(page_db):
    from geodata import db

    with psycopg.connect(page_db.url) as conn:
        conn.execute("""INSERT INTO core.pact_commitment (signature_id, measure_number)
                        SELECT id, m FROM core.pact_signature, unnest(ARRAY['12', '14']) m
                        WHERE insee_code = '59009' AND dataset = 'pacte-hdf-2020'""")
    with db.contributor_connection(page_db.url) as conn:
        groups.add_entry(conn, page_db.a_member.token, insee_code="59009", measure="14", status="done",
                         status_date=date(2026, 9, 30), evidence_url="https://villeneuvedascq.fr/bus",
                         comment="[lien piégé](javascript:alert(1)) <i>texte</i>")
    app = AppTest.from_function(_panel, args=("59009",), default_timeout=60).run()
    assert not app.exception, app.exception
    commitments = app.dataframe[0].value
    assert dict(zip(commitments["Mesure"].str.split(" :").str[0], commitments["Statut"])) == {
        "Mesure 12": "En attente d'évaluation", "Mesure 14": "Réalisée"}
    timeline = app.dataframe[-1].value
    row = timeline[timeline["Saisie"].str.startswith("n° ")].iloc[-1]
    assert (row["Commentaire"], row["Par"], row["Preuve"]) == (
        "[lien piégé](javascript:alert(1)) <i>texte</i>", "Collectif A", "https://villeneuvedascq.fr/bus")
    shown = " ".join(m.value for m in app.markdown) + timeline.to_csv()
    assert "@example.org" not in shown


def test_the_pacte_page_shows_each_measures_timeline_and_exports_it_neutralised(page_db):
    from geodata import db
    from observatory.exports import csv_bytes

    with db.contributor_connection(page_db.url) as conn:
        groups.add_entry(conn, page_db.b.token, insee_code="59512", measure="15", status="not_started",
                         status_date=date(2026, 6, 1), evidence_url="https://www.ville-roubaix.fr/velo",
                         comment="Aucun aménagement cyclable voté")
    app = AppTest.from_file(str(PAGE.parent / "pacte.py"), default_timeout=120).run()
    assert not app.exception, app.exception
    app.selectbox(key="timeline-measure").set_value("15").run()
    shown = next(d.value for d in app.dataframe if "Par" in d.value.columns)
    roubaix = shown[shown["Commune"] == "Roubaix (59512)"]
    assert roubaix[["Statut", "Par", "Commentaire"]].values.tolist() == [
        ["Pas commencée", "Collectif B", "Aucun aménagement cyclable voté"]]
    exported = csv_bytes(shown.assign(Commentaire=["=HYPERLINK(\"http://x\")"] * len(shown))).decode("utf-8-sig")
    assert "'=HYPERLINK" in exported and "\n=HYPERLINK" not in exported
