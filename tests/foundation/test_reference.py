"""The loaded reference, as a user of `observatory.commune` sees it."""
import json
import gzip

import pytest
import sqlalchemy as sa


@pytest.fixture
def ref(engine, reference_db):
    with engine.connect() as connection:
        yield connection


def scalar(conn, query, **params):
    return conn.execute(sa.text(query), params).scalar_one()


def test_every_current_commune_is_in_the_public_view(ref):
    assert scalar(ref, "SELECT count(*) FROM observatory.commune") == 34_969
    with_geometry = scalar(ref, "SELECT count(*) FROM observatory.commune WHERE geom IS NOT NULL")
    without = scalar(ref, "SELECT count(*) FROM observatory.commune WHERE geom IS NULL "
                          "AND missing_geometry_reason IS NOT NULL")
    assert with_geometry == 34_868
    assert with_geometry + without == 34_969


def test_communes_without_geometry_are_listed_by_reason(ref):
    reasons = dict(ref.execute(sa.text(
        "SELECT left(reason, 12), count(*) FROM core.commune_without_boundary GROUP BY 1")).all())
    assert reasons == {"collectivité": 94, "absente des ": 7}
    # Sannerville (14666) was merged into Saline in 2017 and re-created in 2020.
    assert "absente des contours 2018" in scalar(
        ref, "SELECT missing_geometry_reason FROM observatory.commune WHERE insee_code = '14666'")


def test_lille_includes_hellemmes_and_lomme(ref):
    formers = dict(ref.execute(sa.text(
        "SELECT code, current_insee_code FROM observatory.former_commune WHERE code IN ('59298', '59355')")).all())
    assert formers == {"59298": "59350", "59355": "59350"}
    for lon, lat in [(3.107, 50.627), (2.987, 50.644)]:  # town halls of Hellemmes, Lomme
        assert scalar(ref, "SELECT insee_code FROM observatory.commune WHERE ST_Contains(geom, "
                           "ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 2154))",
                      lon=lon, lat=lat) == "59350"


def test_absorbed_codes_are_named_from_the_cog_2024(ref):
    # The 2026 package lists Coudekerque-Village's code among Coudekerque-Branche's former codes,
    # without its name: INSEE's COG 2024 still had it as a delegated commune.
    assert scalar(ref, "SELECT name FROM observatory.former_commune WHERE code = '59154' AND kind = 'ancienne'") \
        == "Coudekerque-Village"
    # The mirror holds no name for the codes merged before 2018 (neither COG names them, nor the
    # 2018 contours): about 2,100 stay unnamed, out of 3,747 before.
    unnamed = scalar(ref, "SELECT count(*) FROM observatory.former_commune WHERE name IS NULL")
    assert 1_500 < unnamed < 2_500
    load = ref.execute(sa.text("SELECT source_hash FROM observatory.load_run WHERE source = 'cog-former_commune' "
                               "ORDER BY id DESC LIMIT 1")).scalar_one()
    assert len(load.split()) == 2   # both files it was made from


def test_merged_communes_are_dissolved_into_the_current_one(ref):
    codes = scalar(ref, "SELECT contour_codes FROM core.commune_boundary WHERE insee_code = '69135'")
    assert len(codes) == 7 and "69135" in codes  # Deux-Grosnes
    assert scalar(ref, "SELECT contour_codes FROM core.commune_boundary WHERE insee_code = '49126'") == ["49069"]
    area = scalar(ref, "SELECT area_km2 FROM observatory.commune WHERE insee_code = '69135'")
    parts = scalar(ref, "SELECT sum(ST_Area(ST_Transform(geom, 4326)::geography)) / 1e6 FROM core.commune_contour "
                        "WHERE code = ANY(:codes)",
                   codes=codes)
    assert area == pytest.approx(parts, rel=1e-3)
    assert scalar(ref, "SELECT GeometryType(geom) FROM observatory.commune WHERE insee_code = '69135'") == "MULTIPOLYGON"


def test_population_total_equals_the_cog_file(ref, mirror):
    entries = json.loads((mirror / "cog/2026/communes.json").read_text())
    expected = sum(e.get("population", 0) for e in entries if e["type"] == "commune-actuelle")
    assert scalar(ref, "SELECT sum(population) FROM observatory.commune") == expected


def test_geometries_are_lambert93_valid_and_display_is_wgs84(ref):
    assert ref.execute(sa.text("SELECT DISTINCT ST_SRID(geom) FROM observatory.commune "
                               "WHERE geom IS NOT NULL")).scalars().all() == [2154]
    assert scalar(ref, "SELECT count(*) FROM observatory.commune WHERE NOT ST_IsValid(geom)") == 0
    assert scalar(ref, "SELECT DISTINCT ST_SRID(geom_wgs84) FROM observatory.commune "
                       "WHERE geom_wgs84 IS NOT NULL") == 4326
    indexes = ref.execute(sa.text("SELECT indexdef FROM pg_indexes WHERE schemaname = 'core' "
                                  "AND tablename = 'commune_boundary'")).scalars().all()
    assert any("gist (geom)" in i for i in indexes)


def test_every_contour_code_found_its_commune(ref, mirror):
    with gzip.open(mirror / "boundaries/communes-2018.geojson.gz") as handle:
        codes = {f["properties"]["code"] for f in json.load(handle)["features"]}
    resolved = set(ref.execute(sa.text(
        "SELECT unnest(contour_codes) FROM core.commune_boundary")).scalars())
    assert resolved == codes


def test_reader_role_sees_views_but_not_tables(db_url, reference_db):
    from geodata.db import make_reader_engine

    reader = make_reader_engine(db_url)
    with reader.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM observatory.epci")).scalar_one() == 1255
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            conn.execute(sa.text("SELECT count(*) FROM core.commune"))
    reader.dispose()
