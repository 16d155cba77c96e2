"""Per-commune energy indicators on the real reference, with a few charging points and the
SYNTHETIC FCU fixture (tests/fixtures/fcu) placed around Bourg-en-Bresse."""
from __future__ import annotations

import pytest

from geodata.sources.fetch import fetch
from geodata.sources.heat import load, sources
from observatory import energy

BOURG, PERONNAS, VIRIAT, LYON = "01053", "01289", "01451", "69123"

# (insee_code, station, x, y (Lambert-93), power_kw, is_fast_dc, commissioned_on)
CHARGING_POINTS = [
    (BOURG, "Station A", 873000, 6569600, 22.0, False, "2019-05-01"),
    (BOURG, "Station A", 873000, 6569600, 22.0, False, "2021-03-01"),
    (BOURG, "Station B", 873400, 6569900, 150.0, True, "2021-09-01"),
    (PERONNAS, "Station C", 871000, 6566000, 50.0, True, None),
]


@pytest.fixture
def energy_db(reference_db, conn, fcu_mirror, mirror):
    """The psycopg session under the SQLAlchemy test connection: one transaction, rolled back."""
    pg = conn.connection.driver_connection
    for row in CHARGING_POINTS:
        pg.execute("""INSERT INTO core.charging_point (station_name, insee_code, power_kw, is_fast_dc,
                                                       commissioned_on, geom)
                      VALUES (%s, %s, %s, %s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 2154))""",
                   (row[1], row[0], row[4], row[5], row[6], row[2], row[3]))
    load.load_archive(pg, load.obtain_archive(fcu_mirror))
    load.load_labels(pg, [fetch(sources.ECORESEAU_2025, mirror=mirror),
                          fetch(sources.ECORESEAU_PLUS_2025, mirror=mirror)])
    load.load_potential(pg, fetch(sources.POTENTIAL, mirror=mirror),
                        fetch(sources.STATS_DEPARTEMENTS, mirror=mirror))
    return pg


def _row(pg, insee_code: str) -> dict:
    cursor = pg.execute("SELECT * FROM observatory.commune_energy WHERE insee_code = %s", (insee_code,))
    names = [c.name for c in cursor.description]
    return dict(zip(names, cursor.fetchone()))


def test_indicators_with_heat_layer(energy_db):
    pg = energy_db
    report = energy.refresh_commune_energy(pg)
    communes = pg.execute("SELECT count(*) FROM core.commune").fetchone()[0]
    assert report.rows_loaded == communes == pg.execute(
        "SELECT count(*) FROM observatory.commune_energy").fetchone()[0]

    bourg = _row(pg, BOURG)
    assert (bourg["charging_points"], bourg["charging_stations"], bourg["fast_dc_points"]) == (3, 2, 1)
    assert bourg["installed_power_kw"] == 194.0
    assert bourg["fast_dc_share_pct"] == pytest.approx(100 / 3)
    assert bourg["points_per_1000_inhabitants"] == pytest.approx(3000 / bourg["population"])
    assert bourg["points_by_year"] == {"2019": 1, "2021": 2}
    assert bourg["heat_layer_available"] is True and bourg["heat_network_present"] is True
    assert bourg["heat_network_count"] == 2
    assert sorted(n["sncu_id"] for n in bourg["heat_networks"]) == ["0108C", "0199C"]
    assert bourg["best_renewable_share_pct"] == 70.5 and bourg["lowest_co2_kg_per_kwh"] == pytest.approx(0.061)
    assert bourg["in_priority_perimeter"] is True
    # 0108C is a real Écoréseau 2025 laureate, and Bourg-en-Bresse is the collectivité holding it
    assert bourg["ecoreseau_label"] == "Écoréseau"
    assert bourg["ecoreseau_label_basis"] == "network_serving"
    assert bourg["score_heat_network"] == 100 and bourg["components_used"] == 4
    scores = [bourg[c] for c in energy.SCORE_COLUMNS]
    assert bourg["energy_commons_potential"] == pytest.approx(sum(scores) / 4)

    peronnas, viriat = _row(pg, PERONNAS), _row(pg, VIRIAT)
    # the 0108C trace crosses both communes: its length is shared between them
    total = pg.execute("SELECT sum(ST_Length(ST_Transform(geom, 4326)::geography)) / 1000 FROM core.heat_network "
                       "WHERE sncu_id = '0108C'").fetchone()[0]
    shares = pg.execute("""SELECT sum((n->>'length_in_commune_km')::float) FROM observatory.commune_energy,
                           jsonb_array_elements(heat_networks) n WHERE n->>'sncu_id' = '0108C'""").fetchone()[0]
    assert shares == pytest.approx(total, abs=0.01)
    assert peronnas["heat_network_present"] is True and peronnas["heat_network_length_km"] > 0
    assert viriat["heat_network_present"] is True and viriat["heat_network_length_km"] == 0   # point network
    assert viriat["in_priority_perimeter"] is False
    # nearest fast charger from Viriat's centre: one of the two fast points, measured in Lambert-93
    expected = pg.execute("""SELECT min(ST_Distance(b.centroid, ST_SetSRID(ST_MakePoint(x, y), 2154))) / 1000
                             FROM core.commune_boundary b, (VALUES (873400, 6569900), (871000, 6566000)) v(x, y)
                             WHERE b.insee_code = %s""", (VIRIAT,)).fetchone()[0]
    # measured on the ellipsoid: within 0.1 % of the Lambert-93 distance in mainland France
    assert viriat["nearest_fast_charger_km"] == pytest.approx(expected, rel=1e-3)
    assert viriat["charging_points"] == 0 and viriat["fast_dc_share_pct"] is None

    lyon = _row(pg, LYON)
    assert lyon["heat_network_present"] is False and lyon["heat_network_length_km"] == 0
    assert lyon["dept_potential_dwellings_100m"] > 0 and lyon["dept_heat_networks"] > 0
    # "La Métropole de Lyon" holds 7 labels: shown on Lyon with that basis, not as a served network
    assert (lyon["ecoreseau_label"], lyon["ecoreseau_label_basis"]) == ("Écoréseau, Écoréseau +", "epci")
    run = pg.execute("SELECT rows_loaded FROM observatory.load_run WHERE source = "
                     "'energy-commune-indicators' ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert run == communes


def test_without_heat_layer_heat_indicators_are_unknown_not_zero(energy_db):
    pg = energy_db
    pg.execute("TRUNCATE core.heat_network, core.heat_area")
    load.mark_archive_unavailable(pg, "opendata-fcu.zip absent du miroir")
    energy.refresh_commune_energy(pg)
    bourg = _row(pg, BOURG)
    assert bourg["heat_layer_available"] is False
    assert bourg["heat_network_present"] is None and bourg["heat_network_length_km"] is None
    assert bourg["score_heat_network"] is None and bourg["components_used"] == 3
    # the label is still known from the collectivité's name, without any trace
    assert (bourg["ecoreseau_label"], bourg["ecoreseau_label_basis"]) == ("Écoréseau", "collectivite")
    assert bourg["dept_potential_dwellings_100m"] is not None


def test_dashboard_queries(energy_db, conn):
    """The dashboard functions read the views through SQLAlchemy, in the same transaction."""
    energy.refresh_commune_energy(energy_db)
    values = energy.national_values(conn, "charging_points")
    assert len(values) > 34_000
    assert next(v for v in values if v["insee_code"] == BOURG)["value"] == 3
    ranks = energy.departement_ranks(conn, BOURG)
    ain = energy_db.execute("SELECT count(*) FROM core.commune WHERE departement_code = '01'").fetchone()[0]
    # Only communes with a charging point are ranked for them: having none is no rank.
    equipped = energy_db.execute("SELECT count(*) FROM observatory.commune_energy "
                                 "WHERE departement_code = '01' AND charging_points > 0").fetchone()[0]
    assert 1 < equipped < ain
    assert ranks["charging_points"] == (1, equipped)
    # Péronnas' fast charger is 125 m from its centre, Bourg's 350 m: second in the Ain
    assert ranks["nearest_fast_charger_km"] == (2, ain)
    assert energy.departement_ranks(conn, PERONNAS)["nearest_fast_charger_km"] == (1, ain)
    networks = energy.heat_networks_near(conn, BOURG)
    assert {n["sncu_id"] for n in networks} == {"0108C", "0198C", "0199C"}
    assert "paths" in networks[0] and "position" in next(n for n in networks if n["sncu_id"] == "0198C")
    assert energy.heat_layer_status(conn)["available"] is True
    with pytest.raises(KeyError):
        energy.national_values(conn, "population; DROP TABLE core.commune")


def test_overseas_distances_and_lengths_are_measured_on_the_ellipsoid(energy_db, conn):
    """Issue 17: Lambert-93, where the points are stored, is 1.25 times true to scale in Guyane
    and 1.87 times in La Réunion, larger towards the equator; the nearest fast charger, the
    length of a trace in a commune and the networks near a commune are measured on the ellipsoid."""
    from pyproj import Geod, Transformer

    pg = energy_db
    cayenne, saint_denis = "97302", "97411"
    geod = Geod(ellps="WGS84")
    to_lambert93 = Transformer.from_crs(4326, 2154, always_xy=True)

    def away(lon: float, lat: float, azimuth: float, metres: float) -> tuple[float, float]:
        """Lambert-93 x, y of the position that many true metres away in that direction."""
        return to_lambert93.transform(*geod.fwd(lon, lat, azimuth, metres)[:2])

    def centre(code: str) -> tuple[float, float]:
        return pg.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(centroid, 4326) AS p "
                          "FROM core.commune_boundary WHERE insee_code = %s) AS c", (code,)).fetchone()

    # Fast points 50.0 km north and 49.8 km south of Cayenne's centre: Lambert-93 ranks the
    # northern one first (50.3 km against 50.0 in its metres, x 1.25).
    north, south = away(*centre(cayenne), 0, 50_000), away(*centre(cayenne), 180, 49_800)
    for x, y in (north, south):
        pg.execute("""INSERT INTO core.charging_point (station_name, insee_code, power_kw, is_fast_dc, geom)
                      VALUES ('Station outre-mer', %s, 150, true, ST_SetSRID(ST_MakePoint(%s, %s), 2154))""",
                   (cayenne, x, y))
    in_lambert93 = pg.execute("""SELECT ST_Distance(centroid, ST_SetSRID(ST_MakePoint(%s, %s), 2154)) <
                                        ST_Distance(centroid, ST_SetSRID(ST_MakePoint(%s, %s), 2154))
                                 FROM core.commune_boundary WHERE insee_code = %s""",
                              (*north, *south, cayenne)).fetchone()[0]
    assert in_lambert93, "the northern point is the nearer in Lambert-93 metres"
    # A trace 300 m long eastwards from Saint-Denis's centre (561 Lambert-93 metres), and a
    # network without trace 3 km north of the northernmost point of its contour, at sea.
    start = centre(saint_denis)
    northernmost = pg.execute("""SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform((ST_DumpPoints(geom)).geom, 4326)
                                 AS p FROM core.commune_boundary WHERE insee_code = %s) AS v
                                 ORDER BY ST_Y(p) DESC LIMIT 1""", (saint_denis,)).fetchone()
    for sncu_id, wkt in (("9741C", "LINESTRING({} {}, {} {})".format(*to_lambert93.transform(*start),
                                                                     *away(*start, 90, 300))),
                         ("9742C", "POINT({} {})".format(*away(*northernmost, 0, 3000)))):
        pg.execute("""INSERT INTO core.heat_network (id, sncu_id, name, departement_code, has_trace, geom,
                                                     geom_display)
                      SELECT (SELECT max(id) + 1 FROM core.heat_network), %s, 'Réseau outre-mer', '974', %s, g,
                             ST_Transform(g, 4326)
                      FROM ST_SetSRID(ST_GeomFromText(%s), 2154) AS g""", (sncu_id, wkt.startswith("LINE"), wkt))
    assert pg.execute("SELECT ST_Within(n.geom, b.geom) FROM core.heat_network n, core.commune_boundary b "
                      "WHERE n.sncu_id = '9741C' AND b.insee_code = %s", (saint_denis,)).fetchone()[0]

    energy.refresh_commune_energy(pg)
    assert _row(pg, cayenne)["nearest_fast_charger_km"] == pytest.approx(49.8, rel=1e-4)
    assert _row(pg, saint_denis)["heat_network_length_km"] == pytest.approx(0.3, rel=1e-3)
    assert pg.execute("SELECT trace_length_km FROM observatory.heat_network "
                      "WHERE sncu_id = '9741C'").fetchone()[0] == pytest.approx(0.3, rel=1e-3)
    assert {n["sncu_id"] for n in energy.heat_networks_near(conn, saint_denis, radius_m=3100)} == {"9741C", "9742C"}
    assert {n["sncu_id"] for n in energy.heat_networks_near(conn, saint_denis, radius_m=2900)} == {"9741C"}
