"""Repayment from a personal norm and from social pressure (insight 6).

A two-engine model of why people return a favour:

* some people hold reciprocity as a **personal norm** and repay whether or not
  anyone is watching;
* of the rest, some respond to **social pressure**: they repay only if the
  exchange is visible to someone whose opinion matters.

With ``n`` the share holding the norm, ``r`` the share of the others who
respond to pressure, and ``v`` the visibility of the exchange (the chance
that it is seen), the repayment rate is

    repayment = n + (1 - n) * r * v

so in the model anonymity (``v = 0``) lowers repayment to ``n`` and no
further. That is a property of the formula, not a finding. Direct tests of
reciprocity (Whatley et al. 1999; Burger et al. 2009) report that a favour
raises repayment even when nobody can find out, which is consistent with
``n > 0``; they do not estimate ``n`` or ``r``. Everything here is
*simulated*; the defaults are illustrative assumptions (see
:func:`simulate_repayment`).
"""
from __future__ import annotations

from collections.abc import Sequence
from numbers import Real

import numpy as np
import pandas as pd

from ._common import check_positive_int, check_probability, make_rng

__all__ = [
    "DEFAULT_PERSONAL_NORM",
    "DEFAULT_PRESSURE_RESPONSE",
    "MOTIVES",
    "repayment_rate",
    "decompose_repayment",
    "simulate_repayment",
]

#: Assumed share who hold the personal norm and repay with no audience: an
#: illustrative value, not an estimate. No study cited by the course measures
#: it. The base rates of prosocial behaviour in chapter 6 (turnout with no
#: letter, replies to out-of-district senders, cooperation in anonymous groups,
#: charity gifts) involved no favour and do not measure it either.
DEFAULT_PERSONAL_NORM = 0.30

#: Assumed share of the others who repay when seen: an illustrative value,
#: not an estimate. With the default personal norm, full visibility gives
#: 0.30 + 0.70 * 0.35 = 54.5% by arithmetic.
DEFAULT_PRESSURE_RESPONSE = 0.35

#: Why a simulated person repaid (or did not).
MOTIVES = ("personal norm", "social pressure", "none")


def _check_array_probability(name: str, value) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any((arr < 0) | (arr > 1)):
        raise ValueError(f"{name} must be a probability between 0 and 1 (or an array of them), got {value!r}")
    return arr


def repayment_rate(personal_norm=DEFAULT_PERSONAL_NORM, pressure_response=DEFAULT_PRESSURE_RESPONSE,
                   visibility=1.0):
    """Expected repayment rate ``n + (1 - n) * r * v`` (vectorised over numpy arrays).

    Parameters
    ----------
    personal_norm : share holding reciprocity as a personal norm, 0-1.
    pressure_response : share of the others who repay when the exchange is seen, 0-1.
    visibility : chance that the exchange is seen by someone who matters, 0-1.

    Returns
    -------
    float or numpy.ndarray
        A float when all inputs are scalars.

    Examples
    --------
    >>> repayment_rate(0.3, 0.5, 0.0)     # anonymity: only the personal norm is left
    0.3
    >>> round(repayment_rate(0.3, 0.5, 1.0), 2)   # 0.3 + 0.7 * 0.5
    0.65
    """
    n = _check_array_probability("personal_norm", personal_norm)
    r = _check_array_probability("pressure_response", pressure_response)
    v = _check_array_probability("visibility", visibility)
    out = n + (1 - n) * r * v
    return float(out) if out.ndim == 0 else out


def decompose_repayment(personal_norm: float = DEFAULT_PERSONAL_NORM,
                        pressure_response: float = DEFAULT_PRESSURE_RESPONSE,
                        visibility: float = 1.0) -> dict[str, float]:
    """Split the expected repayment rate into its internalised and social-pressure parts.

    Returns
    -------
    dict
        ``internalised`` (= personal_norm), ``social_pressure``
        (= (1 - n) * r * v), ``total`` (their sum) and ``internalised_share``
        (internalised / total; 0 when nobody repays).

    Examples
    --------
    >>> parts = decompose_repayment(0.3, 0.5, 1.0)
    >>> round(parts["social_pressure"], 2), round(parts["internalised_share"], 3)
    (0.35, 0.462)
    """
    n = check_probability("personal_norm", personal_norm)
    r = check_probability("pressure_response", pressure_response)
    v = check_probability("visibility", visibility)
    pressure = (1 - n) * r * v
    total = n + pressure
    return {"internalised": n, "social_pressure": pressure, "total": total,
            "internalised_share": n / total if total > 0 else 0.0}


def simulate_repayment(n_people: int = 2000, personal_norm: float = DEFAULT_PERSONAL_NORM,
                       pressure_response: float = DEFAULT_PRESSURE_RESPONSE,
                       visibility: Sequence[float] = (0.0, 1.0), seed=None, rng=None) -> pd.DataFrame:
    """Simulate who repays a favour under randomly assigned levels of visibility.

    Each person is assigned at random (equal chances) to one of the
    ``visibility`` levels. They hold the personal norm with probability
    ``personal_norm``; if they do, they repay. If not, the exchange is seen
    with probability equal to their visibility level, and if it is seen they
    repay with probability ``pressure_response``.

    Assumptions
    -----------
    * The two engines are independent: holding the norm does not change how
      someone reacts to being seen, and visibility does not change the norm.
    * Everyone received the same favour; only visibility differs.
    * Everyone counted as repaying would otherwise have done nothing: there is
      no no-favour arm, so people who would have helped anyway are not
      separated out, as a direct test would do.
    * The defaults are illustrative assumptions, not calibrated to data: they
      give 30% repayment in private and 54.5% in full view. Whatley et al.
      (1999) report that a favour raised pledges in private and more in public,
      and Burger et al. (2009) that it raised compliance whether or not the
      requester would know; the model reproduces that direction by
      construction whenever ``n`` and ``r`` are above zero, so it cannot
      confirm those results.

    Parameters
    ----------
    n_people : int, at least 1
    personal_norm, pressure_response : probabilities between 0 and 1
    visibility : sequence of visibility levels (each 0-1), one per condition, at least one
    seed, rng : an int seed or a ``numpy.random.Generator`` (exactly one)

    Returns
    -------
    pandas.DataFrame
        One row per person: ``person_id``, ``visibility`` (the assigned level),
        ``holds_norm`` (0/1), ``seen`` (0/1), ``repaid`` (0/1) and ``motive``
        (one of :data:`MOTIVES`). ``holds_norm``, ``seen`` and ``motive`` are
        hidden in real data; the simulation shows them for teaching.

    Examples
    --------
    >>> df = simulate_repayment(4000, seed=1999)
    >>> rates = df.groupby("visibility")["repaid"].mean()
    >>> bool(rates[1.0] > rates[0.0] > 0)
    True
    """
    n = check_positive_int("n_people", n_people)
    p_norm = check_probability("personal_norm", personal_norm)
    p_press = check_probability("pressure_response", pressure_response)
    if isinstance(visibility, (str, bytes, Real)) \
            or not isinstance(visibility, (Sequence, np.ndarray)) or len(visibility) == 0:
        raise ValueError("visibility must be a non-empty sequence of levels between 0 and 1, "
                         f"e.g. (0.0, 1.0); got {visibility!r}")
    levels = np.array([check_probability(f"visibility[{i}]", v) for i, v in enumerate(visibility)])
    gen = make_rng(seed, rng)
    level = levels[gen.integers(0, len(levels), size=n)]
    holds = gen.random(n) < p_norm
    seen = gen.random(n) < level
    yields = gen.random(n) < p_press
    pressured = ~holds & seen & yields
    repaid = holds | pressured
    motive = np.where(holds, MOTIVES[0], np.where(pressured, MOTIVES[1], MOTIVES[2]))
    return pd.DataFrame({
        "person_id": np.arange(1, n + 1),
        "visibility": level,
        "holds_norm": holds.astype(int),
        "seen": seen.astype(int),
        "repaid": repaid.astype(int),
        "motive": motive,
    })
