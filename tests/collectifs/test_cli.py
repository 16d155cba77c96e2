"""`observatory groups create / invite / list` on the real database."""
from __future__ import annotations

import re

import psycopg
import pytest

from geodata import db
from observatory import cli, groups
from tests.collectifs.conftest import PASSWORD


def run(capsys, monkeypatch, url, *argv) -> tuple[int, str, str]:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("OBSERVATORY_APP_URL", "http://observatoire.example:8501/")
    code = cli.main(["groups", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_create_invite_and_list(pact_db, capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, pact_db, "create", "Collectif CLI", "--communes", "59350, 59009",
                       "--campaign", "municipales-2020")
    assert code == 0 and "Collectif « Collectif CLI » créé" in out
    code, _, err = run(capsys, monkeypatch, pact_db, "create", "Collectif CLI", "--communes", "59350")
    assert code == 1 and "Un collectif s'appelle déjà « Collectif CLI »." in err
    code, _, err = run(capsys, monkeypatch, pact_db, "create", "Autre", "--communes", "99999,59350")
    assert code == 1 and "Code(s) Insee inconnu(s) dans le COG : 99999." in err
    code, out, _ = run(capsys, monkeypatch, pact_db, "invite", "Collectif CLI", "Ref@Example.org", "--role", "referent")
    assert code == 0 and "ref@example.org (référent)" in out
    link = re.search(r"http://observatoire\.example:8501/collectifs\?invitation=(\S+)", out)
    assert link, out
    code, _, err = run(capsys, monkeypatch, pact_db, "invite", "Inconnu", "x@example.org")
    assert code == 1 and "Aucun collectif ne s'appelle « Inconnu »" in err
    code, _, err = run(capsys, monkeypatch, pact_db, "invite", "Collectif CLI", "pas-une-adresse")
    assert code == 1 and "Adresse électronique invalide : « pas-une-adresse »." in err
    with db.contributor_connection(pact_db) as conn:
        member = groups.accept_invitation(conn, link.group(1), PASSWORD)
    assert (member.collectif_name, member.role, member.communes) == ("Collectif CLI", "referent", ("59009", "59350"))
    code, out, _ = run(capsys, monkeypatch, pact_db, "list")
    assert code == 0
    assert "Collectif CLI · municipales-2020 · communes 59009, 59350 · 0 invitation(s) en attente" in out
    assert re.search(r"ref@example\.org\s+référent\s+actif", out)
    with psycopg.connect(pact_db) as conn:
        actions = conn.execute("SELECT actor, action FROM core.audit_log WHERE collectif_id = %s ORDER BY id",
                               (member.collectif_id,)).fetchall()
    assert actions == [("administrateur", "create_group"), ("administrateur", "invite"),
                       ("membre", "accept_invitation")]


def test_trust_provider(pact_db, capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, pact_db, "trust-provider", " https://auth.example.org ")
    assert code == 0 and "Fournisseur d'identité reconnu : https://auth.example.org" in out
    code, _, err = run(capsys, monkeypatch, pact_db, "trust-provider", "auth.example.org")
    assert code == 1 and "Émetteur OpenID Connect invalide « auth.example.org »" in err
    with psycopg.connect(pact_db) as conn:
        assert conn.execute("SELECT issuer FROM core.oidc_issuer").fetchall() == [("https://auth.example.org",)]
        assert conn.execute("SELECT actor, after->>'issuer' FROM core.audit_log WHERE action = 'trust_provider'"
                            ).fetchall() == [("administrateur", "https://auth.example.org")]
        conn.execute("TRUNCATE core.oidc_issuer CASCADE")


def test_the_provider_settings_need_every_variable(monkeypatch):
    from geodata.settings import oidc_provider

    monkeypatch.delenv("OBSERVATORY_OIDC_METADATA_URL", raising=False)
    assert oidc_provider() is None  # the default: passwords only
    monkeypatch.setenv("OBSERVATORY_OIDC_METADATA_URL", "https://auth.example.org/.well-known/openid-configuration")
    monkeypatch.setenv("OBSERVATORY_OIDC_CLIENT_ID", "observatoire")
    monkeypatch.delenv("OBSERVATORY_OIDC_CLIENT_SECRET", raising=False)
    monkeypatch.delenv("OBSERVATORY_OIDC_COOKIE_SECRET", raising=False)
    with pytest.raises(ValueError, match="not OBSERVATORY_OIDC_CLIENT_SECRET, OBSERVATORY_OIDC_COOKIE_SECRET"):
        oidc_provider()
