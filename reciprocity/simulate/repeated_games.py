"""The iterated prisoner's dilemma under a shadow of the future (insight 3).

Two players meet for a round of the prisoner's dilemma; after each round they
meet again with the *continuation probability* ``continuation`` and part for
good otherwise. With ``continuation = 0`` every encounter is one-shot, like a
cold e-mail from a stranger; as it rises, the expected number of rounds
``1 / (1 - continuation)`` grows and strategies that return cooperation
(tit-for-tat, grim trigger) start to out-earn always defecting. Laboratory
evidence for this pattern: Dal Bó (2005) and Andreoni & Miller (1993).

Everything here is *simulated*: a round-robin tournament of simple strategies,
each meeting every strategy (itself included) in ``n_matches`` matches.
"""
from __future__ import annotations

from functools import lru_cache
from numbers import Real

import numpy as np
import pandas as pd

from ._common import check_positive_int, make_rng

__all__ = ["STRATEGIES", "REWARD", "SUCKER", "PUNISHMENT", "simulate_repeated_games",
           "pair_table", "payoff_matrices", "tournament_summary", "replicator", "evolve_population",
           "cooperation_threshold", "CONTINUATIONS", "TEMPTATIONS", "GENERATIONS", "tournament_grid"]

#: The strategies the tournament knows, in display order.
STRATEGIES = ("always defect", "always cooperate", "tit-for-tat", "grim trigger", "random")

#: Payoffs per round other than the temptation: both cooperate (REWARD),
#: cooperate against a defector (SUCKER), both defect (PUNISHMENT).
REWARD, SUCKER, PUNISHMENT = 3.0, 0.0, 1.0

_COUNT_COLUMNS = ["both_cooperate", "exploited", "exploiting", "both_defect"]


def _check_temptation(temptation) -> float:
    ok = isinstance(temptation, Real) and not isinstance(temptation, bool)
    if not ok or not REWARD < temptation < 2 * REWARD - SUCKER:
        raise ValueError(
            f"temptation must be a number strictly between {REWARD:g} and {2 * REWARD - SUCKER:g} "
            f"(above the reward for mutual cooperation, and low enough that taking turns "
            f"exploiting each other pays less than cooperating), got {temptation!r}")
    return float(temptation)


def _check_continuation(continuation) -> float:
    ok = isinstance(continuation, Real) and not isinstance(continuation, bool)
    if not ok or not 0 <= continuation <= 0.99:
        raise ValueError(f"continuation must be a probability between 0 and 0.99 "
                         f"(1 would mean matches never end), got {continuation!r}")
    return float(continuation)


def cooperation_threshold(temptation: float = 4.0) -> float:
    """Smallest continuation probability at which cooperation can be sustained.

    Against a grim-trigger partner, defecting once earns the temptation now and
    mutual defection for ever after; cooperating earns the reward every round.
    Cooperating pays when ``continuation >= (T - R) / (T - P)``, the standard
    condition for cooperation in the infinitely repeated game (see Dal Bó 2005).

    Examples
    --------
    >>> round(cooperation_threshold(5.0), 2)
    0.5
    """
    t = _check_temptation(temptation)
    return (t - REWARD) / (t - PUNISHMENT)


_CODES = {name: code for code, name in enumerate(STRATEGIES)}


def _moves(codes: np.ndarray, opp_last: np.ndarray, opp_ever_defected: np.ndarray,
           coin: np.ndarray) -> np.ndarray:
    """True = cooperate, for every match in this round, given each player's strategy code.

    Tit-for-tat copies the partner's last move and grim trigger cooperates
    until the partner's first defection; both start by cooperating because
    ``opp_last`` starts True and ``opp_ever_defected`` starts False.
    """
    return np.select(
        [codes == _CODES["always defect"], codes == _CODES["always cooperate"],
         codes == _CODES["tit-for-tat"], codes == _CODES["grim trigger"]],
        [False, True, opp_last, ~opp_ever_defected],
        default=coin < 0.5)


def _play(codes_a: np.ndarray, codes_b: np.ndarray, lengths: np.ndarray, noise: float,
          rng) -> tuple[dict, dict]:
    """Play all matches at once (one row per match); outcome counts for each side."""
    n = len(lengths)
    count_a = {c: np.zeros(n, dtype=np.int64) for c in ["cooperations", *_COUNT_COLUMNS]}
    count_b = {c: np.zeros(n, dtype=np.int64) for c in ["cooperations", *_COUNT_COLUMNS]}
    last_a = np.ones(n, dtype=bool)
    last_b = np.ones(n, dtype=bool)
    a_defected = np.zeros(n, dtype=bool)
    b_defected = np.zeros(n, dtype=bool)
    for t in range(int(lengths.max())):
        active = t < lengths
        coins = rng.random((2, n))
        move_a = _moves(codes_a, last_b, b_defected, coins[0])
        move_b = _moves(codes_b, last_a, a_defected, coins[1])
        if noise > 0:  # trembling hand: an intended move is flipped by mistake
            flips = rng.random((2, n)) < noise
            move_a ^= flips[0]
            move_b ^= flips[1]
        for counts, me, other in ((count_a, move_a, move_b), (count_b, move_b, move_a)):
            counts["cooperations"] += active & me
            counts["both_cooperate"] += active & me & other
            counts["exploited"] += active & me & ~other
            counts["exploiting"] += active & ~me & other
            counts["both_defect"] += active & ~me & ~other
        last_a, last_b = move_a, move_b
        a_defected |= ~move_a
        b_defected |= ~move_b
    return count_a, count_b


def simulate_repeated_games(continuation: float = 0.5, *, strategies=STRATEGIES,
                            n_matches: int = 200, temptation: float = 4.0,
                            noise: float = 0.0, seed=None, rng=None) -> pd.DataFrame:
    """Round-robin tournament of the iterated prisoner's dilemma.

    Every strategy meets every strategy (itself included) in ``n_matches``
    matches. A match lasts one round, then continues to another round with
    probability ``continuation``: its length is geometric with mean
    ``1 / (1 - continuation)``. Per round, both cooperating pays each 3,
    both defecting pays each 1, and a defector facing a cooperator gets
    ``temptation`` while the cooperator gets 0.

    Parameters
    ----------
    continuation : float
        Probability of one more round after each round, 0 to 0.99 (the shadow
        of the future). 0 makes every match one-shot.
    strategies : sequence of str
        Any of :data:`STRATEGIES`: ``"always defect"``, ``"always cooperate"``,
        ``"tit-for-tat"`` (cooperate first, then copy the partner's last move),
        ``"grim trigger"`` (cooperate until the partner defects once, then
        defect for ever), ``"random"`` (cooperate with probability one half).
    n_matches : int
        Matches per pair of strategies (at least 1).
    temptation : float
        Payoff for defecting against a cooperator, strictly between 3 and 6.
    noise : float
        Probability that an intended move is flipped by mistake, 0 to 0.5.
    seed : int, optional
        Seed for a reproducible simulation (or pass ``rng``).
    rng : numpy.random.Generator, optional

    Returns
    -------
    pandas.DataFrame
        One row per player per match: ``match_id``, ``strategy``,
        ``opponent``, ``continuation``, ``temptation``, ``rounds``,
        ``cooperations``, the outcome counts ``both_cooperate``,
        ``exploited``, ``exploiting``, ``both_defect``, and ``payoff`` (the
        player's total over the match).

    Notes
    -----
    Assumptions: the payoffs 3/1/0 and the temptation are per round and not
    discounted; players know nothing about a match's length except the
    continuation probability; strategies condition on the partner's moves
    only. Calibration: none to a data set; the direction of the results
    (more cooperation and higher payoffs for reciprocal strategies as the
    continuation probability rises) is the one found in the laboratory by
    Dal Bó (2005) and Andreoni & Miller (1993).

    Examples
    --------
    >>> games = simulate_repeated_games(0.0, n_matches=50, seed=3)
    >>> set(games["rounds"]) == {1}
    True
    >>> summary = tournament_summary(games)
    >>> summary.iloc[0]["strategy"]
    'always defect'
    """
    delta = _check_continuation(continuation)
    t_payoff = _check_temptation(temptation)
    n = check_positive_int("n_matches", n_matches)
    ok = isinstance(noise, Real) and not isinstance(noise, bool) and 0 <= noise <= 0.5
    if not ok:
        raise ValueError(f"noise must be a probability between 0 and 0.5, got {noise!r}")
    if isinstance(strategies, str):
        strategies = [strategies]
    chosen = list(dict.fromkeys(strategies))
    unknown = [s for s in chosen if s not in STRATEGIES]
    if not chosen:
        raise ValueError(f"strategies must name at least one of {list(STRATEGIES)}, got none")
    if unknown:
        raise ValueError(f"strategies must be chosen from {list(STRATEGIES)}, got unknown {unknown}")
    generator = make_rng(seed, rng)
    pairs = [(a, b) for i, a in enumerate(chosen) for b in chosen[i:]]
    side_a = np.repeat([a for a, _ in pairs], n)
    side_b = np.repeat([b for _, b in pairs], n)
    total = len(side_a)
    lengths = (generator.geometric(1 - delta, size=total) if delta > 0
               else np.ones(total, dtype=np.int64)).astype(np.int64)
    codes_a = np.array([_CODES[s] for s in side_a])
    codes_b = np.array([_CODES[s] for s in side_b])
    count_a, count_b = _play(codes_a, codes_b, lengths, float(noise), generator)
    ids = np.arange(1, total + 1)
    frames = [pd.DataFrame({"match_id": ids, "strategy": me, "opponent": other,
                            "continuation": delta, "temptation": t_payoff,
                            "rounds": lengths, **counts})
              for me, other, counts in ((side_a, side_b, count_a), (side_b, side_a, count_b))]
    games = (pd.concat(frames, ignore_index=True)
             .sort_values("match_id", kind="stable", ignore_index=True))
    games["payoff"] = (REWARD * games["both_cooperate"] + SUCKER * games["exploited"]
                       + t_payoff * games["exploiting"] + PUNISHMENT * games["both_defect"])
    return games


def pair_table(games: pd.DataFrame, temptation: float | None = None) -> pd.DataFrame:
    """Payoff per round and cooperation rate of each strategy against each opponent.

    Parameters
    ----------
    games : DataFrame from :func:`simulate_repeated_games`.
    temptation : float, optional
        Re-score the same moves with another temptation payoff (moves do not
        depend on payoffs, so this is exact); by default the one simulated.

    Returns
    -------
    pandas.DataFrame
        ``strategy``, ``opponent``, ``payoff_per_round`` (total payoff / total
        rounds over the pair's matches) and ``cooperation_rate``.
    """
    needed = {"strategy", "opponent", "rounds", "cooperations", "payoff", *_COUNT_COLUMNS}
    missing = needed - set(games.columns)
    if missing:
        raise ValueError(f"games lacks columns {sorted(missing)}; pass the output of "
                         "simulate_repeated_games")
    pairs = games.groupby(["strategy", "opponent"], sort=False)[
        ["payoff", "cooperations", "rounds", *_COUNT_COLUMNS]].sum()
    if temptation is not None:
        t_payoff = _check_temptation(temptation)
        pairs["payoff"] = (REWARD * pairs["both_cooperate"] + SUCKER * pairs["exploited"]
                           + t_payoff * pairs["exploiting"] + PUNISHMENT * pairs["both_defect"])
    out = pd.DataFrame({"payoff_per_round": pairs["payoff"] / pairs["rounds"],
                        "cooperation_rate": pairs["cooperations"] / pairs["rounds"]})
    return out.reset_index()


def payoff_matrices(games: pd.DataFrame, temptation=None
                    ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Strategy names, payoff-per-round matrix and cooperation-rate matrix.

    Row ``i``, column ``j`` describe strategy ``i`` playing against strategy
    ``j``, pooled over their matches; the same numbers as :func:`pair_table`,
    as numpy arrays.

    ``temptation`` may be a float (re-score with it), None (the simulated
    one) or a sequence of floats; for a sequence the payoff array gets a
    leading axis, one matrix per temptation, at the cost of one pass over
    the games.
    """
    needed = {"strategy", "opponent", "rounds", "cooperations", *_COUNT_COLUMNS}
    missing = needed - set(games.columns)
    if missing:
        raise ValueError(f"games lacks columns {sorted(missing)}; pass the output of "
                         "simulate_repeated_games")
    if temptation is None:
        t_payoff = float(games["temptation"].iloc[0])
    elif isinstance(temptation, Real):
        t_payoff = _check_temptation(temptation)
    else:
        t_payoff = np.array([_check_temptation(t) for t in temptation])[:, None, None]
    present = set(games["strategy"].unique().tolist())
    names = [s for s in STRATEGIES if s in present]
    me = pd.Categorical(games["strategy"], categories=names).codes
    other = pd.Categorical(games["opponent"], categories=names).codes
    k = len(names)

    def total(column):
        out = np.zeros((k, k))
        np.add.at(out, (me, other), games[column].to_numpy(dtype=float))
        return out

    rounds = total("rounds")
    payoff = (REWARD * total("both_cooperate") + SUCKER * total("exploited")
              + t_payoff * total("exploiting") + PUNISHMENT * total("both_defect"))
    return names, payoff / rounds, total("cooperations") / rounds


def tournament_summary(games: pd.DataFrame, temptation: float | None = None) -> pd.DataFrame:
    """Each strategy's average payoff per round and cooperation rate, best first.

    Results are pooled per pair of strategies (see :func:`pair_table`), then
    averaged over opponents with equal weight, as in a population where every
    strategy is equally common.

    Returns
    -------
    pandas.DataFrame
        ``strategy``, ``payoff_per_round``, ``cooperation_rate``, ``rank``
        (1 = highest payoff).
    """
    pairs = pair_table(games, temptation)
    summary = (pairs.groupby("strategy", sort=False)[["payoff_per_round", "cooperation_rate"]]
               .mean().reset_index())
    summary = summary.sort_values("payoff_per_round", ascending=False, kind="stable")
    summary["rank"] = np.arange(1, len(summary) + 1)
    return summary.reset_index(drop=True)


def replicator(payoff: np.ndarray, cooperation: np.ndarray, generations: int = 40
               ) -> tuple[np.ndarray, np.ndarray]:
    """Discrete replicator dynamics from an equal start.

    Each generation, shares are multiplied by each strategy's average payoff
    against the current population and renormalised.

    Parameters
    ----------
    payoff, cooperation : square arrays from :func:`payoff_matrices`.
    generations : number of updates (at least 1).

    Returns
    -------
    shares : array, shape (generations + 1, number of strategies)
    population_cooperation : array, shape (generations + 1,)
    """
    steps = check_positive_int("generations", generations)
    a, c = np.asarray(payoff, dtype=float), np.asarray(cooperation, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or c.shape != a.shape:
        raise ValueError("payoff and cooperation must be square arrays of the same shape, "
                         f"got shapes {a.shape} and {c.shape}")
    shares = np.empty((steps + 1, a.shape[0]))
    shares[0] = 1 / a.shape[0]
    for g in range(steps):
        fitness = a @ shares[g]
        mean_fitness = shares[g] @ fitness
        shares[g + 1] = shares[g] * fitness / mean_fitness if mean_fitness > 0 else shares[g]
    cooperation_rate = np.einsum("gi,ij,gj->g", shares, c, shares)
    return shares, cooperation_rate


def evolve_population(games: pd.DataFrame, generations: int = 40,
                      temptation: float | None = None) -> pd.DataFrame:
    """Let strategies spread in proportion to their success (replicator dynamics).

    Start with every strategy equally common. Each generation, a strategy's
    share is multiplied by its average payoff per round against the current
    population, divided by the population's average payoff: strategies that
    earn more are imitated more. This is deterministic given ``games``.

    Parameters
    ----------
    games : DataFrame from :func:`simulate_repeated_games`.
    generations : int
        Number of updates (at least 1).
    temptation : float, optional
        Re-score the moves with another temptation payoff.

    Returns
    -------
    pandas.DataFrame
        One row per generation (0 = the equal start) and strategy:
        ``generation``, ``strategy``, ``share``, and ``population_cooperation``
        (the share of all moves that are cooperative in that generation, the
        same on every row of a generation).

    Examples
    --------
    >>> games = simulate_repeated_games(0.0, n_matches=50, seed=3)
    >>> final = evolve_population(games, 30).query("generation == 30")
    >>> final.set_index("strategy")["share"].idxmax()
    'always defect'
    """
    steps = check_positive_int("generations", generations)
    names, a, c = payoff_matrices(games, temptation)
    shares, cooperation = replicator(a, c, steps)
    generation = np.repeat(np.arange(steps + 1), len(names))
    return pd.DataFrame({"generation": generation,
                         "strategy": np.tile(names, steps + 1),
                         "share": shares.ravel(),
                         "population_cooperation": cooperation[generation]})


#: Continuation probabilities on the slider (0 to 0.95, step 0.05).
CONTINUATIONS = np.round(np.arange(0, 0.951, 0.05), 2)
#: Temptation payoffs on the slider.
TEMPTATIONS = (3.5, 4.0, 4.5, 5.0, 5.5)
#: Generations of imitation (replicator dynamics) after each tournament.
GENERATIONS = 40


@lru_cache(maxsize=4, typed=True)  # typed, so seed=True is refused, not served seed=1's entry
def tournament_grid(n_matches: int = 150, seed: int = 2005) -> dict:
    """Tournament results for every (continuation, temptation) on the slider grid (simulated).

    Each continuation value gets one seeded tournament (seed + its index);
    every temptation re-scores the same moves, which is exact because the
    strategies ignore payoffs. Returns ``{(continuation, temptation): result}``
    where a result holds, in :data:`STRATEGIES` order, each strategy's
    ``payoff`` per round and ``cooperation`` rate against an equal mix, its
    ``shares`` after :data:`GENERATIONS` rounds of imitation, and the
    ``population_cooperation`` then. Cached: do not modify the result.
    """
    # checked here so a bad seed is reported as given, not as seed + k
    seed = check_positive_int("seed", seed, minimum=0)
    grid = {}
    for k, delta in enumerate(CONTINUATIONS):
        games = simulate_repeated_games(float(delta), n_matches=n_matches, seed=seed + k)
        names, payoffs, cooperation = payoff_matrices(games, TEMPTATIONS)
        order = [names.index(s) for s in STRATEGIES]
        for t, payoff in zip(TEMPTATIONS, payoffs, strict=True):
            shares, population = replicator(payoff, cooperation, GENERATIONS)
            grid[(float(delta), t)] = {
                "payoff": payoff.mean(axis=1)[order].tolist(),
                "cooperation": cooperation.mean(axis=1)[order].tolist(),
                "shares": shares[-1][order].tolist(),
                "population_cooperation": float(population[-1]),
            }
    return grid
