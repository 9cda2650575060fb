"""Explorer for insight 12 (signal that you are in it for the long run): small favours over time.

``favour_explorer`` shows the expected reply rates of the small-favours model
(:func:`reciprocity.simulate.relationship.reply_probability`), precomputed
over the slider grid by :func:`~reciprocity.simulate.relationship.favour_grid`
and embedded in the spec. The chart picks its curves from the embedded table
with Vega expressions, so it answers in the browser without a kernel.
"""
from __future__ import annotations

import altair as alt

from ..plots import GREY, PALETTE
from ..simulate.relationship import COLD_REPLY, EVEN_ODDS_REPLY, MAX_FAVOURS, NOTICE_RATES, PRIORS, favour_grid
from . import expr
from ._d3format import percent
from .core import CHART_WIDTH, Case, Explorer, readout, register, value_text

#: As in chapter 12's figure: cold contact, intro from a mutual friend.
FAVOUR_COLOURS = {"cold contact": PALETTE[0], "intro from a mutual friend": PALETTE[1]}


def _favour_curve(rate: float, prior: float, intro: bool) -> list[float]:
    """One curve as embedded (4 decimals)."""
    return [round(float(v), 4) for v in favour_grid()[(rate, prior, intro)]]


def _favour_lines(rate: float, prior: float, ask: int) -> list[str]:
    cold, intro = _favour_curve(rate, prior, False), _favour_curve(rate, prior, True)
    plural = "" if ask == 1 else "s"
    return [f"Asking after {ask} favour{plural} (simulated model):",
            f"cold contact {percent(cold[ask])}, with an intro {percent(intro[ask])}",
            f"Asking at once: {percent(cold[0])} and {percent(intro[0])}"]


def _favour_cases() -> list[Case]:
    cases = []
    for rate, prior, ask in [(0.5, 0.1, 12), (0.1, 0.05, 0), (1.0, 0.5, 24), (0.1, 0.1, 24),
                             (0.7, 0.3, 1)]:
        # the sliders are in percent, as the readouts are
        settings = {"notice_rate": round(rate * 100), "prior": round(prior * 100), "ask_after": ask}
        cases.append(Case(settings, [*_favour_lines(rate, prior, ask),
                                     f"notice_rate: {round(rate * 100)}%", f"prior: {round(prior * 100)}%"]))
    return cases


@register(cases=_favour_cases)
def favour_explorer() -> Explorer:
    """Chance of a reply after k small favours, cold or after an intro (simulated model).

    Sliders set the share of favours the recipient notices, the recipient's
    initial belief that the sender will be around again (both in percent),
    and the month of the request. The curves are the expected reply rates of
    the model in :mod:`reciprocity.simulate.relationship`, precomputed for
    every notice rate (10% to 100%) and initial belief (5% to 50%) on the
    sliders' grid, embedded, and picked in the browser.
    """
    table = [[[_favour_curve(float(r), float(p), intro) for intro in (False, True)]
              for p in PRIORS] for r in NOTICE_RATES]
    controls = [
        alt.param(name="notice_rate", value=50, bind=alt.binding_range(
            min=round(NOTICE_RATES[0] * 100), max=round(NOTICE_RATES[-1] * 100), step=10,
            name="Share of favours the recipient notices (%) ")),
        alt.param(name="prior", value=10, bind=alt.binding_range(
            min=round(PRIORS[0] * 100), max=round(PRIORS[-1] * 100), step=5,
            name="Initial belief you will be around again (%) ")),
        alt.param(name="ask_after", value=12, bind=alt.binding_range(
            min=0, max=MAX_FAVOURS, step=1, name="Ask after this many favours (one a month) ")),
    ]
    derived = [
        alt.param(name="favour_table", value=table),
        expr.signal("favour_cell", "favour_table[round(notice_rate / 10) - 1][round(prior / 5) - 1]"),
        expr.signal("favour_cold", "favour_cell[0]"),
        expr.signal("favour_intro", "favour_cell[1]"),
        value_text("notice_rate", "notice_rate + '%'"),
        value_text("prior", "prior + '%'"),
        value_text("ask_after", "ask_after + (ask_after == 1 ? ' favour' : ' favours')"),
    ]
    series = list(FAVOUR_COLOURS)
    rows = alt.Data(values=[{"favours": k, "series": s, "s": i}
                            for i, s in enumerate(series) for k in range(MAX_FAVOURS + 1)])
    base = alt.Chart(rows).transform_calculate(reply="favour_cell[datum.s][datum.favours]")
    colour = alt.Color("series:N", title=None, scale=alt.Scale(domain=series,
                                                               range=list(FAVOUR_COLOURS.values())),
                       legend=alt.Legend(orient="bottom", direction="vertical"))
    x = alt.X("favours:Q", title="small favours before asking (one a month)",
              scale=alt.Scale(domain=[0, MAX_FAVOURS]))
    y = alt.Y("reply:Q", title="chance of a reply", axis=alt.Axis(format="%"),
              scale=alt.Scale(domain=[0, 1]))
    plot = alt.layer(
        base.mark_line(strokeWidth=2.5, aria=False).encode(x=x, y=y, color=colour),
        alt.Chart(alt.Data(values=[{}])).mark_rule(color=GREY, strokeDash=[4, 3], aria=False).encode(
            x=alt.datum(alt.ExprRef("ask_after"), type="quantitative")),
        base.transform_filter("datum.favours == ask_after").transform_calculate(
            label="datum.series + ' after ' + datum.favours + ' favours: ' + format(datum.reply, '.0%')"
        ).mark_point(filled=True, size=90).encode(x=x, y=y, color=colour, description="label:N"),
    ).properties(width=CHART_WIDTH, height=220, title=alt.Title(
        "Simulated model: chance of a reply",
        subtitle="by small favours done before asking"))
    text = readout([
        "'Asking after ' + ask_after + ' favour' + (ask_after == 1 ? '' : 's') + ' (simulated model):'",
        "'cold contact ' + format(favour_cold[ask_after], '.0%') + ', with an intro '"
        " + format(favour_intro[ask_after], '.0%')",
        "'Asking at once: ' + format(favour_cold[0], '.0%') + ' and ' + format(favour_intro[0], '.0%')",
        f"'Assumed reply rates: {COLD_REPLY:.0%} with no future,'",
        f"'{EVEN_ODDS_REPLY:.0%} at even odds of a next time'",
    ])
    chart = alt.vconcat(plot, text, spacing=10).add_params(*controls, *derived)
    return Explorer(chart, "favour_explorer",
                    "Simulated model: chance of a reply after small favours, cold or after an intro")
