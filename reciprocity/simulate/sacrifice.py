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
"""
from __future__ import annotations

from numbers import Real
from typing import Sequence

import numpy as np
import pandas as pd

from ._common import check_positive_int, check_probability, make_rng

__all__ = [
    "DEFAULT_BASE_RATE",
    "DEFAULT_MAX_RELATIVE_LIFT",
    "DEFAULT_HALF_SATURATION",
    "perceived_sacrifice",
    "signup_probability",
    "simulate_sacrifice_test",
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
