"""Sign-in through an OpenID Connect provider, in headless Chromium: a loopback provider
(oidc-provider-mock, on 127.0.0.1, stopped with the module) and the app started with the
secrets `observatory serve` generates from OBSERVATORY_OIDC_*. An identity the observatory does
not know is refused in French; the verified address of an invitation is let in (the invitation
accepted, the identity linked). Timings, refusals and audit rows go to
test-artifacts/collectifs-provider-path.txt, screenshots to collectifs-provider-*.png."""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.request

import oidc_provider_mock
import psycopg
import pytest
from werkzeug.serving import make_server

from observatory import groups
from observatory.services import write_auth_secrets
from tests.browser.harness import (
    BROWSER_TEST,
    PROJECT_DIR,
    SCREENSHOTS,
    _free_port,
    _wait_for,
)
from tests.browser.test_user_paths import wait_for_app
from tests.collectifs.conftest import remove_groups

pytestmark = BROWSER_TEST
REPORT = SCREENSHOTS.parent / "collectifs-provider-path.txt"
INVITED, UNKNOWN = "referente.oidc@example.org", "inconnue@example.org"


@pytest.fixture(scope="module")
def provider():
    """The provider, on a loopback port, in a thread of this process; its users' claims are set
    through its API (an address it attests: email_verified)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain http on the loopback
        server = make_server("127.0.0.1", 0, oidc_provider_mock.app(), threaded=True)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_port}"
        try:
            for subject, email in (("referente", INVITED), ("inconnue", UNKNOWN)):
                request = urllib.request.Request(f"{url}/users/{subject}", method="PUT",
                                                 data=json.dumps({"email": email, "email_verified": True}).encode(),
                                                 headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=10) as answer:
                    assert answer.status == 204
            yield url
        finally:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()


@pytest.fixture(scope="module")
def provider_app(provider, observatory_db, tmp_path_factory):
    """The app with the provider configured as `observatory serve` configures it."""
    port = _free_port()
    app_url = f"http://127.0.0.1:{port}"
    secrets_file = write_auth_secrets(tmp_path_factory.mktemp("auth") / "secrets.toml", {
        "server_metadata_url": f"{provider}/.well-known/openid-configuration", "client_id": "observatoire",
        "client_secret": secrets.token_urlsafe(16), "cookie_secret": secrets.token_urlsafe(32)}, app_url)
    env = {**os.environ, "DATABASE_URL": observatory_db, "AUTHLIB_INSECURE_TRANSPORT": "1"}
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "dashboards/app.py",
                                "--server.port", str(port), "--server.headless", "true",
                                "--browser.gatherUsageStats", "false", "--secrets.files", str(secrets_file)],
                               cwd=PROJECT_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(f"{app_url}/_stcore/health", process)
        yield app_url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def groups_removed_after(observatory_db):
    yield observatory_db
    remove_groups(observatory_db)


def sign_in_with_provider(browser, app_url: str, subject: str):
    """A fresh browser (no cookie) through the provider's form as `subject`."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{app_url}/collectifs")
    page.get_by_role("button", name="Se connecter avec le fournisseur d'identité").click()
    page.locator("input[name='sub']").fill(subject)  # the provider's own form
    page.get_by_role("button", name="Authorize").click()
    return context, page


def test_an_unknown_identity_is_refused_and_an_invited_address_gets_in(browser, provider, provider_app,
                                                                        groups_removed_after):
    timings, refusals = {}, []
    with psycopg.connect(groups_removed_after) as conn:
        groups.create_group(conn, "Collectif Roubaix", ["59512"], "municipales-2020")
        groups.trust_provider(conn, provider)
        groups.invite(conn, "Collectif Roubaix", INVITED, "referent")

    started = time.perf_counter()
    context, page = sign_in_with_provider(browser, provider_app, "inconnue")
    error = page.get_by_test_id("stAlertContentError").first
    error.wait_for()
    wait_for_app(page)
    timings["identité inconnue : fournisseur, retour, refus"] = time.perf_counter() - started
    refusals.append(("identité inconnue du fournisseur", error.inner_text()))
    assert refusals[-1][1] == (f"Aucun membre ni aucune invitation en cours pour {UNKNOWN} : l'Espace des "
                               "collectifs est ouvert sur invitation d'un référent de votre collectif.")
    assert "/collectifs" in page.url and "Connecté·e" not in page.inner_text("body")
    page.screenshot(path=SCREENSHOTS / "collectifs-provider-1-refus.png")
    context.close()

    started = time.perf_counter()
    context, page = sign_in_with_provider(browser, provider_app, "referente")
    page.get_by_text(f"Connecté·e : {INVITED} · référent du collectif « Collectif Roubaix »").wait_for()
    wait_for_app(page)
    timings["adresse invitée : fournisseur, retour, invitation acceptée, connectée"] = time.perf_counter() - started
    page.screenshot(path=SCREENSHOTS / "collectifs-provider-2-connectee.png")
    started = time.perf_counter()
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_role("button", name="End session").click()  # the provider's own confirmation
    page.wait_for_url(f"{provider_app}/**")  # back to the observatory, signed out of both
    page.goto(f"{provider_app}/collectifs")
    page.get_by_role("button", name="Se connecter avec le fournisseur d'identité").wait_for()
    timings["déconnexion (observatoire, puis fin de session chez le fournisseur)"] = time.perf_counter() - started
    context.close()

    with psycopg.connect(groups_removed_after) as conn:
        audit = conn.execute("""SELECT to_char(at, 'HH24:MI:SS'), actor, action, target_table, after->>'refusal'
                                FROM core.audit_log ORDER BY id""").fetchall()
        member = conn.execute("SELECT role, password_hash FROM core.member WHERE email = %s", (INVITED,)).fetchone()
        linked = conn.execute("SELECT issuer, subject FROM core.member_identity").fetchall()
    REPORT.write_text("\n".join([
        "Étapes (secondes)", *(f"  {name:<75} {seconds:6.2f}" for name, seconds in timings.items()),
        "Refus", *(f"  {what}: {message}" for what, message in refusals),
        "Journal d'audit", *(f"  {row}" for row in audit), ""]), encoding="utf-8")
    assert [row[2] for row in audit] == ["create_group", "trust_provider", "invite", "oidc_refused",
                                         "accept_invitation_oidc", "link_identity", "logout"]
    assert audit[3][1] == "fournisseur" and audit[3][4] == refusals[0][1]
    assert member == ("referent", None) and linked == [(provider, "referente")]
