"""Explorers for insight 5 (social value orientation).

``svo_mix_explorer``: set the mix of prosocials, individualists and competitors
and see how many favours come back, with and without a reason to return them.
The numbers are the model's expected rates
(:func:`reciprocity.simulate.svo.expected_return_rates`): a weighted sum with
a closed form, computed in the browser.

``svo_slider_explorer``: answer the six primary items of the SVO slider
measure and see the SVO angle and category (:func:`reciprocity.simulate.svo.svo_angle`,
:func:`~reciprocity.simulate.svo.classify_svo`), also closed forms computed in
the browser.
"""
from __future__ import annotations

import math

import altair as alt

from ..plots import GREY, PALETTE
from ..simulate.svo import (
    DEFAULT_RETURN_RATES,
    SLIDER_ITEMS,
    SVO_BOUNDARIES,
    SVO_TYPES,
    classify_svo,
    expected_return_rates,
    slider_payoffs,
    svo_angle,
)
from . import expr
from ._d3format import fixed, percent
from .core import CHART_WIDTH, Case, Explorer, readout, register, value_text

#: The two situations, coloured as in chapter 5's bar chart.
CONDITION_COLOURS = {"one-off gift": PALETTE[0], "future benefit": PALETTE[1]}
_CONDITION_KEYS = {"one-off gift": "one_off", "future benefit": "future"}
#: Starting weights of the mix sliders: the reported student-sample shares, in percent.
MIX_START = {"prosocial": 50, "individualist": 33, "competitor": 10}


def _mix_lines(weights: dict[str, int], gifts: int) -> list[str]:
    """The readout of the mix explorer, computed with the simulator's expectations."""
    total = sum(weights.values())
    if total == 0:
        return ["Give at least one type a positive weight."]
    mix = {k: weights[k] / total for k in SVO_TYPES}
    table = expected_return_rates(mix).set_index("group")
    one_off, future = table.loc["population", "one_off"], table.loc["population", "future"]
    ind = table.loc["individualist"]
    gap = ind["contribution_future"] - ind["contribution_one_off"]
    return [f"One-off gift: {percent(one_off, 1)} return ({fixed(one_off * gifts, 0, True)} of "
            f"{fixed(gifts, 0, True)})",
            f"Future benefit: {percent(future, 1)} ({fixed(future * gifts, 0, True)} of "
            f"{fixed(gifts, 0, True)})",
            f"Individualists make {percent(gap / (future - one_off))} of the gap"]


def _mix_cases() -> list[Case]:
    cases = []
    for p, i, c, gifts in [(50, 33, 10, 100), (25, 60, 15, 1000), (100, 0, 0, 10), (0, 100, 0, 500),
                           (0, 0, 100, 990), (7, 81, 44, 370)]:
        weights = {"prosocial": p, "individualist": i, "competitor": c}
        cases.append(Case({**weights, "gifts": gifts}, _mix_lines(weights, gifts)))
    cases.append(Case({"prosocial": 0, "individualist": 0, "competitor": 0},
                      _mix_lines({"prosocial": 0, "individualist": 0, "competitor": 0}, 100)))
    return cases


@register(cases=_mix_cases)
def svo_mix_explorer() -> Explorer:
    """Favours returned for a chosen mix of SVO types (simulated expectations).

    Three sliders weigh the orientations (rescaled to shares that sum to
    100%) and one sets the number of gifts sent. The bars show each
    orientation's contribution to the population's return rate (its share
    times its assumed return rate, :data:`reciprocity.simulate.svo.DEFAULT_RETURN_RATES`)
    in a one-off encounter and when returning the favour pays off later.
    """
    def slider(name, label, value, low=0, high=100, step=1):
        return alt.param(name=name, value=value, bind=alt.binding_range(
            min=low, max=high, step=step, name=label))

    controls = [
        slider("prosocial", "Prosocials (weight) ", MIX_START["prosocial"]),
        slider("individualist", "Individualists (weight) ", MIX_START["individualist"]),
        slider("competitor", "Competitors (weight) ", MIX_START["competitor"]),
        slider("gifts", "Gifts sent ", 100, 10, 1000, 10),
    ]
    weight_total = "(prosocial + individualist + competitor)"
    derived = [expr.signal("mix_total", weight_total),
               value_text("gifts", "format(gifts, ',') + ' gifts'")]
    for kind in SVO_TYPES:
        derived.append(expr.signal(f"share_{kind}", f"mix_total > 0 ? {kind} / mix_total : 0"))
    for kind in SVO_TYPES:  # a weight, and the share of the audience it makes
        derived.append(value_text(kind, f"{kind} + ' (' + format(share_{kind}, '.0%') + ')'"))
    for key in ("one_off", "future"):
        # the same sum, in the same order, as expected_return_rates
        terms = " + ".join(f"share_{k} * {DEFAULT_RETURN_RATES[k][key]}" for k in SVO_TYPES)
        derived.append(expr.signal(f"mix_{key}", f"0 + {terms}"))
    ind = DEFAULT_RETURN_RATES["individualist"]
    derived.append(expr.signal(
        "mix_ind_gap", f"mix_future > mix_one_off ? (share_individualist * {ind['future']}"
                       f" - share_individualist * {ind['one_off']}) / (mix_future - mix_one_off) : 0"))

    rows = [{"type": kind, "condition": cond, "rate": DEFAULT_RETURN_RATES[kind][key]}
            for kind in SVO_TYPES for cond, key in _CONDITION_KEYS.items()]
    rows += [{"type": "everyone", "condition": cond, "rate": -1} for cond in _CONDITION_KEYS]
    order = [*SVO_TYPES, "everyone"]
    base = alt.Chart(alt.Data(values=rows)).transform_calculate(
        share="datum.type == 'everyone' ? 1 : datum.type == 'prosocial' ? share_prosocial"
              " : datum.type == 'individualist' ? share_individualist : share_competitor",
        value="datum.type != 'everyone' ? datum.share * datum.rate"
              " : datum.condition == 'one-off gift' ? mix_one_off : mix_future",
        heading="datum.type == 'everyone' ? 'everyone (the sum)' : datum.type + 's, '"
                " + format(datum.share, '.0%') + ' of the audience'",
        label="datum.heading + ', ' + datum.condition + ': ' + format(datum.value, '.1%')"
              " + ' of recipients return it'",
    )
    y = alt.Y("type:N", sort=order, axis=None, scale=alt.Scale(paddingInner=0.5, paddingOuter=0.4))
    colour = alt.Color("condition:N", title=None, scale=alt.Scale(
        domain=list(CONDITION_COLOURS), range=list(CONDITION_COLOURS.values())),
        legend=alt.Legend(orient="bottom", direction="horizontal"))
    bars = base.mark_bar().encode(
        x=alt.X("value:Q", title="share of all recipients who return the favour",
                axis=alt.Axis(format="%", labelFlush=True), scale=alt.Scale(domain=[0, 1])),
        y=y, yOffset=alt.YOffset("condition:N", sort=list(CONDITION_COLOURS)),
        color=colour, description="label:N")
    values = base.mark_text(align="left", dx=3, aria=False).encode(
        x="value:Q", y=y, yOffset=alt.YOffset("condition:N", sort=list(CONDITION_COLOURS)),
        text=alt.Text("value:Q", format=".0%"))
    headings = base.transform_filter("datum.condition == 'one-off gift'").mark_text(
        align="left", baseline="middle", yOffset=-24, aria=False).encode(
        x=alt.value(0), y=y, text="heading:N")
    plot = alt.layer(bars, values, headings).properties(
        width=CHART_WIDTH, height=260, title=alt.Title(
            "Simulated: who returns the favour",
            subtitle="expected shares; type rates are assumptions"))
    text = readout([
        "mix_total == 0 ? 'Give at least one type a positive weight.'"
        " : 'One-off gift: ' + format(mix_one_off, '.1%') + ' return (' + format(mix_one_off * gifts, ',.0f')"
        " + ' of ' + format(gifts, ',') + ')'",
        "mix_total == 0 ? '' : 'Future benefit: ' + format(mix_future, '.1%') + ' ('"
        " + format(mix_future * gifts, ',.0f') + ' of ' + format(gifts, ',') + ')'",
        "mix_total == 0 ? '' : 'Individualists make ' + format(mix_ind_gap, '.0%') + ' of the gap'",
    ])
    chart = alt.concat(plot, text, columns=1, spacing=10, align="none").add_params(*controls, *derived)
    return Explorer(chart, "svo_mix_explorer",
                    "Simulated: who returns a favour, by the audience's mix of orientations")


def _slider_lines(positions: list[int]) -> list[str]:
    selves, others = slider_payoffs(positions)
    angle = svo_angle(selves, others)
    lines = [f"Mean payoff: you {fixed(sum(selves) / 6, 1)}, the other {fixed(sum(others) / 6, 1)}",
             f"SVO angle {fixed(angle, 1)}°: {classify_svo(angle)}"]
    # each slider reads out the split it picks
    lines += [f"item{i + 1}: you {s}, other {o}" for i, (s, o) in enumerate(zip(selves, others, strict=True))]
    return lines


def _slider_cases() -> list[Case]:
    from ..simulate.svo import choose_positions
    sets = [[4] * 6, [0] * 6, [8] * 6, choose_positions(40.0), choose_positions(-40.0),
            choose_positions(75.0), [0, 8, 0, 8, 0, 8]]
    return [Case({f"item{i + 1}": p for i, p in enumerate(positions)}, _slider_lines(positions))
            for positions in sets]


@register(cases=_slider_cases)
def svo_slider_explorer() -> Explorer:
    """The six primary SVO slider items: pick a split on each, see the angle and category.

    Each slider picks one of the nine splits of an item of Murphy et al.'s
    (2011) slider measure. The mean payoffs, the angle
    ``atan2(mean other - 50, mean self - 50)`` in degrees and the category
    (thresholds :data:`reciprocity.simulate.svo.SVO_BOUNDARIES`) are computed
    in the browser, as :func:`~reciprocity.simulate.svo.svo_angle` and
    :func:`~reciprocity.simulate.svo.classify_svo` compute them.
    """
    controls = []
    for i, (item_self, item_other) in enumerate(SLIDER_ITEMS):
        label = (f"Item {i + 1}: you {item_self[0]}→{item_self[-1]}, "
                 f"other {item_other[0]}→{item_other[-1]} ")
        controls.append(alt.param(name=f"item{i + 1}", value=4, bind=alt.binding_range(
            min=0, max=8, step=1, name=label)))
    items = [[list(s), list(o)] for s, o in SLIDER_ITEMS]
    n = len(SLIDER_ITEMS)
    picks_self = " + ".join(f"svo_items[{i}][0][item{i + 1}]" for i in range(n))
    picks_other = " + ".join(f"svo_items[{i}][1][item{i + 1}]" for i in range(n))
    cuts = SVO_BOUNDARIES
    derived = [
        alt.param(name="svo_items", value=items),
        *(value_text(f"item{i + 1}", f"'you ' + svo_items[{i}][0][item{i + 1}] + ', other '"
                                     f" + svo_items[{i}][1][item{i + 1}]") for i in range(n)),
        expr.signal("svo_self", f"({picks_self}) / {n}"),
        expr.signal("svo_other", f"({picks_other}) / {n}"),
        expr.signal("svo_angle", "atan2(svo_other - 50, svo_self - 50) * (180 / PI)"),
        expr.signal("svo_category", f"svo_angle > {cuts['altruist']} ? 'altruist'"
                                    f" : svo_angle > {cuts['prosocial']} ? 'prosocial'"
                                    f" : svo_angle >= {cuts['individualist']} ? 'individualist'"
                                    " : 'competitor'"),
    ]
    scale = alt.Scale(domain=[0, 100], nice=False)
    x_axis = alt.X("x:Q", title="mean payoff to you", scale=scale)
    y_axis = alt.Y("y:Q", title="mean payoff to the other", scale=scale)
    circle = alt.Chart(alt.Data(values=[{"step": k} for k in range(73)])).transform_calculate(
        x="50 + 50 * cos(datum.step * PI / 36)", y="50 + 50 * sin(datum.step * PI / 36)",
    ).mark_line(color="#cccccc", aria=False).encode(x=x_axis, y=y_axis, order="step:Q")
    ray_rows = []
    for name, deg in cuts.items():
        rad = math.radians(deg)
        ray_rows += [{"ray": name, "end": 0, "x": 50, "y": 50},
                     {"ray": name, "end": 1, "x": 50 + 50 * math.cos(rad), "y": 50 + 50 * math.sin(rad)}]
    rays = alt.Chart(alt.Data(values=ray_rows)).mark_line(
        color="#999999", strokeDash=[4, 3], aria=False).encode(
        x=x_axis, y=y_axis, detail="ray:N", order="end:Q")
    names = alt.Chart(alt.Data(values=[
        {"name": name, "x": 50 + 36 * math.cos(math.radians(deg)), "y": 50 + 36 * math.sin(math.radians(deg))}
        for name, deg in (("altruist", 74), ("prosocial", 40), ("individualist", 5), ("competitor", -40))
    ])).mark_text(color=GREY, aria=False).encode(x=x_axis, y=y_axis, text="name:N")
    you = alt.Chart(alt.Data(values=[{"end": 0}, {"end": 1}])).transform_calculate(
        x="datum.end ? svo_self : 50", y="datum.end ? svo_other : 50",
        label="'Your answers: mean ' + format(svo_self, '.1f') + ' to you, ' + format(svo_other, '.1f')"
              " + ' to the other, angle ' + format(svo_angle, '.1f') + ' degrees, ' + svo_category")
    arrow = you.mark_line(color=PALETTE[3], strokeWidth=2.5, aria=False).encode(
        x=x_axis, y=y_axis, order="end:Q")
    point = you.transform_filter("datum.end == 1").mark_point(
        filled=True, size=110, color=PALETTE[3]).encode(x=x_axis, y=y_axis, description="label:N")
    side = CHART_WIDTH - 80
    plot = alt.layer(circle, rays, names, arrow, point).properties(
        width=side, height=side, title=alt.Title(
            alt.ExprRef("'SVO angle ' + format(svo_angle, '.1f') + '°: ' + svo_category"),
            subtitle="dashed rays: category boundaries"))
    text = readout([
        "'Mean payoff: you ' + format(svo_self, '.1f') + ', the other ' + format(svo_other, '.1f')",
        "'SVO angle ' + format(svo_angle, '.1f') + '°: ' + svo_category",
    ])
    chart = alt.concat(plot, text, columns=1, spacing=10, align="none").add_params(*controls, *derived)
    return Explorer(chart, "svo_slider_explorer",
                    "Measure an SVO angle with the six slider items of Murphy et al. (2011)")
