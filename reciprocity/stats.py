"""Rates, comparisons and experiment-design helpers, built on statsmodels and scipy.

Each function checks its input and raises :class:`ValueError` naming the
argument and the rule it broke, so a typo in a lab gives a message instead of
a silent ``nan``.

Examples
--------
>>> from reciprocity.stats import compare_proportions
>>> result = compare_proportions(3, 50, 13, 50)
>>> round(result.difference, 2)
0.2
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from scipy import special as _special, stats as _sps
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportion_effectsize,
    proportions_ztest,
)

__all__ = [
    "ProportionComparison",
    "proportion_ci",
    "compare_proportions",
    "sample_size",
    "fisher_power",
    "rate_ratio_ci",
    "srm_test",
    "holm",
    "rate_table",
]


def _check_count(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (Integral, Real)):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if isinstance(value, Real) and not float(value).is_integer():
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value!r}")
    return int(value)


def _check_pair(successes, trials, s_name="successes", t_name="trials") -> tuple[int, int]:
    s = _check_count(s_name, successes)
    t = _check_count(t_name, trials)
    if t == 0:
        raise ValueError(f"{t_name} must be at least 1 (a rate needs someone to divide by)")
    if s > t:
        raise ValueError(f"{s_name} ({s}) cannot exceed {t_name} ({t})")
    return s, t


def _check_open_unit(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 < value < 1:
        raise ValueError(f"{name} must be a probability strictly between 0 and 1, got {value!r}")
    return float(value)


def proportion_ci(successes: int, trials: int, confidence: float = 0.95,
                  method: str = "wilson") -> tuple[float, float]:
    """Confidence interval for a rate ``successes / trials``.

    Parameters
    ----------
    successes, trials : int
        Counts, with ``0 <= successes <= trials`` and ``trials >= 1``.
    confidence : float
        Coverage, strictly between 0 and 1.
    method : str
        Any method of :func:`statsmodels.stats.proportion.proportion_confint`;
        Wilson by default because it behaves well near 0 and 1 and for small samples.

    Examples
    --------
    >>> low, high = proportion_ci(13, 50)
    >>> round(low, 3), round(high, 3)
    (0.159, 0.396)
    """
    s, t = _check_pair(successes, trials)
    conf = _check_open_unit("confidence", confidence)
    low, high = proportion_confint(s, t, alpha=1 - conf, method=method)
    # rounding can leave a bound a hair outside [0, 1] or past the rate (5.6e-17 for 0/3)
    rate = s / t
    return min(max(float(low), 0.0), rate), max(min(float(high), 1.0), rate)


def _p_text(p: float) -> str:
    """A p-value as a reader expects it: 'p = 0.0122', tiny ones as 'p < 0.0001'."""
    return "p < 0.0001" if p < 1e-4 else f"p = {p:.3g}"


@dataclass(frozen=True)
class ProportionComparison:
    """Result of :func:`compare_proportions` (group B compared with group A)."""

    rate_a: float
    rate_b: float
    difference: float
    ci: tuple[float, float]
    relative_lift: float
    p_value: float
    fisher_p_value: float
    confidence: float

    def __str__(self) -> str:
        lo, hi = self.ci
        lift = "undefined" if math.isinf(self.relative_lift) else f"{self.relative_lift:+.0%}"
        return (
            f"A {self.rate_a:.1%} vs B {self.rate_b:.1%}: difference {100 * self.difference:+.1f} "
            f"percentage points ({self.confidence:.0%} CI {100 * lo:+.1f} to {100 * hi:+.1f}), "
            f"relative lift {lift}, z-test {_p_text(self.p_value)}, "
            f"Fisher {_p_text(self.fisher_p_value)}"
        )


def compare_proportions(successes_a: int, trials_a: int, successes_b: int, trials_b: int,
                        confidence: float = 0.95) -> ProportionComparison:
    """Compare two rates: B minus A, with a Newcombe interval and two tests.

    ``p_value`` is the two-sided pooled z-test of
    :func:`statsmodels.stats.proportion.proportions_ztest`; ``fisher_p_value``
    is the two-sided exact test of :func:`scipy.stats.fisher_exact`, better for
    small counts. ``relative_lift`` is ``rate_b / rate_a - 1`` (``inf`` when A is 0).

    Examples
    --------
    >>> r = compare_proportions(3, 50, 13, 50)
    >>> round(r.relative_lift, 2), round(r.fisher_p_value, 4)
    (3.33, 0.0122)
    """
    sa, ta = _check_pair(successes_a, trials_a, "successes_a", "trials_a")
    sb, tb = _check_pair(successes_b, trials_b, "successes_b", "trials_b")
    conf = _check_open_unit("confidence", confidence)
    rate_a, rate_b = sa / ta, sb / tb
    low, high = confint_proportions_2indep(sb, tb, sa, ta, method="newcomb",
                                           compare="diff", alpha=1 - conf)
    if sa + sb in (0, ta + tb):
        p_value = 1.0  # no variation at all: the z statistic is undefined
    else:
        _, p_value = proportions_ztest([sb, sa], [tb, ta])
    _, fisher_p = _sps.fisher_exact([[sb, tb - sb], [sa, ta - sa]])
    lift = rate_b / rate_a - 1 if rate_a > 0 else math.inf
    return ProportionComparison(
        rate_a=rate_a, rate_b=rate_b, difference=rate_b - rate_a,
        ci=(max(float(low), -1.0), min(float(high), 1.0)), relative_lift=float(lift),
        p_value=float(p_value), fisher_p_value=float(fisher_p), confidence=conf,
    )


def sample_size(p_control: float, p_treatment: float, power: float = 0.8,
                alpha: float = 0.05) -> int:
    """Users needed per arm to detect ``p_control -> p_treatment`` (two-sided test).

    Uses Cohen's arcsine effect size :math:`h` and the normal power
    calculation of :class:`statsmodels.stats.power.NormalIndPower`, rounded up.

    Examples
    --------
    >>> sample_size(0.06, 0.12)
    348
    """
    pc = _check_open_unit("p_control", p_control)
    pt = _check_open_unit("p_treatment", p_treatment)
    pw = _check_open_unit("power", power)
    a = _check_open_unit("alpha", alpha)
    if pc == pt:
        raise ValueError("p_treatment must differ from p_control: no sample detects a zero effect")
    effect = abs(proportion_effectsize(pt, pc))
    n = NormalIndPower().solve_power(effect_size=effect, alpha=a, power=pw, ratio=1.0,
                                     alternative="two-sided")
    return math.ceil(n - 1e-9)


def _log_choose(n, k):
    """log of the binomial coefficient n choose k, elementwise."""
    return _special.gammaln(n + 1) - _special.gammaln(k + 1) - _special.gammaln(n - k + 1)


def fisher_power(p_control: float, p_treatment: float, n_per_arm: int, alpha: float = 0.05,
                 n_treatment: int | None = None) -> float:
    """Exact power of Fisher's two-sided test, by enumerating every possible outcome.

    :func:`sample_size` and the normal approximation describe the z-test. With
    small counts the course recommends Fisher's exact test, which is more
    conservative, so it has less power at the same sample size. Here every
    pair of counts (``k_control``, ``k_treatment``) is enumerated: its
    probability is a product of two binomials, and it counts towards power
    when the two-sided Fisher p-value of its table is at most ``alpha``.
    The p-values follow :func:`scipy.stats.fisher_exact` (tables no likelier
    than the observed one, from the hypergeometric distribution given the
    total number of successes), computed for all tables of one total at once.

    Parameters
    ----------
    p_control, p_treatment : float
        True rates in the two arms, strictly between 0 and 1 (equal rates give
        the test's actual size, at most ``alpha``).
    n_per_arm : int
        Size of the control arm, and of the treatment arm unless ``n_treatment`` is given.
    alpha : float
        Significance level.
    n_treatment : int, optional
        Size of the treatment arm when the arms differ.

    Examples
    --------
    >>> round(fisher_power(0.06, 0.26, 50), 2)
    0.72
    >>> round(fisher_power(0.06, 0.12, 50), 2)
    0.09
    """
    pc = _check_open_unit("p_control", p_control)
    pt = _check_open_unit("p_treatment", p_treatment)
    a = _check_open_unit("alpha", alpha)
    n_c = _check_count("n_per_arm", n_per_arm)
    n_t = n_c if n_treatment is None else _check_count("n_treatment", n_treatment)
    if n_c < 1 or n_t < 1:
        raise ValueError("n_per_arm and n_treatment must be at least 1 (an arm needs someone in it)")
    k_c, k_t = np.arange(n_c + 1)[:, None], np.arange(n_t + 1)[None, :]
    # probability of each outcome: rows = successes in control, columns = in treatment
    outcome = _sps.binom.pmf(k_c, n_c, pc) * _sps.binom.pmf(k_t, n_t, pt)
    # each table's probability under no effect, given its total number of successes: the
    # hypergeometric pmf, from log binomial coefficients (scipy's pmf is slow on a large grid)
    null = np.exp(_log_choose(n_c, k_c) + _log_choose(n_t, k_t) - _log_choose(n_c + n_t, k_c + k_t))
    reject = np.zeros_like(outcome, dtype=bool)
    tolerance = 1 + 1e-7   # ties in probability count as "no likelier", as in scipy
    for total in range(1, n_c + n_t):   # all-failure and all-success tables give p = 1
        rows = np.arange(max(0, total - n_t), min(n_c, total) + 1)
        pmf = null[rows, total - rows]
        ordered = np.sort(pmf)
        below = np.concatenate([[0.0], np.cumsum(ordered)])
        p_values = below[np.searchsorted(ordered, pmf * tolerance, side="right")]
        reject[rows, total - rows] = p_values <= a
    return float(min(outcome[reject].sum(), 1.0))


def rate_ratio_ci(successes_a: int, trials_a: int, successes_b: int, trials_b: int,
                  confidence: float = 0.95) -> tuple[float, float, float]:
    """Ratio of two rates (B / A) with the log-scale (Katz) interval.

    The relative lift is this ratio minus one. Its interval is built on the log
    scale, where the ratio's sampling distribution is close to normal:
    ``exp(log(ratio) +/- z * sqrt(1/s_a - 1/n_a + 1/s_b - 1/n_b))``
    (statsmodels ``confint_proportions_2indep(compare="ratio", method="log")``).
    Both arms need at least one success.

    Returns
    -------
    tuple of float
        ``(ratio, low, high)``.

    Examples
    --------
    >>> ratio, low, high = rate_ratio_ci(3, 50, 13, 50)
    >>> round(ratio, 2), round(low, 2), round(high, 2)
    (4.33, 1.31, 14.28)
    """
    sa, ta = _check_pair(successes_a, trials_a, "successes_a", "trials_a")
    sb, tb = _check_pair(successes_b, trials_b, "successes_b", "trials_b")
    conf = _check_open_unit("confidence", confidence)
    if sa == 0 or sb == 0:
        raise ValueError("both arms need at least one success for a ratio on the log scale; "
                         "report the difference and its Newcombe interval instead")
    low, high = confint_proportions_2indep(sb, tb, sa, ta, compare="ratio", method="log",
                                           alpha=1 - conf)
    return (sb / tb) / (sa / ta), float(low), float(high)


def srm_test(observed_counts: Sequence[int], expected_shares: Sequence[float]) -> float:
    """Sample-ratio-mismatch check: chi-square p-value of counts against planned shares.

    A tiny p-value (say below 0.001) means assignment did not split users as
    planned, so the experiment's comparisons cannot be trusted until the cause
    is found.

    Examples
    --------
    >>> round(srm_test([5000, 5000], [0.5, 0.5]), 3)
    1.0
    """
    counts = [_check_count(f"observed_counts[{i}]", c) for i, c in enumerate(observed_counts)]
    shares = [float(s) for s in expected_shares]
    if len(counts) < 2:
        raise ValueError("observed_counts needs at least two arms")
    if len(shares) != len(counts):
        raise ValueError(
            f"expected_shares has {len(shares)} entries but observed_counts has {len(counts)}"
        )
    if any(not 0 < s < 1 for s in shares):
        raise ValueError("expected_shares must each be strictly between 0 and 1")
    if not math.isclose(sum(shares), 1.0, abs_tol=1e-6):
        raise ValueError(f"expected_shares must sum to 1, they sum to {sum(shares):.6g}")
    total = sum(counts)
    if total == 0:
        raise ValueError("observed_counts must not all be zero")
    expected = np.asarray(shares) * total
    return float(_sps.chisquare(counts, f_exp=expected).pvalue)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values (family-wise error control), in the input order.

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03])
    [0.03, 0.06, 0.06]
    """
    ps = [float(p) for p in p_values]
    if not ps:
        raise ValueError("p_values must not be empty")
    if any(not 0 <= p <= 1 or math.isnan(p) for p in ps):
        raise ValueError("p_values must each be between 0 and 1")
    adjusted = multipletests(ps, method="holm")[1]
    return [round(float(p), 12) for p in adjusted]


def rate_table(frame, group: str, outcome: str, confidence: float = 0.95, order=None):
    """Per-group rate of a 0/1 outcome with Wilson intervals, as a DataFrame.

    Columns: ``group``, ``n``, ``successes``, ``rate``, ``ci_low``, ``ci_high``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"arm": ["a", "a", "b", "b"], "y": [0, 1, 1, 1]})
    >>> rate_table(df, "arm", "y")["rate"].tolist()
    [0.5, 1.0]
    """
    import pandas as pd

    if group not in frame.columns or outcome not in frame.columns:
        raise ValueError(f"frame needs columns {group!r} and {outcome!r}; it has {list(frame.columns)}")
    counts = frame.groupby(group, sort=order is None)[outcome].agg(["size", "sum"])
    if order is not None:
        counts = counts.reindex(list(order)).dropna()
    rows = []
    for key, (n, s) in counts.iterrows():
        low, high = proportion_ci(int(s), int(n), confidence)
        rows.append({group: key, "n": int(n), "successes": int(s), "rate": s / n,
                     "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows)
