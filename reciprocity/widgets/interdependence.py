"""Explorers for insights 3 and 12: the shadow of the future and repeated favours."""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..plots import PALETTE
from ..simulate.relationship import PARTNER_REPLY, STRANGER_REPLY, reply_probability
from ..simulate.repeated_games import (STRATEGIES, cooperation_threshold, payoff_matrices,
                                       replicator, simulate_repeated_games)
from .core import Explorer, register
from .svg import bar_chart, line_chart

#: Slider grids, precomputed when an explorer is built.
CONTINUATIONS = np.round(np.arange(0, 0.951, 0.05), 2)
TEMPTATIONS = (3.5, 4.0, 4.5, 5.0, 5.5)
GENERATIONS = 40
_STRATEGY_COLOURS = dict(zip(STRATEGIES, [PALETTE[3], PALETTE[5], PALETTE[2], PALETTE[0],
                                          PALETTE[7]]))


def tournament_grid(n_matches: int = 150, seed: int = 2005) -> dict:
    """Tournament results for every (continuation, temptation) on the slider grid.

    Each continuation value gets one seeded tournament (seed + its index);
    every temptation re-scores the same moves, which is exact because the
    strategies ignore payoffs. Returns ``{(continuation, temptation): result}``
    where a result holds the equal-mix ``summary`` table, the strategy shares
    after :data:`GENERATIONS` rounds of imitation and the population's
    cooperation rate then (all simulated).
    """
    grid = {}
    for k, delta in enumerate(CONTINUATIONS):
        games = simulate_repeated_games(float(delta), n_matches=n_matches, seed=seed + k)
        names, payoffs, cooperation = payoff_matrices(games, TEMPTATIONS)
        for t, payoff in zip(TEMPTATIONS, payoffs):
            shares, population = replicator(payoff, cooperation, GENERATIONS)
            order = [names.index(s) for s in STRATEGIES]
            grid[(float(delta), t)] = {
                "payoff": payoff.mean(axis=1)[order].tolist(),
                "cooperation": cooperation.mean(axis=1)[order].tolist(),
                "shares": shares[-1][order].tolist(),
                "population_cooperation": float(population[-1]),
            }
    return grid


@register
def shadow_explorer(n_matches: int = 150, seed: int = 2005, grid: dict | None = None) -> Explorer:
    """Strategies' payoffs and cooperation in the iterated prisoner's dilemma (simulated).

    Parameters
    ----------
    n_matches : matches per pair of strategies in each precomputed tournament.
    seed : base seed of the tournaments.
    grid : the output of :func:`tournament_grid`, if already computed (then
        ``n_matches`` and ``seed`` are ignored).
    """
    grid = tournament_grid(n_matches, seed) if grid is None else grid
    labels = ["defect", "cooperate", "tit-for-tat", "grim", "random"]
    colours = [_STRATEGY_COLOURS[s] for s in STRATEGIES]

    def render(continuation, temptation):
        delta = float(CONTINUATIONS[np.abs(CONTINUATIONS - continuation).argmin()])
        cell = grid[(delta, temptation)]
        payoff = bar_chart(labels, cell["payoff"], ymin=0, ymax=temptation,
                           fmt=lambda v: f"{v:.2f}", colors=colours,
                           title="Average payoff per round against an equal mix (simulated)",
                           ylabel="payoff per round")
        shares = bar_chart(labels, cell["shares"], ymin=0, ymax=1, colors=colours,
                           title=f"Share of players after {GENERATIONS} generations of imitation",
                           ylabel="share of population")
        curve = line_chart(CONTINUATIONS,
                           {"cooperation after imitation":
                            [grid[(float(d), temptation)]["population_cooperation"]
                             for d in CONTINUATIONS]},
                           title="Cooperation in the population after imitation",
                           xlabel="continuation probability", ylabel="cooperative moves",
                           marker_x=delta)
        best = STRATEGIES[int(np.argmax(cell["payoff"]))]
        threshold = cooperation_threshold(temptation)
        return (payoff + shares + curve +
                f"<p>With continuation {delta:.2f} a match lasts <b>{1 / (1 - delta):.1f} "
                f"rounds</b> on average. Top earner against an equal mix: <b>{best}</b>. "
                f"After imitation, <b>{cell['population_cooperation']:.0%}</b> of moves are "
                f"cooperative. Theory: with temptation {temptation:g}, a reciprocal partner "
                f"can hold cooperation in place once continuation reaches "
                f"<b>{threshold:.2f}</b>.</p>")

    style = {"description_width": "initial"}
    controls = {
        "continuation": widgets.FloatSlider(value=0.0, min=0.0, max=float(CONTINUATIONS[-1]),
                                            step=0.05, readout_format=".2f", style=style,
                                            description="Continuation probability"),
        "temptation": widgets.SelectionSlider(options=list(TEMPTATIONS), value=4.0, style=style,
                                              description="Temptation payoff"),
    }
    return Explorer(controls, render,
                    title="The shadow of the future in the prisoner's dilemma (simulated)")


#: Favour explorer grids.
NOTICE_RATES = np.round(np.arange(0.1, 1.001, 0.1), 1)
PRIORS = np.round(np.arange(0.05, 0.501, 0.05), 2)
MAX_FAVOURS = 24


@register
def favour_explorer() -> Explorer:
    """Reply probability after k small favours, with and without an intro (simulated model)."""
    favours = np.arange(MAX_FAVOURS + 1)
    curves = {(float(r), float(p), intro): reply_probability(favours, notice_rate=float(r),
                                                             prior_continuation=float(p),
                                                             intro=intro)
              for r in NOTICE_RATES for p in PRIORS for intro in (False, True)}

    def nearest(value, axis):
        return float(axis[np.abs(axis - value).argmin()])

    def render(notice_rate, prior, ask_after):
        r, p = nearest(notice_rate, NOTICE_RATES), nearest(prior, PRIORS)
        cold, intro = curves[(r, p, False)], curves[(r, p, True)]
        chart = line_chart(favours, {"cold contact": cold, "intro from a mutual friend": intro},
                           title="Chance of a reply, by favours done before asking (simulated)",
                           xlabel="small favours before the request (one a month)",
                           ylabel="replies", ymin=0, ymax=1, marker_x=ask_after)
        return (chart +
                f"<p>Asking after <b>{ask_after}</b> favour{'s' if ask_after != 1 else ''}: "
                f"<b>{cold[ask_after]:.0%}</b> reply to a cold contact and "
                f"<b>{intro[ask_after]:.0%}</b> after an intro (asking at once: "
                f"{cold[0]:.0%} and {intro[0]:.0%}). Calibrated so that a sender with no "
                f"future gets {STRANGER_REPLY:.1%} replies and one with an even chance of a "
                f"future gets {PARTNER_REPLY:.1%} (Broockman 2013).</p>")

    style = {"description_width": "initial"}
    controls = {
        "notice_rate": widgets.FloatSlider(value=0.5, min=0.1, max=1.0, step=0.1,
                                           readout_format=".0%", style=style,
                                           description="Favours noticed"),
        "prior": widgets.FloatSlider(value=0.1, min=0.05, max=0.5, step=0.05,
                                     readout_format=".2f", style=style,
                                     description="Initial shadow of the future"),
        "ask_after": widgets.IntSlider(value=12, min=0, max=MAX_FAVOURS, style=style,
                                       description="Ask after (favours)"),
    }
    return Explorer(controls, render, title="Small favours over time (simulated)")
