"""Social value orientation: the SVO angle and who returns a favour (insight 5).

Two parts:

* **Measurement** (not simulated): :func:`svo_angle` and :func:`classify_svo`
  implement the scoring of the SVO slider measure of Murphy, Ackermann and
  Handgraaf (2011). :data:`SLIDER_ITEMS` holds its six primary items.
* **Simulation**: :func:`simulate_favour_returns` draws a population with a
  chosen mix of prosocials, individualists and competitors and records who
  returns a favour, with and without a future benefit for doing so.
  :func:`expected_return_rates` gives the same rates without sampling noise.

The type-specific return probabilities are *assumptions* for teaching, not
published estimates: see :data:`DEFAULT_RETURN_RATES`.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from numbers import Real

import numpy as np
import pandas as pd

from ._common import check_positive_int, check_probability, make_rng

__all__ = [
    "SVO_TYPES",
    "SVO_BOUNDARIES",
    "SLIDER_ITEMS",
    "REPORTED_MIX",
    "DEFAULT_RETURN_RATES",
    "svo_angle",
    "classify_svo",
    "slider_payoffs",
    "choose_positions",
    "expected_return_rates",
    "simulate_favour_returns",
]

#: The three orientations the simulation uses, from most to least cooperative.
SVO_TYPES = ("prosocial", "individualist", "competitor")

#: Category boundaries of the SVO angle in degrees (Murphy et al. 2011).
SVO_BOUNDARIES = {"altruist": 57.15, "prosocial": 22.45, "individualist": -12.04}

#: The six primary items of the SVO slider measure: for each item, the payoff
#: to oneself and to the other person at each of the nine slider positions.
SLIDER_ITEMS: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = (
    ((85, 85, 85, 85, 85, 85, 85, 85, 85), (85, 76, 68, 59, 50, 41, 33, 24, 15)),
    ((85, 87, 89, 91, 93, 94, 96, 98, 100), (15, 19, 24, 28, 33, 37, 41, 46, 50)),
    ((50, 54, 59, 63, 68, 72, 76, 81, 85), (100, 98, 96, 94, 93, 91, 89, 87, 85)),
    ((50, 54, 59, 63, 68, 72, 76, 81, 85), (100, 89, 79, 68, 58, 47, 36, 26, 15)),
    ((100, 94, 88, 81, 75, 69, 63, 56, 50), (50, 56, 63, 69, 75, 81, 88, 94, 100)),
    ((100, 98, 96, 94, 93, 91, 89, 87, 85), (50, 54, 59, 63, 68, 72, 76, 81, 85)),
)

#: Shares often quoted for student samples: about half prosocial, a third
#: individualist, a tenth competitive (reported; the rest are unclassified).
#: Normalised here so the three shares sum to one.
REPORTED_MIX = {"prosocial": 0.50 / 0.93, "individualist": 0.33 / 0.93, "competitor": 0.10 / 0.93}

#: Assumed probability of returning a favour, by type, in a one-off encounter
#: (``"one_off"``) and when returning it brings a future benefit (``"future"``).
#: Illustrative assumptions, not estimates: only their order is reported
#: (Van Lange et al. 1997). They were chosen so that the reported mix gives
#: population rates near Broockman's (2013) 28.7% and 56.1% reply rates, to keep
#: the numbers in a plausible range. Broockman measured legislators' replies
#: under an electoral incentive, not orientations or repaid favours, so the
#: closeness is built in and confirms nothing.
DEFAULT_RETURN_RATES = {
    "prosocial": {"one_off": 0.45, "future": 0.70},
    "individualist": {"one_off": 0.12, "future": 0.50},
    "competitor": {"one_off": 0.03, "future": 0.20},
}


def _as_payoffs(name: str, values) -> np.ndarray:
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray, pd.Series)):
        raise ValueError(f"{name} must be a sequence of numbers, got {type(values).__name__}")
    arr = np.asarray(values, dtype=float) if len(values) else np.array([])
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty one-dimensional sequence of numbers, got {values!r}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must hold finite numbers only, got {values!r}")
    return arr


def svo_angle(self_payoffs: Sequence[float], other_payoffs: Sequence[float]) -> float:
    """The SVO angle, in degrees, of a set of allocation choices.

    With :math:`\\bar s` and :math:`\\bar o` the mean payoffs a person chose for
    themselves and for the other person, the angle is
    :math:`\\arctan\\big((\\bar o - 50) / (\\bar s - 50)\\big)` in degrees
    (Murphy, Ackermann & Handgraaf 2011): 0° means caring only about one's own
    payoff, 45° caring about both equally, negative angles wanting the other to
    get less. The point (50, 50) is the centre of the slider measure's circle.

    The angle is computed with ``atan2``, which equals the published formula
    whenever the mean own payoff exceeds 50 (always true for the six primary
    slider items) and stays defined at exactly 50 (giving ±90°).

    Parameters
    ----------
    self_payoffs, other_payoffs : sequences of numbers, same non-zero length
        The chosen payoff to oneself and to the other, one entry per item.

    Returns
    -------
    float
        The angle in degrees.

    Raises
    ------
    ValueError
        If the sequences are empty, differ in length, hold non-finite values, or
        both means equal 50 (no direction is defined).

    Examples
    --------
    >>> round(svo_angle([85], [85]), 2)      # equal split at the top right
    45.0
    >>> round(svo_angle([100, 100], [50, 50]), 2)   # all for me, nothing extra for them
    0.0
    """
    s = _as_payoffs("self_payoffs", self_payoffs)
    o = _as_payoffs("other_payoffs", other_payoffs)
    if s.size != o.size:
        raise ValueError(f"self_payoffs and other_payoffs must have the same length, "
                         f"got {s.size} and {o.size}")
    dx, dy = float(s.mean()) - 50.0, float(o.mean()) - 50.0
    if dx == 0 and dy == 0:
        raise ValueError("both mean payoffs equal 50, so the SVO angle is undefined")
    return math.degrees(math.atan2(dy, dx))


def classify_svo(angle: float) -> str:
    """The SVO category of an angle, by the thresholds of Murphy et al. (2011).

    ``"altruist"`` above 57.15°, ``"prosocial"`` above 22.45° up to 57.15°,
    ``"individualist"`` from -12.04° up to 22.45°, ``"competitor"`` below
    -12.04°. (An angle exactly on a boundary goes to the less prosocial side of
    the upper boundaries; such ties have no practical weight.)

    Parameters
    ----------
    angle : float
        An SVO angle in degrees, between -180 and 180.

    Examples
    --------
    >>> classify_svo(45.0), classify_svo(0.0), classify_svo(-20.0), classify_svo(60.0)
    ('prosocial', 'individualist', 'competitor', 'altruist')
    """
    if isinstance(angle, bool) or not isinstance(angle, Real) or not math.isfinite(angle) \
            or not -180 <= angle <= 180:
        raise ValueError(f"angle must be a finite number of degrees between -180 and 180, got {angle!r}")
    if angle > SVO_BOUNDARIES["altruist"]:
        return "altruist"
    if angle > SVO_BOUNDARIES["prosocial"]:
        return "prosocial"
    if angle >= SVO_BOUNDARIES["individualist"]:
        return "individualist"
    return "competitor"


def slider_payoffs(positions: Sequence[int]) -> tuple[list[int], list[int]]:
    """Payoffs to self and other for a position (0-8) on each of the six primary items.

    Examples
    --------
    >>> slider_payoffs([0, 0, 0, 0, 0, 0])[0]
    [85, 85, 50, 50, 100, 100]
    """
    if isinstance(positions, (str, bytes)) or len(positions) != len(SLIDER_ITEMS):
        raise ValueError(f"positions must hold one slider position per item ({len(SLIDER_ITEMS)} items), "
                         f"got {positions!r}")
    selves, others = [], []
    for i, (pos, (item_self, item_other)) in enumerate(zip(positions, SLIDER_ITEMS, strict=True)):
        if isinstance(pos, bool) or not isinstance(pos, (int, np.integer)) or not 0 <= pos <= 8:
            raise ValueError(f"positions[{i}] must be an integer from 0 to 8, got {pos!r}")
        selves.append(item_self[pos])
        others.append(item_other[pos])
    return selves, others


def choose_positions(true_angle: float) -> list[int]:
    """Slider positions a person with a given "true" SVO angle would choose.

    The person weighs their own payoff by ``cos(angle)`` and the other's by
    ``sin(angle)`` and, on each of the six primary items, picks the position
    with the highest weighted sum (the first one on a tie). This is a model of
    a consistent respondent, used to show how well the measure recovers an
    orientation; real answers are noisier.

    Parameters
    ----------
    true_angle : float, degrees between -180 and 180

    Examples
    --------
    >>> choose_positions(40.0)      # cares about both, a little more about self
    [0, 8, 8, 0, 0, 8]
    """
    if isinstance(true_angle, bool) or not isinstance(true_angle, Real) \
            or not math.isfinite(true_angle) or not -180 <= true_angle <= 180:
        raise ValueError(f"true_angle must be a number of degrees between -180 and 180, got {true_angle!r}")
    w_self, w_other = math.cos(math.radians(true_angle)), math.sin(math.radians(true_angle))
    positions = []
    for item_self, item_other in SLIDER_ITEMS:
        utility = [w_self * s + w_other * o for s, o in zip(item_self, item_other, strict=True)]
        positions.append(int(np.argmax(utility)))
    return positions


def _check_mix(mix: Mapping[str, float]) -> dict[str, float]:
    if not isinstance(mix, Mapping) or set(mix) != set(SVO_TYPES):
        raise ValueError(f"mix must be a mapping with exactly the keys {list(SVO_TYPES)}, got {mix!r}")
    shares = {k: check_probability(f"mix[{k!r}]", mix[k]) for k in SVO_TYPES}
    if not math.isclose(sum(shares.values()), 1.0, abs_tol=1e-6):
        raise ValueError(f"mix shares must sum to 1, got shares that sum to {sum(shares.values()):.6g}")
    return shares


def _check_rates(return_rates: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float]]:
    if not isinstance(return_rates, Mapping) or set(return_rates) != set(SVO_TYPES):
        raise ValueError(f"return_rates must be a mapping with exactly the keys {list(SVO_TYPES)}, "
                         f"got {return_rates!r}")
    out = {}
    for k in SVO_TYPES:
        r = return_rates[k]
        if not isinstance(r, Mapping) or set(r) != {"one_off", "future"}:
            raise ValueError(f"return_rates[{k!r}] must be a mapping with keys 'one_off' and 'future', "
                             f"got {r!r}")
        out[k] = {c: check_probability(f"return_rates[{k!r}][{c!r}]", r[c]) for c in ("one_off", "future")}
    return out


def expected_return_rates(mix: Mapping[str, float] | None = None,
                          return_rates: Mapping[str, Mapping[str, float]] | None = None) -> pd.DataFrame:
    """Expected share returning a favour, by type and overall, without sampling noise.

    The population rate in each condition is the mix-weighted mean of the
    type rates.

    Parameters
    ----------
    mix : shares of ``"prosocial"``, ``"individualist"``, ``"competitor"``
        summing to 1; :data:`REPORTED_MIX` by default.
    return_rates : per type, the probability of returning a favour
        ``"one_off"`` and with a ``"future"`` benefit; :data:`DEFAULT_RETURN_RATES` by default.

    Returns
    -------
    pandas.DataFrame
        Columns ``group`` (the three types then ``"population"``), ``share``,
        ``one_off``, ``future``, and ``contribution_one_off`` /
        ``contribution_future`` (share x rate: each type's part of the population rate).

    Examples
    --------
    >>> mix = {"prosocial": 1.0, "individualist": 0.0, "competitor": 0.0}
    >>> table = expected_return_rates(mix)
    >>> float(table.set_index("group").loc["population", "one_off"])
    0.45
    """
    shares = _check_mix(REPORTED_MIX if mix is None else mix)
    rates = _check_rates(DEFAULT_RETURN_RATES if return_rates is None else return_rates)
    rows = [{"group": k, "share": shares[k], "one_off": rates[k]["one_off"],
             "future": rates[k]["future"],
             "contribution_one_off": shares[k] * rates[k]["one_off"],
             "contribution_future": shares[k] * rates[k]["future"]} for k in SVO_TYPES]
    one_off = sum(r["contribution_one_off"] for r in rows)
    future = sum(r["contribution_future"] for r in rows)
    rows.append({"group": "population", "share": 1.0, "one_off": one_off, "future": future,
                 "contribution_one_off": one_off, "contribution_future": future})
    return pd.DataFrame(rows)


def simulate_favour_returns(n_people: int = 2000, mix: Mapping[str, float] | None = None,
                            return_rates: Mapping[str, Mapping[str, float]] | None = None,
                            share_future: float = 0.5, seed=None, rng=None) -> pd.DataFrame:
    """Simulate who returns a favour in a population with a given SVO mix.

    Each person gets a type drawn from ``mix`` and is randomly assigned to a
    condition: a one-off encounter, or one where returning the favour brings
    them a future benefit (the giver can help them again). They return the
    favour with the probability for their type and condition.

    Assumptions
    -----------
    * Types are stable traits, and the only thing that differs between the
      conditions is the future benefit.
    * Prosocials return favours most and depend least on a future benefit;
      individualists return them mainly when it pays; competitors rarely do.
      The numbers in :data:`DEFAULT_RETURN_RATES` are illustrative, not
      estimates: Van Lange et al. (1997) report that individualists
      reciprocate less than prosocials, not these rates.
    * Anchor, not calibration to a test: with the reported mix (about 50%
      prosocial, 33% individualist, 10% competitive, rescaled to sum to 1) the
      assumed rates were chosen to give population rates near the 28.7% and
      56.1% reply rates of Broockman (2013). That study varied an electoral
      incentive, not orientation, and involved no favour; agreement with it is
      built into the defaults and cannot confirm the model.

    Parameters
    ----------
    n_people : int, at least 1
    mix : mapping type -> share, the shares summing to 1; :data:`REPORTED_MIX` by default.
    return_rates : mapping type -> {"one_off": p, "future": p}; defaults as above.
    share_future : probability (0-1) that a person is in the future-benefit condition.
    seed, rng : an int seed or a ``numpy.random.Generator`` (exactly one).

    Returns
    -------
    pandas.DataFrame
        One row per person: ``person_id``, ``svo_type``, ``future_benefit``
        (0/1), ``returned`` (0/1).

    Examples
    --------
    >>> df = simulate_favour_returns(1000, seed=5)
    >>> sorted(df.columns)
    ['future_benefit', 'person_id', 'returned', 'svo_type']
    >>> df.groupby("future_benefit")["returned"].mean().is_monotonic_increasing
    True
    """
    n = check_positive_int("n_people", n_people)
    shares = _check_mix(REPORTED_MIX if mix is None else mix)
    rates = _check_rates(DEFAULT_RETURN_RATES if return_rates is None else return_rates)
    p_future = check_probability("share_future", share_future)
    gen = make_rng(seed, rng)
    probs = np.array([shares[k] for k in SVO_TYPES])
    types = gen.choice(len(SVO_TYPES), size=n, p=probs / probs.sum())
    future = (gen.random(n) < p_future).astype(int)
    table = np.array([[rates[k]["one_off"], rates[k]["future"]] for k in SVO_TYPES])
    returned = (gen.random(n) < table[types, future]).astype(int)
    return pd.DataFrame({
        "person_id": np.arange(1, n + 1),
        "svo_type": np.asarray(SVO_TYPES)[types],
        "future_benefit": future,
        "returned": returned,
    })
