"""What every autograded test cell of the labs checks: the spec read by ``tools/lab_tests.py``.

One function per lab takes the namespace left by running the lab's model
solution (``ns``) and returns its test cells, in notebook order. Expected
values come from that namespace (the solution's own results) or are computed
here with the package and the libraries; none is typed by hand. Visible
checks test shape and sanity; exact values sit in the hidden block.

Where a question admits several valid methods (sample size, power, a
permutation p-value), every accepted method is computed below and the test
accepts the range they span plus a stated margin, in both directions:

* sample size per arm: Cohen's h (``NormalIndPower``), the normal formula with
  the unpooled variance, and with the variance pooled under the null; range
  of the three, widened by ``N_MARGIN`` (2%) each side.
* power of a two-sided two-sample z-test: Cohen's h, unpooled and pooled
  normal approximations, exact enumeration of the z-test's rejection region
  (pooled and unpooled z), and simulation with at least ``SIM_DRAWS``
  experiments; range of the exact and analytic values widened by ``MC_SE`` Monte
  Carlo standard errors of a ``SIM_DRAWS`` simulation.
* permutation p-value of a difference in rates: the exact permutation
  distribution (hypergeometric) with the two usual two-sided rules (twice the
  smaller tail, as ``scipy.stats.permutation_test`` does, or outcomes at
  least as far from zero) and Fisher's two-sided p; each widened by ``MC_SE`` of
  its own Monte Carlo standard errors at ``PERM_DRAWS`` shuffles (the doubled
  rule's error is twice a tail's, see ``permutation_standard_errors``) plus
  the ``1 / (draws + 1)`` correction; the range spans them all.
  ``tests/tools/test_lab_tolerances.py`` proves the ranges by sweeping seeds.

The module is also imported by ``tests/test_lab_*.py``.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (confint_proportions_2indep, proportion_confint,
                                          proportion_effectsize)

from lab_tests import TestCell, lit, near, within

N_MARGIN = 0.02      # relative margin around the sample sizes of the accepted methods
SIM_DRAWS = 10_000   # fewest simulated experiments the power question accepts
PERM_DRAWS = 9_999   # fewest shuffles the permutation questions accept
#: Lab 1's two-sided p (about 0.012) sits so close to its one-sided p (0.006) that
#: 9,999 shuffles cannot tell them apart; with 100 e-mails, 99,999 shuffles cost nothing.
OUTREACH_PERM_DRAWS = 99_999
MC_SE = 3.5          # Monte Carlo standard errors of slack: a normal estimate falls outside with chance 0.05%


# --------------------------------------------------------------------------- accepted methods
def _z(q: float) -> float:
    return float(stats.norm.ppf(q))


def sample_size_methods(p1: float, p2: float, power: float = 0.8, alpha: float = 0.05) -> dict:
    """Recipients per arm (unrounded) by each accepted method."""
    za, zb = _z(1 - alpha / 2), _z(power)
    var = p1 * (1 - p1) + p2 * (1 - p2)
    pbar = (p1 + p2) / 2
    h = abs(float(proportion_effectsize(p2, p1)))
    return {
        "cohen_h": float(NormalIndPower().solve_power(effect_size=h, alpha=alpha, power=power)),
        "unpooled": (za + zb) ** 2 * var / (p2 - p1) ** 2,
        "pooled": (za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(var)) ** 2 / (p2 - p1) ** 2,
    }


def sample_size_range(p1, p2, power=0.8, alpha=0.05) -> tuple[int, int]:
    values = sample_size_methods(p1, p2, power, alpha).values()
    return math.floor(min(values) * (1 - N_MARGIN)), math.ceil(max(values) * (1 + N_MARGIN))


def _exact_z_power(p1: float, p2: float, n: int, alpha: float, pooled: bool) -> float:
    k = np.arange(n + 1)
    f1, f2 = stats.binom.pmf(k, n, p1), stats.binom.pmf(k, n, p2)
    k1, k2 = np.meshgrid(k, k, indexing="ij")
    r1, r2 = k1 / n, k2 / n
    pbar = (k1 + k2) / (2 * n)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(2 * pbar * (1 - pbar) / n) if pooled else np.sqrt((r1 * (1 - r1) + r2 * (1 - r2)) / n)
        z = np.abs(r2 - r1) / se
    reject = np.nan_to_num(z, nan=0.0, posinf=np.inf) > _z(1 - alpha / 2)
    return float((np.outer(f1, f2) * reject).sum())


def power_methods(p1: float, p2: float, n: int = 50, alpha: float = 0.05) -> dict:
    """Power of the two-sided two-sample z-test for p1 vs p2 with n per arm, by each accepted method."""
    za = _z(1 - alpha / 2)
    d = abs(p2 - p1)
    se = math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / n)
    pbar = (p1 + p2) / 2
    se0 = math.sqrt(2 * pbar * (1 - pbar) / n)
    cdf = stats.norm.cdf
    h = abs(float(proportion_effectsize(p2, p1)))
    return {
        "cohen_h": float(NormalIndPower().power(h, nobs1=n, alpha=alpha)),
        "unpooled": float(cdf(d / se - za) + cdf(-d / se - za)),
        "pooled": float(cdf((d - za * se0) / se) + cdf((-d - za * se0) / se)),
        "exact_pooled_z": _exact_z_power(p1, p2, n, alpha, pooled=True),
        "exact_unpooled_z": _exact_z_power(p1, p2, n, alpha, pooled=False),
    }


def _se(p: float, draws: int) -> float:
    """Standard error of a proportion p estimated from ``draws`` independent draws."""
    return math.sqrt(max(p * (1 - p), 0.0) / draws)


def _mc(p: float, draws: int) -> float:
    return MC_SE * _se(p, draws)


def power_range(p1, p2, n=50, alpha=0.05) -> tuple[float, float]:
    values = power_methods(p1, p2, n, alpha).values()
    lo, hi = min(values), max(values)
    return (math.floor((lo - _mc(lo, SIM_DRAWS)) * 1e4) / 1e4,
            math.ceil((hi + _mc(hi, SIM_DRAWS)) * 1e4) / 1e4)


def _permutation_distribution(k1: int, n1: int, k2: int, n2: int):
    """Support, probabilities and differences in rates of the exact permutation distribution."""
    dist = stats.hypergeom(n1 + n2, k1 + k2, n1)  # successes landing in group 1 after a shuffle
    support = np.arange(max(0, k1 + k2 - n2), min(n1, k1 + k2) + 1)
    diffs = support / n1 - (k1 + k2 - support) / n2
    return dist, support, diffs


def permutation_methods(k1: int, n1: int, k2: int, n2: int) -> dict:
    """Exact two-sided p-values of a difference in rates k1/n1 - k2/n2, by each accepted rule."""
    dist, support, diffs = _permutation_distribution(k1, n1, k2, n2)
    observed = k1 / n1 - k2 / n2
    probs = dist.pmf(support)
    at_least = float(probs[np.abs(diffs) >= abs(observed) - 1e-12].sum())
    doubled = min(1.0, 2 * min(float(dist.cdf(k1)), float(dist.sf(k1 - 1))))
    fisher = float(stats.fisher_exact([[k1, n1 - k1], [k2, n2 - k2]]).pvalue)
    return {"twice_smaller_tail": doubled, "as_far_from_zero": min(1.0, at_least), "fisher": fisher}


def permutation_standard_errors(k1: int, n1: int, k2: int, n2: int, draws: int = PERM_DRAWS) -> dict:
    """Monte Carlo standard error of each rule's p-value estimated from ``draws`` shuffles.

    * as far from zero: the share of shuffles at least as extreme, a binomial
      proportion: sqrt(p (1 - p) / draws);
    * twice the smaller tail (scipy's two-sided rule): twice a binomial
      proportion q, the smaller one-sided tail: 2 sqrt(q (1 - q) / draws),
      about twice as wide as the first for the same p;
    * Fisher's exact test is not simulated: 0.
    """
    dist, _, _ = _permutation_distribution(k1, n1, k2, n2)
    exact = permutation_methods(k1, n1, k2, n2)
    tail = min(float(dist.cdf(k1)), float(dist.sf(k1 - 1)))
    return {"twice_smaller_tail": 2 * _se(tail, draws),
            "as_far_from_zero": _se(exact["as_far_from_zero"], draws),
            "fisher": 0.0}


def permutation_range(k1, n1, k2, n2, draws: int = PERM_DRAWS) -> tuple[float, float]:
    """Accepted p-values: each rule's exact value, widened by MC_SE of its own standard errors.

    The ``1 / (draws + 1)`` correction (counting the observed split among the
    shuffles) shifts a seeded estimate by at most that much, so it is added too.
    """
    exact = permutation_methods(k1, n1, k2, n2)
    errors = permutation_standard_errors(k1, n1, k2, n2, draws)
    slack = 1 / (draws + 1)
    lo = min(p - MC_SE * errors[rule] for rule, p in exact.items())
    hi = max(p + MC_SE * errors[rule] for rule, p in exact.items())
    return (max(0.0, math.floor((lo - slack) * 1e4) / 1e4),
            min(1.0, math.ceil((hi + slack) * 1e4) / 1e4))


def wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    low, high = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    return float(low), float(high)


def newcombe(k1, n1, k2, n2) -> tuple[float, float]:
    low, high = confint_proportions_2indep(k1, n1, k2, n2, method="newcomb", compare="diff")
    return float(low), float(high)


def wald_diff(k1, n1, k2, n2) -> tuple[float, float]:
    low, high = confint_proportions_2indep(k1, n1, k2, n2, method="wald", compare="diff")
    return float(low), float(high)


def _permutation_cell(grade_id, name, counts, what, after, insight, assesses,
                      draws: int = PERM_DRAWS) -> TestCell:
    low, high = permutation_range(*counts, draws=draws)
    return TestCell(
        grade_id, 2, f"{name}: a two-sided permutation p-value ({what}).",
        [f"assert 0 < _f({name}) <= 1, f\"{name} should be a p-value, got {{{name}}}\"",
         f"assert _f({name}) >= 1 / 100001, \"a permutation p-value is never 0: count the observed split too\""],
        [within(name, low, high,
                f"{name} = {{_f({name}):.4f}}; a seeded run with at least {draws:,} shuffles "
                f"lands between {low:.4f} and {high:.4f}. Two-sided, {what}?")],
        insight=insight, assesses=assesses, after=after,
        sampled=(("permutation", tuple(counts), (low, high), draws),))


# --------------------------------------------------------------------------- Lab 1: outreach
def outreach(ns: dict) -> list[TestCell]:
    power_ins = "Methods: power and sample size"
    n12, n26 = sample_size_range(0.06, 0.12), sample_size_range(0.06, 0.26)
    cases = [(0.1, 0.15, 0.8, 0.05), (0.2, 0.3, 0.9, 0.05), (0.05, 0.04, 0.8, 0.01)]
    n_cases = [(*c, *sample_size_range(*c)) for c in cases]
    pw12, pw26 = power_range(0.06, 0.12), power_range(0.06, 0.26)
    wilson_cases = [(3, 50, 0.95), (0, 20, 0.95), (7, 40, 0.99), (45, 60, 0.9), (120, 120, 0.95)]
    w13 = wilson(13, 50)
    photo, no_photo = ns["PHOTO"], ns["NO_PHOTO"]
    nc = newcombe(*photo, *no_photo)
    table = [[photo[0], photo[1] - photo[0]], [no_photo[0], no_photo[1] - no_photo[0]]]
    fisher_two = float(stats.fisher_exact(table).pvalue)
    fisher_one = float(stats.fisher_exact(table, alternative="greater").pvalue)
    b = ns["broockman"]
    by_out = b.groupby("treat_out")["responded"].agg(["size", "sum"])
    toy = {"region": ["west", "east", "east", "north", "west", "west", "east", "north"],
           "responded": [1, 0, 1, 0, 1, 1, 0, 0]}
    toy_rows = [(g, int(len(s)), int(s.sum()), *wilson(int(s.sum()), len(s)))
                for g, s in pd.DataFrame(toy).groupby("region")["responded"]]
    inter = b.assign(i=1 - b["treat_out"]).groupby("i")["responded"]
    rate1, rate0 = float(inter.mean()[1]), float(inter.mean()[0])
    ci1 = wilson(int(inter.sum()[1]), int(inter.size()[1]))
    gaps = b.groupby(["leg_black", "treat_out"])["responded"].mean().unstack()
    gap = (gaps[0] - gaps[1]).astype(float)
    return [
        TestCell("test_n_per_arm_visible", 1,
                 "n_per_arm returns a whole number of recipients per arm, and a smaller effect needs more people.",
                 ["n = n_per_arm(0.06, 0.12)",
                  'assert _f(n) == _f(int(n)), f"n_per_arm should return a whole number (rounded up), got {n}"',
                  'assert 100 <= int(n) <= 1000, f"6% -> 12% needs a few hundred recipients per arm, got {n}"',
                  'assert int(n_per_arm(0.06, 0.26)) < int(n), "a bigger effect (6% -> 26%) should need fewer recipients"'],
                 [within("n", *n12, f"n_per_arm(0.06, 0.12) = {{n}}; the accepted methods give {n12[0]} to {n12[1]}"),
                  within("n_per_arm(0.06, 0.26)", *n26,
                         f"n_per_arm(0.06, 0.26) should be between {n26[0]} and {n26[1]}")],
                 power_ins, "sample-size function (visible case)"),
        TestCell("test_n_per_arm_hidden", 2,
                 "n_per_arm works for other rates, powers and levels, including a decrease.",
                 ["n = n_per_arm(0.10, 0.15)",
                  'assert int(n) > 0, "n_per_arm should return a positive number of recipients"'],
                 [f"for p1, p2, pw, a, low, high in {lit(n_cases)}:",
                  "    got = _f(n_per_arm(p1, p2, power=pw, alpha=a))",
                  "    assert low <= got <= high, (",
                  '        f"n_per_arm({p1}, {p2}, power={pw}, alpha={a}) gave {got:.0f}; expected {low} to {high}. "',
                  '        "Did you use the power and alpha arguments rather than 0.8 and 0.05?")',
                  '    assert got == _f(int(got)), "round up to a whole number of recipients"'],
                 power_ins, "sample-size function on new rates, power and alpha"),
        TestCell("test_sample_sizes", 1, "The two sample sizes, per arm.",
                 ['assert _f(n_6_12) == _f(int(n_6_12)) and _f(n_6_26) == _f(int(n_6_26)), "sample sizes are whole numbers"',
                  'assert 0 < _f(n_6_26) < _f(n_6_12), "the larger effect (6% -> 26%) needs fewer recipients"'],
                 [within("n_6_12", *n12, f"n_6_12 = {{n_6_12}}: for 6% -> 12% expect {n12[0]} to {n12[1]} per arm"),
                  within("n_6_26", *n26, f"n_6_26 = {{n_6_26}}: for 6% -> 26% expect {n26[0]} to {n26[1]} per arm")],
                 power_ins, "sample sizes for the two effects"),
        TestCell("test_power_50", 2,
                 "Power of a 50-per-arm test: a probability, small for the modest effect, high for the large one.",
                 ['assert 0 <= _f(power_50_12) <= 1 and 0 <= _f(power_50_26) <= 1, "power is a probability between 0 and 1"',
                  'assert _f(power_50_12) < _f(power_50_26), "the larger effect should be easier to detect"'],
                 [within("power_50_12", *pw12,
                         f"power_50_12 = {{_f(power_50_12):.3f}}; accepted methods give {pw12[0]:.3f} to {pw12[1]:.3f} "
                         "(two-sided z-test, alpha = 0.05, 50 per arm)"),
                  within("power_50_26", *pw26,
                         f"power_50_26 = {{_f(power_50_26):.3f}}; accepted methods give {pw26[0]:.3f} to {pw26[1]:.3f} "
                         "(two-sided z-test, alpha = 0.05, 50 per arm)")],
                 power_ins, "power of the practitioner's 50-per-arm test",
                 sampled=(("power", (0.06, 0.12), pw12, SIM_DRAWS), ("power", (0.06, 0.26), pw26, SIM_DRAWS))),
        TestCell("test_wilson_visible", 1,
                 "The interval for 13/50 brackets the observed 26% and is a (low, high) pair.",
                 ["low, high = wilson_interval(13, 50)",
                  'assert 0 <= _f(low) < 0.26 < _f(high) <= 1, f"the interval ({low}, {high}) should contain the observed rate 0.26"'],
                 [near("low", w13[0], 1e-4, f"wilson_interval(13, 50) gave a low end of {{_f(low):.4f}}; expected {w13[0]:.4f}"),
                  near("high", w13[1], 1e-4, f"wilson_interval(13, 50) gave a high end of {{_f(high):.4f}}; expected {w13[1]:.4f}")],
                 "Methods: intervals for small samples", "Wilson interval (visible case)"),
        TestCell("test_wilson_hidden", 3,
                 "The function works for other counts and confidence levels, including 0 and 100%.",
                 ["low, high = wilson_interval(3, 50)",
                  'assert 0 <= _f(low) < 0.06 < _f(high) <= 1, "the interval for 3/50 should contain 6% and stay within [0, 1]"'],
                 [f"for k, n, conf, e_low, e_high in {lit([(*c, *wilson(*c)) for c in wilson_cases])}:",
                  "    low, high = wilson_interval(k, n, conf)",
                  "    assert -1e-4 <= _f(low) - e_low <= 1e-4 and -1e-4 <= _f(high) - e_high <= 1e-4, (",
                  '        f"wilson_interval({k}, {n}, {conf}) gave ({_f(low):.4f}, {_f(high):.4f}); "',
                  '        f"expected ({e_low:.4f}, {e_high:.4f}). Does your z use the confidence argument?")'],
                 "Methods: intervals for small samples", "Wilson interval on new counts and levels"),
        TestCell("test_rates", 1, "The two rates and their difference, as fractions (0.06, not 6).",
                 ['assert 0 <= _f(rate_no_photo) <= 1 and 0 <= _f(rate_photo) <= 1, "rates are replies / e-mails, as fractions"',
                  'assert -1e-9 <= _f(difference) - (_f(rate_photo) - _f(rate_no_photo)) <= 1e-9, "difference is photo minus no photo"'],
                 [near("rate_no_photo", no_photo[0] / no_photo[1], 1e-9, "rate_no_photo should be replies / e-mails without a photo"),
                  near("rate_photo", photo[0] / photo[1], 1e-9, "rate_photo should be replies / e-mails with a photo"),
                  near("difference", photo[0] / photo[1] - no_photo[0] / no_photo[1], 1e-9,
                       "difference is photo minus no photo, as a fraction")],
                 "9. Show your face", "reply rates and their difference"),
        TestCell("test_newcombe", 2, "The Newcombe interval is a (low, high) pair around the difference.",
                 ["low, high = newcombe_ci",
                  'assert _f(low) < _f(difference) < _f(high), "the interval should contain the observed difference"'],
                 [f"assert -1e-3 <= _f(low) - {lit(nc[0])} <= 1e-3 and -1e-3 <= _f(high) - {lit(nc[1])} <= 1e-3, (",
                  f'    f"newcombe_ci = ({{_f(low):.4f}}, {{_f(high):.4f}}); expected about ({nc[0]:.4f}, {nc[1]:.4f}). "',
                  "    \"Check the order: photo minus no photo, method='newcomb'.\")"],
                 "Methods: intervals for small samples", "Newcombe interval for a difference"),
        TestCell("test_fisher", 2, "A p-value is a probability.",
                 ['assert 0 < _f(fisher_p) < 1, "fisher_p should be a probability"'],
                 [f"assert not (-1e-4 <= _f(fisher_p) - {lit(fisher_one)} <= 1e-4), (",
                  '    "that is the one-sided p-value; the question asks for the two-sided test")',
                  near("fisher_p", fisher_two, 1e-4, f"fisher_p = {{_f(fisher_p):.4f}}; expected about {fisher_two:.4f} (two-sided)")],
                 "Methods: exact tests", "Fisher's exact test, two-sided"),
        _permutation_cell("test_permutation", "perm_p", (*photo, *no_photo), "photo minus no photo",
                          "perm_answer", "Methods: permutation tests",
                          "permutation test of a difference in reply rates", draws=OUTREACH_PERM_DRAWS),
        TestCell("test_reply_table_shape", 1,
                 "One row per group, the five columns in order, rates between the interval bounds.",
                 ['t = reply_table(broockman, "treat_out")',
                  'assert list(t.columns) == ["n", "replies", "rate", "ci_low", "ci_high"], f"columns should be n, replies, rate, ci_low, ci_high; got {list(t.columns)}"',
                  'assert [int(v) for v in t.index] == [0, 1], f"index should be the values of the grouping column, sorted; got {list(t.index)}"',
                  'assert int(t["n"].sum()) == len(broockman), "every legislator belongs to exactly one row"',
                  'assert all(_f(lo) <= _f(r) <= _f(hi) for lo, r, hi in zip(t["ci_low"], t["rate"], t["ci_high"])), "each rate lies inside its interval"'],
                 [f"for value, n, k in {lit([(int(v), int(r['size']), int(r['sum'])) for v, r in by_out.iterrows()])}:",
                  '    assert int(t.loc[value, "n"]) == n and int(t.loc[value, "replies"]) == k, f"counts for treat_out = {value} are wrong"'],
                 "12. Signal the long run (interdependence)", "reply table: structure"),
        TestCell("test_reply_table_hidden", 3,
                 "reply_table works on any frame with a `responded` column and any grouping column.",
                 [],
                 [f"toy = pd.DataFrame({lit(toy)})",
                  't = reply_table(toy, "region")',
                  f"assert [str(v) for v in t.index] == {lit([r[0] for r in toy_rows])}, f\"rows should be the groups in sorted order, got {{list(t.index)}}\"",
                  f"for g, n, k, e_low, e_high in {lit(toy_rows)}:",
                  '    assert int(t.loc[g, "n"]) == n and int(t.loc[g, "replies"]) == k, f"counts for {g!r} are wrong"',
                  '    assert -1e-9 <= _f(t.loc[g, "rate"]) - k / n <= 1e-9, f"rate for {g!r} should be {k}/{n}"',
                  '    assert -1e-4 <= _f(t.loc[g, "ci_low"]) - e_low <= 1e-4 and -1e-4 <= _f(t.loc[g, "ci_high"]) - e_high <= 1e-4, (',
                  '        f"the Wilson interval for {g!r} ({k}/{n}) should be about ({e_low:.3f}, {e_high:.3f})")'],
                 "12. Signal the long run (interdependence)", "reply table on unseen data"),
        TestCell("test_interdependence", 2,
                 "With interdependence (1) legislators reply far more often than without (0).",
                 ["t = by_interdependence",
                  'assert [int(v) for v in t.index] == [0, 1], "index should be interdependent = 0, 1"',
                  'assert _f(t.loc[1, "rate"]) > _f(t.loc[0, "rate"]), "constituents (interdependent = 1) should get more replies"'],
                 [f'assert -1e-6 <= _f(t.loc[1, "rate"]) - {lit(rate1)} <= 1e-6 and -1e-6 <= _f(t.loc[0, "rate"]) - {lit(rate0)} <= 1e-6, (',
                  '    "rates should use every legislator; is interdependent = 1 - treat_out?")',
                  f'assert -1e-4 <= _f(t.loc[1, "ci_low"]) - {lit(ci1[0])} <= 1e-4 and -1e-4 <= _f(t.loc[1, "ci_high"]) - {lit(ci1[1])} <= 1e-4, "95% Wilson interval for the interdependent group"'],
                 "12. Signal the long run (interdependence)", "reply rates with and without interdependence"),
        TestCell("test_gap_by_group", 2, "The interdependence gap for each group of legislators.",
                 ['assert [int(v) for v in gap_by_group.index] == [0, 1], "gap_by_group should be indexed by leg_black (0, 1)"',
                  'assert _f(gap_by_group.loc[0]) > 0 and _f(gap_by_group.loc[1]) > 0, "both groups answer constituents more often"'],
                 [near("gap_by_group.loc[0]", gap[0], 1e-6, f"gap for non-Black legislators should be about {gap[0]:.3f}"),
                  near("gap_by_group.loc[1]", gap[1], 1e-6, f"gap for Black legislators should be about {gap[1]:.3f}")],
                 "12. Signal the long run (interdependence)", "interdependence gap by legislator group"),
    ]


# --------------------------------------------------------------------------- Lab 2: content
def content(ns: dict) -> list[TestCell]:
    srm_cases = [({"a": 60, "b": 40}, {"a": 0.5, "b": 0.5}), ({"a": 60, "b": 40}, {"a": 0.6, "b": 0.4}),
                 ({"a": 50, "b": 20, "c": 30}, {"a": 0.5, "b": 0.25, "c": 0.25}),
                 ({"a": 90}, {"a": 0.5, "b": 0.5})]

    def srm(counts, shares):
        observed = np.array([counts.get(a, 0) for a in shares], dtype=float)
        return float(stats.chisquare(observed, np.array(list(shares.values())) * observed.sum()).pvalue)

    holm_cases = [[0.2, 0.001, 0.04, 0.012], [0.5, 0.5], [0.001], [0.03, 0.02, 0.9, 0.01, 0.04], [0.4, 0.6, 0.7]]
    holm = lambda ps: [float(v) for v in multipletests(ps, method="holm")[1]]  # noqa: E731
    arm_table, comparisons = ns["arm_table"], ns["comparisons"]
    arms = {a: (int(r["n"]), int(r["signups"]), *wilson(int(r["signups"]), int(r["n"])))
            for a, r in arm_table.iterrows()}
    comp = {a: (float(r["difference"]), float(r["p_value"]), float(r["p_holm"])) for a, r in comparisons.iterrows()}
    effort, plain = arms["effort"], arms["plain"]
    best = ns["best_arm"]
    lift = arm_table.loc[best, "rate"] / arm_table.loc["plain", "rate"] - 1
    best_ci = newcombe(arms[best][1], arms[best][0], plain[1], plain[0])
    ggl = ns["ggl"]
    counts = ggl.groupby("treatment")["voted"].agg(["size", "sum"])
    order = ["Control", "Civic Duty", "Hawthorne", "Self", "Neighbors"]
    turnout = [(a, float(counts.loc[a, "sum"] / counts.loc[a, "size"])) for a in order]
    nb_args = (int(counts.loc["Neighbors", "sum"]), int(counts.loc["Neighbors", "size"]),
               int(counts.loc["Control", "sum"]), int(counts.loc["Control", "size"]))
    ci_methods = [newcombe(*nb_args), wald_diff(*nb_args)]
    lo_range = (min(c[0] for c in ci_methods) - 2e-4, max(c[0] for c in ci_methods) + 2e-4)
    hi_range = (min(c[1] for c in ci_methods) - 2e-4, max(c[1] for c in ci_methods) + 2e-4)
    srm1 = float(ns["srm_week1"])
    return [
        TestCell("test_srm_visible", 1, "Week 1: the p-value of the arm counts against an equal split.",
                 ["p = srm_pvalue(visits, PLANNED_SHARES)",
                  'assert 0 <= _f(p) <= 1, f"srm_pvalue should return a p-value, got {p}"'],
                 [near("p", srm1, 1e-6, f"for week 1 expect p = {srm1:.4f}, got {{_f(p):.4g}}; compare the counts per arm with share * total visitors")],
                 "Methods: sample-ratio mismatch", "SRM check (visible case)"),
        TestCell("test_srm_hidden", 2,
                 "srm_pvalue works for any arms and planned shares, including an arm with no rows.",
                 [],
                 [f"for counts, shares, expected in {lit([(c, s, srm(c, s)) for c, s in srm_cases])}:",
                  '    frame = pd.DataFrame({"arm": [arm for arm, k in counts.items() for _ in range(k)]})',
                  "    got = _f(srm_pvalue(frame, shares))",
                  "    assert -1e-6 <= got - expected <= 1e-6, (",
                  '        f"counts {counts} against shares {shares}: expected p = {expected:.4g}, got {got:.4g}. "',
                  '        "Expected counts are share * total; arms missing from the data count as 0.")'],
                 "Methods: sample-ratio mismatch", "SRM check on unseen splits"),
        TestCell("test_srm_weeks", 2,
                 "Week 1 passes the check; week 2 has a mismatch and must not be analysed as it is.",
                 ['assert 0 <= _f(srm_week1) <= 1 and 0 <= _f(srm_week2) <= 1, "both are p-values"',
                  'assert str(trust_week2) in ("True", "False"), "trust_week2 should be True or False"'],
                 [near("srm_week1", srm1, 1e-6, "srm_week1 should be srm_pvalue(visits, PLANNED_SHARES)"),
                  'assert _f(srm_week2) < 0.001, "srm_week2 should be srm_pvalue(visits_week2, PLANNED_SHARES); look at the arm counts"',
                  'assert (trust_week2 is False) or (str(trust_week2) == "False"), "week 2 fails the SRM check: trust_week2 should be False"'],
                 "Methods: sample-ratio mismatch", "trusting or setting aside a week"),
        TestCell("test_arm_table_shape", 1,
                 "One row per arm in the planned order, five columns, every visitor counted once.",
                 ['assert list(arm_table.index) == ARMS, f"index should be {ARMS}, got {list(arm_table.index)}"',
                  'assert list(arm_table.columns) == ["n", "signups", "rate", "ci_low", "ci_high"], f"columns should be n, signups, rate, ci_low, ci_high; got {list(arm_table.columns)}"',
                  'assert int(arm_table["n"].sum()) == len(visits), "each visitor belongs to exactly one arm"'],
                 [], "Methods: rates with intervals", "arm table: structure"),
        TestCell("test_arm_table_values", 2, "Counts, rates and Wilson intervals per arm.",
                 ['assert all(_f(lo) < _f(r) < _f(hi) for lo, r, hi in zip(arm_table["ci_low"], arm_table["rate"], arm_table["ci_high"])), "each rate lies inside its interval"'],
                 [f"for arm, (n, k, e_low, e_high) in {lit(arms)}.items():",
                  '    assert int(arm_table.loc[arm, "n"]) == n and int(arm_table.loc[arm, "signups"]) == k, f"counts for {arm} are wrong"',
                  '    assert -1e-9 <= _f(arm_table.loc[arm, "rate"]) - k / n <= 1e-9, f"rate for {arm} should be signups / n"',
                  '    assert -1e-5 <= _f(arm_table.loc[arm, "ci_low"]) - e_low <= 1e-5 and -1e-5 <= _f(arm_table.loc[arm, "ci_high"]) - e_high <= 1e-5, (',
                  '        f"the interval for {arm} should be the 95% Wilson interval, about ({e_low:.4f}, {e_high:.4f})")'],
                 "Methods: rates with intervals", "sign-up rates and Wilson intervals"),
        TestCell("test_holm_visible", 1, "The textbook example: 0.01, 0.04, 0.03.",
                 ["got = holm_adjust([0.01, 0.04, 0.03])",
                  'assert len(got) == 3, "return one adjusted p-value per input"',
                  'assert all(p - 1e-12 <= _f(g) <= 1 for g, p in zip(got, [0.01, 0.04, 0.03])), "adjusted p-values lie between the raw value and 1"'],
                 [f"for g, e in zip(got, {lit(holm([0.01, 0.04, 0.03]))}):",
                  f'    assert -1e-9 <= _f(g) - e <= 1e-9, f"holm_adjust([0.01, 0.04, 0.03]) gave {{[_f(v) for v in got]}}; expected {holm([0.01, 0.04, 0.03])}"'],
                 "Methods: multiple comparisons", "Holm adjustment (visible case)"),
        TestCell("test_holm_hidden", 2,
                 "Holm on unseen p-values: input order kept, monotone in the sorted order, capped at 1.",
                 [],
                 [f"for ps, expected in {lit([(ps, holm(ps)) for ps in holm_cases])}:",
                  "    got = holm_adjust(list(ps))",
                  '    assert len(got) == len(expected), f"holm_adjust({ps}) should return {len(expected)} values"',
                  "    for g, e in zip(got, expected):",
                  '        assert -1e-9 <= _f(g) - e <= 1e-9, f"holm_adjust({ps}) gave {[_f(v) for v in got]}; expected {expected}"'],
                 "Methods: multiple comparisons", "Holm adjustment on unseen p-values"),
        TestCell("test_comparisons_shape", 1,
                 "One row per treatment arm, three columns, Holm never below the raw p-value.",
                 ['assert list(comparisons.index) == ["face", "effort", "incentive"], f"index should be face, effort, incentive; got {list(comparisons.index)}"',
                  'assert list(comparisons.columns) == ["difference", "p_value", "p_holm"], f"columns should be difference, p_value, p_holm; got {list(comparisons.columns)}"',
                  'assert all(_f(h) >= _f(p) - 1e-12 for p, h in zip(comparisons["p_value"], comparisons["p_holm"])), "an adjusted p-value is never smaller than the raw one"'],
                 [], "Methods: multiple comparisons", "comparisons table: structure"),
        TestCell("test_comparisons_values", 2,
                 "Differences, z-test p-values, Holm p-values and the arms that survive the correction.",
                 ['assert all(str(a) in ARMS for a in significant), "significant lists arm names"'],
                 [f"for arm, (diff, p, h) in {lit(comp)}.items():",
                  '    assert -1e-9 <= _f(comparisons.loc[arm, "difference"]) - diff <= 1e-9, f"difference for {arm} should be its rate minus the plain rate"',
                  '    assert -1e-6 <= _f(comparisons.loc[arm, "p_value"]) - p <= 1e-6, f"p_value for {arm} should be the two-sided pooled z-test (about {p:.4f})"',
                  '    assert -1e-6 <= _f(comparisons.loc[arm, "p_holm"]) - h <= 1e-6, f"p_holm for {arm} should be about {h:.4f}"',
                  f'assert [str(a) for a in significant] == {lit([str(a) for a in ns["significant"]])}, f"only arms with p_holm < 0.05 count; got {{significant}}"'],
                 "13. Show the sacrifice / 14. Add incentives", "each arm against control, with Holm"),
        _permutation_cell("test_effort_permutation", "effort_perm_p",
                          (effort[1], effort[0], plain[1], plain[0]), "effort minus plain",
                          "effort_perm_answer", "Methods: permutation tests",
                          "permutation test of the effort banner against plain"),
        TestCell("test_best_arm", 2, "The winner, its relative lift and the interval for its difference.",
                 ['assert str(best_arm) in ARMS[1:], f"best_arm should be one of the treatment arms, got {best_arm}"',
                  'assert _f(best_lift) > 0, "best_lift is rate / plain rate - 1, a positive fraction here"'],
                 [f'assert str(best_arm) == {lit(str(best))}, f"best_arm should be the significant arm with the highest rate, got {{best_arm}}"',
                  near("best_lift", lift, 1e-6, f"best_lift should be about {lift:.3f} (relative, not in percentage points)"),
                  "low, high = best_diff_ci",
                  f"assert -1e-4 <= _f(low) - {lit(best_ci[0])} <= 1e-4 and -1e-4 <= _f(high) - {lit(best_ci[1])} <= 1e-4, (",
                  f'    "best_diff_ci should be the Newcombe interval for {best} minus plain, about ({best_ci[0]:.4f}, {best_ci[1]:.4f})")'],
                 "14. Add incentives", "best arm, relative lift and interval"),
        TestCell("test_turnout", 1, "Turnout per arm, in order, as fractions.",
                 [f'assert [str(a) for a in turnout.index] == {lit(order)}, f"index order is wrong: {{list(turnout.index)}}"',
                  'assert all(0 <= _f(v) <= 1 for v in turnout), "turnout is a share of voters, between 0 and 1"'],
                 [f"for arm, expected in {lit(turnout)}:",
                  '    assert -1e-6 <= _f(turnout.loc[arm]) - expected <= 1e-6, f"turnout for {arm} should be about {expected:.3f}"'],
                 "11. Make contributions visible (social pressure)", "GGL turnout by arm"),
        TestCell("test_neighbors_lift", 2, "The Neighbors lift over Control and its 95% interval.",
                 ["low, high = neighbors_ci",
                  'assert _f(low) < _f(neighbors_lift) < _f(high), "the interval should contain the lift"'],
                 [near("neighbors_lift", dict(turnout)["Neighbors"] - dict(turnout)["Control"], 1e-6,
                       "neighbors_lift should be Neighbors minus Control, as a fraction"),
                  f"assert {lit(lo_range[0])} <= _f(low) <= {lit(lo_range[1])} and {lit(hi_range[0])} <= _f(high) <= {lit(hi_range[1])}, (",
                  f'    "neighbors_ci should be the 95% Newcombe or Wald interval, about ({ci_methods[0][0]:.4f}, {ci_methods[0][1]:.4f})")'],
                 "11. Make contributions visible (social pressure)", "Neighbors lift and interval"),
    ]


# --------------------------------------------------------------------------- Lab 3: trials
def trials(ns: dict) -> list[TestCell]:
    toy_rows = [(1, "A", "signed_up", None, 0.0), (1, "A", "step_completed", "integration", 2.5),
                (1, "A", "first_value", None, 2.5), (1, "A", "step_completed", "mockup", 9.0),
                (1, "A", "support_ticket", None, 4.0), (1, "A", "support_ticket", None, 11.0),
                (1, "A", "trial_ended", None, 30.0), (1, "A", "paid", None, 30.0),
                (1, "A", "churned", None, 41.0), (3, "B", "signed_up", None, 0.0),
                (3, "B", "trial_ended", None, 7.0), (2, "B", "signed_up", None, 0.0),
                (2, "B", "step_completed", "integration", 1.0), (2, "B", "first_value", None, 1.0),
                (2, "B", "trial_ended", None, 9.0), (2, "B", "paid", None, 9.0)]
    toy = pd.DataFrame(toy_rows, columns=["user_id", "policy", "event", "step", "day"])
    toy_table = ns["user_table"](toy)
    toy_expected = {int(uid): (str(r["policy"]), int(r["steps"]), int(r["paid"]),
                               None if pd.isna(r["first_value_day"]) else float(r["first_value_day"]),
                               int(r["tickets"]), int(r["churned"]))
                    for uid, r in toy_table.iterrows()}
    users, funnel, conversion = ns["users"], ns["funnel"], ns["conversion"]
    fun = {p: [float(v) for v in funnel[p]] for p in ["A", "B"]}
    conv = {p: (int(r["n"]), int(r["paid"]), *wilson(int(r["paid"]), int(r["n"]))) for p, r in conversion.iterrows()}
    lift = conv["B"][1] / conv["B"][0] / (conv["A"][1] / conv["A"][0])
    dci = newcombe(conv["B"][1], conv["B"][0], conv["A"][1], conv["A"][0])
    b_steps = users[(users["policy"] == "B") & (users["steps"] >= 1)]
    pp_rate = float(b_steps["paid"].mean())
    pp_lift = pp_rate / float(users.loc[users["policy"] == "A", "paid"].mean())
    first = {p: [float(ns["fv_by_day"].loc[d, p]) for d in (1, 3, 7, 14)] for p in ["A", "B"]}
    guard = {p: (float(ns["tickets_per_user"][p]), float(ns["churn_among_payers"][p])) for p in ["A", "B"]}
    payers = users[users["paid"] == 1]
    churn = {p: (int(payers.loc[payers["policy"] == p, "churned"].sum()), int((payers["policy"] == p).sum()))
             for p in ["A", "B"]}
    by_steps = {p: [float(v) for v in ns["by_steps"][p]] for p in ["A", "B"]}
    return [
        TestCell("test_user_table_shape", 1, "One row per user, the six columns in order.",
                 ['assert users.shape == (log["user_id"].nunique(), 6), f"users should have one row per user and 6 columns, got {users.shape}"',
                  'assert list(users.columns) == ["policy", "steps", "paid", "first_value_day", "tickets", "churned"], f"columns are {list(users.columns)}"',
                  'assert list(users.index) == sorted(users.index), "index should be user_id, sorted"'],
                 [], "Methods: from events to users", "user table: structure"),
        TestCell("test_user_table_hidden", 3,
                 "user_table on a small log you have not seen: unsorted users, a user with no steps, no churn for most.",
                 [],
                 [f"toy = pd.DataFrame({lit(toy_rows)},",
                  '                   columns=["user_id", "policy", "event", "step", "day"])',
                  "t = user_table(toy)",
                  f'assert [int(v) for v in t.index] == {lit(sorted(toy_expected))}, f"index should be the sorted user ids, got {{list(t.index)}}"',
                  f"for uid, (pol, steps, paid, fv, tickets, churned) in {lit(toy_expected)}.items():",
                  "    row = t.loc[uid]",
                  '    assert str(row["policy"]) == pol, f"user {uid}: policy should be {pol}"',
                  '    assert int(row["steps"]) == steps and int(row["paid"]) == paid, f"user {uid}: steps {steps}, paid {paid} expected"',
                  '    assert int(row["tickets"]) == tickets and int(row["churned"]) == churned, f"user {uid}: tickets {tickets}, churned {churned} expected"',
                  '    day = _f(row["first_value_day"])',
                  "    if fv is None:",
                  '        assert day != day, f"user {uid} never reached first value: first_value_day should be NaN"',
                  "    else:",
                  '        assert -1e-9 <= day - fv <= 1e-9, f"user {uid}: first_value_day should be {fv}"'],
                 "Methods: from events to users", "user table on an unseen log"),
        TestCell("test_funnel_shape", 1, "Six stages, two policies, shares that never rise along the onboarding steps.",
                 ['assert list(funnel.index) == ["signed_up"] + STEPS + ["paid"], f"index should be the six stages, got {list(funnel.index)}"',
                  'assert [str(c) for c in funnel.columns] == ["A", "B"], f"columns should be A and B, got {list(funnel.columns)}"',
                  'for policy in ["A", "B"]:',
                  "    shares = [_f(v) for v in funnel[policy].iloc[:5]]",
                  '    assert shares[0] == 1.0 and all(a >= b for a, b in zip(shares, shares[1:])), f"the funnel for {policy} should start at 1 and never rise across steps"'],
                 [], "14. Add incentives (earned trial days)", "funnel: structure"),
        TestCell("test_funnel_values", 2, "The shares themselves.",
                 [],
                 [f"for policy, expected in {lit(fun)}.items():",
                  '    for stage, e in zip(["signed_up"] + STEPS + ["paid"], expected):',
                  "        assert -1e-6 <= _f(funnel.loc[stage, policy]) - e <= 1e-6, (",
                  "            f\"funnel[{stage!r}, {policy!r}] should be about {e:.4f} (share of the policy's users)\")"],
                 "14. Add incentives (earned trial days)", "funnel shares"),
        TestCell("test_conversion", 2, "Conversion per policy, by assigned policy, with Wilson intervals.",
                 ['assert [str(i) for i in conversion.index] == ["A", "B"], "index should be A, B"',
                  'assert list(conversion.columns) == ["n", "paid", "rate", "ci_low", "ci_high"], f"columns are {list(conversion.columns)}"',
                  'assert int(conversion["n"].sum()) == len(users), "every assigned user counts, in the arm they were assigned to"',
                  'assert all(_f(lo) < _f(r) < _f(hi) for lo, r, hi in zip(conversion["ci_low"], conversion["rate"], conversion["ci_high"])), "each rate lies inside its interval"'],
                 [f"for policy, (n, k, lo, hi) in {lit(conv)}.items():",
                  '    assert int(conversion.loc[policy, "n"]) == n and int(conversion.loc[policy, "paid"]) == k, f"counts for policy {policy} are wrong: every assigned user counts"',
                  '    assert -1e-5 <= _f(conversion.loc[policy, "ci_low"]) - lo <= 1e-5 and -1e-5 <= _f(conversion.loc[policy, "ci_high"]) - hi <= 1e-5, f"the interval for {policy} should be the 95% Wilson interval"'],
                 "14. Add incentives (earned trial days)", "trial-to-paid conversion by assigned policy"),
        TestCell("test_lift", 2, "B's lift as a ratio, and the interval for the difference.",
                 ['assert _f(lift) > 1, "lift is B\'s rate divided by A\'s; B converts more here"',
                  "low, high = diff_ci",
                  'assert _f(low) < _f(high), "diff_ci is a (low, high) pair"'],
                 [near("lift", lift, 1e-6, f"lift should be about {lift:.3f} (a ratio, not a difference)"),
                  f"assert -1e-4 <= _f(low) - {lit(dci[0])} <= 1e-4 and -1e-4 <= _f(high) - {lit(dci[1])} <= 1e-4, f\"diff_ci should be the Newcombe interval for B - A, about ({dci[0]:.4f}, {dci[1]:.4f})\""],
                 "14. Add incentives (earned trial days)", "lift and interval for the difference"),
        TestCell("test_itt", 2,
                 "The per-protocol shortcut, and which lift to report.",
                 ['assert 0 <= _f(per_protocol_rate_b) <= 1 and _f(per_protocol_lift) > 0, "a rate between 0 and 1 and a positive ratio"',
                  'assert str(itt_choice).strip().lower() in {"itt", "per_protocol"}, "itt_choice should be \\"itt\\" or \\"per_protocol\\""'],
                 [near("per_protocol_rate_b", pp_rate, 1e-6, f"per_protocol_rate_b should be about {pp_rate:.4f}: B users with at least one step"),
                  near("per_protocol_lift", pp_lift, 1e-6, f"per_protocol_lift should be about {pp_lift:.3f}: divide by A's rate over all A users"),
                  'assert str(itt_choice).strip().lower() == "itt", "not quite: which comparison keeps the groups that randomisation made alike?"'],
                 "Methods: intention to treat", "intention to treat against per protocol", after="itt_answer"),
        TestCell("test_first_value", 2,
                 "Time to first value by intention to treat: shares of everyone assigned, by day.",
                 ['assert [int(i) for i in fv_by_day.index] == [1, 3, 7, 14] and [str(c) for c in fv_by_day.columns] == ["A", "B"], "fv_by_day: index [1, 3, 7, 14], columns A then B"',
                  'assert [str(i) for i in fv_within_7.index] == ["A", "B"], "index fv_within_7 by policy, A then B"',
                  'assert all(0 <= _f(v) <= 1 for v in fv_by_day.to_numpy().ravel()), "fv_by_day holds shares of users, between 0 and 1"',
                  'assert all(_f(fv_by_day[p].iloc[k]) <= _f(fv_by_day[p].iloc[k + 1]) for p in ["A", "B"] for k in range(3)), "a share by day k can only grow with k"'],
                 [f"for policy, shares in {lit(first)}.items():",
                  '    for day, share in zip([1, 3, 7, 14], shares):',
                  '        assert -1e-6 <= _f(fv_by_day.loc[day, policy]) - share <= 1e-6, f"share for {policy} by day {day}: divide by all the policy\'s users, not just those who reached first value"',
                  '    assert -1e-6 <= _f(fv_within_7.loc[policy]) - shares[2] <= 1e-6, f"fv_within_7 for {policy}: the share of all its users by day 7"'],
                 "14. Add incentives (earned trial days)", "time to first value"),
        TestCell("test_guardrails", 2, "Guardrails: support load and early churn.",
                 ['assert _f(tickets_per_user.loc["A"]) >= 0 and 0 <= _f(churn_among_payers.loc["B"]) <= 1, "tickets are counts per user; churn is a share of payers"'],
                 [f"for policy, (tk, c) in {lit(guard)}.items():",
                  '    assert -1e-6 <= _f(tickets_per_user.loc[policy]) - tk <= 1e-6, f"tickets_per_user for {policy} should be about {tk:.3f}"',
                  '    assert -1e-6 <= _f(churn_among_payers.loc[policy]) - c <= 1e-6, f"churn_among_payers for {policy}: churned payers / payers, about {c:.3f}"'],
                 "Methods: guardrail metrics", "guardrails: tickets and churn"),
        _permutation_cell("test_churn_permutation", "churn_perm_p", (*churn["B"], *churn["A"]),
                          "churn among payers, B minus A", "churn_perm_answer", "Methods: permutation tests",
                          "permutation test of a guardrail difference"),
        TestCell("test_by_steps", 1, "Paid rate by steps completed and policy.",
                 ['assert [int(i) for i in by_steps.index] == [0, 1, 2, 3, 4], f"index should be 0..4 steps, got {list(by_steps.index)}"',
                  'assert [str(c) for c in by_steps.columns] == ["A", "B"], "columns should be A and B"',
                  'assert all(0 <= _f(v) <= 1 for v in by_steps.to_numpy().ravel()), "paid rates are shares"'],
                 [f"for policy, expected in {lit(by_steps)}.items():",
                  "    for k, e in enumerate(expected):",
                  '        assert -1e-6 <= _f(by_steps.loc[k, policy]) - e <= 1e-6, f"paid rate for policy {policy} with {k} steps should be about {e:.3f}"'],
                 "Methods: post-treatment conditioning", "paid rate by steps completed"),
        TestCell("test_trap_choice", 1, "Which statement is right?",
                 ['assert str(trap_choice).strip().lower() in {"a", "b", "c", "d"}, "trap_choice should be one of the letters a, b, c, d"'],
                 ['assert str(trap_choice).strip().lower() == "c", "not quite: what decides how many steps a user completes, and is it the same in both arms?"'],
                 "Methods: post-treatment conditioning", "the post-treatment trap"),
    ]


SPECS = {"outreach": outreach, "content": content, "trials": trials}
