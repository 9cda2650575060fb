"""Documented properties of the gift model (reciprocity.simulate.gifts).

What every simulator must do (seeds, parameter checks, output) is in test_contract.py.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import fisher_exact

from reciprocity.simulate.gifts import (
    delivered_value,
    felt_obligation,
    repayment_probability,
    simulate_content_signups,
    simulate_gift_responses,
)


def _rates(frame: pd.DataFrame, by: str, outcome: str = "repaid") -> pd.DataFrame:
    return frame.groupby(by)[outcome].agg(n="size", successes="sum").assign(
        rate=lambda d: d["successes"] / d["n"])


def _one_sided_greater_p(high: pd.Series, low: pd.Series) -> float:
    table = [[high["successes"], high["n"] - high["successes"]],
             [low["successes"], low["n"] - low["successes"]]]
    return fisher_exact(table, alternative="greater")[1]


# --- the closed-form model -------------------------------------------------

def test_obligation_is_value_times_surprise_factor():
    # Worked by hand from the documented formula: 0.5 * (0.25 + 1.5 * 0.4) = 0.425.
    assert math.isclose(felt_obligation(0.5, 0.4), 0.425)
    assert math.isclose(felt_obligation(1.0, 0.0, expected_credit=0.1), 0.1)


def test_obligation_never_negative_for_disappointing_gift():
    assert felt_obligation(1.0, -1.0) == 0.0


def test_irrelevant_gift_creates_no_obligation_however_surprising():
    surprises = np.linspace(-1, 1, 21)
    assert np.all(felt_obligation(np.zeros_like(surprises), surprises) == 0)
    assert np.allclose(repayment_probability(0.0, surprises, base_rate=0.07), 0.07)


def test_a_gift_of_size_zero_is_no_gift_whatever_its_value_or_the_expectation():
    assert delivered_value(0.8, 0.0) == 0.0 and delivered_value(0.8, 0.05) == 0.8
    assert np.array_equal(delivered_value([1.0, 1.0], [0.0, 0.3]), [0.0, 1.0])
    # expecting nothing and getting nothing earns the no-gift rate, not the credit of a gift
    assert repayment_probability(delivered_value(1.0, 0.0), 0.0 - 0.0) == pytest.approx(0.10)
    df = simulate_gift_responses(300, values=[1.0], gifts=[0.0, 0.6], expected=0.0, seed=3)
    nothing = df[df["gift"] == 0.0]
    assert (nothing["person_value"] == 0).all() and (nothing["obligation"] == 0).all()
    assert np.allclose(nothing["repay_probability"], 0.10)
    given = df[df["gift"] == 0.6]
    assert (given["obligation"] > 0).all()


def test_probability_rises_with_surprise_at_equal_value():
    p = repayment_probability(0.8, np.linspace(-0.2, 1.0, 13))
    assert np.all(np.diff(p) > 0)


def test_surprise_multiplies_value_effect():
    # The gain from extra surprise is larger for a more valuable gift (interaction).
    gain_low = repayment_probability(0.3, 0.8) - repayment_probability(0.3, 0.0)
    gain_high = repayment_probability(1.0, 0.8) - repayment_probability(1.0, 0.0)
    assert gain_high > 2 * gain_low


def test_probability_stays_between_base_and_ceiling():
    v, s = np.meshgrid(np.linspace(0, 1, 11), np.linspace(-1, 1, 11))
    p = repayment_probability(v, s, base_rate=0.05, ceiling=0.4, strength=10)
    assert p.min() >= 0.05 - 1e-12 and p.max() <= 0.4 + 1e-12


def test_default_calibration_doubles_base_rate():
    # Documented calibration: value 1, surprise 0.5 -> twice the no-gift rate.
    base = 0.1
    assert math.isclose(repayment_probability(1.0, 0.5, base_rate=base), 2 * base, rel_tol=1e-9)


# --- the population simulators -------------------------------------------

def test_more_surprise_more_repayment_at_equal_value():
    df = simulate_gift_responses(6000, values=0.8, gifts=[0.2, 0.9], expected=0.2, seed=11)
    rates = _rates(df, "gift")
    assert rates.loc[0.9, "rate"] > rates.loc[0.2, "rate"]
    assert _one_sided_greater_p(rates.loc[0.9], rates.loc[0.2]) < 0.001


def test_higher_expectation_lowers_repayment_for_same_gift():
    df = simulate_gift_responses(6000, values=1.0, gifts=0.5, expected=[0.0, 0.5], seed=12)
    rates = _rates(df, "expected")
    assert _one_sided_greater_p(rates.loc[0.0], rates.loc[0.5]) < 0.001


def test_zero_value_gift_gives_no_lift_beyond_noise():
    # A worthless gift (value 0) against the same population's base rate.
    df = simulate_gift_responses(20000, values=0.0, gifts=[0.0, 1.0], expected=0.0,
                                 base_rate=0.1, seed=13)
    assert (df["obligation"] == 0).all()
    rates = _rates(df, "gift")
    p_two_sided = fisher_exact([[rates.loc[1.0, "successes"], rates.loc[1.0, "n"] - rates.loc[1.0, "successes"]],
                                [rates.loc[0.0, "successes"], rates.loc[0.0, "n"] - rates.loc[0.0, "successes"]]])[1]
    assert p_two_sided > 0.001
    assert abs(rates["rate"] - 0.1).max() < 0.01  # ~4.7 standard errors at n = 20000


def test_irrelevant_resource_signs_up_at_base_rate():
    df = simulate_content_signups(40000, relevance=[0.0, 1.0], base_rate=0.03, seed=14)
    rates = _rates(df, "relevance", "signed_up")
    assert abs(rates.loc[0.0, "rate"] - 0.03) < 0.006
    assert _one_sided_greater_p(rates.loc[1.0], rates.loc[0.0]) < 0.001


def test_signups_rise_with_relevance():
    df = simulate_content_signups(50000, relevance=[0.0, 0.5, 1.0], seed=15)
    assert df.groupby("relevance")["signup_probability"].mean().is_monotonic_increasing
    rates = _rates(df, "relevance", "signed_up")["rate"]
    assert rates.loc[0.0] < rates.loc[0.5] < rates.loc[1.0]


def test_readers_are_split_evenly_across_versions():
    df = simulate_content_signups(30000, relevance=[0.0, 0.5, 1.0], seed=16)
    counts = df["relevance"].value_counts()
    assert (abs(counts - 10000) < 400).all()  # ~4.9 standard deviations


def test_simulated_probability_matches_model():
    df = simulate_gift_responses(50, values=[0.3, 0.9], gifts=[0.1, 0.7], expected=[0.2, 0.6], seed=17)
    expected = repayment_probability(df["person_value"].to_numpy(), df["surprise"].to_numpy())
    assert np.allclose(df["repay_probability"], expected)
    assert np.allclose(df["surprise"], df["gift"] - df["person_expected"])


def test_one_row_per_person_in_every_condition():
    df = simulate_gift_responses(10, values=[0, 1], gifts=[0.2, 0.5, 0.8], expected=0.3, seed=1)
    assert len(df) == 10 * 2 * 3
    assert df["person_id"].is_unique


def test_no_heterogeneity_means_identical_people():
    df = simulate_gift_responses(100, values=0.6, gifts=0.5, expected=0.3, heterogeneity=0, seed=2)
    assert df["person_value"].nunique() == 1 and df["person_expected"].nunique() == 1


@pytest.mark.parametrize("call, name", [
    (lambda: felt_obligation(1.5, 0.0), "value"),
    (lambda: felt_obligation(0.5, -2.0), "surprise"),
    (lambda: repayment_probability(0.5, 0.5, ceiling=1.5), "ceiling"),
])
def test_model_functions_reject_out_of_range_inputs(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_content_signup_grid_is_the_simulator_run_by_run():
    from reciprocity.simulate.gifts import content_signup_grid
    grid = content_signup_grid([300, 1000], surprises=[0.0, 0.5], runs=2, seed=40)
    assert len(grid) == 2 * 2 * 2 * 5
    assert (grid.groupby(["readers", "surprise", "run"])["n"].sum() == grid.groupby(
        ["readers", "surprise", "run"])["readers"].first()).all()
    one = simulate_content_signups(1000, surprise=0.5, seed=42)
    part = grid[(grid.readers == 1000) & (grid.surprise == 0.5) & (grid.run == 2)].set_index("relevance")
    expected = one.groupby("relevance")["signed_up"].agg(["size", "sum"])
    assert (part["n"] == expected["size"]).all() and (part["signed_up"] == expected["sum"]).all()


def test_content_signup_rates_are_what_the_simulator_draws_from():
    from reciprocity.simulate.gifts import content_signup_rates
    rates = content_signup_rates()
    assert rates[0] == pytest.approx(0.02) and np.all(np.diff(rates) > 0)
    # a large simulated experiment lands on the design rates, version by version
    readers = simulate_content_signups(200_000, surprise=0.7, seed=8)
    observed = readers.groupby("relevance")["signed_up"].mean().to_numpy()
    n = readers.groupby("relevance").size().to_numpy()
    design = content_signup_rates(surprise=0.7)
    assert np.all(np.abs(observed - design) < 4 * np.sqrt(design * (1 - design) / n))
    # and the per-reader probabilities average to the same rates
    means = readers.groupby("relevance")["signup_probability"].mean().to_numpy()
    assert means == pytest.approx(design, abs=5e-4)


@pytest.mark.parametrize("kwargs, name", [({"relevance": [1.2]}, "relevance"), ({"surprise": 3.0}, "surprise"),
                                          ({"heterogeneity": -0.1}, "heterogeneity"),
                                          ({"base_rate": 0.5, "ceiling": 0.3}, "ceiling")])
def test_content_signup_rates_reject_bad_parameters(kwargs, name):
    from reciprocity.simulate.gifts import content_signup_rates
    with pytest.raises(ValueError, match=name):
        content_signup_rates(**kwargs)
