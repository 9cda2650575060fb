"""Perceived sacrifice and the response to a gift (insight 13).

The more a recipient believes the giver gave up, the more obliged they feel.
Online the cost of a gift is usually invisible (a reader sees the finished
post, not the hours behind it), so the model asks what happens when the giver
*discloses* the effort:

    perceived sacrifice = credibility * hours / (hours + half_saturation)
    sign-up probability = base_rate * (1 + max_relative_lift * perceived sacrifice)

Perceived sacrifice runs from 0 to 1. It grows with the hours disclosed, with
diminishing returns (the first ten hours impress more than the tenth ten), and
is scaled by how believable the disclosure is. Everything here is *simulated*.

This is a small teaching model for the chapter's explorer. The four-arm blog
experiment used by the content lab lives in
:func:`reciprocity.simulate.content_test.simulate_content_test`; the defaults
here are chosen to agree with its effort arm (see :func:`signup_probability`).

The explorer and the chapter show one seeded two-arm test, no banner against a
banner, at every setting of the explorer's sliders (:func:`banner_test_grid`,
:func:`banner_test`), and the same test run with other seeds
(:func:`banner_test_replications`) to show how much one test varies.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from numbers import Real

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import confint_proportions_2indep

from ..stats import ProportionComparison, compare_proportions
from ._common import check_positive_int, check_probability, make_rng

__all__ = [
    "DEFAULT_BASE_RATE",
    "DEFAULT_MAX_RELATIVE_LIFT",
    "DEFAULT_HALF_SATURATION",
    "perceived_sacrifice",
    "signup_probability",
    "simulate_sacrifice_test",
    "GRID_HOURS",
    "GRID_CREDIBILITY",
    "GRID_BASE_RATES",
    "BANNER_TEST_VISITORS",
    "BANNER_TEST_SEED",
    "N_REPLICATIONS",
    "banner_test_counts",
    "banner_test_grid",
    "banner_test",
    "banner_test_replications",
]

#: Sign-up rate with no disclosure, as in the plain arm of the content test.
DEFAULT_BASE_RATE = 0.04
#: Relative lift at the largest possible perceived sacrifice (1.0).
DEFAULT_MAX_RELATIVE_LIFT = 0.40
#: Hours at which perceived sacrifice reaches half its maximum.
DEFAULT_HALF_SATURATION = 20.0


def _check_hours(value) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"hours must be a finite number of hours, 0 or more (or an array of them), got {value!r}")
    return arr


def _check_unit(name: str, value) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any((arr < 0) | (arr > 1)):
        raise ValueError(f"{name} must be between 0 and 1 (or an array of such values), got {value!r}")
    return arr


def _check_positive(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _scalar_or_array(out: np.ndarray):
    return float(out) if out.ndim == 0 else out


def perceived_sacrifice(hours, credibility=1.0, half_saturation: float = DEFAULT_HALF_SATURATION):
    """How much the recipient believes the giver gave up, from 0 to 1.

    ``credibility * hours / (hours + half_saturation)``; vectorised over arrays.

    Parameters
    ----------
    hours : hours of effort disclosed, 0 or more (0 = nothing disclosed).
    credibility : 0-1, how believable the disclosure is (0 = dismissed as a boast).
    half_saturation : hours at which a fully credible disclosure reaches 0.5.

    Examples
    --------
    >>> perceived_sacrifice(20, 1.0)          # half way at the half-saturation point
    0.5
    >>> perceived_sacrifice(60, 0.5)          # 0.5 * 60 / 80
    0.375
    """
    h = _check_hours(hours)
    c = _check_unit("credibility", credibility)
    k = _check_positive("half_saturation", half_saturation)
    return _scalar_or_array(c * h / (h + k))


def signup_probability(hours, credibility=1.0, base_rate: float = DEFAULT_BASE_RATE,
                       max_relative_lift: float = DEFAULT_MAX_RELATIVE_LIFT,
                       half_saturation: float = DEFAULT_HALF_SATURATION):
    """Sign-up probability after an effort disclosure (vectorised).

    ``base_rate * (1 + max_relative_lift * perceived_sacrifice(hours, credibility))``.

    Calibration: with the defaults, a disclosure of 50 hours at credibility 0.7
    gives a relative lift of 0.40 * 0.7 * 50 / 70 = 20%, that is 4.0% -> 4.8%,
    matching the illustrative effort arm of the content-test simulation. No
    published field experiment gives these numbers; the direction follows the
    research on the donor's cost and felt obligation (Tesser et al. 1968;
    Greenberg 1980).

    Assumptions
    -----------
    * Disclosure never hurts: an implausible claim simply has no effect. (Real
      readers may punish an obvious boast; the model does not.)
    * Diminishing returns in hours; no effect without disclosure.

    Examples
    --------
    >>> round(signup_probability(50, 0.7), 4)
    0.048
    >>> signup_probability(0, 1.0)       # nothing disclosed: the base rate
    0.04
    """
    b = check_probability("base_rate", base_rate)
    lift = max_relative_lift
    if isinstance(lift, bool) or not isinstance(lift, Real) or not np.isfinite(lift) or lift < 0:
        raise ValueError(f"max_relative_lift must be a number, 0 or more, got {lift!r}")
    if b * (1 + lift) > 1:
        raise ValueError("base_rate * (1 + max_relative_lift) must not exceed 1; lower one of them")
    p = b * (1 + lift * np.asarray(perceived_sacrifice(hours, credibility, half_saturation)))
    return _scalar_or_array(p)


def simulate_sacrifice_test(n_visitors: int = 10_000, hours_levels: Sequence[float] = (0, 5, 20, 50, 100),
                            credibility: float = 0.7, base_rate: float = DEFAULT_BASE_RATE,
                            max_relative_lift: float = DEFAULT_MAX_RELATIVE_LIFT,
                            half_saturation: float = DEFAULT_HALF_SATURATION,
                            seed=None, rng=None) -> pd.DataFrame:
    """Simulate a dose-response test: visitors see a banner disclosing different hours of effort.

    Each visitor is randomly assigned (equal chances) to one of
    ``hours_levels`` (0 means no banner) and signs up with the probability of
    :func:`signup_probability` for that level, independently of others.

    Parameters
    ----------
    n_visitors : int, at least 1
    hours_levels : non-empty sequence of hours (each 0 or more), one per arm
    credibility, base_rate, max_relative_lift, half_saturation : see :func:`signup_probability`
    seed, rng : an int seed or a ``numpy.random.Generator`` (exactly one)

    Returns
    -------
    pandas.DataFrame
        One row per visitor: ``visitor_id``, ``hours_disclosed`` (float),
        ``signed_up`` (0/1).

    Examples
    --------
    >>> df = simulate_sacrifice_test(2000, seed=13)
    >>> sorted(df["hours_disclosed"].unique().tolist())
    [0.0, 5.0, 20.0, 50.0, 100.0]
    """
    n = check_positive_int("n_visitors", n_visitors)
    if isinstance(hours_levels, (str, bytes, Real)) or len(hours_levels) == 0:
        raise ValueError(f"hours_levels must be a non-empty sequence of hours, got {hours_levels!r}")
    levels = _check_hours(list(hours_levels))
    c = float(_check_unit("credibility", credibility))
    probs = signup_probability(levels, c, base_rate, max_relative_lift, half_saturation)
    gen = make_rng(seed, rng)
    arm = gen.integers(0, len(levels), size=n)
    signed = (gen.random(n) < np.atleast_1d(probs)[arm]).astype(int)
    return pd.DataFrame({"visitor_id": np.arange(1, n + 1), "hours_disclosed": levels[arm],
                         "signed_up": signed})


# ------------------------------------------------- the banner test of chapter 13

#: The explorer's slider grids: hours disclosed, credibility, sign-up rate without a banner.
GRID_HOURS = tuple(range(0, 101, 5))
GRID_CREDIBILITY = tuple(round(c / 10, 1) for c in range(11))
GRID_BASE_RATES = tuple(round(b / 100, 2) for b in range(1, 11))
#: The simulated test: visitors split at random between no banner and the
#: banner, as many per arm as in the chapter's content test. The seed is the
#: one first chosen for chapter 13, kept whatever its draw shows (not swapped
#: for a tidier one): a single seeded test can miss the effect the model builds
#: in, and :func:`banner_test_replications` shows how much one test varies.
BANNER_TEST_VISITORS = 30_000
BANNER_TEST_SEED = 1313
#: How many other seeds (1, 2, ...) :func:`banner_test_replications` runs the test with.
N_REPLICATIONS = 500


def banner_test_counts(hours: float, credibility: float, base_rate: float,
                       seed: int = BANNER_TEST_SEED) -> tuple[int, int, int, int]:
    """Sign-ups and visitors without and with the banner in one seeded simulated test.

    The test is :func:`simulate_sacrifice_test` with ``hours_levels=(0, hours)``
    and :data:`BANNER_TEST_VISITORS` visitors. Its first draw is the arm
    (0 = no banner); with ``hours=0`` both arms show 0 hours, so the arms are
    read from that draw.

    Returns
    -------
    tuple of int
        ``(sign-ups without, visitors without, sign-ups with, visitors with)``,
        the order :func:`reciprocity.stats.compare_proportions` takes.

    Examples
    --------
    >>> k_a, n_a, k_b, n_b = banner_test_counts(50, 0.7, 0.04)
    >>> n_a + n_b
    30000
    """
    test = simulate_sacrifice_test(BANNER_TEST_VISITORS, (0, hours), credibility, base_rate, seed=seed)
    arm = make_rng(seed).integers(0, 2, size=BANNER_TEST_VISITORS)
    signed = test["signed_up"].to_numpy()
    return (int(signed[arm == 0].sum()), int((arm == 0).sum()),
            int(signed[arm == 1].sum()), int((arm == 1).sum()))


@lru_cache(maxsize=1)
def banner_test_grid() -> dict:
    """The seeded banner test (seed :data:`BANNER_TEST_SEED`) at every point of the slider grid.

    Exactly what :func:`banner_test_counts` gives for each setting of
    :data:`GRID_HOURS`, :data:`GRID_CREDIBILITY` and :data:`GRID_BASE_RATES`:
    the random draws do not depend on the settings, so one set of draws serves
    the whole grid (and the result moves smoothly with a slider).

    Returns
    -------
    dict
        ``n_plain`` and ``n_banner`` (visitors per arm), ``plain`` (sign-ups
        without a banner, one per base rate) and ``banner`` (sign-ups with it,
        indexed ``[hours, credibility, base rate]``).
    """
    gen = make_rng(BANNER_TEST_SEED)
    arm = gen.integers(0, 2, size=BANNER_TEST_VISITORS)
    draws = gen.random(BANNER_TEST_VISITORS)
    plain, banner = np.sort(draws[arm == 0]), np.sort(draws[arm == 1])
    h, c = np.meshgrid(np.asarray(GRID_HOURS, dtype=float), np.asarray(GRID_CREDIBILITY), indexing="ij")
    rates = np.stack([signup_probability(h, c, base_rate) for base_rate in GRID_BASE_RATES], axis=-1)
    return {"n_plain": int(plain.size), "n_banner": int(banner.size),
            "plain": np.searchsorted(plain, np.asarray(GRID_BASE_RATES), side="left"),
            "banner": np.searchsorted(banner, rates, side="left")}


def _grid_index(name: str, grid: tuple, value: float) -> int:
    if value not in grid:
        raise ValueError(f"{name} must be one of the explorer's settings {list(grid)}, got {value!r}")
    return grid.index(value)


def banner_test(hours: int, credibility: float, base_rate: float) -> ProportionComparison:
    """The seeded banner test at one setting of the grid: no banner (A) against the banner (B).

    Parameters
    ----------
    hours : one of :data:`GRID_HOURS`
    credibility : one of :data:`GRID_CREDIBILITY`
    base_rate : one of :data:`GRID_BASE_RATES`

    Returns
    -------
    reciprocity.stats.ProportionComparison
        Rates, difference and Newcombe interval, as chapter 13 and its explorer show them.

    Examples
    --------
    >>> result = banner_test(50, 0.7, 0.04)
    >>> bool(result.ci[0] < result.difference < result.ci[1])
    True
    """
    grid = banner_test_grid()
    i = _grid_index("hours", GRID_HOURS, hours)
    j = _grid_index("credibility", GRID_CREDIBILITY, credibility)
    k = _grid_index("base_rate", GRID_BASE_RATES, base_rate)
    return compare_proportions(int(grid["plain"][k]), grid["n_plain"], int(grid["banner"][i, j, k]),
                               grid["n_banner"])


def banner_test_replications(hours: float, credibility: float, base_rate: float,
                             n_replications: int = N_REPLICATIONS) -> pd.DataFrame:
    """The banner test run again with seeds 1, 2, ..., ``n_replications``.

    Each replication is exactly the test :func:`banner_test_counts` runs with
    seed :data:`BANNER_TEST_SEED` (:data:`BANNER_TEST_VISITORS` visitors, no
    banner against the banner), with another seed: the spread of the rows is
    how much one simulated test varies from draw to draw at these settings.

    Returns
    -------
    pandas.DataFrame
        One row per seed: ``seed``, ``difference`` (banner minus no banner, a
        proportion), ``ci_low`` and ``ci_high`` (95% Newcombe interval, as in
        :func:`reciprocity.stats.compare_proportions`) and ``excludes_zero``.

    Examples
    --------
    >>> banner_test_replications(50, 0.7, 0.04, n_replications=3)["seed"].tolist()
    [1, 2, 3]
    """
    if isinstance(n_replications, bool) or not isinstance(n_replications, int) or n_replications < 1:
        raise ValueError(f"n_replications must be a positive integer, got {n_replications!r}")
    seeds = np.arange(1, n_replications + 1)
    k_a, n_a, k_b, n_b = (np.array(column) for column in
                          zip(*(banner_test_counts(hours, credibility, base_rate, int(seed)) for seed in seeds),
                              strict=True))
    low, high = confint_proportions_2indep(k_b, n_b, k_a, n_a, method="newcomb", compare="diff", alpha=0.05)
    low, high = np.maximum(np.asarray(low, dtype=float), -1.0), np.minimum(np.asarray(high, dtype=float), 1.0)
    return pd.DataFrame({"seed": seeds, "difference": k_b / n_b - k_a / n_a, "ci_low": low, "ci_high": high,
                         "excludes_zero": (low > 0) | (high < 0)})
