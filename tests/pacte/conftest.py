"""Pact fixtures on the real PostGIS: the reference once, catalogue + lists per test (rolled back)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import psycopg
import pytest

from geodata.sources.pacte.reader import CATALOGUE_2020, HDF_2020
from observatory import pact
from observatory.reconciliation import Reference, reference_from_db

TODAY = date(2026, 11, 23)
PACT_TABLES = ("pact_commitment", "pact_signature", "pact_follow_up", "pact_review_row",
               "pact_import_run", "pact_measure", "pact_campaign")


def remove_committed_pact(url: str) -> None:
    """Empty what fixtures committed to the pact tables and their load records, so that the
    rolled-back tests that follow see none of it."""
    with psycopg.connect(url) as conn:
        conn.execute(f"TRUNCATE {', '.join('core.' + t for t in PACT_TABLES)} CASCADE")
        conn.execute("DELETE FROM core.quarantined_row WHERE source LIKE 'pacte%%'")
        conn.execute("DELETE FROM core.load_run WHERE source LIKE 'pacte%%'")


@pytest.fixture(scope="session")
def reconciliation_reference(reference_db: str) -> Reference:
    with psycopg.connect(reference_db) as connection:
        return reference_from_db(connection)


@pytest.fixture
def catalogue(pg: psycopg.Connection, mirror: Path) -> psycopg.Connection:
    """The 2020 catalogue of the mirror loaded (campaigns written first)."""
    pact.import_catalogue(pg, mirror / CATALOGUE_2020.mirror_path, "municipales-2020")
    return pg


@pytest.fixture
def hdf(catalogue: psycopg.Connection, mirror: Path, reconciliation_reference):
    """The real Hauts-de-France list imported; returns its plan."""
    return pact.import_list(catalogue, mirror / HDF_2020.mirror_path, dataset="pacte-hdf-2020",
                            today=TODAY, reference=reconciliation_reference)
