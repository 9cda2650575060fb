"""Documented properties of the perceived-sacrifice model (reciprocity.simulate.sacrifice).

What every simulator must do (seeds, parameter checks, output) is in test_contract.py.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import fisher_exact

from reciprocity.simulate.sacrifice import (
    perceived_sacrifice,
    signup_probability,
    simulate_sacrifice_test,
)


@pytest.mark.parametrize("hours, credibility, half, expected", [
    (0, 1.0, 20, 0.0),
    (20, 1.0, 20, 0.5),
    (60, 0.5, 20, 0.375),       # 0.5 * 60 / 80
    (10, 0.8, 30, 0.2),         # 0.8 * 10 / 40
])
def test_perceived_sacrifice_matches_hand_computed_values(hours, credibility, half, expected):
    assert math.isclose(perceived_sacrifice(hours, credibility, half), expected)


def test_calibration_matches_content_test_effort_arm():
    # 0.04 * (1 + 0.4 * 0.7 * 50 / 70) = 0.04 * 1.2 = 0.048
    assert math.isclose(signup_probability(50, 0.7), 0.048)


def test_more_hours_more_signups_with_diminishing_returns():
    p = signup_probability(np.arange(0, 101, 10), 0.8)
    steps = np.diff(p)
    assert np.all(steps > 0)
    assert np.all(np.diff(steps) < 0)


def test_no_credibility_or_no_lift_means_no_effect():
    hours = np.array([0, 5, 50, 500])
    assert np.allclose(signup_probability(hours, 0.0), 0.04)
    assert np.allclose(signup_probability(hours, 1.0, max_relative_lift=0.0), 0.04)


def test_sacrifice_never_exceeds_credibility():
    assert perceived_sacrifice(1e6, 0.6) < 0.6


@pytest.mark.parametrize("call, match", [
    (lambda: perceived_sacrifice(-1), "hours"),
    (lambda: perceived_sacrifice(5, 1.5), "credibility"),
    (lambda: perceived_sacrifice(5, 0.5, 0), "half_saturation"),
    (lambda: signup_probability(5, 0.5, base_rate=1.2), "base_rate"),
    (lambda: signup_probability(5, 0.5, max_relative_lift=-1), "max_relative_lift"),
    (lambda: signup_probability(5, 1.0, base_rate=0.8, max_relative_lift=1.0), "exceed 1"),
])
def test_bad_model_parameters_raise(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_simulated_rates_follow_the_model():
    df = simulate_sacrifice_test(200_000, hours_levels=(0, 100), credibility=1.0,
                                 base_rate=0.1, max_relative_lift=0.5, seed=8)
    rates = df.groupby("hours_disclosed")["signed_up"].mean()
    assert abs(rates[0.0] - 0.1) < 0.005
    assert abs(rates[100.0] - signup_probability(100, 1.0, 0.1, 0.5)) < 0.005


def test_disclosure_raises_signups():
    df = simulate_sacrifice_test(60_000, hours_levels=(0, 100), credibility=1.0, base_rate=0.1, seed=2)
    t = df.groupby("hours_disclosed")["signed_up"].agg(["sum", "size"])
    table = [[t.loc[100.0, "sum"], t.loc[100.0, "size"] - t.loc[100.0, "sum"]],
             [t.loc[0.0, "sum"], t.loc[0.0, "size"] - t.loc[0.0, "sum"]]]
    assert fisher_exact(table, alternative="greater")[1] < 0.001


def test_zero_credibility_gives_no_difference_beyond_noise():
    df = simulate_sacrifice_test(20_000, hours_levels=(0, 100), credibility=0.0, base_rate=0.1, seed=5)
    table = pd.crosstab(df["hours_disclosed"], df["signed_up"]).to_numpy()
    assert fisher_exact(table)[1] > 0.01
