"""Explorer for insight 4 (an expected gift is not a favour): surprise against expectation.

The gift model of :mod:`reciprocity.simulate.gifts` has a closed-form
repayment curve, so the explorer computes it in the browser as a Vega
expression (:func:`~reciprocity.explorers._gift_model.repayment_expr`).
"""
from __future__ import annotations

import altair as alt
import numpy as np

from ..plots import PALETTE
from ..simulate.gifts import DEFAULTS, delivered_value, repayment_probability
from ._gift_model import repayment_expr
from .core import CHART_WIDTH, Case, Explorer, readout, register, value_text

_GIFT_STEP = 0.05
_VALUES = (0.25, 0.5, 0.75, 1.0)
EXPECTED_START = {"expected": 0.6, "gift": 0.6, "value": 1.0}


def _verdict(surprise: float) -> str:
    """How the gift compares with the expectation: a description of the inputs, not a finding."""
    if surprise >= 0.3:
        return "Well above what they expected"
    if surprise > -0.05:
        return "About what they expected"
    return "Below expectation: no credit (assumed)"


def _expected_lines(expected: float, gift: float, value: float) -> list[str]:
    """The readout at these settings, from the simulator's own functions."""
    base = DEFAULTS["base_rate"]
    surprise = gift - expected
    delivered = delivered_value(value, gift)  # a gift of size 0 is no gift
    p = repayment_probability(delivered, surprise)
    fresh = repayment_probability(delivered, gift)
    return [f"Gift {gift:.2f} vs expected {expected:.2f}: surprise {surprise:+.2f}",
            "No gift at all: nothing to repay" if gift == 0 else _verdict(surprise),
            f"Model repayment {p:.1%} vs {base:.1%} with no gift",
            f"That is {p / base:.2f}× the no-gift rate",
            f"Same gift, expecting nothing: {fresh:.1%}",
            f"Gift model (assumed): value {value:.2f}"]


def _expected_cases() -> list[Case]:
    return [Case({"expected": expected, "gift": gift, "value": value}, _expected_lines(expected, gift, value))
            for expected, gift, value in [(0.6, 0.6, 1.0), (0.0, 1.0, 1.0), (1.0, 0.0, 0.25),
                                          (0.1, 0.6, 0.75), (0.6, 0.9, 0.5), (0.0, 0.0, 0.25),
                                          (0.0, 0.0, 1.0), (0.0, 0.05, 1.0)]]


@register(cases=_expected_cases)
def expected_gift_explorer() -> Explorer:
    """Model repayment as the gift grows, for a chosen expectation baseline (insight 4).

    Sliders set the gift the recipient expects, the gift actually given and
    its value to their job. The chart draws the gift model's repayment
    across gift sizes for this recipient and for one who expected nothing
    (a gift of size 0 is no gift: the no-gift rate, as in the simulator);
    the text gives the surprise, the repayment against the no-gift rate and
    the same gift to someone who expected nothing. All of it is the model's
    closed form, computed in the browser.
    """
    base = DEFAULTS["base_rate"]
    slider = dict(min=0, max=1, step=_GIFT_STEP)
    controls = [
        alt.param(name="expected", value=EXPECTED_START["expected"],
                  bind=alt.binding_range(name="Expected gift ", **slider)),
        alt.param(name="gift", value=EXPECTED_START["gift"],
                  bind=alt.binding_range(name="Actual gift ", **slider)),
        alt.param(name="value", value=EXPECTED_START["value"],
                  bind=alt.binding_range(min=_VALUES[0], max=_VALUES[-1], step=0.25,
                                         name="Value to their job ")),
    ]
    derived = [
        alt.param(name="surprise", expr="gift - expected"),
        # delivered_value: a gift of size 0 is no gift, whatever its value
        alt.param(name="delivered", expr="gift > 0 ? value : 0"),
        alt.param(name="p_here", expr=repayment_expr("delivered", "surprise")),
        alt.param(name="p_fresh", expr=repayment_expr("delivered", "gift")),
        value_text("expected", "format(expected, '.2f')"),
        value_text("gift", "gift > 0 ? format(gift, '.2f') : '0 (no gift)'"),
        value_text("value", "format(value, '.2f')"),
    ]
    series = {"your recipient": PALETTE[1], "expects nothing": PALETTE[7]}
    sizes = np.round(np.arange(0, 1 + _GIFT_STEP / 2, _GIFT_STEP), 2)
    rows = [{"size": float(g), "who": who} for who in series for g in sizes]
    curves = alt.Chart(alt.Data(values=rows)).transform_calculate(
        p=repayment_expr("datum.size > 0 ? value : 0",
                         "datum.size - (datum.who == 'expects nothing' ? 0 : expected)"))
    x = alt.X("size:Q", title="size of the gift given (0-1)", scale=alt.Scale(domain=[0, 1]),
              axis=alt.Axis(values=[0, 0.2, 0.4, 0.6, 0.8, 1], format=".1f"))
    ymax = float(np.ceil(repayment_probability(1.0, 1.0) * 20) / 20)
    y = alt.Y("p:Q", title="chance of repaying (model)", scale=alt.Scale(domain=[0, ymax]),
              axis=alt.Axis(format="%", tickCount=4))
    colour = alt.Color("who:N", title=None, scale=alt.Scale(domain=list(series), range=list(series.values())),
                       legend=alt.Legend(orient="top-left", fillColor="white", padding=4,
                                         symbolType="stroke", symbolStrokeWidth=2))
    dash = alt.StrokeDash("who:N", title=None, scale=alt.Scale(domain=list(series), range=[[1, 0], [5, 3]]))
    lines = curves.mark_line(strokeWidth=2, aria=False).encode(x=x, y=y, color=colour, strokeDash=dash)
    dots = curves.transform_filter("abs(datum.size - gift) < 1e-6").transform_calculate(
        label="datum.who + ', gift ' + format(datum.size, '.2f') + ': ' + format(datum.p, '.1%')",
    ).mark_point(filled=True, size=70).encode(x=x, y=y, color=colour, description="label:N")
    floor = alt.Chart(alt.Data(values=[{"p": base}])).mark_rule(color="#888", strokeDash=[2, 2],
                                                               aria=False).encode(y="p:Q")
    plot = (floor + lines + dots).properties(
        width=CHART_WIDTH, height=200,
        title=alt.Title("Gift model: repayment by size of gift",
                        subtitle=f"dotted: {base:.0%} with no gift; dots: your gift"))
    text = readout([
        "'Gift ' + format(gift, '.2f') + ' vs expected ' + format(expected, '.2f')"
        " + ': surprise ' + format(surprise, '+.2f')",
        "gift == 0 ? 'No gift at all: nothing to repay'"
        " : surprise >= 0.3 ? 'Well above what they expected' : surprise > -0.05 ? 'About what they expected'"
        " : 'Below expectation: no credit (assumed)'",
        f"'Model repayment ' + format(p_here, '.1%') + ' vs {base:.1%} with no gift'",
        f"'That is ' + format(p_here / {base}, '.2f') + '× the no-gift rate'",
        "'Same gift, expecting nothing: ' + format(p_fresh, '.1%')",
        "'Gift model (assumed): value ' + format(value, '.2f')",
    ])
    chart = alt.vconcat(plot, text, spacing=8).add_params(*controls, *derived)
    return Explorer(chart, "expected_gift_explorer",
                    "Expected versus actual gift: repayment in the gift model")
