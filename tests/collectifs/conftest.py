"""Espace des collectifs on the real PostGIS: the 2020 catalogue and the Hauts-de-France list
committed once, two groups (A follows Lille and Villeneuve-d'Ascq, B follows Roubaix) and a
référent signed in for each."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg
import pytest

from geodata import db
from geodata.sources.pacte.reader import CATALOGUE_2020, HDF_2020
from geodata.sources.pacte.store import ImportPlan
from observatory import groups, pact
from observatory.reconciliation import Reference, reference_from_db
from tests.pacte.conftest import remove_committed_pact

TODAY = date(2026, 11, 23)
PASSWORD = "un mot de passe long"


@dataclass
class Groups:
    url: str
    a: groups.Session        # référent of A
    b: groups.Session        # référent of B
    a_member: groups.Session  # membre of A


def join(url: str, group: str, email: str, role: str) -> groups.Session:
    """An invitation from the administrator, accepted: the member's session."""
    with psycopg.connect(url) as conn:
        token, _ = groups.invite(conn, group, email, role)
    with db.contributor_connection(url) as conn:
        return groups.accept_invitation(conn, token, PASSWORD)


@functools.cache
def _reference(url: str) -> Reference:
    with psycopg.connect(url) as conn:
        return reference_from_db(conn)


def review(url: str, path: Path, session: groups.Session, **options) -> ImportPlan:
    """An upload's review as the page makes it: on a reader-role connection, with the communes'
    reference the page caches (read with the app's login)."""
    with db.reader_connection(url) as conn:
        return groups.plan_upload(conn, path, session, today=TODAY, reference=_reference(url), **options)


def remove_groups(url: str) -> None:
    """Remove the groups, what they wrote and published, and the audit log (a test database's
    append-only tables may be emptied whole: TRUNCATE is not a row's UPDATE or DELETE)."""
    with psycopg.connect(url) as conn:
        conn.execute("TRUNCATE core.collectif, core.audit_log, core.login_failure, core.oidc_issuer CASCADE")
        for table in ("pact_signature", "pact_follow_up", "pact_import_run"):  # their rows follow
            conn.execute(f"DELETE FROM core.{table} WHERE dataset LIKE 'collectif-%%'")
        for table in ("quarantined_row", "load_run"):
            conn.execute(f"DELETE FROM core.{table} WHERE source LIKE 'pacte:collectif-%%'")


@pytest.fixture(scope="module")
def pact_db(reference_db: str, mirror: Path) -> str:
    """Committed (the app and the writer role read them from other connections), then removed
    with everything the groups wrote, for the modules that follow."""
    with psycopg.connect(reference_db) as conn:
        pact.import_catalogue(conn, mirror / CATALOGUE_2020.mirror_path, "municipales-2020")
        pact.import_list(conn, mirror / HDF_2020.mirror_path, dataset="pacte-hdf-2020", today=TODAY)
    yield reference_db
    remove_groups(reference_db)
    remove_committed_pact(reference_db)


@pytest.fixture(scope="module")
def two_groups(pact_db: str) -> Groups:
    with psycopg.connect(pact_db) as conn:
        groups.create_group(conn, "Collectif A", ["59350", "59009"], "municipales-2020")
        groups.create_group(conn, "Collectif B", ["59512"], "municipales-2020")
    return Groups(pact_db, join(pact_db, "Collectif A", "referent.a@example.org", "referent"),
                  join(pact_db, "Collectif B", "referent.b@example.org", "referent"),
                  join(pact_db, "Collectif A", "membre.a@example.org", "membre"))


@pytest.fixture
def writer(two_groups: Groups):
    """A connection as the app's writer role, rolled back after the test."""
    with psycopg.connect(two_groups.url) as conn:
        conn.execute(f"SET ROLE {db.CONTRIBUTOR_ROLE}")
        yield conn
        conn.rollback()
