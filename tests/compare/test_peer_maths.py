"""The peer and ranking maths on tiny explicit inputs."""
import math

import pandas as pd
import pytest

from observatory.peers import (SizeAndDensity, density_window, nearest_on_size_and_density, size_class,
                               size_class_label)
from observatory.rankings import HIGHER, LOWER, NEUTRAL, INDICATORS, rank_values, values_sql


@pytest.mark.parametrize("population, expected", [
    (0, 0), (499, 0), (500, 1), (1_999, 1), (2_000, 2), (9_999, 3), (10_000, 4),
    (49_999, 5), (50_000, 6), (99_999, 6), (100_000, 7), (2_100_000, 7), (None, None), (-1, None)])
def test_size_class_bounds_include_lower_exclude_upper(population, expected):
    assert size_class(population) == expected


def test_size_class_labels_are_french_with_thousands_separator():
    assert size_class_label(0) == "moins de 500 habitants"
    assert size_class_label(2) == "de 2\u202f000 à 4\u202f999 habitants"
    assert size_class_label(7) == "100\u202f000 habitants et plus"


def test_density_window_is_symmetric_in_ratio():
    low, high = density_window(300.0, 1.5)
    assert (low, high) == (200.0, 450.0)
    with pytest.raises(ValueError, match="au moins 1"):
        density_window(300.0, 0.5)


def _communes(*rows):
    return [SizeAndDensity(code, population, density) for code, population, density in rows]


def test_nearest_uses_logarithms_and_standardised_axes():
    communes = _communes(
        ("A", 1_000, 100.0),
        ("B", 2_000, 100.0),      # one doubling away in population
        ("C", 1_000, 400.0),      # two doublings away in density
        ("D", 100_000, 100.0),    # far in population
        ("E", 1_000, 100.0),      # identical to A
    )
    found = nearest_on_size_and_density("A", communes, 3)
    assert [code for code, _ in found] == ["E", "B", "C"]
    assert found[0][1] == 0.0
    # The distance is measured in standard deviations of each log axis over all communes.
    logs_pop = [math.log(p) for p in (1_000, 2_000, 1_000, 100_000, 1_000)]
    mean = sum(logs_pop) / 5
    spread = math.sqrt(sum((x - mean) ** 2 for x in logs_pop) / 5)
    assert found[1][1] == pytest.approx(math.log(2) / spread)


def test_nearest_leaves_out_uninhabited_and_breaks_ties_by_code():
    communes = _communes(("A", 1_000, 100.0), ("Z", 2_000, 100.0), ("B", 2_000, 100.0), ("U", 0, 0.0))
    assert [code for code, _ in nearest_on_size_and_density("A", communes, 5)] == ["B", "Z"]
    with pytest.raises(LookupError, match="U n'a pas de population"):
        nearest_on_size_and_density("U", communes, 2)


def test_rank_higher_is_better_with_ties_and_missing_values():
    values = pd.Series([10.0, 30.0, 30.0, None, 5.0], index=["a", "b", "c", "d", "e"])
    ranked = rank_values(values, HIGHER)
    assert ranked["rank"].tolist() == [3, 1, 1, pd.NA, 4]
    # Percentile: share of the 4 ranked communes equalled or beaten.
    assert ranked.loc["b", "percentile"] == 100.0
    assert ranked.loc["a", "percentile"] == 50.0
    assert ranked.loc["e", "percentile"] == 25.0
    assert pd.isna(ranked.loc["d", "percentile"])


def test_absent_facility_is_listed_not_ranked():
    # A département where no commune has a charging point: nobody is "1st".
    nobody = rank_values(pd.Series([0.0, 0.0, None], index=["a", "b", "c"]), HIGHER, absent_when_zero=True)
    assert nobody["rank"].isna().all() and nobody["value"].tolist()[:2] == [0.0, 0.0]
    some = rank_values(pd.Series([0.0, 4.0, 2.0], index=["a", "b", "c"]), HIGHER, absent_when_zero=True)
    assert some["rank"].tolist() == [pd.NA, 1, 2] and some.loc["c", "percentile"] == 50.0
    # Where 0 is a value (measures done), it is ranked.
    assert rank_values(pd.Series([0.0, 0.0]), HIGHER)["rank"].tolist() == [1, 1]


def test_rank_lower_is_better_reverses_the_order():
    ranked = rank_values(pd.Series([2.0, 8.0, 1.0], index=["a", "b", "c"]), LOWER)
    assert ranked["rank"].tolist() == [2, 3, 1]
    neutral = rank_values(pd.Series([2.0, 8.0, 1.0], index=["a", "b", "c"]), NEUTRAL)
    assert neutral["rank"].tolist() == [2, 1, 3]
    with pytest.raises(ValueError, match="sens de classement inconnu"):
        rank_values(pd.Series([1.0]), "sideways")


def test_registry_declares_french_labels_direction_and_source_of_every_indicator():
    assert {"population", "density", "pact_committed", "pact_share_done",
            "energy_points_per_1000_inhabitants"} <= set(INDICATORS)
    assert INDICATORS["energy_nearest_fast_charger_km"].direction == LOWER
    for item in INDICATORS.values():
        assert item.view.startswith("observatory.") and item.label and item.unit
    sql = values_sql([INDICATORS["density"], INDICATORS["pact_done"]])
    assert "observatory.commune_pact" in sql and "AS pact_done" in sql and ":codes" in sql
