"""Peer groups and rankings on the real reference (COG 2026 + harmonised contours)."""
from datetime import date

import pytest
import sqlalchemy as sa

from geodata.sources.pacte.reader import CATALOGUE_2020, HDF_2020
from observatory import pact
from observatory.peers import PEER_KINDS, known_codes, nearest, peer_group, same_epci, similar_density
from observatory.rankings import rank_in_group


@pytest.fixture
def ref(reference_db, conn):
    return conn


def _column(conn, column, codes):
    rows = conn.execute(sa.text(f"SELECT insee_code, {column} FROM observatory.commune "
                                "WHERE insee_code = ANY(:codes)"), {"codes": list(codes)})
    return {row[0]: row[1] for row in rows}


def test_peers_of_lille_in_its_epci_are_the_mel(ref):
    group = same_epci(ref, "59350")
    assert set(_column(ref, "epci_siren", group.members).values()) == {"200093201"}
    assert {"59350", "59512", "59599"} <= set(group.members)
    assert "59350" not in group.peers
    count = ref.execute(sa.text("SELECT commune_count FROM observatory.epci WHERE epci_siren = '200093201'"))
    assert len(group.members) == count.scalar_one()
    assert "Métropole Européenne de Lille (Siren 200093201)" in group.rule


def test_every_kind_states_its_rule_and_contains_the_commune(ref):
    for kind in PEER_KINDS:
        group = peer_group(ref, "59350", kind)
        assert "59350" in group.members and "59350" not in group.peers
        assert "Lille" in group.rule
    departement = peer_group(ref, "59350", "departement")
    assert set(_column(ref, "departement_code", departement.members).values()) == {"59"}
    size = peer_group(ref, "59350", "size_class")
    assert min(_column(ref, "population", size.members).values()) >= 100_000
    assert "100\u202f000 habitants et plus" in size.rule


def test_similar_density_stays_in_the_window(ref):
    group = similar_density(ref, "62041", factor=1.2)
    densities = _column(ref, "density_per_km2", group.members).values()
    assert min(densities) >= 3596.25 / 1.2 - 0.01 and max(densities) <= 3596.25 * 1.2 + 0.01   # Arras, geodesic
    assert "divisée ou multipliée au plus par 1,2" in group.rule


def test_nearest_peers_have_similar_population_and_density(ref):
    group = nearest(ref, "62041", k=5)   # Arras: 42 875 inhabitants, 3 596 hab./km²
    assert len(group.peers) == 5
    populations = _column(ref, "population", group.peers)
    densities = _column(ref, "density_per_km2", group.peers)
    assert all(42_875 / 2 < p < 42_875 * 2 for p in populations.values()), populations
    assert all(3_596 / 2 < d < 3_596 * 2 for d in densities.values()), densities


def test_commune_outside_any_epci_has_no_group_and_says_why(ref):
    group = same_epci(ref, "29155")   # Ouessant
    assert group.members == ("29155",)
    assert "Ouessant n'appartient à aucune intercommunalité" in group.rule


def test_unknown_commune_is_refused(ref):
    with pytest.raises(LookupError, match="Aucune commune actuelle n'a le code 00000"):
        peer_group(ref, "00000", "epci")
    with pytest.raises(ValueError, match="groupe de comparaison inconnu"):
        peer_group(ref, "59350", "planet")
    assert known_codes(ref, ["59350", " 59512", "00000", "59350", "2a004"]) == ["59350", "59512", "2A004"]


def test_rank_and_percentile_agree_with_the_group_table(ref):
    ranking = rank_in_group(ref, same_epci(ref, "59350"), "density")
    table = ranking.table
    assert len(table) == len(ranking.group.members) and ranking.ranked == table["rank"].notna().sum()
    denser = int((table["value"] > ranking.value).sum())
    assert ranking.rank == denser + 1
    assert ranking.percentile == pytest.approx(100 * (ranking.ranked - denser) / ranking.ranked)
    assert table.loc[table["insee_code"] == "59350", "rank"].item() == ranking.rank
    assert table["value"].dropna().is_monotonic_decreasing
    population = rank_in_group(ref, same_epci(ref, "59350"), "population")
    assert (population.rank, population.percentile) == (1, 100.0)


def test_pact_ranking_counts_only_communes_in_the_lists(ref, mirror):
    pg = ref.connection.driver_connection
    pact.import_catalogue(pg, mirror / CATALOGUE_2020.mirror_path, "municipales-2020")
    pact.import_list(pg, mirror / HDF_2020.mirror_path, dataset="pacte-hdf-2020", today=date(2026, 11, 23))
    pg.execute("""INSERT INTO core.pact_commitment (signature_id, measure_number)
                  SELECT id, m FROM core.pact_signature, unnest(ARRAY['3', '12', '14']) m
                  WHERE insee_code = '59350'""")
    ranking = rank_in_group(ref, same_epci(ref, "59350"), "pact_committed")
    assert (ranking.value, ranking.rank) == (3.0, 1)
    signed = ref.execute(sa.text("SELECT count(DISTINCT insee_code) FROM observatory.commune_pact "
                                 "WHERE epci_siren = '200093201'")).scalar_one()
    # The other signatories' lists name no measure: unknown, not 0, so neither ranked nor valued.
    assert signed > 1 and ranking.ranked == ranking.valued == 1
    unranked = ranking.table[ranking.table["rank"].isna()]
    assert len(unranked) == len(ranking.group.members) - 1 and unranked["value"].isna().all()
