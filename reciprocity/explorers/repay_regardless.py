"""Explorer for insight 6: repayment from a personal norm plus social pressure.

The model of :mod:`reciprocity.simulate.norms` has a closed form,
``repayment = n + (1 - n) * r * v``, so the chart and its readout are
computed in the browser. It is a model only: the shares ``n`` and ``r`` are
assumptions that no study cited by the course estimates. The base rates of
prosocial behaviour quoted in chapter 6 (turnout, anonymous cooperation,
legislators' replies, charity gifts) involved no favour, so they are not
shown here as if they measured the personal-norm share.
"""
from __future__ import annotations

import altair as alt

from ..plots import PALETTE
from ..simulate.norms import DEFAULT_PERSONAL_NORM, DEFAULT_PRESSURE_RESPONSE, decompose_repayment
from . import expr
from ._d3format import fixed, percent
from .core import CHART_WIDTH, Case, Explorer, readout, register, value_text

__all__ = ["ENGINE_COLOURS", "MODEL_NOTE"]

#: The model's two curves: repayment from the personal norm alone, and in total.
ENGINE_COLOURS = {"personal norm alone": PALETTE[0], "total repayment": PALETTE[1]}
#: The readout's reminder that the sliders set assumptions, not estimates.
MODEL_NOTE = "Model: n and r are assumed, not measured"
_STEP = 0.05


#: What the readout says where nobody repays: no share of nothing "stays".
NOBODY = "Nobody repays: nothing to keep in anonymity"


def _lines(n: float, r: float, v: float) -> list[str]:
    parts = decompose_repayment(n, r, v)
    stays = (f"In full anonymity {percent(parts['internalised_share'])} of it stays"
             if parts["total"] > 0 else NOBODY)
    return [f"At visibility {percent(v)}: {percent(parts['total'], 1)} repay",
            f"Personal norm {fixed(100 * parts['internalised'], 1)} points, "
            f"pressure {fixed(100 * parts['social_pressure'], 1)}",
            stays,
            MODEL_NOTE]


def _cases() -> list[Case]:
    cases = []
    for n, r, v in [(DEFAULT_PERSONAL_NORM, DEFAULT_PRESSURE_RESPONSE, 1.0), (0.0, 0.0, 0.0),
                    (1.0, 1.0, 1.0), (0.0, 1.0, 0.5), (0.15, 0.85, 0.35), (0.45, 0.2, 0.0),
                    (0.0, 1.0, 0.0)]:
        # the sliders are in percent, as the readout is
        settings = {"personal_norm": round(n * 100), "pressure_response": round(r * 100),
                    "visibility": round(v * 100)}
        cases.append(Case(settings, [f"visibility: {percent(v)}", *_lines(n, r, v)]))
    return cases


@register(cases=_cases)
def norms_explorer() -> Explorer:
    """Repayment as a personal-norm part plus a social-pressure part that grows with visibility (a model).

    Simulated model (:mod:`reciprocity.simulate.norms`): three sliders set the
    share holding the norm ``n``, the share of the others who repay when seen
    ``r``, and the visibility ``v``. The line is ``n + (1 - n) * r * v`` over
    all visibilities, the dashed line the personal-norm part ``n`` alone. The
    sliders set assumptions; nothing on the chart is data.
    """
    def slider(name, value, label):
        return alt.param(name=name, value=round(value * 100), bind=alt.binding_range(
            min=0, max=100, step=round(_STEP * 100), name=label))

    # percent sliders, as the readout speaks in percent; the model takes proportions
    controls = [
        slider("personal_norm", DEFAULT_PERSONAL_NORM, "Share who hold a personal norm, n (%) "),
        slider("pressure_response", DEFAULT_PRESSURE_RESPONSE, "Share of the others who repay when seen, r (%) "),
        slider("visibility", 1.0, "Visibility: chance the exchange is seen, v (%) "),
    ]
    derived = [
        expr.signal("n_share", "personal_norm / 100"),
        expr.signal("r_share", "pressure_response / 100"),
        expr.signal("v_share", "visibility / 100"),
        # the same operations, in the same order, as decompose_repayment
        expr.signal("norm_pressure", "(1 - n_share) * r_share * v_share"),
        expr.signal("norm_total", "n_share + norm_pressure"),
        expr.signal("norm_share", "norm_total > 0 ? n_share / norm_total : 0"),
        *(value_text(name, f"{name} + '%'") for name in ("personal_norm", "pressure_response", "visibility")),
    ]
    steps = round(1 / _STEP)
    grid = alt.Data(values=[{"k": k} for k in range(steps + 1)])
    x = alt.X("v:Q", title="visibility (chance the exchange is seen)", axis=alt.Axis(format="%"),
              scale=alt.Scale(domain=[0, 1]))
    y = alt.Y("rate:Q", title="repaid", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]))
    colour = alt.Color("series:N", title=None, scale=alt.Scale(
        domain=list(ENGINE_COLOURS), range=list(ENGINE_COLOURS.values())),
        legend=alt.Legend(orient="bottom", direction="horizontal"))
    curves = alt.Chart(grid).transform_calculate(
        v=f"datum.k * {_STEP}",
        total="n_share + (1 - n_share) * r_share * datum.v",
        alone="n_share",
    ).transform_fold(["total", "alone"], as_=["part", "rate"]).transform_calculate(
        series="datum.part == 'total' ? 'total repayment' : 'personal norm alone'")
    lines = curves.mark_line(strokeWidth=2.5, aria=False).encode(
        x=x, y=y, color=colour, strokeDash=alt.StrokeDash(
            "series:N", legend=None, scale=alt.Scale(domain=list(ENGINE_COLOURS), range=[[5, 4], [1, 0]])))
    marker = alt.Chart(alt.Data(values=[{}])).transform_calculate(
        v="v_share", rate="norm_total",
        label="'At visibility ' + visibility + '%, ' + format(norm_total, '.1%') + ' repay'",
    ).mark_point(filled=True, size=100, color=PALETTE[1]).encode(x=x, y=y, description="label:N")
    plot = alt.layer(lines, marker).properties(
        width=CHART_WIDTH - 40, height=220, title=alt.Title(
            "Simulated model: repayment and visibility",
            subtitle="n, r and v are assumptions, not data"))
    text = readout([
        "'At visibility ' + visibility + '%: ' + format(norm_total, '.1%') + ' repay'",
        "'Personal norm ' + format(100 * n_share, '.1f') + ' points, pressure '"
        " + format(100 * norm_pressure, '.1f')",
        f"norm_total > 0 ? 'In full anonymity ' + format(norm_share, '.0%') + ' of it stays' : '{NOBODY}'",
        f"'{MODEL_NOTE}'",
    ])
    chart = alt.concat(plot, text, columns=1, spacing=10, align="none").add_params(*controls, *derived)
    return Explorer(chart, "norms_explorer",
                    "Simulated model: repayment from a personal norm plus social pressure")
