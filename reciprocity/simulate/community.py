"""A community whose norms reward contributors and sanction free riders (insight 11).

There is no public member-level data on how likes, rankings or a wall of fame
change who contributes to a community, so this module simulates it. The model
is a repeated public-goods choice: every round each member either contributes
(shares, answers, posts) or free rides. Whether they contribute depends on a
private propensity (the part of the norm they have internalised) and, when
their choice is *visible* to the community, on social rewards and sanctions
that grow with how many others contribute (a descriptive norm). Results are
simulated and labelled so wherever they are shown.

By assumption, norm strength and visibility *multiply*: the social push is
``visible * norm_strength * MAX_SHIFT * share_prev``, so either factor at zero
removes it. The model does not test this; it works out what follows from it.
Because ``MAX_SHIFT`` is calibrated to the GGL Neighbors lift, agreement with
GGL is built in and is no further evidence for it.
"""
from __future__ import annotations

from collections.abc import Sequence
from numbers import Real

import numpy as np
import pandas as pd

from ._common import check_positive_int, check_probability, make_rng

__all__ = ["simulate_community", "community_grid"]

#: Log-odds shift of a visible member's choice at ``norm_strength = 1`` when
#: every other member contributes. With the default base rate it makes a
#: one-round, fully visible nudge of strength 0.5 lift contribution by about
#: 8 points, the size of the GGL Neighbors effect.
#: The grid chapter 11 and its explorer show: 11 x 11 settings (0, 0.1, ..., 1),
#: a 2,000-member community, 12 rounds, one seed.
GRID_SETTINGS = {"n_members": 2000, "n_rounds": 12, "seed": 2011}
MAX_SHIFT = 3.0

#: Concentration of the Beta distribution of private propensities: lower
#: means members differ more from each other.
CONCENTRATION = 5.0


def _check_unit(name: str, value) -> float:
    return check_probability(name, value)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _draw(rng: np.random.Generator, n_members: int, n_rounds: int,
          base_rate: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Private propensities and the uniforms that decide visibility and choices."""
    propensity = rng.beta(base_rate * CONCENTRATION, (1 - base_rate) * CONCENTRATION,
                          size=n_members)
    return propensity, rng.random((n_rounds, n_members)), rng.random((n_rounds, n_members))


def _run(draws: tuple[np.ndarray, np.ndarray, np.ndarray], norm_strength: float,
         visibility: float, base_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Play the rounds on given draws; returns visible and contributed (rounds x members).

    Reusing the same draws for different parameters (common random numbers)
    makes comparisons between settings free of sampling noise.
    """
    propensity, u_visible, u_choice = draws
    intrinsic = _logit(propensity)
    visible = u_visible < visibility
    contributed = np.zeros_like(visible)
    share = base_rate  # before the first round members expect the baseline
    for r in range(visible.shape[0]):
        shift = visible[r] * (norm_strength * MAX_SHIFT * share)
        p = 1.0 / (1.0 + np.exp(-(intrinsic + shift)))
        contributed[r] = u_choice[r] < p
        share = contributed[r].mean()
    return visible, contributed


def simulate_community(n_members: int = 500, n_rounds: int = 12, norm_strength: float = 0.5,
                       visibility: float = 0.5, base_rate: float = 0.297, *,
                       seed: int | None = None,
                       rng: np.random.Generator | None = None) -> pd.DataFrame:
    """Simulate who contributes, round by round, in a community with social norms.

    Each member ``i`` has a private propensity ``p_i`` to contribute, drawn
    from a Beta distribution with mean ``base_rate`` (the internalised norm:
    people who contribute with nobody watching). In every round each member's
    choice is visible to the community with probability ``visibility`` (a
    public profile, a ranking, a wall of fame). A visible member adds a social
    term to the log-odds of contributing::

        logit P(contribute) = logit(p_i) + visible * norm_strength * MAX_SHIFT * share_prev

    where ``share_prev`` is the share of members who contributed in the
    previous round (``base_rate`` before the first round): rewards for
    contributors and sanctions for free riders bite harder when most others
    contribute. The social term cannot push anyone below their private
    propensity, and invisible choices carry no social term at all.

    Parameters
    ----------
    n_members : int
        Community size, at least 2.
    n_rounds : int
        Number of rounds (e.g. weeks), at least 1.
    norm_strength : float
        Strength of the rewards for contributing and sanctions for free riding,
        from 0 (none: likes, rankings and exclusions do not exist) to 1.
    visibility : float
        Probability, 0 to 1, that a member's choice in a round is seen by others.
    base_rate : float
        Mean private propensity, strictly between 0 and 1. The default 0.297 is
        the GGL control-group turnout, a rate of compliance with no audience.
    seed, rng
        An int seed or a ``numpy.random.Generator`` (exactly one).

    Returns
    -------
    pandas.DataFrame
        One row per member and round: ``member`` (int), ``round`` (1-based),
        ``propensity`` (private, 0-1), ``visible`` (0/1), ``contributed`` (0/1).
        The parameters are stored in ``frame.attrs``.

    Notes
    -----
    Assumptions: the social term is the *product* of visibility, norm strength
    and last round's share (an assumption of the model, not a finding, so the
    "norms need visibility" pattern the grid shows is built in); members
    choose independently given their propensity and last round's share; the
    social term is the same for rewards and sanctions (only their sum matters
    in a two-choice model); propensities do not change over time.
    Calibration: with ``norm_strength=0.5`` and ``visibility=1`` the first
    round lifts contribution by about 8 percentage points over ``base_rate``,
    close to the +8.1 points of the GGL Neighbors letter (Gerber, Green &
    Larimer 2008), so the model matches that lift by construction and cannot
    confirm it. Everything else is illustrative.

    Examples
    --------
    >>> frame = simulate_community(n_members=200, n_rounds=5, seed=11)
    >>> sorted(frame.columns)
    ['contributed', 'member', 'propensity', 'round', 'visible']
    >>> len(frame)
    1000
    """
    n_members = check_positive_int("n_members", n_members, minimum=2)
    n_rounds = check_positive_int("n_rounds", n_rounds)
    norm_strength = _check_unit("norm_strength", norm_strength)
    visibility = _check_unit("visibility", visibility)
    base_rate = check_probability("base_rate", base_rate, open_interval=True)
    generator = make_rng(seed, rng)
    draws = _draw(generator, n_members, n_rounds, base_rate)
    visible, contributed = _run(draws, norm_strength, visibility, base_rate)
    propensity = draws[0]
    frame = pd.DataFrame({
        "member": np.tile(np.arange(n_members), n_rounds),
        "round": np.repeat(np.arange(1, n_rounds + 1), n_members),
        "propensity": np.tile(propensity, n_rounds),
        "visible": visible.ravel().astype(int),
        "contributed": contributed.ravel().astype(int),
    })
    frame.attrs.update(norm_strength=norm_strength, visibility=visibility,
                       base_rate=base_rate, simulated=True)
    return frame


def _check_levels(name: str, values) -> list[float]:
    levels = list(values)
    if not levels:
        raise ValueError(f"{name} must hold at least one value between 0 and 1, got {levels!r}")
    for v in levels:
        if isinstance(v, bool) or not isinstance(v, Real) or not 0 <= v <= 1:
            raise ValueError(f"every value of {name} must be between 0 and 1, got {v!r}")
    return [float(v) for v in levels]


def community_grid(norm_strengths: Sequence[float] = tuple(np.round(np.linspace(0, 1, 11), 2)),
                   visibilities: Sequence[float] = tuple(np.round(np.linspace(0, 1, 11), 2)),
                   n_members: int = 500, n_rounds: int = 12, base_rate: float = 0.297, *,
                   seed: int | None = None,
                   rng: np.random.Generator | None = None) -> pd.DataFrame:
    """Contribution rate by round for every pair of norm strength and visibility.

    Plays the :func:`simulate_community` model once per cell on the *same*
    members and random draws (common random numbers), so differences between
    cells come from the parameters, not from sampling noise, and keeps only
    the per-round rates, so a widget can look them up instantly.

    Parameters
    ----------
    norm_strengths, visibilities : sequences of floats in [0, 1]
        The grid's axes.
    n_members, n_rounds, base_rate, seed, rng
        As in :func:`simulate_community`.

    Returns
    -------
    pandas.DataFrame
        One row per cell and round: ``norm_strength``, ``visibility``,
        ``round``, ``contribution_rate`` (share of members who contributed).

    Examples
    --------
    >>> grid = community_grid([0, 1], [0, 1], n_members=100, n_rounds=3, seed=1)
    >>> len(grid)
    12
    """
    strengths = _check_levels("norm_strengths", norm_strengths)
    visibilities = _check_levels("visibilities", visibilities)
    n_members = check_positive_int("n_members", n_members, minimum=2)
    n_rounds = check_positive_int("n_rounds", n_rounds)
    base_rate = check_probability("base_rate", base_rate, open_interval=True)
    draws = _draw(make_rng(seed, rng), n_members, n_rounds, base_rate)
    rows = []
    for s in strengths:
        for v in visibilities:
            _, contributed = _run(draws, s, v, base_rate)
            for r, rate in enumerate(contributed.mean(axis=1), start=1):
                rows.append((s, v, r, float(rate)))
    return pd.DataFrame(rows, columns=["norm_strength", "visibility", "round",
                                       "contribution_rate"])
