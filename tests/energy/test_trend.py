"""Charging points commissioned before and since a commune's pact (or its mandate's start)."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from geodata import db
from observatory import energy, pact


def test_years_split_at_the_exact_date_and_undated_points_counted_apart():
    dates = [date(2019, 5, 1), date(2021, 3, 1), date(2021, 9, 1), None, date(2023, 1, 1)]
    assert energy.commissioned_by_year(dates, since=date(2021, 6, 1)) == (
        [(2019, 1, 0), (2020, 0, 0), (2021, 1, 1), (2022, 0, 0), (2023, 0, 1)], 1)   # empty years kept
    assert energy.commissioned_by_year([], since=date(2021, 6, 1)) == ([], 0)


def test_reference_is_the_pact_signature_else_the_running_mandate(observatory_db):
    with db.make_engine(observatory_db).connect() as conn:
        signed_on = conn.execute(sa.text("SELECT min(signed_on) FROM observatory.pact_signature "
                                         "WHERE insee_code = '59350'")).scalar_one()
        lille = pact.trend_reference(conn, "59350", as_of=date(2026, 11, 30))
        # Bourg-en-Bresse is on no imported list
        bourg = pact.trend_reference(conn, "01053", as_of=date(2026, 11, 30))
        bourg_in_2023 = pact.trend_reference(conn, "01053", as_of=date(2023, 1, 1))
    assert signed_on is not None
    assert lille == pact.TrendReference(signed_on, "signature du pacte, Municipales 2020")
    # Bourg-en-Bresse's council was elected at the first round (register of elected officials):
    # its 2026 mandate began on 15 March, not on the campaign's national date (22 March).
    assert bourg == pact.TrendReference(date(2026, 3, 15), "début du mandat en cours au 30/11/2026, "
                                                             "Municipales 2026 ; pas de pacte signé connu")
    assert bourg_in_2023.since == date(2020, 5, 18)


def test_the_charging_data_date_is_the_loaded_file_vintage(observatory_db):
    # The mirror's extract is of 25 October 2025, though some points declare later commissioning:
    # those are quarantined (a date after the file's own day), and the data is dated by the file.
    with db.make_engine(observatory_db).connect() as conn:
        assert energy.charging_data_date(conn) == date(2025, 10, 25)
        latest = conn.execute(sa.text("SELECT max(commissioned_on) FROM observatory.charging_point")).scalar_one()
        declared_later = conn.execute(sa.text(
            "SELECT count(*) FROM observatory.quarantined_row "
            "WHERE reason = 'implausible_date_mise_en_service'")).scalar_one()
    assert latest <= date(2025, 10, 25) and declared_later > 0
