"""The whole path on the real PostGIS: the mirror's extract, attribution, the public view."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from geodata.sources.fetch import Fetched, fetch
from geodata.sources.irve.reader import DERIVED_EXTRACT, SCHEMA
from observatory.attribution import Attribution, attribute_points, locate
from pipelines.irve.load import SOURCE, load_charging_points

from .files import point


def test_mirror_extract_is_loaded_and_attributed(pg, mirror: Path):
    loaded = load_charging_points(pg, fetch(DERIVED_EXTRACT, mirror=mirror), fetch(SCHEMA, mirror=mirror))
    report = loaded.report
    assert (report.rows_read, report.rows_loaded, report.rows_duplicate) == (149_112, 148_951, 0)
    # 2 points at 0,0; 92 whose position is nowhere in France either way round
    # (latitude copied into longitude, a latitude missing its first digit); 67 commissioned
    # before 1990 (1900, 1930, 1947: placeholders) or dated after the extract's day.
    assert report.quarantine_by_reason() == {"implausible_date_maj": 3, "implausible_date_mise_en_service": 64,
                                             "outside_france": 92, "zero_coordinates": 2}
    assert loaded.attribution.rate >= 0.995
    run = pg.execute("SELECT rows_read, rows_loaded, rows_quarantined, rows_duplicate FROM core.load_run "
                     "WHERE source = %s ORDER BY id DESC LIMIT 1", (SOURCE,)).fetchone()
    assert run == (149_112, 148_951, 161, 0)
    assert pg.execute("SELECT count(*) FROM core.quarantined_row WHERE source = %s",
                      (SOURCE,)).fetchone()[0] == 161
    published = pg.execute("""SELECT count(*), count(insee_code), count(*) FILTER (WHERE is_fast_dc),
                                     count(DISTINCT ST_SRID(geom))
                              FROM observatory.charging_point""").fetchone()
    assert published[0] == 148_951 and published[1] == loaded.attribution.contained + loaded.attribution.nearest
    assert published[2] > 30_000 and published[3] == 1
    # The first row of the extract: ChargePoint at Haguenau's hospital.
    haguenau = pg.execute("""SELECT insee_code, commune_name, round(lon::numeric, 6)::float8,
                                    round(lat::numeric, 6)::float8
                             FROM observatory.charging_point WHERE id = 1""").fetchone()
    assert haguenau == ("67180", "Haguenau", 7.762694, 48.825613)
    # A point added by hand afterwards takes the next free id.
    added = pg.execute("INSERT INTO core.charging_point (station_name, power_kw, is_fast_dc, geom) "
                       "VALUES ('ajout', 3.7, false, ST_SetSRID(ST_MakePoint(652000, 6862000), 2154)) "
                       "RETURNING id").fetchone()[0]
    assert added > 148_951


def test_declared_codes_are_compared(pg, irve_csv, schema_path):
    path = irve_csv([
        point(1, code_insee_commune="75101"),    # a Paris arrondissement: the same commune
        point(2, code_insee_commune="75056"),    # Paris itself
        point(3, code_insee_commune="13055"),    # Marseille: wrong
        point(4, code_insee_commune="75000"),    # a postcode: no commune, past or present
        point(5, code_insee_commune=""),
        point(6, lon=-3.2, lat=47.0, code_insee_commune="56069"),   # at sea, off Belle-Île
    ])
    data = Fetched(DERIVED_EXTRACT, path, "0" * 64, "mirror")
    loaded = load_charging_points(pg, data, Fetched(SCHEMA, schema_path, "0" * 64, "mirror"))
    assert loaded.report.rows_loaded == 6
    assert pg.execute("SELECT array_agg(insee_code ORDER BY id) FROM core.charging_point").fetchone()[0] == \
        ["75056"] * 5 + [None]
    assert loaded.without_commune == [{"id": 6, "station": "Picpus", "lon": -3.2, "lat": 47.0}]
    assert loaded.agreement == {"declared": 4, "agree": 2, "disagree": 1, "declared_code_unknown": 1,
                                "disagreement_rate": 0.5}


def test_points_in_a_sliver_take_the_nearest_commune(pg):
    # The westernmost vertex of Ouessant, the westernmost commune of metropolitan France:
    # 200 m further west is the sea, within the sliver tolerance; 5 km is not.
    x, y = pg.execute("""SELECT ST_X(g), ST_Y(g) FROM (
                             SELECT (ST_DumpPoints(geom)).geom AS g FROM core.commune_boundary
                             WHERE insee_code = '29155') AS v ORDER BY ST_X(g) LIMIT 1""").fetchone()
    found = attribute_points(pg, np.array([x - 200, x - 5000, 652_000.0]), np.array([y, y, 6_862_000.0]))
    assert found["insee_code"].tolist() == ["29155", None, "75056"]
    assert found["attribution"].tolist() == ["nearest", None, "contains"]
    assert found["commune_name"].tolist() == ["Ouessant", None, "Paris"]
    summary = Attribution.of(found["attribution"])
    assert (summary.contained, summary.nearest, summary.unattributed) == (1, 1, 1)


def test_a_point_on_a_shared_border_always_takes_the_same_commune(pg):
    # A vertex of Paris's contour that Boulogne-Billancourt's contour also touches.
    x, y, codes = pg.execute("""
        SELECT ST_X(v.p), ST_Y(v.p), array_agg(b.insee_code ORDER BY b.insee_code)
        FROM (SELECT (ST_DumpPoints(geom)).geom AS p FROM core.commune_boundary
              WHERE insee_code = '92012') AS v
        JOIN core.commune_boundary b ON ST_Intersects(b.geom, v.p)
        GROUP BY 1, 2 HAVING count(*) > 1 ORDER BY 1, 2 LIMIT 1""").fetchone()
    assert len(codes) > 1
    # The same position three times, among others: matched once, answered for each point.
    located = locate(pg, np.array([x, 652_000.0, x, x]), np.array([y, 6_862_000.0, y, y]))
    assert located.insee_code.tolist() == [codes[0], "75056", codes[0], codes[0]]
    assert located.attribution.tolist() == ["contains"] * 4
    assert located.positions == 2
    # The lookup table lived inside the transaction only.
    assert pg.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'located_position%'").fetchone()[0] == 0


def test_public_view_is_documented(pg):
    comment = pg.execute("SELECT obj_description('observatory.charging_point'::regclass)").fetchone()[0]
    assert "IRVE" in comment
    undocumented = pg.execute("""
        SELECT a.attname FROM pg_attribute a
        WHERE a.attrelid = 'observatory.charging_point'::regclass AND a.attnum > 0
          AND col_description(a.attrelid, a.attnum) IS NULL""").fetchall()
    assert undocumented == []
    assert pg.execute("SELECT has_table_privilege('observatory_reader', 'observatory.charging_point', "
                      "'SELECT')").fetchone()[0]
