"""Explorer for insight 1 (online, people deliberate): when does a gift still pull?

The dual-route model of :mod:`reciprocity.simulate.deliberation` is a closed
form (a logistic curve), so the explorer computes it in the browser as a Vega
expression from the four controls. The parity cases compute the same numbers
with :func:`~reciprocity.simulate.deliberation.compliance_probability`.
"""
from __future__ import annotations

import altair as alt
import numpy as np
from scipy.special import logit

from ..book import parameter_defaults
from ..plots import PALETTE
from ..simulate.deliberation import compliance_probability, elaboration
from . import expr
from .core import CHART_WIDTH, Case, Explorer, readout, register, value_text

#: The model's fixed weights (its stated assumptions), from the simulator's defaults.
MODEL = {key: parameter_defaults(compliance_probability)[key]
         for key in ("baseline", "argument_weight")}
#: Starting position of the controls: a reader alone with the inbox.
START = {"involvement": 0.8, "distraction": 0.1, "quality": 0.5, "cue": 1.0}
ARMS = {"no gift": PALETTE[0], "gift first": PALETTE[1]}
_STEP = 0.05  # resolution of the involvement curve


def _route(e: float) -> str:
    """The words the explorer uses for an elaboration level (same thresholds as the chart)."""
    if e < 0.35:
        return "Route: mostly the shortcut (peripheral)"
    if e > 0.65:
        return "Route: mostly the careful (central)"
    return "Route: a mix of both"


def _cases() -> list[Case]:
    cases = []
    for inv, dis, qual, cue in [(0.8, 0.1, 0.5, 1.0), (0.0, 1.0, 0.0, 0.0), (1.0, 0.0, 1.0, 2.0),
                                (1.0, 0.0, 0.2, 1.0), (0.2, 0.6, 0.8, 1.0), (0.5, 0.5, 0.5, 2.0)]:
        e = float(elaboration(inv, dis))
        without, with_gift = (float(compliance_probability(inv, dis, qual, g, cue_weight=cue))
                              for g in (0, 1))
        cases.append(Case({"involvement": inv, "distraction": dis, "quality": qual, "cue": cue}, [
            f"Elaboration: {inv:.2f} × (1 - {dis:.2f}) = {e:.2f}",
            _route(e),
            f"Assumed: gift cue keeps {1 - e:.0%} of its pull",
            f"No gift {without:.1%}, gift first {with_gift:.1%}",
            f"The gift adds {(with_gift - without) * 100:+.1f} points",
        ]))
    return cases


@register(cases=_cases)
def deliberation_explorer() -> Explorer:
    """Model compliance with and without a gift first, under the dual-route model.

    Four sliders set involvement, distraction, argument quality and the
    gift's cue weight (log-odds on pure autopilot). The chart draws the
    model's chance of a yes across the whole involvement range at the chosen
    distraction, quality and cue weight, with a dot at the chosen involvement;
    the text gives the elaboration, the route it implies and the gift's
    effect. Everything is the closed-form model, computed in the browser.
    """
    def slider(name, value, high, step, label):
        return alt.param(name=name, value=value, bind=alt.binding_range(
            min=0, max=high, step=step, name=label))

    controls = [
        slider("involvement", START["involvement"], 1, 0.1, "Involvement (motivation), 0 to 1 "),
        slider("distraction", START["distraction"], 1, 0.1, "Distraction, 0 to 1 "),
        slider("quality", START["quality"], 1, 0.1, "Argument quality, 0 to 1 "),
        slider("cue", START["cue"], 2, 0.25, "Gift cue strength (log-odds) "),
    ]
    logit_base = f"{float(logit(MODEL['baseline'])):.10g}"  # as stored: 10 significant digits
    weight = MODEL["argument_weight"]

    def chance(e: str, gift: str) -> str:
        """The model's probability of a yes, as a Vega expression."""
        return (f"1 / (1 + exp(-({logit_base} + (1 - ({e})) * cue * ({gift})"
                f" + ({e}) * {weight} * (2 * quality - 1))))")

    derived = [
        value_text("involvement", "format(involvement, '.2f')"),
        value_text("distraction", "format(distraction, '.2f')"),
        value_text("quality", "format(quality, '.2f')"),
        value_text("cue", "format(cue, '.2f') + ' log-odds'"),
        expr.signal("elab", "involvement * (1 - distraction)"),
        expr.signal("p_without", chance("elab", "0")),
        expr.signal("p_with", chance("elab", "1")),
    ]
    levels = np.round(np.arange(0, 1 + _STEP / 2, _STEP), 2)
    rows = [{"involvement": float(i), "arm": arm} for arm in ARMS for i in levels]
    base = alt.Chart(alt.Data(values=rows)).transform_calculate(
        elab="datum.involvement * (1 - distraction)",
    ).transform_calculate(
        p=chance("datum.elab", "datum.arm == 'gift first' ? 1 : 0"),
    )
    x = alt.X("involvement:Q", title="involvement (0 = none, 1 = high)",
              scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(values=[0, 0.2, 0.4, 0.6, 0.8, 1], format=".1f"))
    y = alt.Y("p:Q", title="chance of a yes (model)", scale=alt.Scale(domain=[0, 1]),
              axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1]))
    colour = alt.Color("arm:N", title=None, scale=alt.Scale(domain=list(ARMS), range=list(ARMS.values())),
                       legend=alt.Legend(orient="top-right", fillColor="white", padding=4))
    lines = base.mark_line(strokeWidth=2, aria=False).encode(x=x, y=y, color=colour)
    here = base.transform_filter("abs(datum.involvement - involvement) < 1e-6").transform_calculate(
        label="datum.arm + ' at ' + format(datum.involvement, '.2f') + ': ' + format(datum.p, '.1%')")
    dots = here.mark_point(filled=True, size=70).encode(x=x, y=y, color=colour, description="label:N")
    rule = alt.Chart(alt.Data(values=[{}])).transform_calculate(at="involvement").mark_rule(
        strokeDash=[4, 3], color="#666", aria=False).encode(x=alt.X("at:Q"))
    plot = (rule + lines + dots).properties(
        width=CHART_WIDTH, height=200,
        title=alt.Title("Model: chance of a yes, by involvement",
                        subtitle="at your distraction, quality and cue"))
    text = readout([
        "'Elaboration: ' + format(involvement, '.2f') + ' × (1 − ' + format(distraction, '.2f')"
        " + ') = ' + format(elab, '.2f')",
        "elab < 0.35 ? 'Route: mostly the shortcut (peripheral)'"
        " : elab > 0.65 ? 'Route: mostly the careful (central)' : 'Route: a mix of both'",
        "'Assumed: gift cue keeps ' + format(1 - elab, '.0%') + ' of its pull'",
        "'Arguments get ' + format(elab, '.0%') + ' of their weight'",
        "'No gift ' + format(p_without, '.1%') + ', gift first ' + format(p_with, '.1%')",
        "'The gift adds ' + format((p_with - p_without) * 100, '+.1f') + ' points'",
        "'Assumed model, not data (see the text)'",
    ])
    chart = alt.vconcat(plot, text, spacing=8).add_params(*controls, *derived)
    return Explorer(chart, "deliberation_explorer",
                    "Gift or arguments? Model compliance by involvement, distraction and quality")
