"""Explorer for insight 3 (no interdependence, no obligation): the shadow of the future.

``shadow_explorer`` shows seeded repeated-game tournaments, precomputed by
:func:`~reciprocity.simulate.repeated_games.tournament_grid` over the slider
grid and embedded in the spec. The chart picks its numbers from the embedded
table with Vega expressions (an index into a parameter that holds the table),
so it answers in the browser without a kernel.
"""
from __future__ import annotations

import altair as alt
import numpy as np

from ..plots import PALETTE
from ..simulate.repeated_games import (
    CONTINUATIONS,
    GENERATIONS,
    STRATEGIES,
    TEMPTATIONS,
    cooperation_threshold,
    tournament_grid,
)
from . import expr
from ._d3format import fixed, percent
from .core import CHART_WIDTH, Case, Explorer, readout, register, value_text

#: One colour per strategy, as in chapter 3's figure (PALETTE in STRATEGIES order).
STRATEGY_COLOURS = {s: PALETTE[i] for i, s in enumerate(STRATEGIES)}


def _shadow_cell(cell: dict) -> list[float]:
    """One grid cell as embedded: payoffs, shares, population cooperation (4 decimals)."""
    return [round(v, 4) for v in (*cell["payoff"], *cell["shares"], cell["population_cooperation"])]


def _shadow_lines(delta: float, temptation: float) -> list[str]:
    """The readout the shadow explorer shows, computed in Python (for the parity cases)."""
    n = len(STRATEGIES)
    cell = _shadow_cell(tournament_grid()[(delta, temptation)])
    payoff, shares = cell[:n], cell[n:2 * n]
    best, leader = int(np.argmax(payoff)), int(np.argmax(shares))
    return [f"Continuation {fixed(delta, 2)}: {fixed(1 / (1 - delta), 1)} rounds on average",
            f"Top earner: {STRATEGIES[best]} ({fixed(payoff[best], 2)} per round)",
            f"After imitation: {percent(cell[2 * n])} of moves cooperative",
            f"Largest group: {STRATEGIES[leader]} ({percent(shares[leader])})",
            f"Temptation {fixed(temptation, 1)}: theory threshold "
            f"{fixed(cooperation_threshold(temptation), 2)}"]


def _shadow_cases() -> list[Case]:
    return [Case({"continuation": delta, "temptation": temptation}, _shadow_lines(delta, temptation))
            for delta, temptation in [(0.0, 4.0), (0.95, 4.0), (0.0, 5.5), (0.95, 3.5), (0.5, 5.5),
                                      (0.7, 4.5)]]


@register(cases=_shadow_cases)
def shadow_explorer() -> Explorer:
    """Payoffs, imitation and cooperation in the iterated prisoner's dilemma (simulated).

    Two sliders set the continuation probability (0 to 0.95) and the
    temptation payoff (3.5 to 5.5). For each of the 100 combinations the
    package ran a seeded round-robin tournament (150 matches per pair,
    :func:`tournament_grid`) and 40 generations of imitation; the results are
    embedded and the chart picks the one the sliders name. The expected match
    length and the theoretical threshold (T - 3) / (T - 1) are closed forms
    computed in the browser.
    """
    grid = tournament_grid()
    # table[k][j] = [payoffs..., shares..., population cooperation]
    table = [[_shadow_cell(grid[(float(d), t)]) for t in TEMPTATIONS] for d in CONTINUATIONS]
    n = len(STRATEGIES)
    step = float(CONTINUATIONS[1] - CONTINUATIONS[0])
    controls = [
        alt.param(name="continuation", value=0.0, bind=alt.binding_range(
            min=0.0, max=float(CONTINUATIONS[-1]), step=step,
            name="Continuation probability (chance of another round) ")),
        alt.param(name="temptation", value=4.0, bind=alt.binding_range(
            min=TEMPTATIONS[0], max=TEMPTATIONS[-1], step=TEMPTATIONS[1] - TEMPTATIONS[0],
            name="Temptation payoff (defecting on a cooperator) ")),
    ]
    names_js = "[" + ", ".join(f"'{s}'" for s in STRATEGIES) + "]"
    derived = [
        alt.param(name="shadow_table", value=table),
        expr.signal("shadow_k", f"round(continuation / {step})"),
        expr.signal("shadow_j", f"round((temptation - {TEMPTATIONS[0]}) / {TEMPTATIONS[1] - TEMPTATIONS[0]})"),
        expr.signal("shadow_cell", "shadow_table[shadow_k][shadow_j]"),
        expr.signal("shadow_pay", f"slice(shadow_cell, 0, {n})"),
        expr.signal("shadow_share", f"slice(shadow_cell, {n}, {2 * n})"),
        expr.signal("shadow_best", "indexof(shadow_pay, peek(extent(shadow_pay)))"),
        expr.signal("shadow_leader", "indexof(shadow_share, peek(extent(shadow_share)))"),
        expr.signal("shadow_names", names_js),
        expr.signal("shadow_threshold", "(temptation - 3) / (temptation - 1)"),
        value_text("continuation", "format(continuation, '.2f')"),
        value_text("temptation", "format(temptation, '.1f')"),
    ]
    strategies = alt.Data(values=[{"i": i, "strategy": s} for i, s in enumerate(STRATEGIES)])
    colour = alt.Color("strategy:N", legend=None, scale=alt.Scale(
        domain=list(STRATEGY_COLOURS), range=list(STRATEGY_COLOURS.values())))
    # strategy names sit above their bars, so the panels need no room on the left
    y = alt.Y("strategy:N", sort=list(STRATEGIES), title=None, axis=None)
    bars = alt.Chart(strategies).transform_calculate(
        payoff="shadow_pay[datum.i]", share="shadow_share[datum.i]",
        pay_label="datum.strategy + ': ' + format(datum.payoff, '.2f') + ' per round'",
        share_label="datum.strategy + ': ' + format(datum.share, '.0%') + ' of players'")

    half = (CHART_WIDTH - 20) // 2  # payoffs and shares side by side: one row per strategy

    def panel(field, label, text, axis, domain):
        return alt.layer(
            bars.mark_bar(height=10, yOffset=7).encode(
                x=alt.X(f"{field}:Q", title=axis["title"], axis=alt.Axis(
                    format=axis["format"], labelFlush=True, values=axis["values"]),
                        scale=alt.Scale(domain=domain)),
                y=y, color=colour, description=f"{label}:N"),
            bars.mark_text(align="left", baseline="middle", yOffset=-6, aria=False, limit=half).encode(
                x=alt.value(0), y=y, text=f"{text}:N"),
        ).properties(width=half, height=125)

    bars = bars.transform_calculate(
        pay_text="datum.strategy + ' ' + format(datum.payoff, '.2f')",
        share_text="format(datum.share, '.0%')")
    payoff = panel("payoff", "pay_label", "pay_text",
                   {"title": "payoff per round", "format": ".0f", "values": [0, 1, 2, 3, 4, 5]}, [0, 5.5])
    shares = panel("share", "share_label", "share_text",
                   {"title": "share of players", "format": "%", "values": [0, 0.5, 1]}, [0, 1])
    tournament = alt.hconcat(payoff, shares, spacing=20).properties(title=alt.Title(
        alt.ExprRef("'Simulated, continuation ' + format(continuation, '.2f')"),
        subtitle=["left: payoff per round against an equal mix;",
                  f"right: players after {GENERATIONS} generations of imitation"]))
    curve_data = alt.Data(values=[{"k": k, "continuation": float(d)} for k, d in enumerate(CONTINUATIONS)])
    curve_base = alt.Chart(curve_data).transform_calculate(
        cooperation=f"shadow_table[datum.k][shadow_j][{2 * n}]")
    x = alt.X("continuation:Q", title="continuation probability", scale=alt.Scale(domain=[0, 1]))
    curve = alt.layer(
        curve_base.mark_line(color=PALETTE[2], strokeWidth=2.5, aria=False).encode(
            x=x, y=alt.Y("cooperation:Q", title=None, axis=alt.Axis(format="%"),
                         scale=alt.Scale(domain=[0, 1]))),
        curve_base.transform_filter("datum.k == shadow_k").transform_calculate(
            label="'Continuation ' + format(datum.continuation, '.2f') + ': '"
                  " + format(datum.cooperation, '.0%') + ' of moves cooperative'"
        ).mark_point(filled=True, size=90, color=PALETTE[2]).encode(
            x=x, y="cooperation:Q", description="label:N"),
        alt.Chart(alt.Data(values=[{}])).mark_rule(color="#222", strokeDash=[4, 3]).encode(
            x=alt.datum(alt.ExprRef("shadow_threshold"), type="quantitative"),
            description=alt.value(alt.ExprRef(
                "'Theoretical threshold ' + format(shadow_threshold, '.2f')"))),
    ).properties(width=CHART_WIDTH - 30, height=110, title=alt.Title(
        "Simulated: cooperative moves after imitation",
        subtitle="dot: your setting; dashed line: theory threshold"))
    text = readout([
        "'Continuation ' + format(continuation, '.2f') + ': ' + format(1 / (1 - continuation), '.1f')"
        " + ' rounds on average'",
        "'Top earner: ' + shadow_names[shadow_best] + ' (' + format(shadow_pay[shadow_best], '.2f')"
        " + ' per round)'",
        f"'After imitation: ' + format(shadow_cell[{2 * n}], '.0%') + ' of moves cooperative'",
        "'Largest group: ' + shadow_names[shadow_leader] + ' (' + format(shadow_share[shadow_leader], '.0%')"
        " + ')'",
        "'Temptation ' + format(temptation, '.1f') + ': theory threshold ' + format(shadow_threshold, '.2f')",
    ])
    # align="none": each panel keeps its own axis room, so the column stays phone-wide
    chart = alt.concat(tournament, curve, text, columns=1, spacing=14, align="none").add_params(
        *controls, *derived)
    return Explorer(chart, "shadow_explorer",
                    "Simulated repeated prisoner's dilemma: payoffs, imitation and cooperation "
                    "as the shadow of the future lengthens")
