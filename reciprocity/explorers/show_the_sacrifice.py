"""Explorer for insight 13 (show the sacrifice): disclosed effort and sign-ups (simulated).

The lines are the closed-form teaching model of :mod:`reciprocity.simulate.sacrifice`,
computed in the browser. The dots are that module's seeded banner test
(:func:`~reciprocity.simulate.sacrifice.banner_test_grid`, precomputed over the
sliders' grid and embedded), with Wilson and Newcombe intervals computed in the
browser.
"""
from __future__ import annotations

import json

import altair as alt

from ..plots import PALETTE
from ..simulate.sacrifice import (
    DEFAULT_HALF_SATURATION,
    DEFAULT_MAX_RELATIVE_LIFT,
    GRID_BASE_RATES,
    GRID_CREDIBILITY,
    GRID_HOURS,
    banner_test_counts,
    banner_test_grid,
    perceived_sacrifice,
    signup_probability,
)
from ..stats import compare_proportions
from . import expr
from ._d3format import fixed
from .core import CHART_WIDTH, Case, Explorer, readout, register, value_text

#: What the readout adds when the model's true effect is zero (no hours, or no credibility).
FALSE_POSITIVE = "False positive: the model's true gap is 0."
NO_TRUE_EFFECT = "The model's true gap here is 0."
#: ... and when it is not: the start of the line that gives the true gap.
MISSED = "A miss: the model's true gap is +"
TRUE_GAP = "The model's true gap is +"


def _js(text: str) -> str:
    """A Python string as a Vega expression string literal."""
    return json.dumps(text)


PLAIN_COLOUR, BANNER_COLOUR, REFERENCE_COLOUR = PALETTE[7], PALETTE[2], "#777777"


def _truth_line(hours: int, credibility: float, base_rate: float, verdict: str) -> str:
    """What the simulated test's verdict means, given the gap the model builds in."""
    true_gap = (signup_probability(hours, credibility, base_rate) - base_rate) * 100
    if hours == 0 or credibility == 0:  # nothing disclosed or nothing believed: no true effect
        return (FALSE_POSITIVE if verdict == expr.EXCLUDES_ZERO else NO_TRUE_EFFECT)
    return (MISSED if verdict == expr.INCLUDES_ZERO else TRUE_GAP) + f"{fixed(true_gap, 2)} points."


def expected_lines(hours: int, credibility: float, base_rate: float) -> list[str]:
    """What the explorer says at these settings, from the model and the simulator itself."""
    felt = perceived_sacrifice(hours, credibility)
    rate = signup_probability(hours, credibility, base_rate)
    k_plain, n_plain, k_banner, n_banner = banner_test_counts(hours, credibility, base_rate)
    result = compare_proportions(k_plain, n_plain, k_banner, n_banner)
    lo, hi = result.ci
    verdict = expr.zero_verdict_label(lo, hi, decimals=2)
    return [f"Perceived sacrifice: {felt:.2f} (0 to 1)",
            f"Model sign-up rate: {rate:.2%} (no banner {base_rate:.2%})",
            f"Relative lift: {rate / base_rate - 1:+.0%} (at most {DEFAULT_MAX_RELATIVE_LIFT:+.0%})",
            f"Simulated test, {n_plain:,} + {n_banner:,} visitors:",
            f"no banner {result.rate_a:.2%}, banner {result.rate_b:.2%}",
            f"difference {result.difference * 100:+.2f} points ({lo * 100:+.2f} to {hi * 100:+.2f})",
            verdict, _truth_line(hours, credibility, base_rate, verdict)]


def _cases() -> list[Case]:
    cases = []
    for hours, credibility, base_rate in [(50, 0.7, 0.04), (0, 0.0, 0.01), (100, 1.0, 0.1),
                                          (5, 0.7, 0.04), (100, 0.0, 0.04), (20, 0.3, 0.06)]:
        # credibility and the base rate are percent sliders, as the readout is
        settings = {"hours": hours, "credibility": round(credibility * 100), "base_rate": round(base_rate * 100)}
        cases.append(Case(settings, [*expected_lines(hours, credibility, base_rate),
                                     f"credibility: {credibility:.0%}", f"base_rate: {base_rate:.0%}"]))
    return cases


@register(cases=_cases)
def sacrifice_explorer() -> Explorer:
    """Sign-up rate by hours of effort disclosed, for a credibility and a base rate (simulated).

    Three sliders: hours disclosed, credibility of the claim, sign-up rate
    without a banner. The lines are the teaching model of
    :mod:`reciprocity.simulate.sacrifice` (a closed form, computed in the
    browser) at the chosen credibility, at full credibility and when nobody
    believes the claim. The dots are a seeded simulated test of the chosen
    banner against no banner (:func:`~reciprocity.simulate.sacrifice.banner_test_grid`,
    precomputed over the sliders' grid), with Wilson intervals and the difference with a Newcombe
    interval computed in the browser.
    """
    grid = banner_test_grid()
    # credibility and the base rate in percent, as the readout speaks of them; the model takes proportions
    controls = [
        alt.param(name="hours", value=50, bind=alt.binding_range(
            min=GRID_HOURS[0], max=GRID_HOURS[-1], step=5, name="Hours of effort disclosed ")),
        alt.param(name="credibility", value=70, bind=alt.binding_range(
            min=0, max=100, step=10, name="Credibility of the claim (% who believe it) ")),
        alt.param(name="base_rate", value=4, bind=alt.binding_range(
            min=round(GRID_BASE_RATES[0] * 100), max=round(GRID_BASE_RATES[-1] * 100), step=1,
            name="Sign-up rate without a banner (%) ")),
    ]
    half, lift = float(DEFAULT_HALF_SATURATION), float(DEFAULT_MAX_RELATIVE_LIFT)
    n_c, n_b = len(GRID_CREDIBILITY), len(GRID_BASE_RATES)
    derived = [
        value_text("hours", "hours + ' hours'"),
        value_text("credibility", "credibility + '%'"),
        value_text("base_rate", "base_rate + '%'"),
        expr.signal("cred", "credibility / 100"),
        expr.signal("base", "base_rate / 100"),
        expr.signal("h_i", "round(hours / 5)"),
        expr.signal("c_i", "round(credibility / 10)"),
        expr.signal("b_i", "round(base_rate) - 1"),
        expr.signal("felt", f"cred * hours / (hours + {half})"),
        expr.signal("model_rate", f"base * (1 + {lift} * felt)"),
        expr.signal("k_plain", f"{json.dumps(grid['plain'].tolist())}[b_i]"),
        expr.signal("k_banner", f"{json.dumps(grid['banner'].ravel().tolist(), separators=(',', ':'))}"
                                f"[(h_i * {n_c} + c_i) * {n_b} + b_i]"),
        expr.signal("n_plain", str(grid["n_plain"])),
        expr.signal("n_banner", str(grid["n_banner"])),
        *expr.wilson("plain", "k_plain", "n_plain"),
        *expr.wilson("banner", "k_banner", "n_banner"),
        *expr.newcombe("gap", "plain", "banner"),
        expr.signal("gap_verdict", expr.zero_verdict("gap_low", "gap_high", decimals=2)),
        expr.signal("true_gap", "(model_rate - base) * 100"),
    ]

    series = ["at this credibility", "fully credible", "not believed"]
    rows = [{"hours": h, "series": s} for s in series for h in GRID_HOURS]
    curves = alt.Chart(alt.Data(values=rows)).transform_calculate(
        c="datum.series == 'fully credible' ? 1 : datum.series == 'not believed' ? 0 : cred",
        rate=f"base * (1 + {lift} * datum.c * datum.hours / (datum.hours + {half}))",
        label="datum.series + ' (' + format(datum.c, '.0%') + '): ' + format(base, '.1%')"
              f" + ' at 0 hours, ' + format(base * (1 + {lift} * datum.c * 100 / (100 + {half})), '.2%')"
              " + ' at 100'",
    )
    x = alt.X("hours:Q", title="hours of effort disclosed", scale=alt.Scale(domain=[0, 100]))
    y = alt.Y("rate:Q", title="sign-up rate", axis=alt.Axis(format=".1%"), scale=alt.Scale(zero=True))
    lines = curves.mark_line().encode(
        x=x, y=y,
        color=alt.Color("series:N", scale=alt.Scale(domain=series, range=[BANNER_COLOUR, REFERENCE_COLOUR,
                                                                          REFERENCE_COLOUR]),
                        legend=None),
        strokeDash=alt.StrokeDash("series:N", scale=alt.Scale(domain=series, range=[[1, 0], [6, 3], [2, 2]]),
                                  legend=None),
        description="label:N")
    arms = alt.Chart(alt.Data(values=[{"arm": "no banner"}, {"arm": "banner"}])).transform_calculate(
        hours="datum.arm == 'banner' ? hours : 0",
        rate="datum.arm == 'banner' ? banner_rate : plain_rate",
        low="datum.arm == 'banner' ? banner_low : plain_low",
        high="datum.arm == 'banner' ? banner_high : plain_high",
        colour=f"datum.arm == 'banner' ? '{BANNER_COLOUR}' : '{PLAIN_COLOUR}'",
        label="'simulated ' + datum.arm + ': ' + format(datum.rate, '.2%') + ' (' + format(datum.low, '.2%')"
              " + ' to ' + format(datum.high, '.2%') + ')'",
    )
    whiskers = arms.mark_rule(strokeWidth=2, aria=False).encode(
        x=x, y="low:Q", y2="high:Q", color=alt.Color("colour:N", scale=None))
    dots = arms.mark_point(filled=True, size=70, opacity=1, stroke="#222", strokeWidth=1).encode(
        x=x, y=y, color=alt.Color("colour:N", scale=None), description="label:N")
    plot = alt.layer(lines, whiskers, dots).properties(
        width=CHART_WIDTH, height=220,
        title=alt.Title(alt.ExprRef("'Simulated: ' + hours + ' hours at credibility ' + credibility + '%'"),
                        subtitle=["solid: the model at this credibility;",
                                  "dashed: fully credible; dotted: not believed;",
                                  "dots: one simulated test (95% CI)"]))
    text = readout([
        "'Perceived sacrifice: ' + format(felt, '.2f') + ' (0 to 1)'",
        "'Model sign-up rate: ' + format(model_rate, '.2%') + ' (no banner ' + format(base, '.2%') + ')'",
        "'Relative lift: ' + format(model_rate / base - 1, '+.0%') + ' (at most "
        f"{lift:+.0%})'",
        "'Simulated test, ' + format(n_plain, ',') + ' + ' + format(n_banner, ',') + ' visitors:'",
        "'no banner ' + format(plain_rate, '.2%') + ', banner ' + format(banner_rate, '.2%')",
        "'difference ' + " + expr.points_text("gap", decimals=2),
        "gap_verdict",
        # whether the verdict is right: the model knows the true gap
        "hours == 0 || credibility == 0"
        f" ? (gap_verdict == {_js(expr.EXCLUDES_ZERO)} ? {_js(FALSE_POSITIVE)} : {_js(NO_TRUE_EFFECT)})"
        f" : (gap_verdict == {_js(expr.INCLUDES_ZERO)} ? {_js(MISSED)} : {_js(TRUE_GAP)})"
        " + format(true_gap, '.2f') + ' points.'",
    ])
    chart = alt.vconcat(plot, text, spacing=8).add_params(*controls, *derived)
    return Explorer(chart, "sacrifice_explorer",
                    "Show the sacrifice: hours disclosed, credibility and sign-ups (simulated)")
