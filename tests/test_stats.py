"""reciprocity.stats against values computed independently from textbook formulas."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings, strategies as st
from scipy.stats import chi2, norm

from reciprocity import stats


def wilson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson (1927) score interval, written out by hand."""
    z = norm.ppf(1 - (1 - confidence) / 2)
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z / (1 + z * z / trials) * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials ** 2))
    return centre - half, centre + half


def fisher_two_sided(a: int, b: int, c: int, d: int) -> float:
    """Exact two-sided Fisher p by summing hypergeometric tables no likelier than the observed."""
    row1, col1, n = a + b, a + c, a + b + c + d

    def prob(x: int) -> float:
        return math.comb(col1, x) * math.comb(n - col1, row1 - x) / math.comb(n, row1)

    observed = prob(a)
    lo, hi = max(0, row1 + col1 - n), min(row1, col1)
    return min(1.0, sum(prob(x) for x in range(lo, hi + 1) if prob(x) <= observed * (1 + 1e-7)))


def test_wilson_interval_matches_formula():
    for s, n in [(13, 50), (3, 50), (0, 20), (20, 20), (56730, 191243)]:
        assert stats.proportion_ci(s, n) == pytest.approx(wilson(s, n), abs=1e-12)
    assert stats.proportion_ci(13, 50, confidence=0.9) == pytest.approx(wilson(13, 50, 0.9), abs=1e-12)


def test_photo_example_difference_lift_and_tests():
    result = stats.compare_proportions(3, 50, 13, 50)
    assert result.difference == pytest.approx(0.20)
    assert result.relative_lift == pytest.approx(13 / 3 - 1)
    # Newcombe's hybrid score interval (method 10), from the two Wilson intervals
    l1, u1 = wilson(3, 50)
    l2, u2 = wilson(13, 50)
    p1, p2 = 0.06, 0.26
    low = (p2 - p1) - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = (p2 - p1) + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    assert result.ci == pytest.approx((low, high), abs=1e-9)
    # pooled two-proportion z-test
    pooled = 16 / 100
    z = 0.20 / math.sqrt(pooled * (1 - pooled) * (1 / 50 + 1 / 50))
    assert result.p_value == pytest.approx(2 * norm.sf(z), rel=1e-9)
    assert result.fisher_p_value == pytest.approx(fisher_two_sided(13, 37, 3, 47), rel=1e-9)


def test_direction_is_b_minus_a():
    result = stats.compare_proportions(30, 100, 20, 100)
    assert result.difference == pytest.approx(-0.10)
    assert result.ci[1] < 0.05


def test_zero_control_rate_gives_infinite_lift_not_an_error():
    result = stats.compare_proportions(0, 40, 5, 40)
    assert math.isinf(result.relative_lift)
    assert 0 < result.fisher_p_value < 0.06


def test_identical_all_zero_arms_give_p_value_one():
    assert stats.compare_proportions(0, 10, 0, 10).p_value == 1.0


@pytest.mark.parametrize("p_control, p_treatment", [(0.06, 0.12), (0.06, 0.26), (0.297, 0.378), (0.5, 0.4)])
def test_sample_size_matches_arcsine_formula(p_control, p_treatment):
    h = abs(2 * math.asin(math.sqrt(p_treatment)) - 2 * math.asin(math.sqrt(p_control)))
    # each arcsine-transformed rate has variance 1/n, so their difference 2/n
    expected = math.ceil(2 * ((norm.ppf(0.975) + norm.ppf(0.8)) / h) ** 2)
    # statsmodels also counts the (tiny) far tail, so it may need at most one more
    assert stats.sample_size(p_control, p_treatment) in (expected, expected + 1)


def test_sample_size_grows_with_power_and_shrinking_effect():
    assert stats.sample_size(0.06, 0.12, power=0.9) > stats.sample_size(0.06, 0.12)
    assert stats.sample_size(0.06, 0.09) > stats.sample_size(0.06, 0.12)


def test_srm_matches_chi_square_by_hand():
    observed, shares = [5100, 4900], [0.5, 0.5]
    statistic = sum((o - 5000) ** 2 / 5000 for o in observed)
    assert stats.srm_test(observed, shares) == pytest.approx(chi2.sf(statistic, 1), rel=1e-12)


def test_srm_flags_a_broken_split():
    assert stats.srm_test([10_000, 9_000], [0.5, 0.5]) < 1e-6
    # GGL assigned 5/9 of households to control and 1/9 to each letter: no mismatch
    assert stats.srm_test([191243, 38218, 38204, 38218, 38201],
                          [5 / 9, 1 / 9, 1 / 9, 1 / 9, 1 / 9]) > 0.5


def test_holm_by_hand():
    raw = [0.01, 0.04, 0.03, 0.2]
    # sorted: 0.01*4=0.04, 0.03*3=0.09, 0.04*2=0.08 -> monotone 0.09, 0.2*1=0.2
    assert stats.holm(raw) == pytest.approx([0.04, 0.09, 0.09, 0.2])


def test_rate_table_orders_and_counts():
    import pandas as pd
    frame = pd.DataFrame({"arm": ["b", "a", "b", "a", "a"], "y": [1, 0, 1, 1, 0]})
    table = stats.rate_table(frame, "arm", "y", order=["b", "a"])
    assert table["arm"].tolist() == ["b", "a"]
    assert table["n"].tolist() == [2, 3]
    assert table["rate"].tolist() == pytest.approx([1.0, 1 / 3])


@pytest.mark.parametrize("call, message", [
    (lambda: stats.proportion_ci(11, 10), "successes .11. cannot exceed trials .10."),
    (lambda: stats.proportion_ci(-1, 10), "successes must not be negative"),
    (lambda: stats.proportion_ci(0, 0), "trials must be at least 1"),
    (lambda: stats.proportion_ci(2.5, 10), "successes must be a whole number"),
    (lambda: stats.proportion_ci(1, 10, confidence=95), "confidence must be a probability"),
    (lambda: stats.compare_proportions(3, 50, 51, 50), "successes_b .51. cannot exceed trials_b"),
    (lambda: stats.compare_proportions(3, 0, 1, 50), "trials_a must be at least 1"),
    (lambda: stats.sample_size(0.06, 1.2), "p_treatment must be a probability"),
    (lambda: stats.sample_size(0.0, 0.1), "p_control must be a probability"),
    (lambda: stats.sample_size(0.1, 0.1), "must differ"),
    (lambda: stats.sample_size(0.1, 0.2, power=1.0), "power must be a probability"),
    (lambda: stats.srm_test([10, 10], [0.6, 0.6]), "must sum to 1"),
    (lambda: stats.srm_test([10, 10, 10], [0.5, 0.5]), "has 2 entries but observed_counts has 3"),
    (lambda: stats.srm_test([10, -1], [0.5, 0.5]), r"observed_counts\[1\] must not be negative"),
    (lambda: stats.holm([0.2, 1.5]), "between 0 and 1"),
    (lambda: stats.holm([]), "must not be empty"),
])
def test_impossible_input_names_the_argument_and_rule(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_interval_is_inside_unit_range_and_contains_the_rate(pair):
    successes, trials = pair
    low, high = stats.proportion_ci(successes, trials)
    assert 0 <= low <= successes / trials <= high <= 1


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 400), st.integers(1, 400), st.data())
def test_difference_interval_contains_the_difference(trials_a, trials_b, draw):
    sa = draw.draw(st.integers(0, trials_a))
    sb = draw.draw(st.integers(0, trials_b))
    result = stats.compare_proportions(sa, trials_a, sb, trials_b)
    assert -1 <= result.ci[0] <= result.difference + 1e-12
    assert result.difference - 1e-12 <= result.ci[1] <= 1
    assert 0 <= result.p_value <= 1 and 0 <= result.fisher_p_value <= 1


def test_comparison_prints_points_and_readable_p_values():
    text = str(stats.compare_proportions(3000, 10000, 3800, 10000))
    assert "difference +8.0 percentage points (95% CI +6.7 to +9.3)" in text
    assert "z-test p < 0.0001" in text and "p = 0.0" not in text
    assert "np.float64" not in text
    assert "relative lift undefined" in str(stats.compare_proportions(0, 50, 13, 50))


# -- exact-test power and the ratio of two rates ----------------------------------


def fisher_power_by_brute_force(p_control: float, p_treatment: float, n_c: int, n_t: int,
                                alpha: float = 0.05) -> float:
    """Power of Fisher's test: scipy's own p-value for every possible table, weighted by its chance."""
    from scipy.stats import binom, fisher_exact

    return sum(binom.pmf(kc, n_c, p_control) * binom.pmf(kt, n_t, p_treatment)
               for kc in range(n_c + 1) for kt in range(n_t + 1)
               if fisher_exact([[kt, n_t - kt], [kc, n_c - kc]])[1] <= alpha)


@pytest.mark.parametrize("p_control, p_treatment, n_c, n_t, alpha", [
    (0.06, 0.26, 20, 20, 0.05), (0.1, 0.4, 17, 23, 0.05), (0.3, 0.3, 15, 15, 0.05),
    (0.2, 0.5, 12, 30, 0.01), (0.5, 0.2, 25, 25, 0.10),
])
def test_fisher_power_agrees_with_scipy_fisher_exact_table_by_table(p_control, p_treatment, n_c, n_t, alpha):
    expected = fisher_power_by_brute_force(p_control, p_treatment, n_c, n_t, alpha)
    n_treatment = None if n_t == n_c else n_t
    assert stats.fisher_power(p_control, p_treatment, n_c, alpha, n_treatment) == pytest.approx(expected, abs=1e-12)


def test_fisher_power_for_the_cold_email_test_is_below_the_z_tests():
    """With 50 per arm, Fisher's test has power of about 0.72 for 6% -> 26% and 0.09 for 6% -> 12%."""
    assert stats.fisher_power(0.06, 0.26, 50) == pytest.approx(0.722, abs=0.001)
    assert stats.fisher_power(0.06, 0.12, 50) == pytest.approx(0.086, abs=0.001)
    # the z-test's sample size gives the z-test 80% power, and Fisher's test less
    assert stats.fisher_power(0.06, 0.26, stats.sample_size(0.06, 0.26)) < 0.8


def test_fisher_power_is_at_most_alpha_without_an_effect_and_grows_with_n():
    assert stats.fisher_power(0.2, 0.2, 60) <= 0.05
    powers = [stats.fisher_power(0.1, 0.3, n) for n in (20, 40, 80, 160)]
    assert powers == sorted(powers) and powers[-1] > 0.9


def test_rate_ratio_ci_is_the_katz_log_interval():
    ratio, low, high = stats.rate_ratio_ci(3, 50, 13, 50)
    half = norm.ppf(0.975) * math.sqrt(1 / 3 - 1 / 50 + 1 / 13 - 1 / 50)
    assert ratio == pytest.approx(13 / 3)
    assert (low, high) == pytest.approx((ratio * math.exp(-half), ratio * math.exp(half)))


@pytest.mark.parametrize("call, message", [
    (lambda: stats.fisher_power(0.06, 0.26, 0), "at least 1"),
    (lambda: stats.fisher_power(0.06, 1.26, 50), "p_treatment must be a probability"),
    (lambda: stats.fisher_power(0.06, 0.26, 50, alpha=5), "alpha must be a probability"),
    (lambda: stats.rate_ratio_ci(0, 50, 13, 50), "at least one success"),
])
def test_new_helpers_name_the_argument_and_rule(call, message):
    with pytest.raises(ValueError, match=message):
        call()
