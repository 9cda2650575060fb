"""A small model of how a gift turns into repayment (insights 4, 7 and 8).

One model serves three chapters:

* **Value** (0-1): how much the gift helps the recipient make progress on the
  job they are trying to get done. 0 is irrelevant to them, 1 solves their
  struggle.
* **Expectation baseline** (0-1): the size of gift the recipient already
  expects (free trials and free e-books sit near the top of it today).
* **Surprise** = actual gift − expected gift, between -1 and 1.

Felt obligation multiplies value by a surprise factor::

    obligation = value * max(0, expected_credit + surprise_weight * surprise)

so a gift that is worth nothing to the recipient creates no obligation however
surprising it is, a gift exactly at the baseline earns only the small
``expected_credit``, and surprise scales the effect of value up. The chance that
a person repays (replies, signs up, buys the raffle ticket) rises from the
no-gift rate towards a ceiling::

    p = base_rate + (ceiling - base_rate) * (1 - exp(-strength * obligation))

A gift of size 0 is no gift: whatever value a gift of its kind would have,
nothing given delivers none (:func:`delivered_value`), so it leaves the no-gift
rate unchanged, however little was expected.

Assumptions: obligation never goes below zero (a disappointing gift is treated
as no gift, not as an insult); people differ in how much they value a gift and
in what they expect, around the condition's values (``heterogeneity``);
people respond independently.

The multiplication itself (value times a surprise factor) is an assumption
of the model, not a finding: no study cited in the course crosses value with
surprise, so what the model says about their interaction follows from how it
is written.

Calibration: with the defaults, a gift of full value that is clearly
unexpected (surprise 0.5) doubles the no-gift rate, the ratio Cialdini (2009,
*Influence*) reports for Regan's (1971) unrequested soft drink (about twice as
many raffle tickets bought). That study measured tickets, not a rate, and did
not vary whether the favour was expected, so only the ratio is borrowed;
every other number is illustrative. All outputs are **simulated**.
"""
from __future__ import annotations

from collections.abc import Sequence
from numbers import Real

import numpy as np
import pandas as pd

from ._common import check_positive_int, check_probability, make_rng

__all__ = [
    "delivered_value",
    "felt_obligation",
    "repayment_probability",
    "simulate_gift_responses",
    "simulate_content_signups",
    "content_signup_rates",
    "content_signup_grid",
    "RELEVANCE_LEVELS",
    "SIGNUP_GRID_READERS",
    "SIGNUP_GRID_SURPRISES",
    "SIGNUP_GRID_RUNS",
    "SIGNUP_GRID_SEED",
]

#: Model defaults shared by the functions and widgets of this module.
DEFAULTS = {
    "base_rate": 0.10,
    "ceiling": 0.60,
    "expected_credit": 0.25,
    "surprise_weight": 1.5,
    "strength": float(np.log(1.25)),  # value 1 + surprise 0.5 -> twice the base rate
}

#: The versions of a free resource in the sign-up experiments: relevance to the reader's job.
RELEVANCE_LEVELS = (0.0, 0.25, 0.5, 0.75, 1.0)
#: The grid of simulated sign-up experiments chapter 7's explorer offers
#: (:func:`content_signup_grid`): experiment sizes, how far the resource beats
#: the norm for free content, and seeded runs; run ``k`` uses seed
#: ``SIGNUP_GRID_SEED + k``.
SIGNUP_GRID_READERS = (500, 2000, 10000, 40000)
SIGNUP_GRID_SURPRISES = (0.0, 0.3, 0.7)
SIGNUP_GRID_RUNS = 5
SIGNUP_GRID_SEED = 2016


def _check_real(name: str, value, low: float, high: float, *, open_low: bool = False) -> float:
    ok = isinstance(value, Real) and not isinstance(value, bool) and np.isfinite(value)
    if ok:
        ok = (low < value <= high) if open_low else (low <= value <= high)
    if not ok:
        left = "(" if open_low else "["
        raise ValueError(f"{name} must be a number in {left}{low:g}, {high:g}], got {value!r}")
    return float(value)


def _check_array(name: str, value, low: float, high: float) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers between {low:g} and {high:g}, got {value!r}") from None
    if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < low) or np.any(arr > high):
        raise ValueError(f"{name} must be numbers between {low:g} and {high:g}, got {value!r}")
    return arr


def _check_model(base_rate, ceiling, expected_credit, surprise_weight, strength) -> dict:
    base = check_probability("base_rate", base_rate)
    top = check_probability("ceiling", ceiling)
    if top <= base:
        raise ValueError(f"ceiling must be above base_rate ({base:g}) and at most 1, got {ceiling!r}")
    return {
        "base_rate": base,
        "ceiling": top,
        "expected_credit": _check_real("expected_credit", expected_credit, 0.0, 1.0),
        "surprise_weight": _check_real("surprise_weight", surprise_weight, 0.0, 10.0),
        "strength": _check_real("strength", strength, 0.0, 10.0, open_low=True),
    }


def delivered_value(value, gift):
    """The value a gift actually delivers: ``value``, or 0 when nothing is given.

    Parameters
    ----------
    value : float or array, 0-1
        How much a gift of this kind helps the recipient's job.
    gift : float or array, 0-1
        Size of the gift given (0 = nothing).

    Returns
    -------
    float or numpy.ndarray
        ``value`` where ``gift > 0``, else 0: a gift of size 0 is no gift.

    Examples
    --------
    >>> float(delivered_value(0.8, 0.6))
    0.8
    >>> float(delivered_value(0.8, 0.0))  # nothing given: nothing to repay
    0.0
    """
    v = _check_array("value", value, 0.0, 1.0)
    g = _check_array("gift", gift, 0.0, 1.0)
    out = np.where(g > 0, v, 0.0)
    return float(out) if out.ndim == 0 else out


def felt_obligation(value, surprise, *, expected_credit: float = DEFAULTS["expected_credit"],
                    surprise_weight: float = DEFAULTS["surprise_weight"]):
    """Felt obligation created by a gift: value times a surprise factor.

    Parameters
    ----------
    value : float or array, 0-1
        How much the gift helps the recipient's job (0 = irrelevant to them).
    surprise : float or array, -1 to 1
        Actual gift minus the gift the recipient expected.
    expected_credit : float, 0-1
        Obligation per unit of value left for a gift exactly at the baseline.
    surprise_weight : float, 0-10
        Extra obligation per unit of value and per unit of surprise.

    Returns
    -------
    float or numpy.ndarray
        ``value * max(0, expected_credit + surprise_weight * surprise)``, never negative.

    Examples
    --------
    >>> float(felt_obligation(1.0, 0.5))
    1.0
    >>> float(felt_obligation(0.0, 1.0))  # an irrelevant gift creates no obligation
    0.0
    """
    v = _check_array("value", value, 0.0, 1.0)
    s = _check_array("surprise", surprise, -1.0, 1.0)
    credit = _check_real("expected_credit", expected_credit, 0.0, 1.0)
    weight = _check_real("surprise_weight", surprise_weight, 0.0, 10.0)
    out = v * np.maximum(0.0, credit + weight * s)
    return float(out) if out.ndim == 0 else out


def repayment_probability(value, surprise, *, base_rate: float = DEFAULTS["base_rate"],
                          ceiling: float = DEFAULTS["ceiling"],
                          expected_credit: float = DEFAULTS["expected_credit"],
                          surprise_weight: float = DEFAULTS["surprise_weight"],
                          strength: float = DEFAULTS["strength"]):
    """Chance that a recipient repays, given the gift's value and surprise.

    ``base_rate + (ceiling - base_rate) * (1 - exp(-strength * obligation))``,
    with ``obligation`` from :func:`felt_obligation`. Vectorised: ``value`` and
    ``surprise`` broadcast against each other, which is how the widgets build
    their grids.

    Parameters
    ----------
    value, surprise : float or array
        See :func:`felt_obligation`.
    base_rate : float, 0-1
        Repayment with no gift (or a worthless one).
    ceiling : float, above ``base_rate`` and at most 1
        The rate approached as obligation grows: some people never repay.
    expected_credit, surprise_weight : float
        See :func:`felt_obligation`.
    strength : float, in (0, 10]
        How fast obligation turns into repayment.

    Examples
    --------
    >>> round(float(repayment_probability(1.0, 0.5)), 3)  # defaults: twice the base rate
    0.2
    >>> float(repayment_probability(0.0, 0.9))
    0.1
    """
    model = _check_model(base_rate, ceiling, expected_credit, surprise_weight, strength)
    obligation = felt_obligation(value, surprise, expected_credit=model["expected_credit"],
                                 surprise_weight=model["surprise_weight"])
    p = model["base_rate"] + (model["ceiling"] - model["base_rate"]) * (
        1.0 - np.exp(-model["strength"] * np.asarray(obligation)))
    return float(p) if np.ndim(p) == 0 else p


def _as_levels(name: str, levels, low: float, high: float) -> list[float]:
    if isinstance(levels, Real) and not isinstance(levels, bool):
        levels = [levels]
    arr = _check_array(name, list(levels) if not isinstance(levels, str) else levels, low, high)
    return [float(x) for x in np.atleast_1d(arr)]


def simulate_gift_responses(n_per_condition: int = 1000, *, values: Sequence[float] | float = (0.0, 1.0),
                            gifts: Sequence[float] | float = 0.6,
                            expected: Sequence[float] | float = 0.2,
                            heterogeneity: float = 0.2,
                            base_rate: float = DEFAULTS["base_rate"],
                            ceiling: float = DEFAULTS["ceiling"],
                            expected_credit: float = DEFAULTS["expected_credit"],
                            surprise_weight: float = DEFAULTS["surprise_weight"],
                            strength: float = DEFAULTS["strength"],
                            seed: int | None = None,
                            rng: np.random.Generator | None = None) -> pd.DataFrame:
    """Simulated responses of people who receive a gift and are then asked a favour.

    Every combination of ``values`` x ``gifts`` x ``expected`` is a condition
    with ``n_per_condition`` people. Each person values the gift a little
    differently (``value * U(1 - h, 1 + h)``, capped at 1; 0 where the gift's
    size is 0, see :func:`delivered_value`) and expects a little
    more or less than the condition's baseline (``expected + N(0, h / 2)``,
    kept in 0-1), where ``h = heterogeneity``. Their surprise is the gift minus
    what they expected, their obligation comes from :func:`felt_obligation` and
    they repay with the probability of :func:`repayment_probability`.

    Parameters
    ----------
    n_per_condition : int, at least 1
        People per condition.
    values : float or sequence of floats, 0-1
        Value of the gift to the recipient's job. 0 works as a no-gift control.
    gifts : float or sequence of floats, 0-1
        Size of the gift actually given, on the same scale as ``expected``.
        0 is no gift: no obligation whatever ``values`` says.
    expected : float or sequence of floats, 0-1
        The recipients' expectation baseline.
    heterogeneity : float, 0-1
        How much people differ around the condition (0 = everyone identical).
    base_rate, ceiling, expected_credit, surprise_weight, strength : float
        Model parameters, see :func:`repayment_probability`.
    seed : int, optional
        Seed for a reproducible simulation (or pass ``rng``).
    rng : numpy.random.Generator, optional

    Returns
    -------
    pandas.DataFrame
        One row per person: ``person_id``, ``value``, ``gift``, ``expected``
        (the condition), ``person_value``, ``person_expected``, ``surprise``,
        ``obligation``, ``repay_probability`` and ``repaid`` (0/1).

    Notes
    -----
    Assumptions and calibration are in the module docstring: the defaults make
    a fully relevant gift with surprise 0.5 double the no-gift rate, the ratio
    Cialdini reports for Regan's (1971) soft drink. The data are simulated.

    Examples
    --------
    >>> df = simulate_gift_responses(500, values=[0, 1], gifts=0.7, expected=0.2, seed=4)
    >>> df.groupby("value")["repaid"].mean().round(2).tolist()  # doctest: +SKIP
    [0.1, 0.21]
    """
    n = check_positive_int("n_per_condition", n_per_condition)
    value_levels = _as_levels("values", values, 0.0, 1.0)
    gift_levels = _as_levels("gifts", gifts, 0.0, 1.0)
    expected_levels = _as_levels("expected", expected, 0.0, 1.0)
    h = _check_real("heterogeneity", heterogeneity, 0.0, 1.0)
    model = _check_model(base_rate, ceiling, expected_credit, surprise_weight, strength)
    generator = make_rng(seed, rng)

    grid = pd.MultiIndex.from_product([value_levels, gift_levels, expected_levels],
                                      names=["value", "gift", "expected"]).to_frame(index=False)
    frame = grid.loc[grid.index.repeat(n)].reset_index(drop=True)
    size = len(frame)
    condition_value = delivered_value(frame["value"].to_numpy(), frame["gift"].to_numpy())
    person_value = np.clip(condition_value * generator.uniform(1 - h, 1 + h, size), 0, 1)
    person_expected = np.clip(frame["expected"].to_numpy() + generator.normal(0, h / 2, size), 0, 1)
    surprise = frame["gift"].to_numpy() - person_expected
    obligation = felt_obligation(person_value, surprise, expected_credit=model["expected_credit"],
                                 surprise_weight=model["surprise_weight"])
    p = repayment_probability(person_value, surprise, **model)
    repaid = (generator.random(size) < p).astype(int)
    frame.insert(0, "person_id", np.arange(1, size + 1))
    return frame.assign(person_value=person_value, person_expected=person_expected,
                        surprise=surprise, obligation=obligation, repay_probability=p,
                        repaid=repaid)


def simulate_content_signups(n_readers: int = 5000, *,
                             relevance: Sequence[float] = RELEVANCE_LEVELS,
                             surprise: float = 0.3, heterogeneity: float = 0.2,
                             base_rate: float = 0.02, ceiling: float = 0.30,
                             expected_credit: float = DEFAULTS["expected_credit"],
                             surprise_weight: float = DEFAULTS["surprise_weight"],
                             strength: float = DEFAULTS["strength"],
                             seed: int | None = None,
                             rng: np.random.Generator | None = None) -> pd.DataFrame:
    """Simulated blog readers randomised to free resources of different relevance.

    Each reader is assigned at random, with equal chances, to one version of
    a free resource (a guide, a template, an e-book). The versions differ only
    in ``relevance``: how well they match the job the reader came to get done
    (0 = a generic freebie unrelated to their struggle, 1 = a step-by-step fix
    for it). All versions are equally generous, ``surprise`` above what
    readers expect from free content. A reader's value of the resource is
    ``relevance * U(1 - h, 1 + h)`` (capped at 1); sign-up follows
    :func:`repayment_probability`.

    Parameters
    ----------
    n_readers : int, at least 1
        Readers in the experiment (split at random across versions).
    relevance : sequence of floats, 0-1
        The versions tested.
    surprise : float, -1 to 1
        How far the resource exceeds what readers expect of free content.
    heterogeneity : float, 0-1
        How much readers differ in the value they get from the same version.
    base_rate : float, 0-1
        Sign-up rate for an irrelevant resource (or none).
    ceiling, expected_credit, surprise_weight, strength : float
        See :func:`repayment_probability`.
    seed : int, optional
    rng : numpy.random.Generator, optional

    Returns
    -------
    pandas.DataFrame
        One row per reader: ``reader_id``, ``relevance``, ``reader_value``,
        ``signup_probability`` and ``signed_up`` (0/1).

    Notes
    -----
    Illustrative calibration: the 2% base rate is an illustrative order of
    magnitude for blog e-mail sign-ups, and the model's defaults (a relevant,
    clearly unexpected gift doubles the base rate, the ratio Cialdini reports
    for Regan 1971) set the size of the effect. That sign-ups rise with
    relevance, and that a resource of relevance 0 earns only the base rate,
    are assumptions of the model, not results. The data are simulated.

    Examples
    --------
    >>> df = simulate_content_signups(2000, seed=7)
    >>> sorted(df["relevance"].unique().tolist())
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    n = check_positive_int("n_readers", n_readers)
    levels = _as_levels("relevance", relevance, 0.0, 1.0)
    s = _check_real("surprise", surprise, -1.0, 1.0)
    h = _check_real("heterogeneity", heterogeneity, 0.0, 1.0)
    model = _check_model(base_rate, ceiling, expected_credit, surprise_weight, strength)
    generator = make_rng(seed, rng)

    arm = generator.integers(0, len(levels), n)
    rel = np.asarray(levels)[arm]
    reader_value = np.clip(rel * generator.uniform(1 - h, 1 + h, n), 0, 1)
    p = repayment_probability(reader_value, np.full(n, s), **model)
    signed_up = (generator.random(n) < p).astype(int)
    return pd.DataFrame({"reader_id": np.arange(1, n + 1), "relevance": rel,
                         "reader_value": reader_value, "signup_probability": p,
                         "signed_up": signed_up})


def content_signup_rates(relevance: Sequence[float] | float = RELEVANCE_LEVELS, *,
                         surprise: float = 0.3, heterogeneity: float = 0.2,
                         base_rate: float = 0.02, ceiling: float = 0.30,
                         expected_credit: float = DEFAULTS["expected_credit"],
                         surprise_weight: float = DEFAULTS["surprise_weight"],
                         strength: float = DEFAULTS["strength"]) -> np.ndarray:
    """The sign-up rate the model assigns to each version: what a huge experiment would find.

    The rates :func:`simulate_content_signups` draws from, with the same
    parameters and defaults, averaged over how readers differ in the value
    they get (``relevance * U(1 - h, 1 + h)``, capped at 1; midpoint rule
    over 2,000 points). Plan a test from these design rates, not from the
    rates one simulated sample happened to show.

    Parameters
    ----------
    relevance : float or sequence of floats, 0-1
        The versions.
    surprise, heterogeneity, base_rate, ceiling, expected_credit, surprise_weight, strength
        See :func:`simulate_content_signups`.

    Returns
    -------
    numpy.ndarray
        One expected sign-up rate per version, in the order given.

    Examples
    --------
    >>> rates = content_signup_rates([0.0, 1.0])
    >>> float(rates[0])  # an irrelevant resource earns the base rate
    0.02
    >>> bool(rates[1] > rates[0])
    True
    """
    levels = np.asarray(_as_levels("relevance", relevance, 0.0, 1.0))
    s = _check_real("surprise", surprise, -1.0, 1.0)
    h = _check_real("heterogeneity", heterogeneity, 0.0, 1.0)
    model = _check_model(base_rate, ceiling, expected_credit, surprise_weight, strength)
    spread = 1 - h + 2 * h * (np.arange(2000) + 0.5) / 2000
    values = np.clip(levels[:, None] * spread[None, :], 0, 1)
    return np.asarray(repayment_probability(values, s, **model)).mean(axis=1)


def content_signup_grid(readers: Sequence[int] = SIGNUP_GRID_READERS, *,
                        surprises: Sequence[float] = SIGNUP_GRID_SURPRISES, runs: int = SIGNUP_GRID_RUNS,
                        relevance: Sequence[float] = RELEVANCE_LEVELS,
                        seed: int = SIGNUP_GRID_SEED) -> pd.DataFrame:
    """Sign-up counts of many simulated relevance experiments, one row per version.

    Runs :func:`simulate_content_signups` once for every combination of
    ``readers`` (experiment size), ``surprises`` and run ``1..runs``, with
    seed ``seed + run``: the same run number reuses the same random draws, so
    moving between sizes or surprise levels changes the setting, not the luck.
    This is the table an explorer embeds so that a reader can pick an
    experiment without a kernel.

    Parameters
    ----------
    readers : sequence of int, each at least 1
        Experiment sizes (readers split at random across the versions).
    surprises : sequence of floats, -1 to 1
        How far the resource exceeds what readers expect of free content.
    runs : int, at least 1
        Repeated experiments per setting.
    relevance : sequence of floats, 0-1
        The versions tested.
    seed : int
        Run ``k`` uses ``seed + k``.

    Returns
    -------
    pandas.DataFrame
        Columns ``readers``, ``surprise``, ``run``, ``relevance``, ``n``
        (readers shown that version) and ``signed_up`` (how many signed up).

    Examples
    --------
    >>> grid = content_signup_grid([1000], surprises=[0.3], runs=2, seed=1)
    >>> grid.groupby("run")["n"].sum().tolist()
    [1000, 1000]
    """
    sizes = [check_positive_int("readers", n) for n in readers]
    levels = _as_levels("surprises", surprises, -1.0, 1.0)
    count = check_positive_int("runs", runs)
    versions = _as_levels("relevance", relevance, 0.0, 1.0)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative whole number, got {seed!r}")
    rows = []
    for n in sizes:
        for surprise in levels:
            for run in range(1, count + 1):
                frame = simulate_content_signups(n, relevance=versions, surprise=surprise,
                                                 seed=int(seed) + run)
                counts = frame.groupby("relevance")["signed_up"].agg(["size", "sum"])
                for level in versions:
                    size, hits = (counts.loc[level] if level in counts.index else (0, 0))
                    rows.append({"readers": n, "surprise": surprise, "run": run, "relevance": level,
                                 "n": int(size), "signed_up": int(hits)})
    return pd.DataFrame(rows)
