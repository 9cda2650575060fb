"""Explorer for insight 8 (exceed expectations): repayment over surprise × value.

Every cell is the closed form of the gift model of
:mod:`reciprocity.simulate.gifts`, computed in the browser as a Vega
expression (:func:`~reciprocity.explorers._gift_model.repayment_expr`).
"""
from __future__ import annotations

import altair as alt
import numpy as np

from ..simulate.gifts import DEFAULTS, repayment_probability
from ._gift_model import repayment_expr
from .core import CHART_WIDTH, FONT_SIZE, Case, Explorer, readout, register, value_text

SURPRISE_LEVELS = tuple(float(s) for s in np.round(np.arange(-0.4, 1.01, 0.2), 1))
VALUE_LEVELS = (0.0, 0.25, 0.5, 0.75, 1.0)
WEIGHTS = {0.0: "None (0)", 0.75: "Moderate (0.75)", 1.5: "Default (1.5)", 3.0: "Strong (3)"}
SURPRISE_START = {"weight": DEFAULTS["surprise_weight"], "show": "rate", "value": 1.0, "surprise": 0.6}


def _surprise_cases() -> list[Case]:
    base = DEFAULTS["base_rate"]
    cases = []
    for weight, show, value, surprise in [(1.5, "rate", 1.0, 0.6), (0.0, "lift", 0.0, -0.4),
                                          (3.0, "rate", 1.0, 1.0), (0.75, "lift", 0.5, 0.2),
                                          (1.5, "rate", 0.25, -0.4)]:
        p = repayment_probability(value, surprise, surprise_weight=weight)
        at_norm = repayment_probability(value, 0.0, surprise_weight=weight)
        cell = f"{p:.0%}" if show == "rate" else f"{p / base:.1f}×"
        cases.append(Case({"weight": weight, "show": show, "value": value, "surprise": surprise}, [
            f"Value {value:.2f}, surprise {surprise:+.1f}: {p:.1%}",
            f"That is {p / base:.2f}× the {base:.0%} no-gift rate",
            f"Same gift, as expected: {at_norm:.1%}",
            f"Surprise weight {weight:g} (assumed)",
            cell,
        ]))
    return cases


@register(cases=_surprise_cases)
def surprise_value_explorer() -> Explorer:
    """Heatmap of model repayment over surprise × value (insight 8).

    A menu sets the model's surprise weight, a toggle shows each cell as a
    rate or as a multiple of the no-gift rate, and two sliders pick a cell
    whose numbers the text reads out. Every cell is the model's closed form,
    computed in the browser.
    """
    base = DEFAULTS["base_rate"]
    top = float(repayment_probability(1.0, max(SURPRISE_LEVELS), surprise_weight=max(WEIGHTS)))
    controls = [
        alt.param(name="weight", value=SURPRISE_START["weight"], bind=alt.binding_select(
            options=list(WEIGHTS), labels=list(WEIGHTS.values()), name="Surprise weight ")),
        alt.param(name="show", value=SURPRISE_START["show"], bind=alt.binding_radio(
            options=["rate", "lift"], labels=["Repayment rate", "Lift over no gift"], name="Show ")),
        alt.param(name="value", value=SURPRISE_START["value"], bind=alt.binding_range(
            min=0, max=1, step=0.25, name="Value to their job ")),
        alt.param(name="surprise", value=SURPRISE_START["surprise"], bind=alt.binding_range(
            min=SURPRISE_LEVELS[0], max=SURPRISE_LEVELS[-1], step=0.2, name="Surprise ")),
    ]
    derived = [
        alt.param(name="p_cell", expr=repayment_expr("value", "surprise", surprise_weight="weight")),
        alt.param(name="p_norm", expr=repayment_expr("value", "0", surprise_weight="weight")),
        value_text("value", "format(value, '.2f')"),
        value_text("surprise", "format(surprise, '+.1f')"),
    ]
    rows = [{"value": v, "surprise": s} for v in VALUE_LEVELS for s in SURPRISE_LEVELS]
    cells = alt.Chart(alt.Data(values=rows)).transform_calculate(
        p=repayment_expr("datum.value", "datum.surprise", surprise_weight="weight"),
    ).transform_calculate(
        shade=f"(datum.p - {base}) / ({top:.6g} - {base})",
        shown=f"show == 'lift' ? format(datum.p / {base}, '.1f') + '×' : format(datum.p, '.0%')",
        col="format(datum.surprise, '+.1f')",
        row="format(datum.value, '.2f')",
        chosen="abs(datum.value - value) < 1e-6 && abs(datum.surprise - surprise) < 1e-6",
        label="'value ' + datum.row + ', surprise ' + datum.col + ': ' + datum.shown",
    )
    x = alt.X("surprise:O", title="surprise (actual − expected gift)",
              axis=alt.Axis(labelAngle=0, labelExpr="format(datum.value, '+.1f')"))
    y = alt.Y("value:O", title="value to their job", sort="descending",
              axis=alt.Axis(labelExpr="format(datum.value, '.2f')"))
    heat = cells.mark_rect().encode(
        x=x, y=y, description="label:N",
        color=alt.Color("shade:Q", legend=None, scale=alt.Scale(domain=[0, 1], scheme="blues")),
        stroke=alt.condition("datum.chosen", alt.value("#D55E00"), alt.value(None)),
        strokeWidth=alt.condition("datum.chosen", alt.value(3), alt.value(0)),
    )
    labels = cells.mark_text(fontSize=FONT_SIZE, aria=False).encode(
        x=x, y=y, text="shown:N",
        color=alt.condition("datum.shade > 0.5", alt.value("white"), alt.value("black")))
    plot = (heat + labels).properties(
        width=CHART_WIDTH, height=200,
        title=alt.Title(alt.ExprRef("show == 'lift' ? 'Gift model: repayment ÷ no-gift rate'"
                                    " : 'Gift model: chance of repaying'"),
                        subtitle="by surprise (columns) and value (rows)"))
    text = readout([
        "'Value ' + format(value, '.2f') + ', surprise ' + format(surprise, '+.1f') + ': '"
        " + format(p_cell, '.1%')",
        f"'That is ' + format(p_cell / {base}, '.2f') + '× the {base:.0%} no-gift rate'",
        "'Same gift, as expected: ' + format(p_norm, '.1%')",
        "'Surprise weight ' + weight + ' (assumed)'",
        "'Gift model: assumed, not measured'",
    ])
    chart = alt.vconcat(plot, text, spacing=8).add_params(*controls, *derived)
    return Explorer(chart, "surprise_value_explorer",
                    "Surprise × value: repayment in the gift model")
