"""What every autograded test cell of the labs checks: the spec read by ``tools/lab_tests.py``.

One function per lab takes the namespace left by running the lab's model
solution (``ns``) and returns its test cells, in notebook order. Expected
values come from that namespace (the solution's own results) or are computed
here with the package and the libraries; none is typed by hand. Visible
checks test shape, sanity and the common slips that can be recognised without
showing a value (a one-sided p-value, a Wald interval, Bonferroni for Holm);
exact values sit in the hidden block, and every hidden check's message is a
hint (:func:`hint`): what to look at and where the idea is taught, never the
expected value, a bound or a hidden input.

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

The module is also imported by ``tools/lab_tolerances.py`` and the tests in ``tests/tools/``.
"""
from __future__ import annotations

import hashlib
import math

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint, proportion_effectsize

from tools.lab_cells import TestCell, lit, near, within

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


# --------------------------------------------------------------------------- words of the checks
#: Where each idea is taught, by section title (a section number would read as a number in a hint).
TAUGHT = {
    "rate": "'A rate and its interval' in the methods primer",
    "compare": "'Comparing two rates' in the methods primer",
    "resample": "'The same answers by brute force' in the methods primer",
    "itt": "'Analyse the experiment you ran' in the methods primer",
    "power": "'Sample size and power' in the methods primer",
    "srm": "'Did randomisation work? Sample-ratio checks' in the methods primer",
    "holm": "'Several comparisons at once' in the methods primer",
    "trap": "'Intention to treat' in this lab and 'Analyse the experiment you ran' in the methods primer",
    "events": "the list of columns in the first question of this lab",
}


def hint(what: str, where: str) -> str:
    """The message of a hidden check: what to look at and where the idea is taught.

    A plain sentence, never formatted at grading time: it names no expected
    value, bound or hidden input (``tests/tools/test_lab_hints.py`` checks
    every one against the numbers of its check).
    """
    return f"Hidden check: {what} See {TAUGHT[where]}."


def guarded(target: str, call: str, function: str, inputs: str, where: str,
            indent: str = "") -> list[str]:
    """Hidden lines that call a student's function on hidden inputs.

    If the function raises, the student reads a hint naming the kind of error,
    not a traceback that would quote the hidden inputs.
    """
    message = hint(f"calling {function} on {inputs} raised {{type(_err).__name__}}.", where)
    return [f"{indent}try:",
            f"{indent}    {target} = {call}",
            f"{indent}except Exception as _err:",
            f"{indent}    raise AssertionError(f{message!r}) from None"]


#: Visible checks recognise a known slip (a one-sided p-value, say) by a
#: fingerprint of the rounded value, so that the cell shows no number that the
#: slip, and with it the answer, could be read from.
SEEN = ["# A known slip is recognised by a fingerprint of the rounded value, so no number shows here.",
        '_seen = lambda value, step, key: __import__("hashlib").sha256('
        'f"{key}:{round(_f(value) / step)}".encode()).hexdigest()[:12]']


def fingerprints(key: str, ranges, step: float, accepted: tuple[float, float]) -> list[str]:
    """Fingerprints of every value a slip can take (``ranges``), rounded to ``step``.

    Refuses a step so coarse that a rounded slip could also be an accepted
    answer: a visible check must never turn a right answer away.
    """
    buckets = set()
    for low, high in ranges:
        buckets |= set(range(round(low / step), round(high / step) + 1))
    for b in sorted(buckets):
        if (b - 0.5) * step <= accepted[1] and accepted[0] <= (b + 0.5) * step:
            raise ValueError(f"{key}: the slip rounded to {b * step:g} could be an accepted answer "
                             f"({accepted[0]:g} to {accepted[1]:g}); use a finer step")
    return sorted(hashlib.sha256(f"{key}:{b}".encode()).hexdigest()[:12] for b in buckets)


def slip(expr: str, key: str, ranges, step: float, accepted: tuple[float, float], message: str) -> str:
    """A visible check that ``expr`` is not a known slip (needs the ``SEEN`` lines above it)."""
    prints = fingerprints(key, ranges, step, accepted)
    return f"assert _seen({expr}, {step!r}, {key!r}) not in {lit(prints)}, {message!r}"


def one_sided_permutation_ranges(k1, n1, k2, n2, draws: int) -> list[tuple[float, float]]:
    """Where seeded one-sided permutation p-values land: each tail, widened as the accepted range is."""
    dist, _, _ = _permutation_distribution(k1, n1, k2, n2)
    slack = 1 / (draws + 1)
    ranges = []
    for tail in (float(dist.cdf(k1)), float(dist.sf(k1 - 1))):
        spread = MC_SE * _se(tail, draws) + slack
        ranges.append((max(0.0, tail - spread), min(1.0, tail + spread)))
    return ranges


def one_sided_power_range(p1, p2, n=50) -> tuple[float, float]:
    """Power of a one-sided z-test at the 5% level (the two-sided test at 10%), by every accepted method."""
    values = power_methods(p1, p2, n, alpha=0.10).values()
    lo, hi = min(values), max(values)
    return lo - _mc(lo, SIM_DRAWS), hi + _mc(hi, SIM_DRAWS)


def _permutation_cell(grade_id, name, counts, what, after, insight, assesses,
                      draws: int = PERM_DRAWS) -> TestCell:
    low, high = permutation_range(*counts, draws=draws)
    step = 0.001 if high < 0.1 else 0.01
    return TestCell(
        grade_id, 2, f"{name}: a two-sided permutation p-value ({what}).",
        [f"assert 0 < _f({name}) <= 1, f\"{name} should be a p-value, got {{{name}}}\"",
         f"assert _f({name}) >= 1 / 100001, \"a permutation p-value is never 0: count the observed split too\"",
         *SEEN,
         slip(name, f"{grade_id}/one-sided", one_sided_permutation_ranges(*counts, draws), step, (low, high),
              f"{name} looks like a one-sided p-value (one tail of the shuffled differences); the question "
              "asks for a two-sided test: count shuffles at least as far from zero as the observed "
              "difference in either direction, or double the smaller tail. See 'The same answers by "
              "brute force' in the methods primer.")],
        [within(name, low, high, hint(
            f"{name} is not where a correct two-sided seeded run lands. Shuffle the outcomes between "
            f"the two groups ({what}), count the shuffles at least as far from zero as the observed "
            "difference in either direction, count the observed split too, and use at least the number "
            "of shuffles the question asks for.", "resample"))],
        insight=insight, assesses=assesses, after=after,
        sampled=(("permutation", tuple(counts), (low, high), draws),))


def check(condition: str, message: str) -> str:
    """``assert condition, message`` with the message quoted for the cell (a plain string)."""
    return f"assert {condition}, {message!r}"


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
    one_sided = [float(stats.fisher_exact(table, alternative=side).pvalue) for side in ("greater", "less")]
    with_totals = float(stats.fisher_exact([[photo[0], photo[1]], [no_photo[0], no_photo[1]]]).pvalue)
    fisher_ok = (fisher_two - 1e-4, fisher_two + 1e-4)
    b = ns["broockman"]
    by_out = b.groupby("treat_out")["responded"].agg(["size", "sum"])
    toy = {"region": ["west", "east", "east", "north", "west", "west", "east", "north"],
           "responded": [1, 0, 1, 0, 1, 1, 0, 0]}
    toy_rows = [(g, len(s), int(s.sum()), *wilson(int(s.sum()), len(s)))
                for g, s in pd.DataFrame(toy).groupby("region")["responded"]]
    inter = b.assign(i=1 - b["treat_out"]).groupby("i")["responded"]
    rate1, rate0 = float(inter.mean()[1]), float(inter.mean()[0])
    ci1 = wilson(int(inter.sum()[1]), int(inter.size()[1]))
    gaps = b.groupby(["leg_black", "treat_out"])["responded"].mean().unstack()
    gap = (gaps[0] - gaps[1]).astype(float)
    n_hint = ("Check that n is per arm (not both arms together), that the test is two-sided, that there is "
              "no continuity correction and that you round up once, at the end.")
    wilson_hint = ("Use proportion_confint(..., method='wilson') or the formula in the question, with z "
                   "from the confidence argument.")
    return [
        TestCell("test_n_per_arm_visible", 1,
                 "n_per_arm: a whole number per arm, from a two-sided test, that grows with power and "
                 "shrinks as the effect grows.",
                 ["n = n_per_arm(0.06, 0.12)",
                  'assert _f(n) == _f(int(n)), f"n_per_arm should return a whole number (rounded up), got {n}"',
                  'assert 100 <= int(n) <= 1000, f"6% -> 12% needs a few hundred recipients per arm, got {n}"',
                  check("int(n_per_arm(0.06, 0.26)) < int(n)",
                        "a bigger effect (6% -> 26%) should need fewer recipients"),
                  check("int(n_per_arm(0.06, 0.12, power=0.9)) > int(n)",
                        "more power should need more recipients: does n_per_arm use its power argument?"),
                  check("int(n_per_arm(0.06, 0.12, alpha=0.01)) > int(n)",
                        "a stricter level (alpha = 0.01) should need more recipients: does n_per_arm use its "
                        "alpha argument?"),
                  check("-1 <= int(n_per_arm(0.12, 0.06)) - int(n) <= 1",
                        "a fall from 12% to 6% needs as many recipients as the rise from 6% to 12%: use the "
                        "size of the change, whatever its sign"),
                  check("_f(n) / _f(n_per_arm(0.06, 0.12, alpha=0.10)) <= 1.32",
                        "this looks like a one-sided test: from alpha = 0.10 to 0.05, a two-sided test needs "
                        "about a quarter more recipients (z goes from 1.645 to 1.96) and a one-sided test "
                        "more than a third. Use z at 1 - alpha/2: see 'Sample size and power' in the methods "
                        "primer.")],
                 [], power_ins, "sample-size function (visible case)"),
        TestCell("test_n_per_arm_hidden", 2,
                 "n_per_arm gives the accepted sample sizes for the two effects of the visible check and "
                 "for other rates, powers and levels, including a fall.",
                 ["n = n_per_arm(0.10, 0.15)",
                  'assert int(n) > 0, "n_per_arm should return a positive number of recipients"'],
                 [within("n_per_arm(0.06, 0.12)", *n12, hint(
                     "for the modest effect of the visible check, n_per_arm is outside the range the "
                     "accepted methods give. " + n_hint, "power")),
                  within("n_per_arm(0.06, 0.26)", *n26, hint(
                      "for the large effect of the visible check, n_per_arm is outside the range the "
                      "accepted methods give. " + n_hint, "power")),
                  f"for p1, p2, pw, a, low, high in {lit(n_cases)}:",
                  *guarded("got", "_f(n_per_arm(p1, p2, power=pw, alpha=a))", "n_per_arm",
                           "rates, powers or levels you have not seen", "power", indent="    "),
                  "    " + check("low <= got <= high", hint(
                      "on rates, powers and levels you have not seen (a fall in the rate among them), "
                      "n_per_arm is outside the range the accepted methods give. Use the power and alpha "
                      "arguments rather than fixed values, a two-sided critical value, and the size of the "
                      "change whatever its sign.", "power")),
                  "    " + check("got == _f(int(got))", hint(
                      "on inputs you have not seen, n_per_arm does not return a whole number of recipients: "
                      "round up.", "power"))],
                 power_ins, "sample-size function on new rates, power and alpha"),
        TestCell("test_sample_sizes", 1, "The two sample sizes, per arm.",
                 ['assert _f(n_6_12) == _f(int(n_6_12)) and _f(n_6_26) == _f(int(n_6_26)), "sample sizes are whole numbers"',
                  'assert 0 < _f(n_6_26) < _f(n_6_12), "the larger effect (6% -> 26%) needs fewer recipients"'],
                 [within("n_6_12", *n12, hint(
                     "n_6_12 is outside the range the accepted methods give for the modest effect. Check that "
                     "it is per arm (not both arms together), for a two-sided test at the question's level and "
                     "power, rounded up.", "power")),
                  within("n_6_26", *n26, hint(
                      "n_6_26 is outside the range the accepted methods give for the large effect. Check that "
                      "it is per arm (not both arms together), for a two-sided test at the question's level "
                      "and power, rounded up.", "power"))],
                 power_ins, "sample sizes for the two effects"),
        TestCell("test_power_50", 2,
                 "Power of the practitioner's test: a probability, small for the modest effect, high for the "
                 "large one, from a two-sided test.",
                 ['assert 0 <= _f(power_50_12) <= 1 and 0 <= _f(power_50_26) <= 1, "power is a probability between 0 and 1"',
                  'assert _f(power_50_12) < _f(power_50_26), "the larger effect should be easier to detect"',
                  *SEEN,
                  *[slip(name, f"test_power_50/{name}", [one_sided_power_range(0.06, p2)], 0.01, accepted,
                         f"{name} looks like the power of a one-sided test; the question asks for a two-sided "
                         "z-test (z at 1 - alpha/2). See 'Sample size and power' in the methods primer.")
                    for name, p2, accepted in [("power_50_12", 0.12, pw12), ("power_50_26", 0.26, pw26)]]],
                 [within(name, *accepted, hint(
                     f"{name} is outside the range the accepted methods give. Check the number per arm (the "
                     "practitioner's e-mails in each arm, not both arms together), that the z-test is "
                     "two-sided at the question's level, and, if you simulated, the number of simulated "
                     "experiments and a stated seed.", "power"))
                  for name, accepted in [("power_50_12", pw12), ("power_50_26", pw26)]],
                 power_ins, "power of the practitioner's 50-per-arm test",
                 sampled=(("power", (0.06, 0.12), pw12, SIM_DRAWS), ("power", (0.06, 0.26), pw26, SIM_DRAWS))),
        TestCell("test_wilson_visible", 1,
                 "The interval for 13/50: a (low, high) pair around the observed 26%, not centred on it, "
                 "wider at 99%, and sensible with no successes.",
                 ["low, high = wilson_interval(13, 50)",
                  'assert 0 <= _f(low) < 0.26 < _f(high) <= 1, f"the interval ({low}, {high}) should contain the observed rate 0.26"',
                  check("_f(low) + _f(high) > 0.52 + 1e-6",
                        "this interval is centred on the observed rate, like the Wald interval (rate plus or "
                        "minus z standard errors); the Wilson interval's centre is pulled towards 50%. See "
                        "'A rate and its interval' in the methods primer."),
                  "wide_low, wide_high = wilson_interval(13, 50, 0.99)",
                  check("_f(wide_high) - _f(wide_low) > _f(high) - _f(low)",
                        "a 99% interval should be wider than a 95% one: does z come from the confidence "
                        "argument?"),
                  "none_low, none_high = wilson_interval(0, 30)",
                  check("_f(none_low) >= 0 and _f(none_high) > 0",
                        "with no successes the Wilson interval runs from 0 to a positive upper end")],
                 [], "Methods: intervals for small samples", "Wilson interval (visible case)"),
        TestCell("test_wilson_hidden", 3,
                 "wilson_interval gives the Wilson interval for the counts of the visible check and for "
                 "other counts and confidence levels, including 0 and 100%.",
                 ["low, high = wilson_interval(3, 50)",
                  'assert 0 <= _f(low) < 0.06 < _f(high) <= 1, "the interval for 3/50 should contain 6% and stay within [0, 1]"'],
                 ["w_low, w_high = wilson_interval(13, 50)",
                  near("w_low", w13[0], 1e-4, hint(
                      "for the counts of the visible check, the low end of wilson_interval is not the Wilson "
                      "score interval's. " + wilson_hint, "rate")),
                  near("w_high", w13[1], 1e-4, hint(
                      "for the counts of the visible check, the high end of wilson_interval is not the Wilson "
                      "score interval's. " + wilson_hint, "rate")),
                  f"for k, n, conf, e_low, e_high in {lit([(*c, *wilson(*c)) for c in wilson_cases])}:",
                  *guarded("w_low, w_high", "wilson_interval(k, n, conf)", "wilson_interval",
                           "counts or a confidence level you have not seen", "rate", indent="    "),
                  "    " + check("-1e-4 <= _f(w_low) - e_low <= 1e-4 and -1e-4 <= _f(w_high) - e_high <= 1e-4",
                                 hint("on counts and confidence levels you have not seen (no successes and "
                                      "all successes among them), wilson_interval does not give the Wilson "
                                      "score interval. Check that z comes from the confidence argument and "
                                      "that the bounds never leave the range of a rate.", "rate"))],
                 "Methods: intervals for small samples", "Wilson interval on new counts and levels"),
        TestCell("test_rates", 1, "The two rates and their difference, as fractions (0.06, not 6).",
                 ['assert 0 <= _f(rate_no_photo) <= 1 and 0 <= _f(rate_photo) <= 1, "rates are replies / e-mails, as fractions"',
                  'assert -1e-9 <= _f(difference) - (_f(rate_photo) - _f(rate_no_photo)) <= 1e-9, "difference is photo minus no photo"',
                  check("_f(difference) > 0",
                        "difference is photo minus no photo, and the photo arm replied more often"),
                  *[line for rate, arm in [("rate_no_photo", "NO_PHOTO"), ("rate_photo", "PHOTO")] for line in (
                      f"_replies = _f({rate}) * {arm}[1]",
                      check("-1e-6 <= _replies - int(_replies + 0.5) <= 1e-6",
                            f"{rate} times the arm's e-mails should be a whole number of replies: divide the "
                            "arm's replies by the arm's e-mails, not by all the e-mails sent"))]],
                 [near("rate_no_photo", no_photo[0] / no_photo[1], 1e-9, hint(
                     "rate_no_photo is not the no-photo arm's positive replies divided by its e-mails.", "rate")),
                  near("rate_photo", photo[0] / photo[1], 1e-9, hint(
                      "rate_photo is not the photo arm's positive replies divided by its e-mails.", "rate")),
                  near("difference", photo[0] / photo[1] - no_photo[0] / no_photo[1], 1e-9, hint(
                      "difference is not the photo arm's rate minus the no-photo arm's rate, as a fraction.",
                      "compare"))],
                 "9. Show your face", "reply rates and their difference"),
        TestCell("test_newcombe", 2, "The Newcombe interval: a (low, high) pair around the difference, "
                 "not centred on it.",
                 ["low, high = newcombe_ci",
                  'assert _f(low) < _f(difference) < _f(high), "the interval should contain the observed difference"',
                  check("not (-1e-6 <= (_f(low) + _f(high)) / 2 - _f(difference) <= 1e-6)",
                        "this interval is centred on the difference, like the Wald interval; Newcombe's "
                        "interval combines two Wilson intervals and is not symmetric. See 'Comparing two "
                        "rates' in the methods primer.")],
                 [check(f"-1e-3 <= _f(low) - {lit(nc[0])} <= 1e-3 and -1e-3 <= _f(high) - {lit(nc[1])} <= 1e-3",
                        hint("newcombe_ci is not Newcombe's hybrid score interval for photo minus no photo. "
                             "Check the order of the groups (photo first) and method='newcomb' with "
                             "compare='diff' in confint_proportions_2indep.", "compare"))],
                 "Methods: intervals for small samples", "Newcombe interval for a difference"),
        TestCell("test_fisher", 2, "fisher_p: the two-sided p-value of Fisher's exact test.",
                 ['assert 0 < _f(fisher_p) < 1, "fisher_p should be a probability"',
                  *SEEN,
                  slip("fisher_p", "test_fisher/one-sided", [(p - 1e-9, p + 1e-9) for p in one_sided], 1e-4,
                       fisher_ok,
                       "fisher_p looks like a one-sided p-value; the question asks for the two-sided test "
                       "(alternative='two-sided', the default of scipy.stats.fisher_exact). See 'Comparing "
                       "two rates' in the methods primer."),
                  slip("fisher_p", "test_fisher/totals", [(with_totals - 1e-9, with_totals + 1e-9)], 1e-4,
                       fisher_ok,
                       "fisher_p looks like Fisher's test on replies and e-mails sent; each row of the table "
                       "should hold an arm's replies and its e-mails without a reply.")],
                 [near("fisher_p", fisher_two, 1e-4, hint(
                     "fisher_p is not the two-sided p-value of Fisher's exact test on the table of arm by "
                     "replied or not. Check the table (each arm's replies and non-replies) and the test "
                     "(Fisher's exact test, not a chi-square or z-test).", "compare"))],
                 "Methods: exact tests", "Fisher's exact test, two-sided"),
        _permutation_cell("test_permutation", "perm_p", (*photo, *no_photo), "photo minus no photo",
                          "perm_answer", "Methods: permutation tests",
                          "permutation test of a difference in reply rates", draws=OUTREACH_PERM_DRAWS),
        TestCell("test_reply_table_shape", 1,
                 "One row per group, the five columns in order, every legislator and every reply counted "
                 "once, rates between the interval bounds.",
                 ['t = reply_table(broockman, "treat_out")',
                  'assert list(t.columns) == ["n", "replies", "rate", "ci_low", "ci_high"], f"columns should be n, replies, rate, ci_low, ci_high; got {list(t.columns)}"',
                  'assert [int(v) for v in t.index] == [0, 1], f"index should be the values of the grouping column, sorted; got {list(t.index)}"',
                  'assert int(t["n"].sum()) == len(broockman), "every legislator belongs to exactly one row"',
                  check('int(t["replies"].sum()) == int(broockman["responded"].sum())',
                        "replies should add up responded: every reply belongs to exactly one row"),
                  'assert all(_f(lo) <= _f(r) <= _f(hi) for lo, r, hi in zip(t["ci_low"], t["rate"], t["ci_high"])), "each rate lies inside its interval"'],
                 [f"for value, n, k in {lit([(int(v), int(r['size']), int(r['sum'])) for v, r in by_out.iterrows()])}:",
                  "    " + check('int(t.loc[value, "n"]) == n and int(t.loc[value, "replies"]) == k', hint(
                      "the counts of a group are wrong: n counts the legislators with that value of the "
                      "grouping column and replies adds up their responded.", "rate"))],
                 "12. Signal the long run (interdependence)", "reply table: structure"),
        TestCell("test_reply_table_hidden", 3,
                 "reply_table works on any frame with a `responded` column and any grouping column.",
                 [],
                 [f"toy = pd.DataFrame({lit(toy)})",
                  *guarded("t", 'reply_table(toy, "region")', "reply_table",
                           "a small frame you have not seen, grouped by another column", "rate"),
                  check(f"[str(v) for v in t.index] == {lit([r[0] for r in toy_rows])}", hint(
                      "on a small frame you have not seen, the rows of reply_table are not its groups in "
                      "sorted order. Group by the column named by `by`, sort, and use its values as the "
                      "index.", "rate")),
                  f"for g, n, k, e_low, e_high in {lit(toy_rows)}:",
                  "    " + check('int(t.loc[g, "n"]) == n and int(t.loc[g, "replies"]) == k', hint(
                      "on a small frame you have not seen, the counts of a group are wrong: n counts its "
                      "rows and replies adds up their responded.", "rate")),
                  "    " + check('-1e-9 <= _f(t.loc[g, "rate"]) - k / n <= 1e-9', hint(
                      "on a small frame you have not seen, a group's rate is not its replies divided by "
                      "its n.", "rate")),
                  "    " + check('-1e-4 <= _f(t.loc[g, "ci_low"]) - e_low <= 1e-4 and -1e-4 <= _f(t.loc[g, "ci_high"]) - e_high <= 1e-4',
                                 hint("on a small frame you have not seen (a group with no replies and one "
                                      "where everyone replied among them), a group's interval is not the "
                                      "Wilson interval of its replies out of its n: reuse your "
                                      "wilson_interval at its default level.", "rate"))],
                 "12. Signal the long run (interdependence)", "reply table on unseen data"),
        TestCell("test_interdependence", 2,
                 "With interdependence (1) legislators reply far more often than without (0).",
                 ["t = by_interdependence",
                  'assert [int(v) for v in t.index] == [0, 1], "index should be interdependent = 0, 1"',
                  'assert _f(t.loc[1, "rate"]) > _f(t.loc[0, "rate"]), "constituents (interdependent = 1) should get more replies"'],
                 [check(f'-1e-6 <= _f(t.loc[1, "rate"]) - {lit(rate1)} <= 1e-6 and -1e-6 <= _f(t.loc[0, "rate"]) - {lit(rate0)} <= 1e-6',
                        hint("the reply rates by interdependence are not those of every legislator in each "
                             "group. Check that interdependent is the complement of treat_out (constituents "
                             "are interdependent) and that no legislator is dropped.", "rate")),
                  check(f'-1e-4 <= _f(t.loc[1, "ci_low"]) - {lit(ci1[0])} <= 1e-4 and -1e-4 <= _f(t.loc[1, "ci_high"]) - {lit(ci1[1])} <= 1e-4',
                        hint("the interval of the interdependent group is not the Wilson interval of its "
                             "replies out of its legislators: build the table with your reply_table.", "rate"))],
                 "12. Signal the long run (interdependence)", "reply rates with and without interdependence"),
        TestCell("test_gap_by_group", 2, "The interdependence gap for each group of legislators.",
                 ['assert [int(v) for v in gap_by_group.index] == [0, 1], "gap_by_group should be indexed by leg_black (0, 1)"',
                  'assert _f(gap_by_group.loc[0]) > 0 and _f(gap_by_group.loc[1]) > 0, "both groups answer constituents more often"'],
                 [near("gap_by_group.loc[0]", gap[0], 1e-6, hint(
                     "the gap for legislators who are not Black is not their reply rate with interdependence "
                     "minus their rate without. Compute both rates within the group (group by leg_black and "
                     "interdependent), then subtract.", "compare")),
                  near("gap_by_group.loc[1]", gap[1], 1e-6, hint(
                      "the gap for Black legislators is not their reply rate with interdependence minus their "
                      "rate without. Compute both rates within the group (group by leg_black and "
                      "interdependent), then subtract.", "compare"))],
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
    def holm(ps):
        return [float(v) for v in multipletests(ps, method="holm")[1]]

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
    srm_hint = ("Take the arms from the shares, count each one's rows (an arm with no rows counts as none), "
                "and compare the counts with each share times the total in scipy.stats.chisquare.")
    return [
        TestCell("test_srm_visible", 1,
                 "srm_pvalue returns a p-value that is 1 when the counts match the plan and falls as the "
                 "same imbalance grows in size.",
                 ["p = srm_pvalue(visits, PLANNED_SHARES)",
                  'assert 0 <= _f(p) <= 1, f"srm_pvalue should return a p-value, got {p}"',
                  '_even = pd.DataFrame({"arm": [arm for arm in ARMS for _ in range(30)]})',
                  check("_f(srm_pvalue(_even, PLANNED_SHARES)) >= 1 - 1e-9",
                        "arm counts that match the planned shares exactly should give p = 1: compare the "
                        "counts with share * total visitors"),
                  '_skew = pd.DataFrame({"arm": ["plain"] * 40 + ["face"] * 20 + ["effort"] * 30 + ["incentive"] * 30})',
                  check("_f(srm_pvalue(pd.concat([_skew] * 10), PLANNED_SHARES)) < _f(srm_pvalue(_skew, PLANNED_SHARES))",
                        "the same imbalance among ten times as many visitors should give a smaller p-value: "
                        "test the counts of visitors, not their shares. See 'Did randomisation work? "
                        "Sample-ratio checks' in the methods primer.")],
                 [], "Methods: sample-ratio mismatch", "SRM check (visible case)"),
        TestCell("test_srm_hidden", 2,
                 "srm_pvalue gives the chi-square p-value for week 1 and for any arms and planned shares, "
                 "including an arm with no rows.",
                 [],
                 [near("srm_pvalue(visits, PLANNED_SHARES)", srm1, 1e-6, hint(
                     "for the first week's visitors, srm_pvalue is not the chi-square goodness-of-fit p-value "
                     "of the counts per arm against the planned shares. " + srm_hint, "srm")),
                  f"for counts, shares, expected in {lit([(c, s, srm(c, s)) for c, s in srm_cases])}:",
                  '    frame = pd.DataFrame({"arm": [arm for arm, k in counts.items() for _ in range(k)]})',
                  *guarded("got", "_f(srm_pvalue(frame, shares))", "srm_pvalue",
                           "arm counts and planned shares you have not seen", "srm", indent="    "),
                  "    " + check("-1e-6 <= got - expected <= 1e-6", hint(
                      "on arm counts and planned shares you have not seen (other arm names, unequal shares, "
                      "a planned arm with no rows), srm_pvalue is not the chi-square goodness-of-fit "
                      "p-value. " + srm_hint, "srm"))],
                 "Methods: sample-ratio mismatch", "SRM check on unseen splits"),
        TestCell("test_srm_weeks", 2,
                 "Both weeks checked with srm_pvalue, and week 2 trusted only if it passes.",
                 ['assert 0 <= _f(srm_week1) <= 1 and 0 <= _f(srm_week2) <= 1, "both are p-values"',
                  'assert str(trust_week2) in ("True", "False"), "trust_week2 should be True or False"',
                  check("-1e-12 <= _f(srm_week1) - _f(srm_pvalue(visits, PLANNED_SHARES)) <= 1e-12",
                        "srm_week1 should be srm_pvalue(visits, PLANNED_SHARES)"),
                  check("-1e-12 <= _f(srm_week2) - _f(srm_pvalue(visits_week2, PLANNED_SHARES)) <= 1e-12",
                        "srm_week2 should be srm_pvalue(visits_week2, PLANNED_SHARES)"),
                  check("str(trust_week2) == str(_f(srm_week2) >= 0.001)",
                        "trust_week2 should follow from srm_week2: False below the threshold (p < 0.001), "
                        "True otherwise")],
                 [near("srm_week1", srm1, 1e-6, hint(
                     "srm_week1 is not the chi-square p-value of the first week's arm counts against the "
                     "planned shares: the hidden checks of srm_pvalue say what to fix.", "srm")),
                  check("_f(srm_week2) < 0.001", hint(
                      "srm_week2 does not flag the mismatch in the second week, whose arm counts are far from "
                      "the planned split: the hidden checks of srm_pvalue say what to fix.", "srm")),
                  check('(trust_week2 is False) or (str(trust_week2) == "False")', hint(
                      "a week that fails the sample-ratio check cannot be analysed as it is until the cause is "
                      "found; decide trust_week2 from srm_week2.", "srm"))],
                 "Methods: sample-ratio mismatch", "trusting or setting aside a week"),
        TestCell("test_arm_table_shape", 1,
                 "One row per arm in the planned order, five columns, every visitor and every sign-up "
                 "counted once.",
                 ['assert list(arm_table.index) == ARMS, f"index should be {ARMS}, got {list(arm_table.index)}"',
                  'assert list(arm_table.columns) == ["n", "signups", "rate", "ci_low", "ci_high"], f"columns should be n, signups, rate, ci_low, ci_high; got {list(arm_table.columns)}"',
                  'assert int(arm_table["n"].sum()) == len(visits), "each visitor belongs to exactly one arm"',
                  check('int(arm_table["signups"].sum()) == int(visits["signed_up"].sum())',
                        "signups should add up signed_up: each sign-up belongs to exactly one arm")],
                 [], "Methods: rates with intervals", "arm table: structure"),
        TestCell("test_arm_table_values", 2, "Counts, rates and Wilson intervals per arm.",
                 ['assert all(_f(lo) < _f(r) < _f(hi) for lo, r, hi in zip(arm_table["ci_low"], arm_table["rate"], arm_table["ci_high"])), "each rate lies inside its interval"',
                  check('all(-1e-12 <= _f(r) - _f(k) / _f(n) <= 1e-12 for r, k, n in zip(arm_table["rate"], arm_table["signups"], arm_table["n"]))',
                        "rate should be signups / n, as a fraction")],
                 [f"for arm, (n, k, e_low, e_high) in {lit(arms)}.items():",
                  "    " + check('int(arm_table.loc[arm, "n"]) == n and int(arm_table.loc[arm, "signups"]) == k', hint(
                      "the counts of an arm are wrong: n counts its visitors and signups adds up their "
                      "signed_up.", "rate")),
                  "    " + check('-1e-9 <= _f(arm_table.loc[arm, "rate"]) - k / n <= 1e-9', hint(
                      "an arm's rate is not its sign-ups divided by its visitors.", "rate")),
                  "    " + check('-1e-5 <= _f(arm_table.loc[arm, "ci_low"]) - e_low <= 1e-5 and -1e-5 <= _f(arm_table.loc[arm, "ci_high"]) - e_high <= 1e-5',
                                 hint("an arm's interval is not the Wilson interval of its sign-ups out of its "
                                      "visitors at the question's level (method='wilson' in "
                                      "proportion_confint).", "rate"))],
                 "Methods: rates with intervals", "sign-up rates and Wilson intervals"),
        TestCell("test_holm_visible", 1,
                 "holm_adjust keeps the input order, never lowers a p-value or passes 1, never lets a larger "
                 "raw p-value get a smaller adjusted one, and is not Bonferroni.",
                 ["got = holm_adjust([0.01, 0.04, 0.03])",
                  'assert len(got) == 3, "return one adjusted p-value per input"',
                  'assert all(p - 1e-12 <= _f(g) <= 1 for g, p in zip(got, [0.01, 0.04, 0.03])), "adjusted p-values lie between the raw value and 1"',
                  check("_f(got[0]) <= _f(got[2]) <= _f(got[1])",
                        "a larger raw p-value should never get a smaller adjusted one (here 0.01 < 0.03 < "
                        "0.04): take running maxima in the sorted order"),
                  check("any(_f(g) < 3 * p - 1e-12 for g, p in zip(got, [0.01, 0.04, 0.03]))",
                        "these look like Bonferroni adjustments (every p-value times the number of tests); "
                        "Holm multiplies the smallest by m, the next by m - 1, and so on. See 'Several "
                        "comparisons at once' in the methods primer."),
                  "pair = holm_adjust([0.04, 0.01])",
                  check("_f(pair[0]) > _f(pair[1])",
                        "return the adjusted p-values in the order of the input, not sorted"),
                  check("all(_f(v) <= 1 for v in holm_adjust([0.6, 0.7]))",
                        "adjusted p-values are capped at 1")],
                 [], "Methods: multiple comparisons", "Holm adjustment (visible case)"),
        TestCell("test_holm_hidden", 2,
                 "holm_adjust gives Holm's adjusted p-values for the visible example and for p-values you "
                 "have not seen.",
                 [],
                 ["textbook = holm_adjust([0.01, 0.04, 0.03])",
                  f"for g, e in zip(textbook, {lit(holm([0.01, 0.04, 0.03]))}):",
                  "    " + check("-1e-9 <= _f(g) - e <= 1e-9", hint(
                      "for the p-values of the visible check, holm_adjust does not give Holm's adjusted "
                      "p-values. Sort them, multiply the smallest by the number of tests, the next by one "
                      "fewer and so on, take running maxima, cap them, and return them in the input order.",
                      "holm")),
                  f"for ps, expected in {lit([(ps, holm(ps)) for ps in holm_cases])}:",
                  *guarded("got", "holm_adjust(list(ps))", "holm_adjust", "p-values you have not seen", "holm",
                           indent="    "),
                  "    " + check("len(got) == len(expected)", hint(
                      "on p-values you have not seen, holm_adjust does not return one adjusted value per "
                      "input.", "holm")),
                  "    for g, e in zip(got, expected):",
                  "        " + check("-1e-9 <= _f(g) - e <= 1e-9", hint(
                      "on p-values you have not seen (ties, a single p-value, values that reach the cap among "
                      "them), holm_adjust does not give Holm's adjusted p-values in the input order. Check the "
                      "multipliers, the running maxima and the cap.", "holm"))],
                 "Methods: multiple comparisons", "Holm adjustment on unseen p-values"),
        TestCell("test_comparisons_shape", 1,
                 "One row per treatment arm, three columns, Holm never below the raw p-value.",
                 ['assert list(comparisons.index) == ["face", "effort", "incentive"], f"index should be face, effort, incentive; got {list(comparisons.index)}"',
                  'assert list(comparisons.columns) == ["difference", "p_value", "p_holm"], f"columns should be difference, p_value, p_holm; got {list(comparisons.columns)}"',
                  'assert all(_f(h) >= _f(p) - 1e-12 for p, h in zip(comparisons["p_value"], comparisons["p_holm"])), "an adjusted p-value is never smaller than the raw one"'],
                 [], "Methods: multiple comparisons", "comparisons table: structure"),
        TestCell("test_comparisons_values", 2,
                 "Differences, z-test p-values, Holm p-values and the arms that survive the correction.",
                 ['assert all(str(a) in ARMS for a in significant), "significant lists arm names"',
                  check('[str(a) for a in significant] == [a for a in ARMS[1:] if _f(comparisons.loc[a, "p_holm"]) < 0.05]',
                        "significant should list, in the order of ARMS, the arms whose p_holm is below 0.05")],
                 [f"for arm, (diff, p, h) in {lit(comp)}.items():",
                  "    " + check('-1e-9 <= _f(comparisons.loc[arm, "difference"]) - diff <= 1e-9', hint(
                      "an arm's difference is not its sign-up rate minus the plain rate, as a fraction.",
                      "compare")),
                  "    " + check('-1e-6 <= _f(comparisons.loc[arm, "p_value"]) - p <= 1e-6', hint(
                      "an arm's p_value is not the two-sided pooled z-test of its sign-ups against plain's "
                      "(proportions_ztest with the two arms' sign-ups and visitors).", "compare")),
                  "    " + check('-1e-6 <= _f(comparisons.loc[arm, "p_holm"]) - h <= 1e-6', hint(
                      "an arm's p_holm is not Holm's adjustment of the three raw p-values taken together.",
                      "holm")),
                  check(f'[str(a) for a in significant] == {lit([str(a) for a in ns["significant"]])}', hint(
                      "significant does not list the arms that survive Holm's correction.", "holm"))],
                 "13. Show the sacrifice / 14. Add incentives", "each arm against control, with Holm"),
        _permutation_cell("test_effort_permutation", "effort_perm_p",
                          (effort[1], effort[0], plain[1], plain[0]), "effort minus plain",
                          "effort_perm_answer", "Methods: permutation tests",
                          "permutation test of the effort banner against plain"),
        TestCell("test_best_arm", 2, "The winner, its relative lift and the interval for its difference.",
                 ['assert str(best_arm) in ARMS[1:], f"best_arm should be one of the treatment arms, got {best_arm}"',
                  check("str(best_arm) in [str(a) for a in significant]",
                        "best_arm should be one of the arms in significant"),
                  'assert _f(best_lift) > 0, "best_lift is rate / plain rate - 1, a positive fraction here"'],
                 [check(f"str(best_arm) == {lit(str(best))}", hint(
                     "best_arm is not the arm with the highest sign-up rate among those in significant.",
                     "holm")),
                  near("best_lift", lift, 1e-6, hint(
                      "best_lift is not the best arm's relative lift over plain: its rate divided by the plain "
                      "rate, minus one, as a fraction (not a percentage, not a difference of rates).",
                      "compare")),
                  "b_low, b_high = best_diff_ci",
                  check(f"-1e-4 <= _f(b_low) - {lit(best_ci[0])} <= 1e-4 and -1e-4 <= _f(b_high) - {lit(best_ci[1])} <= 1e-4",
                        hint("best_diff_ci is not the Newcombe interval for the best arm's rate minus the plain "
                             "rate. Check the order (best arm first) and method='newcomb' with "
                             "compare='diff'.", "compare"))],
                 "14. Add incentives", "best arm, relative lift and interval"),
        TestCell("test_turnout", 1, "Turnout per arm, in order, as fractions.",
                 [f'assert [str(a) for a in turnout.index] == {lit(order)}, f"index order is wrong: {{list(turnout.index)}}"',
                  'assert all(0 <= _f(v) <= 1 for v in turnout), "turnout is a share of voters, between 0 and 1"'],
                 [f"for arm, expected in {lit(turnout)}:",
                  "    " + check("-1e-6 <= _f(turnout.loc[arm]) - expected <= 1e-6", hint(
                      "an arm's turnout is not the share of its registered voters who voted (the mean of "
                      "voted in that arm).", "rate"))],
                 "11. Make contributions visible (social pressure)", "GGL turnout by arm"),
        TestCell("test_neighbors_lift", 2, "The Neighbors lift over Control and its 95% interval.",
                 ["low, high = neighbors_ci",
                  'assert _f(low) < _f(neighbors_lift) < _f(high), "the interval should contain the lift"'],
                 [near("neighbors_lift", dict(turnout)["Neighbors"] - dict(turnout)["Control"], 1e-6, hint(
                     "neighbors_lift is not the Neighbors turnout minus the Control turnout, as a fraction.",
                     "compare")),
                  check(f"{lit(lo_range[0])} <= _f(low) <= {lit(lo_range[1])} and {lit(hi_range[0])} <= _f(high) <= {lit(hi_range[1])}",
                        hint("neighbors_ci is not the interval the question asks for (Newcombe or Wald) for "
                             "Neighbors minus Control. Check the order of the arms and that each arm's counts "
                             "are its voters who voted out of its registered voters.", "compare"))],
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
    unseen = "on a small log you have not seen"
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
                  *guarded("t", "user_table(toy)", "user_table", "a small log you have not seen", "events"),
                  check(f"[int(v) for v in t.index] == {lit(sorted(toy_expected))}", hint(
                      f"{unseen} (users out of order among them), the index of user_table is not the sorted "
                      "ids of every user who signed up.", "events")),
                  f"for uid, (pol, steps, paid, fv, tickets, churned) in {lit(toy_expected)}.items():",
                  "    row = t.loc[uid]",
                  "    " + check('str(row["policy"]) == pol', hint(
                      f"{unseen}, a user's policy is wrong: take it from their signed_up event.", "events")),
                  "    " + check('int(row["steps"]) == steps and int(row["paid"]) == paid', hint(
                      f"{unseen}, steps or paid is wrong for a user: steps counts their step_completed "
                      "events and paid flags a paid event; a user with no such event gets none, not a "
                      "missing value.", "events")),
                  "    " + check('int(row["tickets"]) == tickets and int(row["churned"]) == churned', hint(
                      f"{unseen}, tickets or churned is wrong for a user: tickets counts their "
                      "support_ticket events and churned flags a churned event; a user with no such event "
                      "gets none, not a missing value.", "events")),
                  '    day = _f(row["first_value_day"])',
                  "    if fv is None:",
                  "        " + check("day != day", hint(
                      f"{unseen}, a user who never reached first value should have NaN as first_value_day.",
                      "events")),
                  "    else:",
                  "        " + check("-1e-9 <= day - fv <= 1e-9", hint(
                      f"{unseen}, a user's first_value_day is not the day of their first_value event.",
                      "events"))],
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
                  "        " + check("-1e-6 <= _f(funnel.loc[stage, policy]) - e <= 1e-6", hint(
                      "a share in the funnel is wrong: each stage is the share of all the policy's users "
                      "(everyone assigned to it) who reached the stage, a step meaning a step_completed "
                      "event for it and paid a paid event.", "itt"))],
                 "14. Add incentives (earned trial days)", "funnel shares"),
        TestCell("test_conversion", 2, "Conversion per policy, by assigned policy, with Wilson intervals.",
                 ['assert [str(i) for i in conversion.index] == ["A", "B"], "index should be A, B"',
                  'assert list(conversion.columns) == ["n", "paid", "rate", "ci_low", "ci_high"], f"columns are {list(conversion.columns)}"',
                  'assert int(conversion["n"].sum()) == len(users), "every assigned user counts, in the arm they were assigned to"',
                  check('all(-1e-12 <= _f(r) - _f(k) / _f(n) <= 1e-12 for r, k, n in zip(conversion["rate"], conversion["paid"], conversion["n"]))',
                        "rate should be paid / n, as a fraction"),
                  'assert all(_f(lo) < _f(r) < _f(hi) for lo, r, hi in zip(conversion["ci_low"], conversion["rate"], conversion["ci_high"])), "each rate lies inside its interval"'],
                 [f"for policy, (n, k, lo, hi) in {lit(conv)}.items():",
                  "    " + check('int(conversion.loc[policy, "n"]) == n and int(conversion.loc[policy, "paid"]) == k', hint(
                      "the counts of a policy are wrong: every assigned user counts, in the policy they were "
                      "assigned to, whatever they did afterwards.", "itt")),
                  "    " + check('-1e-5 <= _f(conversion.loc[policy, "ci_low"]) - lo <= 1e-5 and -1e-5 <= _f(conversion.loc[policy, "ci_high"]) - hi <= 1e-5',
                                 hint("a policy's interval is not the Wilson interval of its paying users out "
                                      "of its assigned users at the question's level.", "rate"))],
                 "14. Add incentives (earned trial days)", "trial-to-paid conversion by assigned policy"),
        TestCell("test_lift", 2, "B's lift as a ratio, and the interval for B's rate minus A's.",
                 ['assert _f(lift) > 1, "lift is B\'s rate divided by A\'s; B converts more here"',
                  "low, high = diff_ci",
                  'assert _f(low) < _f(high), "diff_ci is a (low, high) pair"',
                  check("_f(low) + _f(high) > 0",
                        "diff_ci looks like A minus B: the question asks for B's rate minus A's")],
                 [near("lift", lift, 1e-6, hint(
                     "lift is not B's paid rate divided by A's, by assigned policy (a ratio, not a "
                     "difference).", "itt")),
                  check(f"-1e-4 <= _f(low) - {lit(dci[0])} <= 1e-4 and -1e-4 <= _f(high) - {lit(dci[1])} <= 1e-4",
                        hint("diff_ci is not the Newcombe interval for B's rate minus A's by assigned policy: "
                             "use method='newcomb' with compare='diff'.", "compare"))],
                 "14. Add incentives (earned trial days)", "lift and interval for the difference"),
        TestCell("test_itt", 2,
                 "The per-protocol shortcut, and which lift to report.",
                 ['assert 0 <= _f(per_protocol_rate_b) <= 1 and _f(per_protocol_lift) > 0, "a rate between 0 and 1 and a positive ratio"',
                  'assert str(itt_choice).strip().lower() in {"itt", "per_protocol"}, "itt_choice should be \\"itt\\" or \\"per_protocol\\""'],
                 [near("per_protocol_rate_b", pp_rate, 1e-6, hint(
                     "per_protocol_rate_b is not the paid rate among the B users with at least one completed "
                     "step.", "itt")),
                  near("per_protocol_lift", pp_lift, 1e-6, hint(
                      "per_protocol_lift is not that rate divided by A's paid rate over all A users.", "itt")),
                  check('str(itt_choice).strip().lower() == "itt"', hint(
                      "not quite: which comparison keeps the groups that randomisation made alike?", "trap"))],
                 "Methods: intention to treat", "intention to treat against per protocol", after="itt_answer"),
        TestCell("test_first_value", 2,
                 "Time to first value by intention to treat: shares of everyone assigned, by day.",
                 ['assert [int(i) for i in fv_by_day.index] == [1, 3, 7, 14] and [str(c) for c in fv_by_day.columns] == ["A", "B"], "fv_by_day: index [1, 3, 7, 14], columns A then B"',
                  'assert [str(i) for i in fv_within_7.index] == ["A", "B"], "index fv_within_7 by policy, A then B"',
                  'assert all(0 <= _f(v) <= 1 for v in fv_by_day.to_numpy().ravel()), "fv_by_day holds shares of users, between 0 and 1"',
                  'assert all(_f(fv_by_day[p].iloc[k]) <= _f(fv_by_day[p].iloc[k + 1]) for p in ["A", "B"] for k in range(3)), "a share by day k can only grow with k"',
                  check('all(-1e-12 <= _f(fv_within_7.loc[p]) - _f(fv_by_day.loc[7, p]) <= 1e-12 for p in ["A", "B"])',
                        "fv_within_7 should be the day-7 row of fv_by_day"),
                  check('all(_f(fv_by_day.loc[14, p]) <= _f(users.loc[users["policy"] == p, "first_value_day"].notna().mean()) + 1e-9 for p in ["A", "B"])',
                        "a share of all the policy's users cannot exceed the share who ever reached first value: "
                        "divide by every assigned user, not only by those who reached it")],
                 [f"for policy, shares in {lit(first)}.items():",
                  '    for day, share in zip([1, 3, 7, 14], shares):',
                  "        " + check("-1e-6 <= _f(fv_by_day.loc[day, policy]) - share <= 1e-6", hint(
                      "a share in fv_by_day is not the share of all the policy's users whose first value came "
                      "on or before that day (users who never reached it count as no).", "itt"))],
                 "14. Add incentives (earned trial days)", "time to first value"),
        TestCell("test_guardrails", 2, "Guardrails: support load and early churn.",
                 ['assert _f(tickets_per_user.loc["A"]) >= 0 and 0 <= _f(churn_among_payers.loc["B"]) <= 1, "tickets are counts per user; churn is a share of payers"'],
                 [f"for policy, (tk, c) in {lit(guard)}.items():",
                  "    " + check("-1e-6 <= _f(tickets_per_user.loc[policy]) - tk <= 1e-6", hint(
                      "tickets_per_user is not the mean number of support tickets over all the policy's users "
                      "(users with none count too).", "itt")),
                  "    " + check("-1e-6 <= _f(churn_among_payers.loc[policy]) - c <= 1e-6", hint(
                      "churn_among_payers is not the share of the policy's paying users who churned (churned "
                      "payers divided by payers).", "rate"))],
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
                  "        " + check("-1e-6 <= _f(by_steps.loc[k, policy]) - e <= 1e-6", hint(
                      "a paid rate in by_steps is not the share of paying users among the users of that "
                      "policy who completed that number of steps.", "rate"))],
                 "Methods: post-treatment conditioning", "paid rate by steps completed"),
        TestCell("test_trap_choice", 1, "Which statement is right?",
                 ['assert str(trap_choice).strip().lower() in {"a", "b", "c", "d"}, "trap_choice should be one of the letters a, b, c, d"'],
                 [check('str(trap_choice).strip().lower() == "c"', hint(
                     "not quite: what decides how many steps a user completes, and is it the same in both "
                     "arms?", "trap"))],
                 "Methods: post-treatment conditioning", "the post-treatment trap"),
    ]


SPECS = {"outreach": outreach, "content": content, "trials": trials}
