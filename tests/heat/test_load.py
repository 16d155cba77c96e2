"""Loads into the real PostGIS: the synthetic FCU archive, a missing archive, the real mirror files."""
from __future__ import annotations

import pytest

from geodata.sources.fetch import SourceError, fetch
from geodata.sources.heat import load, sources


def _count(pg, query: str, *params):
    return pg.execute(query, params).fetchone()[0]


def test_synthetic_archive_is_published_with_accounting(pg, fcu_mirror):
    fetched = load.obtain_archive(fcu_mirror)
    networks, areas = load.load_archive(pg, fetched)
    assert (networks.rows_read, networks.rows_loaded, networks.rows_duplicate, networks.rows_quarantined) \
        == (11, 3, 1, 4)
    assert networks.quarantine_by_reason() == {"malformed_value": 2, "missing_geometry": 1,
                                               "outside_lambert93": 1}
    assert areas.rows_loaded == 3
    rows = pg.execute("""SELECT sncu_id, has_trace, trace_length_km, ST_SRID(geom),
                                ST_SRID(geom_wgs84), ecoreseau_label
                         FROM observatory.heat_network ORDER BY sncu_id""").fetchall()
    # 0108C: two traces merged, 4 250.7 m + 728.0 m in Lambert-93, 4 983.3 m on the ellipsoid (pyproj's
    # Geod on the fixture's vertices); it is not labelled until labels load
    assert [r[0] for r in rows] == ["0108C", "0198C", "0199C"]
    assert rows[0][1:5] == (True, pytest.approx(4.9833, abs=0.0005), 2154, 4326)
    assert rows[1][1:3] == (False, None)
    assert _count(pg, "SELECT count(*) FROM core.quarantined_row WHERE source = %s", load.NETWORK_SOURCE) == 4
    status = pg.execute("SELECT available, reason FROM observatory.heat_layer_status "
                        "WHERE source = 'fcu-opendata'").fetchone()
    assert status == (True, None)
    assert _count(pg, "SELECT count(*) FROM observatory.heat_area WHERE kind = 'perimeter'") == 1


def test_missing_archive_is_reported_not_invented(pg, mirror):
    with pytest.raises(SourceError, match=r"heat/opendata-fcu\.zip is missing from the mirror"):
        load.obtain_archive(mirror)
    pg.execute("TRUNCATE core.heat_network")
    kept = load.mark_archive_unavailable(pg, "absent du miroir")
    assert kept is False
    status = pg.execute("SELECT available, reason FROM observatory.heat_layer_status").fetchall()
    assert status == [(False, "absent du miroir")]
    assert _count(pg, "SELECT count(*) FROM observatory.heat_network") == 0


def test_failed_refresh_keeps_the_last_good_load(pg, fcu_mirror):
    load.load_archive(pg, load.obtain_archive(fcu_mirror))
    assert load.mark_archive_unavailable(pg, "HTTP 503") is True
    reason = pg.execute("SELECT reason FROM observatory.heat_layer_status").fetchone()[0]
    assert reason.startswith("HTTP 503 (les tracés du dernier chargement réussi restent affichés)")


def test_real_labels_potential_and_national_figures(pg, mirror):
    labels = load.load_labels(pg, [fetch(sources.ECORESEAU_2025, mirror=mirror),
                                   fetch(sources.ECORESEAU_PLUS_2025, mirror=mirror)])
    assert (labels.rows_read, labels.rows_loaded, labels.rows_quarantined) == (137, 137, 0)
    methods = dict(pg.execute("SELECT match_method, count(*) FROM core.ecoreseau_label GROUP BY 1").fetchall())
    assert sum(methods.values()) == 137
    # syndicates (SYDED DU LOT, SMIREC...) and a misspelt "MEDITERANNEE" stay unmatched
    assert methods == {"commune_name": 32, "epci_name": 75, "unmatched": 30}
    bourg = pg.execute("SELECT insee_code, commune_name FROM observatory.ecoreseau_label "
                       "WHERE sncu_id = '0108C'").fetchone()
    assert bourg == ("01053", "Bourg-en-Bresse")
    lyon = pg.execute("SELECT epci_name FROM observatory.ecoreseau_label WHERE collectivite = "
                      "'La Métropole de Lyon' LIMIT 1").fetchone()[0]
    assert lyon == "Métropole de Lyon"

    potential = load.load_potential(pg, fetch(sources.POTENTIAL, mirror=mirror),
                                    fetch(sources.STATS_DEPARTEMENTS, mirror=mirror))
    assert (potential.rows_read, potential.rows_loaded, potential.rows_quarantined) == (281, 279, 2)
    nord = pg.execute("""SELECT dwellings_collective_gas, network_count FROM observatory.heat_potential_departement
                         WHERE departement_code = '59' AND distance_m = 100""").fetchone()
    assert nord[0] > 0 and nord[1] > 0

    national = load.load_national_figures(pg, fetch(sources.KEY_FIGURES, mirror=mirror),
                                          fetch(sources.STATS_NATIONAL, mirror=mirror))
    assert national.rows_loaded == 12
    assert pg.execute("SELECT value, unit FROM observatory.heat_national_figure "
                      "WHERE key = 'key_figure_1'").fetchone() == (6529.0, "km")
