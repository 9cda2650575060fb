"""The primer's power calculator (reciprocity.explorers.power) computes what the package computes.

The browser tests drive the calculator on the built book; here its Vega
expressions, evaluated in Python, are checked against
:func:`reciprocity.stats.sample_size` over the sliders' grid.
"""
from __future__ import annotations

import itertools
import math
import random

import pytest

from reciprocity import stats
from reciprocity.explorers.power import ALPHAS, power_at


def _sample_size_in_browser(base, treat, power, alpha, iterations=4):
    """The expressions of power.sample_size_exact, evaluated in Python."""
    from scipy.stats import norm
    h = abs(2 * math.asin(math.sqrt(treat)) - 2 * math.asin(math.sqrt(base)))
    crit = norm.ppf(1 - alpha / 2)
    n = 2 * ((crit + norm.ppf(power)) / h) ** 2
    for _ in range(iterations):
        n = 2 * ((crit + norm.ppf(power - norm.cdf(-h * math.sqrt(n / 2) - crit))) / h) ** 2
    return math.ceil(n - 1e-9)


def test_power_calculator_formula_matches_stats_sample_size_over_its_grid():
    rng = random.Random(11)
    grid = [(b / 100, t / 100, round(0.5 + 0.05 * k, 2), a)
            for b, t, k, a in itertools.product(range(1, 51), range(1, 61), range(10), ALPHAS) if b != t]
    for base, treat, power, alpha in [*rng.sample(grid, 600), (0.5, 0.51, 0.5, 0.1), (0.01, 0.6, 0.95, 0.01)]:
        assert _sample_size_in_browser(base, treat, power, alpha) == \
            stats.sample_size(base, treat, power=power, alpha=alpha), (base, treat, power, alpha)


def test_power_calculator_shows_the_power_at_50_per_arm():
    # the size of test that reaches 80% power has 80% power
    n = stats.sample_size(0.06, 0.26)
    assert power_at(n, 0.06, 0.26) == pytest.approx(0.8, abs=0.01)
    assert power_at(50, 0.06, 0.12) < 0.3
