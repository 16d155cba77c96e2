"""Pure readers of FCU's open data: the synthetic archive, the real mirror files, bad input."""
from __future__ import annotations

import json
import zipfile
from collections import Counter

import pytest
import shapely

from geodata.sources.heat.reader import (
    FcuArchiveError,
    archive_url_from_dataset,
    epci_key,
    match_collectivite,
    normalise_name,
    parse_french_figure,
    read_departement_summary,
    read_fcu_archive,
    read_labels,
    read_national_figures,
    read_potential,
)
from tests.conftest import FCU_FIXTURES, MIRROR, build_fcu_archive

HEAT = MIRROR / "heat"


def test_synthetic_archive_networks_and_rejects(fcu_archive):
    result = read_fcu_archive(fcu_archive)
    assert result.rows_read == 7 + 1 + 1 + 2
    ids = [n.sncu_id for n in result.networks]
    assert ids == ["0108C", "0199C", "0198C"]
    assert result.rows_duplicate == 1          # the second 0108C feature, merged
    reasons = Counter(r.reason for r in result.rejected)
    assert reasons == {"malformed_value": 2, "missing_geometry": 1, "outside_lambert93": 1}
    details = {r.payload["Identifiant reseau"]: r.detail for r in result.rejected}
    assert "malformed SNCU identifier 'XYZ'" in details["XYZ"]
    assert "Taux EnR&R 180" in details["0195C"]
    # accounting: read = kept + merged + quarantined
    assert len(result.networks) + len(result.perimeters) + len(result.construction) \
        + result.rows_duplicate + len(result.rejected) == result.rows_read


def test_network_fields_follow_the_nomenclature(fcu_archive):
    network = read_fcu_archive(fcu_archive).networks[0]
    assert network.name == "SYNTHETIQUE - réseau de test A"
    assert network.departement_code == "01"
    assert network.renewable_share_pct == 70.5
    assert network.co2_kg_per_kwh == pytest.approx(0.061)
    assert network.classified is True and network.creation_year == 1970
    assert network.delivery_points == 120 and network.deliveries_mwh == 45000
    geom = shapely.from_wkb(network.geom_wkb)
    assert geom.geom_type == "MultiLineString" and len(geom.geoms) == 2   # both traces kept
    assert shapely.get_srid(geom) == 2154
    point = read_fcu_archive(fcu_archive).networks[2]
    assert point.has_trace is False and shapely.from_wkb(point.geom_wkb).geom_type == "Point"


def test_perimeters_and_construction(fcu_archive):
    result = read_fcu_archive(fcu_archive)
    assert [(p.sncu_id, p.kind) for p in result.perimeters] == [("0108C", "perimeter")]
    assert sorted(c.kind for c in result.construction) == ["construction_trace", "construction_zone"]
    assert result.construction[0].commissioning == "2027"


def test_zip_without_the_networks_member(tmp_path):
    archive = build_fcu_archive(tmp_path / "opendata-fcu.zip", ["pdp.geojson"])
    with pytest.raises(FcuArchiveError, match=r"has no reseaux_de_chaleur\.geojson \(members: pdp\.geojson\)"):
        read_fcu_archive(archive)


def test_truncated_zip(tmp_path, fcu_archive):
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(fcu_archive.read_bytes()[:300])
    with pytest.raises(FcuArchiveError, match="not a zip archive"):
        read_fcu_archive(truncated)


def test_html_page_instead_of_the_zip(tmp_path):
    page = tmp_path / "opendata-fcu.zip"
    page.write_text("<!doctype html><html><body>502 Bad Gateway</body></html>")
    with pytest.raises(FcuArchiveError, match="error page instead of opendata-fcu.zip"):
        read_fcu_archive(page)


def test_truncated_geojson_member(tmp_path):
    target = tmp_path / "opendata-fcu.zip"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("reseaux_de_chaleur.geojson",
                         (FCU_FIXTURES / "reseaux_de_chaleur.geojson").read_text()[:500])
    with pytest.raises(FcuArchiveError, match="reseaux_de_chaleur.geojson: not readable GeoJSON"):
        read_fcu_archive(target)


def test_wrong_crs_is_refused(tmp_path):
    data = json.loads((FCU_FIXTURES / "reseaux_de_chaleur.geojson").read_text())
    data["crs"]["properties"]["name"] = "urn:ogc:def:crs:OGC:1.3:CRS84"
    target = tmp_path / "opendata-fcu.zip"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("reseaux_de_chaleur.geojson", json.dumps(data))
    with pytest.raises(FcuArchiveError, match="FCU publishes EPSG:2154"):
        read_fcu_archive(target)


def test_empty_layer_exported_as_null_features(tmp_path):
    target = tmp_path / "opendata-fcu.zip"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("reseaux_de_chaleur.geojson",
                         json.dumps({"type": "FeatureCollection", "features": None}))
    result = read_fcu_archive(target)
    assert result.rows_read == 0 and result.networks == []


def test_archive_url_from_dataset_api():
    dataset = {"resources": [
        {"title": "221025-opendata-fcu.zip", "url": "https://x/old.zip", "last_modified": "2025-10-22"},
        {"title": "opendata-fcu.zip", "url": "https://x/main.zip", "last_modified": "2025-11-02"},
        {"title": "nomenclature.xlsx", "url": "https://x/n.xlsx"}]}
    assert archive_url_from_dataset(dataset) == "https://x/main.zip"
    with pytest.raises(FcuArchiveError, match="lists no opendata-fcu.zip"):
        archive_url_from_dataset({"resources": [{"title": "autre.csv", "url": "https://x/a.csv"}]})


def test_real_ecoreseau_laureates():
    labels = read_labels(HEAT / "Laureats_Label_Ecoreseau_2025.csv", "Écoréseau")
    plus = read_labels(HEAT / "Laureats_Label_Ecoreseau_+_2025.csv", "Écoréseau +")
    assert (len(labels.rows), len(plus.rows)) == (83, 54)
    assert labels.rejected == [] and plus.rejected == []
    first = labels.rows[0]
    assert (first.sncu_id, first.collectivite, first.departement_code) == ("0108C", "Ville de Bourg-en-Bresse", "01")


def test_labels_bad_input(tmp_path):
    latin1 = tmp_path / "laureats.csv"
    latin1.write_bytes("collectivite;reseau;identifiant\nVille de Briançon;Réseau;0506C\n"
                       "Ville X;Réseau X;12\nVille Y;Réseau Y;0506C\n".encode("cp1252"))
    result = read_labels(latin1, "Écoréseau")
    assert [r.collectivite for r in result.rows] == ["Ville de Briançon"]
    assert [(r.reason, r.detail) for r in result.rejected] == [("malformed_network_id", "identifiant '12'")]
    assert result.rows_duplicate == 1
    missing = tmp_path / "missing.csv"
    missing.write_text("collectivite,reseau\nA,B\n")
    with pytest.raises(ValueError, match="missing column\\(s\\) identifiant"):
        read_labels(missing, "Écoréseau")


def test_collectivite_matching():
    communes = {("01", "bourg en bresse"): "01053", ("17", "la rochelle"): "17300", ("30", "ales"): "30007"}
    epcis = {("69", epci_key("Métropole de Lyon")): "200046977", ("31", epci_key("Toulouse Métropole")): "243100518",
             ("17", epci_key("CA de La Rochelle")): "241700434", ("86", epci_key("CU du Grand Poitiers")): "200069854"}
    assert match_collectivite("Ville de Bourg-en-Bresse", "01", communes, epcis) == ("01053", None, "commune_name")
    assert match_collectivite("VILLE DE LA ROCHELLE", "17", communes, epcis)[0] == "17300"
    assert match_collectivite("Ville d'Alès", "30", communes, epcis)[0] == "30007"
    assert match_collectivite("La Métropole de Lyon", "69", communes, epcis) == (None, "200046977", "epci_name")
    assert match_collectivite("Toulouse métropole", "31", communes, epcis)[1] == "243100518"
    assert match_collectivite("COMMUNAUTE D'AGGLOMERATION DE LA ROCHELLE", "17", communes, epcis)[1] == "241700434"
    assert match_collectivite("Grand Poitiers Communauté Urbaine", "86", communes, epcis)[1] == "200069854"
    # a syndicate is neither a commune nor an EPCI
    assert match_collectivite("SYNDICAT MIXTE TRIFYL", "81", communes, epcis)[2] == "unmatched"
    # same name, other département: no match rather than a guess
    assert match_collectivite("Bourg-en-Bresse", "71", communes, epcis) == (None, None, "unmatched")
    assert normalise_name("Saint-Étienne Métropole") == normalise_name("ST ETIENNE METROPOLE")


def test_real_potential_per_departement():
    potential = read_potential(HEAT / "potentiel_identifie_FCU.xlsx")
    assert Counter(row[1] for row in potential.rows) == {50: 93, 100: 93, 150: 93}
    # the leftover row with Corsica's pre-1976 code "20" and no name, in two sheets
    assert [(r.row_ref, r.reason) for r in potential.rejected] == [
        ("100m_departement:95", "unknown_departement"), ("150m_departement:95", "unknown_departement")]
    ain_50 = next(r for r in potential.rows if r[0] == "01" and r[1] == 50)
    columns = dict(zip(("code", "distance", "name", "buildings_total", "dwellings_total"), ain_50))
    assert columns == {"code": "01", "distance": 50, "name": "Ain", "buildings_total": 1231,
                       "dwellings_total": 11402}


def test_potential_agrees_with_fcu_json():
    """The xlsx and the JSON FCU's map uses are two publications of the same figures."""
    potential = read_potential(HEAT / "potentiel_identifie_FCU.xlsx")
    stats = {d["departement_code"]: d for d in json.loads((HEAT / "stats-bdnb-2022-departements.json").read_text())}
    from geodata.sources.heat.reader import POTENTIAL_ROW_COLUMNS
    disagreements = 0
    for row in potential.rows:
        values = dict(zip(POTENTIAL_ROW_COLUMNS, row))
        block = stats[values["departement_code"]][f"{values['distance_m']}m"]["logements"]
        disagreements += (block["collectif_gaz"], block["collectif_fioul"]) != (
            values["dwellings_collective_gas"], values["dwellings_collective_oil"])
    assert disagreements == 0


def test_real_departement_summary_and_national_figures():
    summary = dict((code, (count, share)) for code, count, share in
                   read_departement_summary(HEAT / "stats-bdnb-2022-departements.json"))
    assert len(summary) == 96 and summary["01"] == (9, 74.5)
    figures = {row[0]: row for row in read_national_figures(HEAT / "data-number-rcu.json",
                                                            HEAT / "stats-bdnb-2022-national.json")}
    assert figures["key_figure_1"][2:4] == (6529.0, "km")
    assert figures["network_count"][2] == 946
    assert figures["dwellings_collective_gas_oil_100m"][2] == 562601


@pytest.mark.parametrize("text, expected", [
    ("6529 km", (6529.0, "km")), ("62,6%", (62.6, "%")), ("6,6 millions", (6_600_000.0, None)),
    ("44 945", (44945.0, None)), ("44\u202f945", (44945.0, None))])
def test_parse_french_figure(text, expected):
    assert parse_french_figure(text) == expected


def test_parse_french_figure_refuses_text():
    with pytest.raises(ValueError, match="not a French-formatted figure"):
        parse_french_figure("environ cent")
