"""Reply probability after a run of small favours (insight 12).

A busy recipient decides whether to answer a request by weighing the cost of
replying against what the relationship may bring later. What it may bring
depends on how likely they think it is that the sender will still be around:
the shadow of the future. A stranger's cold e-mail casts almost no shadow.
Each small favour the recipient *notices* (a share, a mention, a useful idea)
is evidence that the sender is in it for the long run, and an introduction
from a mutual friend counts as several such pieces of evidence at once.

The model is *simulated* and deliberately simple. Its two anchor rates are
stated design assumptions, not estimates: a cold request to someone who
expects no further dealings is answered one time in four
(:data:`COLD_REPLY`), and a request from someone they give even odds of
dealing with again one time in two (:data:`EVEN_ODDS_REPLY`). No study
measures these for the requests the course is about. In particular the
legislator experiment (Broockman 2013) is not a calibration source: it varied
an electoral stake (whether the sender could vote for the legislator), not the
chance of meeting again, so its reply rates say nothing about a continuation
probability. What the model says about favours follows from its assumptions.
"""
from __future__ import annotations

import math
from functools import lru_cache
from numbers import Real

import numpy as np
import pandas as pd
from scipy.stats import binom

from ._common import check_positive_int, check_probability, make_rng

__all__ = ["perceived_continuation", "reply_probability", "simulate_favour_campaign",
           "COLD_REPLY", "EVEN_ODDS_REPLY", "NOTICE_RATES", "PRIORS", "MAX_FAVOURS", "favour_grid"]

#: Assumed reply rate when the recipient expects no further dealings (continuation 0).
COLD_REPLY = 0.25
#: Assumed reply rate when the recipient gives even odds of dealing with the sender
#: again (continuation 0.5, one expected future round). Both are design assumptions
#: that set the scale of the curves; they are not taken from any study.
EVEN_ODDS_REPLY = 0.50


def _check_number(name: str, value, low: float, high: float) -> float:
    ok = isinstance(value, Real) and not isinstance(value, bool) and low <= value <= high
    if not ok:
        raise ValueError(f"{name} must be a number between {low:g} and {high:g}, got {value!r}")
    return float(value)


def perceived_continuation(noticed, *, prior_continuation: float = 0.1,
                           prior_strength: float = 4.0, intro: bool = False,
                           intro_strength: float = 3.0):
    """The recipient's belief that the sender will be around again.

    A Beta prior with mean ``prior_continuation`` and weight
    ``prior_strength`` (in pseudo-observations), updated by one "the sender
    is still here" observation per noticed favour, plus ``intro_strength``
    observations when a mutual friend made an introduction.

    Examples
    --------
    >>> round(float(perceived_continuation(0)), 2)
    0.1
    >>> round(float(perceived_continuation(6)), 2)
    0.64
    """
    m = check_probability("prior_continuation", prior_continuation, open_interval=True)
    s = _check_number("prior_strength", prior_strength, 0.1, 100)
    extra = _check_number("intro_strength", intro_strength, 0, 50) if intro else 0.0
    successes = m * s + extra + np.asarray(noticed, dtype=float)
    return successes / (s + extra + np.asarray(noticed, dtype=float))


def _values(cold_reply: float, even_odds_reply: float) -> tuple[float, float]:
    """Value of replying with no future (base) and per expected future round."""
    low = check_probability("cold_reply", cold_reply, open_interval=True)
    high = check_probability("even_odds_reply", even_odds_reply, open_interval=True)
    if high <= low:
        raise ValueError(f"even_odds_reply must exceed cold_reply ({low:g}), got {high:g}; "
                         "raise even_odds_reply or lower cold_reply")
    base = -math.log(1 - low)
    # continuation 0.5 means one expected future round: its value is the gap between the anchors
    return base, -math.log(1 - high) - base


def _reply_given(delta, base: float, future: float):
    odds = np.asarray(delta) / (1 - np.asarray(delta))
    return 1 - np.exp(-(base + future * odds))


def reply_probability(favours, *, notice_rate: float = 0.5, prior_continuation: float = 0.1,
                      prior_strength: float = 4.0, intro: bool = False,
                      intro_strength: float = 3.0, cold_reply: float = COLD_REPLY,
                      even_odds_reply: float = EVEN_ODDS_REPLY):
    """Expected chance of a reply to a request made after ``favours`` small favours.

    The recipient replies when the value of replying beats a personal cost
    drawn from an exponential distribution (mean 1), so
    ``P(reply) = 1 - exp(-value)`` with
    ``value = base + future * continuation / (1 - continuation)``: a part
    that does not depend on the future (courtesy, personal norms) and a part
    proportional to the expected number of future rounds. Each favour is
    noticed with probability ``notice_rate``; the result averages over how
    many were noticed (binomial).

    Parameters
    ----------
    favours : int or array of int
        Small favours done before asking (0 = a cold request).
    notice_rate : float
        Chance that a favour registers with the recipient, 0 to 1.
    prior_continuation, prior_strength, intro, intro_strength
        See :func:`perceived_continuation`.
    cold_reply, even_odds_reply : float
        The model's anchors: the reply rate when the recipient expects no
        further dealings (continuation 0) and when they give even odds of
        another (continuation 0.5). Defaults: the assumed :data:`COLD_REPLY`
        and :data:`EVEN_ODDS_REPLY`.

    Examples
    --------
    >>> round(float(reply_probability(0, prior_continuation=0.01, prior_strength=100)), 3)
    0.253
    >>> bool(reply_probability(12) > reply_probability(0))
    True
    """
    rate = check_probability("notice_rate", notice_rate)
    base, future = _values(cold_reply, even_odds_reply)
    k = np.atleast_1d(np.asarray(favours))
    if k.size and (not np.issubdtype(k.dtype, np.integer) or k.min() < 0):
        raise ValueError(f"favours must be whole numbers of at least 0, got {favours!r}")
    noticed = np.arange(int(k.max()) + 1 if k.size else 1)
    delta = perceived_continuation(noticed, prior_continuation=prior_continuation,
                                   prior_strength=prior_strength, intro=intro,
                                   intro_strength=intro_strength)
    # rows: favours done; columns: favours noticed (binomial weights)
    weights = binom.pmf(noticed[None, :], k.ravel()[:, None], rate)
    out = (weights @ _reply_given(delta, base, future)).reshape(k.shape)
    return out if np.ndim(favours) else float(out[0])


def simulate_favour_campaign(n_recipients: int = 1000, max_favours: int = 24, *,
                             notice_rate: float = 0.5, prior_continuation: float = 0.1,
                             prior_strength: float = 4.0, intro_share: float = 0.0,
                             intro_strength: float = 3.0,
                             cold_reply: float = COLD_REPLY,
                             even_odds_reply: float = EVEN_ODDS_REPLY,
                             seed=None, rng=None) -> pd.DataFrame:
    """Simulate recipients who get one small favour a month before being asked.

    For each recipient the simulation draws a personal cost of replying
    (exponential, mean 1) and whether they came through a mutual friend's
    introduction; each month the sender does one small favour, noticed with
    probability ``notice_rate``. For every month ``favours = 0 ..
    max_favours`` it records whether that recipient *would* reply if the
    request came then: the value of replying (see :func:`reply_probability`)
    exceeds their cost. The same person's cost is reused across months, so
    each recipient's answers are consistent over time.

    Parameters
    ----------
    n_recipients : int
        Number of recipients (at least 1).
    max_favours : int
        Last month simulated (at least 1).
    notice_rate, prior_continuation, prior_strength, intro_strength,
    cold_reply, even_odds_reply
        See :func:`reply_probability`.
    intro_share : float
        Probability that a recipient was introduced by a mutual friend, 0 to 1.
    seed : int, optional
        Seed for a reproducible simulation (or pass ``rng``).
    rng : numpy.random.Generator, optional

    Returns
    -------
    pandas.DataFrame
        One row per recipient and month: ``recipient_id``, ``intro`` (0/1),
        ``favours``, ``noticed`` (favours noticed so far),
        ``perceived_continuation``, ``p_reply`` and ``would_reply`` (0/1).

    Notes
    -----
    Assumptions: the recipient's belief about the sender sticking around is
    the only thing favours change (no extra obligation per favour, no
    annoyance from too many); costs do not change over time. Anchors, both
    assumed: with no expected future, :data:`COLD_REPLY` reply; at perceived
    continuation 0.5, :data:`EVEN_ODDS_REPLY`. All results are simulated.

    Examples
    --------
    >>> df = simulate_favour_campaign(200, 12, seed=4)
    >>> rates = df.groupby("favours")["would_reply"].mean()
    >>> bool(rates.loc[12] > rates.loc[0])
    True
    """
    n = check_positive_int("n_recipients", n_recipients)
    months = check_positive_int("max_favours", max_favours)
    rate = check_probability("notice_rate", notice_rate)
    share = check_probability("intro_share", intro_share)
    base, future = _values(cold_reply, even_odds_reply)
    perceived_continuation(0, prior_continuation=prior_continuation,
                           prior_strength=prior_strength, intro=True,
                           intro_strength=intro_strength)  # validates the belief parameters
    generator = make_rng(seed, rng)
    intro = generator.random(n) < share
    cost = generator.exponential(1.0, size=n)
    noticed_each = generator.random((n, months)) < rate
    noticed = np.concatenate([np.zeros((n, 1), dtype=int), noticed_each.cumsum(axis=1)], axis=1)
    delta = np.where(
        intro[:, None],
        perceived_continuation(noticed, prior_continuation=prior_continuation,
                               prior_strength=prior_strength, intro=True,
                               intro_strength=intro_strength),
        perceived_continuation(noticed, prior_continuation=prior_continuation,
                               prior_strength=prior_strength))
    p_reply = _reply_given(delta, base, future)
    value = -np.log(1 - p_reply)
    return pd.DataFrame({
        "recipient_id": np.repeat(np.arange(1, n + 1), months + 1),
        "intro": np.repeat(intro.astype(int), months + 1),
        "favours": np.tile(np.arange(months + 1), n),
        "noticed": noticed.ravel(),
        "perceived_continuation": delta.ravel(),
        "p_reply": p_reply.ravel(),
        "would_reply": (value > cost[:, None]).astype(int).ravel(),
    })


#: The favour explorer's grid (chapter 12).
NOTICE_RATES = np.round(np.arange(0.1, 1.001, 0.1), 1)
PRIORS = np.round(np.arange(0.05, 0.501, 0.05), 2)
MAX_FAVOURS = 24


@lru_cache(maxsize=1)
def favour_grid() -> dict:
    """Expected reply rates for 0..MAX_FAVOURS favours, per (notice rate, prior, intro).

    ``{(notice_rate, prior, intro): array}`` from
    :func:`reciprocity.simulate.relationship.reply_probability` (the model's
    exact expectation, no sampling noise). Cached: do not modify the result.
    """
    favours = np.arange(MAX_FAVOURS + 1)
    return {(float(r), float(p), intro): reply_probability(favours, notice_rate=float(r),
                                                           prior_continuation=float(p), intro=intro)
            for r in NOTICE_RATES for p in PRIORS for intro in (False, True)}
